//! Hands SQLite's single write lock to this process's writers: a writer that finds the lock
//! free takes it at once, unless the writer first in line has waited longer than a bound, so
//! nobody waits much past it.
//!
//! SQLite's busy handler polls with growing sleeps (up to 100 ms), so a writer that has waited
//! a while keeps losing the lock to writers that just arrived; with dozens of threads one of
//! them can starve for the whole `timeout` and fail with `SQLITE_BUSY` (a 64-thread stress run
//! did). Writers of one `Database` therefore queue here first, and only contend with other
//! processes (or other `Database`s on the file) through SQLite itself.
//!
//! Strict first-come-first-served costs a thread wake-up per commit, during which the lock is
//! idle: with the cores busy (DuckDB's seed: 50 writers, 5 readers on 2 cores) that was an
//! eighth of the throughput. So a running writer may take a free lock ahead of the queue while
//! the queue's first waiter has waited less than [`BARGE_BOUND`]; past it, turns go strictly in
//! arrival order until the queue has caught up.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::Thread;
use std::time::{Duration, Instant};

use anytable_core::{Error, ErrorKind, Result};

/// How long the first waiter may wait before running writers stop taking the lock ahead of it.
const BARGE_BOUND: Duration = Duration::from_millis(20);

/// How often a waiting writer looks whether its statement was interrupted: an interrupt comes
/// from another thread, which has no way to wake it.
const INTERRUPT_POLL: Duration = Duration::from_millis(20);

/// The queue for the write lock, shared by one pool's connections.
#[derive(Debug)]
pub(crate) struct WriteGate {
    state: Mutex<Queue>,
    /// [`BARGE_BOUND`], but for tests.
    barge_bound: Duration,
}

impl Default for WriteGate {
    fn default() -> Self {
        WriteGate::with_barge_bound(BARGE_BOUND)
    }
}

#[derive(Debug, Default)]
struct Queue {
    /// Whether a writer holds its turn now.
    held: bool,
    next_id: u64,
    /// Parked waiters in arrival order: only the first one is woken, not every waiter.
    waiting: VecDeque<Waiter>,
}

#[derive(Debug)]
struct Waiter {
    id: u64,
    thread: Thread,
    since: Instant,
}

impl Queue {
    fn wake_first(&self) {
        if let Some(first) = self.waiting.front() {
            first.thread.unpark();
        }
    }
}

/// This writer's turn; the next writer's comes when it is dropped.
#[derive(Debug)]
pub(crate) struct Turn {
    gate: Arc<WriteGate>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut queue = self.gate.lock();
        queue.held = false;
        queue.wake_first();
    }
}

impl WriteGate {
    fn with_barge_bound(barge_bound: Duration) -> Self {
        WriteGate {
            state: Mutex::default(),
            barge_bound,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        // The queue stays consistent even if a holder panicked.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits (up to `timeout`) for the write turn, giving up as soon as `interrupted` says
    /// the statement waiting was interrupted (`sqlite3_interrupt`), which SQLite itself only
    /// notices once the statement runs: a writer given up on must not take its turn later.
    ///
    /// # Errors
    /// [`ErrorKind::Busy`] (retryable) when the turn does not come within `timeout`; SQLite's
    /// interrupt error when `interrupted`.
    pub(crate) fn enter(
        self: &Arc<Self>,
        timeout: Duration,
        interrupted: &dyn Fn() -> bool,
    ) -> Result<Turn> {
        let now = Instant::now();
        let mut queue = self.lock();
        let may_barge = queue
            .waiting
            .front()
            .is_none_or(|first| now.duration_since(first.since) < self.barge_bound);
        if !queue.held && may_barge {
            queue.held = true;
            return Ok(self.turn());
        }
        let deadline = now + timeout;
        let id = queue.next_id;
        queue.next_id += 1;
        queue.waiting.push_back(Waiter {
            id,
            thread: std::thread::current(),
            since: now,
        });
        loop {
            let first = queue.waiting.front().map(|w| w.id) == Some(id);
            if first && !queue.held {
                queue.waiting.pop_front();
                queue.held = true;
                return Ok(self.turn());
            }
            let now = Instant::now();
            if now >= deadline || interrupted() {
                let ahead = queue.waiting.iter().position(|w| w.id == id).unwrap_or(0);
                queue.waiting.retain(|w| w.id != id);
                if first && !queue.held {
                    // The turn would have been ours: it is the next waiter's now.
                    queue.wake_first();
                }
                if now < deadline {
                    return Err(crate::error::map_err(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_INTERRUPT),
                        Some("interrupted while waiting for the write lock".into()),
                    )));
                }
                return Err(Error::new(
                    ErrorKind::Busy,
                    format!(
                        "the database stayed locked by this process's other writers for {timeout:?} \
                         ({ahead} queued ahead)"
                    ),
                )
                .with_backend("sqlite"));
            }
            drop(queue);
            // Woken when a turn ends while this waiter is first; a spurious wake checks again,
            // and an interrupt is noticed within INTERRUPT_POLL.
            std::thread::park_timeout((deadline - now).min(INTERRUPT_POLL));
            queue = self.lock();
        }
    }

    fn turn(self: &Arc<Self>) -> Turn {
        Turn {
            gate: Arc::clone(self),
        }
    }
}

