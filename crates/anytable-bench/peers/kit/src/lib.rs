//! What every peer bench program shares: the protocol with the orchestrator ([`protocol`],
//! also compiled into `anytable-bench`), and the workloads written once over a small client
//! trait, for sync libraries ([`sync_run`]) and, with the feature `async`, tokio ones
//! ([`async_run`]).

pub mod protocol;
pub mod sync_run;

#[cfg(feature = "async")]
pub mod async_run;

pub use protocol::*;
