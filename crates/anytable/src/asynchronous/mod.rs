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
//! # Where the calls run
//! Where the backend's driver is async and offers it ([`Backend::async_statements`]:
//! PostgreSQL without a pooler in transaction mode or replicas), a table's `insert`, `get`,
//! `update`, `delete`, `delete_all`, `count` and `count_matching` outside a transaction are
//! awaited natively: the statement goes out on a session whose connection is
//! a task of the caller's runtime, shared by concurrent tasks and pipelined, with no blocking
//! thread and no pooled connection (module `native`). Under
//! [`AsyncDatabase::with_timeout`] they take the path below, which keeps the deadline.
//!
//! Everything else runs the sync driver, and no call ever runs on a thread that is driving
//! the runtime's tasks: a slow query or a writer waiting for a lock never stalls other tasks.
//! In a task on a multi-threaded runtime a call runs in
//! [`block_in_place`](tokio::task::block_in_place), which first moves the worker's other tasks
//! to another thread and then leaves the runtime; everywhere else (a current-thread runtime,
//! a future passed to `block_on`) it runs on the blocking pool (`spawn_blocking`). Either way
//! PostgreSQL's blocking client, which drives a small runtime of its own, is never entered
//! from inside tokio's. Calls need a tokio runtime; outside one they fail with
//! [`ErrorKind::Unsupported`].
//!
//! Where calls run on the blocking pool, one that needs a connection from the pool first
//! waits for a turn, as a task: a pool of 16 serves 16 calls at once, and the calls in line
//! hold none of the blocking pool's threads, which the calls that free connections (a
//! COMMIT) need. A transaction keeps its turn until it ends, as it keeps its connection. The
//! wait is bounded by the pool's own (`pool_timeout`) and fails the same way,
//! [`ErrorKind::Timeout`]; it needs no tokio timer, so runtimes built without `enable_time`
//! work too. In tasks of a multi-threaded runtime calls do not queue as tasks: they wait for
//! a connection in `block_in_place`, which measured faster (see `Admission` in the source).
//!
//! Each call pays for that hand-off, about half a microsecond: nothing next to a lookup or a
//! server round trip, but a third of a SQLite insert inside a transaction. For hot loops of
//! such statements, [`AsyncDatabase::run_blocking`] runs a sync closure (a whole transaction)
//! with one hand-off. `docs/performance.md` has the measurements.
//!
//! # Timeouts and cancellation
//! [`AsyncDatabase::with_timeout`] bounds every call like
//! [`Database::with_timeout`](crate::Database::with_timeout): past its limit the engine is
//! interrupted (a PostgreSQL cancel request, so the server stops too) and the call fails with
//! the retryable [`ErrorKind::Timeout`]. That is the way to bound a call. Wrapping one in
//! `tokio::time::timeout` works for native calls and where the call runs on the blocking pool:
//! in a task of a multi-threaded runtime a sync call runs inside one poll of its future
//! (`block_in_place`, above), so nothing can drop that future before the call is done. Moving
//! those calls to the blocking pool would make them droppable at about 15 us a call against
//! 1.8 us (a SQLite insert is 1.3 us), so they stay in place.
//!
//! A native call (above) dropped before it is done is stopped by a cancel request when its
//! statement is the only one in flight on its session, which is then retired; where other
//! tasks' statements share the session, a cancel request could stop one of theirs, so the
//! statement runs to its end (bounded by `lock_timeout` and `statement_timeout`) unread.
//!
//! Where a call runs on the blocking pool (a current-thread runtime, `block_on`), dropping its
//! future before it is done cancels it: the statement it is running is interrupted like a
//! timed-out one (its changes undone as a failed statement's are) and the call starts no
//! other. A statement that has already finished stays done (an insert outside a transaction
//! is committed); inside an [`AsyncTransaction`], the interrupted statement aborts the
//! transaction. Dropping a [`RecordStream`] stops its query (after the batch being read, if
//! one is). Dropping an [`AsyncTransaction`] that was neither committed nor rolled back rolls
//! it back, on the blocking pool.
//!
//! [`Backend::async_statements`]: crate::backend::Backend::async_statements
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

mod alarm;
mod database;
mod joined;
mod native;
mod projected;
mod select;
mod stream;
mod table;
mod transaction;

pub use database::AsyncDatabase;
pub use joined::AsyncJoined;
pub use projected::AsyncProjected;
pub use select::AsyncSelect;
#[cfg(feature = "arrow")]
pub use stream::BatchStream;
pub use stream::RecordStream;
pub use table::{AsyncTable, AsyncTableHandle};
pub use transaction::AsyncTransaction;

