//! The async API for tokio applications (cargo feature `async`).
//!
//! [`AsyncDatabase`], [`AsyncTable`], [`AsyncSelect`] and [`AsyncTransaction`] mirror
//! [`Database`](crate::Database), [`Table`](crate::Table), [`Select`](crate::Select) and
//! [`Transaction`](crate::Transaction) one for one. Records go in and come back by value
//! (an insert hands the record back with its generated fields filled in), and query results
//! stream as a [`RecordStream`], a `futures` [`Stream`](futures_core::Stream) with
//! back-pressure: the reader waits while two batches of 256 rows are unread.
//!
//! # Where the blocking happens
//! The drivers underneath are synchronous, so every call runs on tokio's blocking thread pool
//! (`spawn_blocking`), never on the runtime's worker threads: a slow query or a writer
//! waiting for a lock never stalls other tasks. That includes PostgreSQL, whose blocking client
//! drives its own small runtime and so must not run on a worker thread. Calls need a tokio
//! runtime (current-thread or multi-thread); outside one they fail with
//! [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported).
//!
//! # Cancellation
//! Dropping the future of a call does not stop the statement it started: the statement runs to
//! its end on the blocking pool (an insert outside a transaction is committed). Dropping a
//! [`RecordStream`] stops its query at the next batch. Dropping an [`AsyncTransaction`] that
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
mod select;
mod stream;
mod table;
mod transaction;

pub use database::AsyncDatabase;
pub use select::AsyncSelect;
pub use stream::RecordStream;
pub use table::{AsyncTable, AsyncTableOps};
pub use transaction::AsyncTransaction;

use crate::{Error, ErrorKind, Result};

/// Runs `f` on tokio's blocking pool and waits for it without blocking the runtime; a panic in
/// `f` resumes in the caller, as it would in the sync API.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    match runtime()?.spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(Error::new(
            ErrorKind::Other,
            "the tokio runtime shut down before the database call finished",
        )),
    }
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
