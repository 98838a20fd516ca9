//! Runnable examples live beside this crate; see the [[example]] entries. This library holds
//! what they share.

use std::io::IsTerminal;

use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::EnvFilter;

/// Prints `tracing` output to stderr as `RUST_LOG` asks (default: warnings only), with a line
/// when each span closes: `RUST_LOG=anytable=debug` shows one line per statement with its SQL,
/// rows and duration.
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    // A second call (or a subscriber set by someone else) keeps the first.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
