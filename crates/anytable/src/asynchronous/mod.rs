//! The async API for tokio applications (cargo feature `async`).
//!
//! [`AsyncDatabase`], [`AsyncTable`], [`AsyncSelect`] and [`AsyncTransaction`] mirror
//! [`Database`](crate::Database), [`Table`](crate::Table), [`Select`](crate::Select) and
//! [`Transaction`](crate::Transaction) one for one. Records go in and come back by value
//! (an insert hands the record back with its generated fields filled in), and query results
//! stream as a [`RecordStream`], a `futures` [`Stream`](futures_core::Stream) over the sync
//! cursor ([`Select::iter`](crate::Select::iter)) that reads 256 rows at a time, and only when
//! the consumer has taken the rows before.
//!
//! # Where the blocking happens
//! The drivers underneath are synchronous, so no call ever runs on a thread that is driving
//! the runtime's tasks: a slow query or a writer waiting for a lock never stalls other tasks.
//! In a task on a multi-threaded runtime a call runs in
//! [`block_in_place`](tokio::task::block_in_place), which first moves the worker's other tasks
//! to another thread and then leaves the runtime; everywhere else (a current-thread runtime,
//! a future passed to `block_on`) it runs on the blocking pool (`spawn_blocking`). Either way
//! PostgreSQL's blocking client, which drives a small runtime of its own, is never entered
//! from inside tokio's. Calls need a tokio runtime; outside one they fail with
//! [`ErrorKind::Unsupported`].
//!
//! Each call pays for that hand-off, about half a microsecond: nothing next to a lookup or a
//! server round trip, but a third of a SQLite insert inside a transaction. For hot loops of
//! such statements, [`AsyncDatabase::run_blocking`] runs a sync closure (a whole transaction)
//! with one hand-off. `docs/performance.md` has the measurements.
//!
//! # Cancellation
//! Dropping the future of a call does not stop a statement that has started: it runs to its
//! end (an insert outside a transaction is committed). Dropping a
//! [`RecordStream`] stops its query (after the batch being read, if one is). Dropping an [`AsyncTransaction`] that
//! was neither committed nor rolled back rolls it back, on the blocking pool.
//!
//! ```
//! use anytable::asynchronous::AsyncDatabase;
//! use anytable::Record;
//! use futures_util::StreamExt;
//!
//! #[derive(Record, Debug)]
//! struct Note {
//!     #[anytable(id)]
//!     id: i64,
//!     text: String,
//! }
//!
//! # fn main() -> anytable::Result<()> {
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let db = AsyncDatabase::open("sqlite::memory:").await?;
//! let notes = db.table::<Note>().await?;
//! let (id, note) = notes.insert(Note { id: 0, text: "hello".into() }).await?;
//! assert_eq!(note.id, id);
//! let mut stream = notes.filter(Note::text().eq("hello")).stream();
//! while let Some(note) = stream.next().await {
//!     assert_eq!(note?.text, "hello");
//! }
//! # Ok(())
//! # })
//! # }
//! ```

mod database;
mod joined;
mod projected;
mod select;
mod stream;
mod table;
mod transaction;

pub use database::AsyncDatabase;
pub use joined::AsyncJoined;
pub use projected::AsyncProjected;
pub use select::AsyncSelect;
pub use stream::RecordStream;
pub use table::{AsyncTable, AsyncTableHandle};
pub use transaction::AsyncTransaction;

use crate::{Error, ErrorKind, Result};

/// Runs `f` without blocking the runtime and waits for it; a panic in `f` resumes in the
/// caller, as it would in the sync API.
///
/// In a task of a multi-threaded runtime, `f` runs right here, in `block_in_place`: tokio
/// first hands this worker's other tasks to another thread, so nothing waits behind `f`, and
/// no thread has to be woken to run it and then wake this task again (measured: a 1.3 us
/// SQLite insert costs 1.8 us this way and 15 us through `spawn_blocking`). Elsewhere
/// (current-thread runtimes, `block_on` futures, which `block_in_place` may not support) it
/// goes to the blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    let runtime = runtime()?;
    if may_block_in_place(&runtime) {
        return tokio::task::block_in_place(f);
    }
    match runtime.spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(Error::new(
            ErrorKind::Other,
            "the tokio runtime shut down before the database call finished",
        )),
    }
}

/// Whether the caller is a task of a multi-threaded runtime, where `block_in_place` may run
/// blocking work right here.
fn may_block_in_place(runtime: &tokio::runtime::Handle) -> bool {
    runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
        && tokio::task::try_id().is_some()
}

/// The runtime the caller runs on, or a typed error instead of tokio's panic.
fn runtime() -> Result<tokio::runtime::Handle> {
    tokio::runtime::Handle::try_current().map_err(|_| {
        Error::unsupported(
            "anytable's async API must be called from inside a tokio runtime; \
             use the sync API (anytable::Database) elsewhere",
        )
    })
}