use std::future::Future;
use std::sync::Arc;

use crate::deadline::Call;
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
    run(None, f).await
}

/// [`blocking`], for a call that takes a connection from `db`'s pool: on the blocking pool,
/// after a turn at `db`'s pool ([`Admission`]).
pub(crate) async fn pooled<T: Send + 'static>(
    db: &crate::Database,
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    run(Some(db), f).await
}

/// [`blocking`] and [`pooled`]: where `f` runs is decided here, once.
async fn run<T: Send + 'static>(
    pool: Option<&crate::Database>,
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let runtime = runtime()?;
    if may_block_in_place(&runtime) {
        return tokio::task::block_in_place(f);
    }
    let _turn = match pool.and_then(crate::Database::admission) {
        Some(admission) => admission.wait().await?,
        None => None,
    };
    // Dropping this future before the call is done stops the statement it is running.
    struct CancelOnDrop(Option<Arc<Call>>);
    impl Drop for CancelOnDrop {
        fn drop(&mut self) {
            if let Some(call) = self.0.take() {
                call.cancel();
            }
        }
    }
    let call = Arc::new(Call::default());
    let mut cancel = CancelOnDrop(Some(Arc::clone(&call)));
    let finished = runtime.spawn_blocking(move || call.run(f)).await;
    cancel.0 = None;
    match finished {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(Error::new(
            ErrorKind::Other,
            "the tokio runtime shut down before the database call finished",
        )),
    }
}

/// The queue in front of one database's pool, for calls that run on the blocking pool
/// (current-thread runtimes, `block_on`). Such a call that takes a connection from the pool
/// first takes a turn here, waiting as a task: otherwise a call queued behind busy
/// connections holds one of the blocking pool's threads while it waits, and with few of them
/// (`max_blocking_threads`) the calls that would free a connection (a transaction's COMMIT)
/// wait behind it. A transaction keeps its turn until it ends, as it keeps its connection.
///
/// Calls in tasks of a multi-threaded runtime do not queue here: each runs on a thread of its
/// own in `block_in_place` and waits for a connection there, and a task that never yields
/// keeps that thread from call to call. Measured (A5, SQLite lookups from 64 tasks on a pool
/// of 16, 2 workers): queuing those as tasks turned every call into a hand-off between
/// threads, and the rate fell from 353,000 a second to about 56,000.
pub(crate) struct Admission {
    turns: Arc<tokio::sync::Semaphore>,
    limits: anytable_core::pool::PoolLimits,
}

impl Admission {
    /// A queue of `limits.size` turns.
    pub(crate) fn new(limits: anytable_core::pool::PoolLimits) -> Admission {
        Admission {
            turns: Arc::new(tokio::sync::Semaphore::new(limits.size)),
            limits,
        }
    }
}

impl Admission {
    /// A turn, waited for as long as the pool itself would wait for a connection, and
    /// failing as it would ([`ErrorKind::Timeout`], retryable).
    async fn wait(&self) -> Result<Option<tokio::sync::OwnedSemaphorePermit>> {
        // Free turns are taken without a timer.
        if let Ok(turn) = Arc::clone(&self.turns).try_acquire_owned() {
            return Ok(Some(turn));
        }
        // anytable's own alarm, not tokio's timer, which a runtime may lack.
        let mut waiting = std::pin::pin!(Arc::clone(&self.turns).acquire_owned());
        let mut alarm = std::pin::pin!(alarm::after(self.limits.wait));
        std::future::poll_fn(|cx| {
            if let std::task::Poll::Ready(turn) = waiting.as_mut().poll(cx) {
                return std::task::Poll::Ready(Ok(turn.ok()));
            }
            if alarm.as_mut().poll(cx).is_ready() {
                return std::task::Poll::Ready(Err(self.limits.exhausted()));
            }
            std::task::Poll::Pending
        })
        .await
    }
}

/// The turn a transaction begun on `db` keeps until it ends, where its calls run on the
/// blocking pool (none in place, see [`Admission`], or without a pool).
pub(crate) async fn turn(
    db: &crate::Database,
) -> Result<Option<tokio::sync::OwnedSemaphorePermit>> {
    let in_place =
        tokio::runtime::Handle::try_current().map_or(true, |runtime| may_block_in_place(&runtime));
    match db.admission() {
        Some(admission) if !in_place => admission.wait().await,
        _ => Ok(None),
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