/// Whether `sqlite3_interrupt` was called for what `db` runs (or waits to run) now.
pub(crate) fn interrupted(db: *mut rusqlite::ffi::sqlite3) -> bool {
    // SAFETY: `db` is an open connection (see the callers); the call reads an atomic flag.
    unsafe { rusqlite::ffi::sqlite3_is_interrupted(db) != 0 }
}

/// Sets `conn`'s busy handler: as `busy_timeout`'s (the same sleeps, up to `timeout` in all),
/// but giving up at once when the waiting statement is interrupted, which SQLite's own does
/// not: a statement given up on (a dropped async call, a call past its deadline) would take
/// the lock when the other process released it, and write after its caller had left.
pub(crate) fn wait_while_busy(
    conn: &mut rusqlite::Connection,
    timeout: Duration,
) -> rusqlite::Result<()> {
    /// SQLite's own sleeps (`sqliteDefaultBusyCallback`): short at first, for a lock about to
    /// be freed, then 100 ms.
    const SLEEPS_MS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
    struct Handle(*mut rusqlite::ffi::sqlite3);
    // SAFETY: only read through `sqlite3_is_interrupted`, on the thread running the connection.
    unsafe impl Send for Handle {}
    // SAFETY: the handler lives in the connection and dies with it.
    let db = Handle(unsafe { conn.handle() });
    let mut started = Instant::now();
    conn.busy_handler(Some(move |count: i32| {
        // The whole handle, not its field: the closure must own what is Send.
        let db = &db;
        // The connection is open while its busy handler runs.
        if interrupted(db.0) {
            return false;
        }
        if count == 0 {
            started = Instant::now();
        }
        let waited = started.elapsed();
        if waited >= timeout {
            return false;
        }
        let step = usize::try_from(count).unwrap_or(0).min(SLEEPS_MS.len() - 1);
        std::thread::sleep(Duration::from_millis(SLEEPS_MS[step]).min(timeout - waited));
        true
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never() -> bool {
        false
    }

    #[test]
    fn an_interrupted_writer_leaves_the_queue_at_once() {
        let gate = Arc::new(WriteGate::default());
        let first = gate.enter(Duration::from_secs(1), &never).unwrap();
        let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let waiter = {
            let (gate, flag) = (Arc::clone(&gate), Arc::clone(&flag));
            std::thread::spawn(move || {
                let interrupted = || flag.load(std::sync::atomic::Ordering::Acquire);
                let started = Instant::now();
                (
                    gate.enter(Duration::from_secs(30), &interrupted).map(drop),
                    started.elapsed(),
                )
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        flag.store(true, std::sync::atomic::Ordering::Release);
        let (result, waited) = waiter.join().unwrap();
        let err = result.unwrap_err();
        assert_eq!(err.code(), Some("9"), "SQLITE_INTERRUPT: {err}");
        assert!(
            waited < Duration::from_secs(10),
            "gave up only after {waited:?}"
        );
        drop(first);
        // It left the queue: the next writer gets the turn at once.
        let _next = gate.enter(Duration::from_millis(100), &never).unwrap();
    }

    #[test]
    fn writers_get_their_turn_in_arrival_order() {
        let gate = Arc::new(WriteGate::default());
        let first = gate.enter(Duration::from_secs(1), &never).unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let waiters: Vec<_> = (0..4)
            .map(|i| {
                let (gate, order) = (Arc::clone(&gate), Arc::clone(&order));
                // Arrive one after the other.
                std::thread::sleep(Duration::from_millis(20));
                std::thread::spawn(move || {
                    let _turn = gate.enter(Duration::from_secs(5), &never).unwrap();
                    order.lock().unwrap().push(i);
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(50));
        drop(first);
        for w in waiters {
            w.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3]);
    }

    #[test]
    fn a_writer_that_gives_up_is_skipped() {
        let gate = Arc::new(WriteGate::default());
        let first = gate.enter(Duration::from_secs(1), &never).unwrap();
        let err = gate.enter(Duration::from_millis(30), &never).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Busy);
        assert!(err.is_retryable());
        drop(first);
        // The writer that gave up left the queue: it does not block the next one.
        let _next = gate.enter(Duration::from_millis(100), &never).unwrap();
    }

    /// A free lock with a writer already queued for it: the moment between a turn's end and
    /// the woken waiter taking it.
    fn free_with_a_waiter(bound: Duration, waited: Duration) -> Arc<WriteGate> {
        let gate = Arc::new(WriteGate::with_barge_bound(bound));
        gate.lock().waiting.push_back(Waiter {
            id: u64::MAX,
            thread: std::thread::current(),
            since: Instant::now() - waited,
        });
        gate
    }

    #[test]
    fn a_running_writer_takes_a_free_lock_ahead_of_a_fresh_waiter() {
        let gate = free_with_a_waiter(Duration::from_secs(10), Duration::ZERO);
        let turn = gate.enter(Duration::from_millis(1), &never).unwrap();
        assert!(gate.lock().held);
        assert_eq!(gate.lock().waiting.len(), 1, "the waiter still waits");
        drop(turn);
        assert!(!gate.lock().held);
    }

    #[test]
    fn past_the_bound_a_new_writer_queues_behind_the_first_waiter() {
        let gate = free_with_a_waiter(Duration::from_millis(20), Duration::from_millis(50));
        let err = gate.enter(Duration::from_millis(30), &never).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Busy);
        assert!(err.to_string().contains("1 queued ahead"), "{err}");
        // It left the queue: only the first waiter is in it.
        assert_eq!(gate.lock().waiting.len(), 1);
    }
}
