//! Hands SQLite's single write lock to this process's writers in the order they arrive.
//!
//! SQLite's busy handler polls with growing sleeps (up to 100 ms), so a writer that has waited
//! a while keeps losing the lock to writers that just arrived; with dozens of threads one of
//! them can starve for the whole `timeout` and fail with `SQLITE_BUSY` (a 64-thread stress run
//! did). Writers of one `Database` therefore queue here first, first come first served, and
//! only contend with other processes (or other `Database`s on the file) through SQLite itself.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::Thread;
use std::time::{Duration, Instant};

use anytable_core::{Error, ErrorKind, Result};

/// A first-come-first-served queue for the write lock, shared by one pool's connections.
#[derive(Debug, Default)]
pub(crate) struct WriteGate {
    state: Mutex<Tickets>,
}

#[derive(Debug, Default)]
struct Tickets {
    next: u64,
    serving: u64,
    /// Tickets whose holders gave up waiting; skipped when their turn comes.
    abandoned: BTreeSet<u64>,
    /// Parked waiters by ticket: only the next one is woken, not every waiter.
    parked: BTreeMap<u64, Thread>,
}

impl Tickets {
    fn advance(&mut self) {
        self.serving += 1;
        while self.abandoned.remove(&self.serving) {
            self.serving += 1;
        }
        if let Some(next) = self.parked.get(&self.serving) {
            next.unpark();
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
        self.gate.lock().advance();
    }
}

impl WriteGate {
    fn lock(&self) -> MutexGuard<'_, Tickets> {
        // The counters stay consistent even if a holder panicked.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits (up to `timeout`) until every writer that arrived earlier is done.
    ///
    /// # Errors
    /// [`ErrorKind::Busy`] (retryable) when the turn does not come within `timeout`.
    pub(crate) fn enter(self: &Arc<Self>, timeout: Duration) -> Result<Turn> {
        let deadline = Instant::now() + timeout;
        let mut tickets = self.lock();
        let ticket = tickets.next;
        tickets.next += 1;
        while tickets.serving != ticket {
            let now = Instant::now();
            if now >= deadline {
                tickets.parked.remove(&ticket);
                tickets.abandoned.insert(ticket);
                return Err(Error::new(
                    ErrorKind::Busy,
                    format!(
                        "the database stayed locked by this process's other writers for {timeout:?} \
                         ({} queued ahead)",
                        ticket - tickets.serving
                    ),
                )
                .with_backend("sqlite"));
            }
            tickets.parked.insert(ticket, std::thread::current());
            drop(tickets);
            // Woken by the turn before ours when it ends; a spurious wake just checks again.
            std::thread::park_timeout(deadline - now);
            tickets = self.lock();
        }
        tickets.parked.remove(&ticket);
        Ok(Turn {
            gate: Arc::clone(self),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writers_get_their_turn_in_arrival_order() {
        let gate = Arc::new(WriteGate::default());
        let first = gate.enter(Duration::from_secs(1)).unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let waiters: Vec<_> = (0..4)
            .map(|i| {
                let (gate, order) = (Arc::clone(&gate), Arc::clone(&order));
                // Arrive one after the other.
                std::thread::sleep(Duration::from_millis(20));
                std::thread::spawn(move || {
                    let _turn = gate.enter(Duration::from_secs(5)).unwrap();
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
        let first = gate.enter(Duration::from_secs(1)).unwrap();
        let err = gate.enter(Duration::from_millis(30)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Busy);
        assert!(err.is_retryable());
        drop(first);
        // The abandoned ticket does not block the next writer.
        let _next = gate.enter(Duration::from_millis(100)).unwrap();
    }
}
