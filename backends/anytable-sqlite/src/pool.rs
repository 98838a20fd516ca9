//! A small pool of SQLite connections, opened on demand up to a maximum.
//!
//! r2d2 did the same with more bookkeeping on every checkout (five clock reads, event hooks, a
//! notify on every return): about 900 instructions of the 2,000 that anytable added to a lookup
//! by id on SQLite (callgrind). SQLite connections never break, so there is nothing to test on
//! checkout either.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::statements::CachedConnection;

/// Connections of one database; `get` waits up to `timeout` for one when all are in use.
pub(crate) struct Pool {
    open: Box<dyn Fn() -> rusqlite::Result<CachedConnection> + Send + Sync>,
    max: usize,
    timeout: Duration,
    state: Mutex<State>,
    returned: Condvar,
}

struct State {
    idle: Vec<CachedConnection>,
    /// Connections that exist or are being opened, idle or not.
    count: usize,
    /// Callers blocked in `get`.
    waiting: usize,
}

/// Why no connection could be had.
#[derive(Debug)]
pub(crate) enum GetError {
    /// Every connection stayed in use for the whole timeout.
    Timeout,
    /// Opening a new connection failed.
    Open(rusqlite::Error),
}

impl Pool {
    /// A pool of at most `max` connections made by `open`.
    pub(crate) fn new(
        max: usize,
        timeout: Duration,
        open: impl Fn() -> rusqlite::Result<CachedConnection> + Send + Sync + 'static,
    ) -> Arc<Pool> {
        Arc::new(Pool {
            open: Box::new(open),
            max: max.max(1),
            timeout,
            state: Mutex::new(State {
                idle: Vec::new(),
                count: 0,
                waiting: 0,
            }),
            returned: Condvar::new(),
        })
    }

    /// The most connections it holds.
    pub(crate) fn max_size(&self) -> usize {
        self.max
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent at every step, so a panic elsewhere leaves it usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An idle connection, a new one if there is room, or the first one returned in time.
    pub(crate) fn get(self: &Arc<Self>) -> Result<Pooled, GetError> {
        let mut state = self.lock();
        let mut deadline = None;
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(self.lend(conn));
            }
            if state.count < self.max {
                state.count += 1;
                drop(state);
                // Opened outside the lock: it may wait on the file.
                return match (self.open)() {
                    Ok(conn) => Ok(self.lend(conn)),
                    Err(e) => {
                        self.forget_one();
                        Err(GetError::Open(e))
                    }
                };
            }
            let now = Instant::now();
            let deadline = *deadline.get_or_insert(now + self.timeout);
            if now >= deadline {
                return Err(GetError::Timeout);
            }
            state.waiting += 1;
            state = self
                .returned
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            state.waiting -= 1;
        }
    }

    fn lend(self: &Arc<Self>, conn: CachedConnection) -> Pooled {
        Pooled {
            conn: Some(conn),
            pool: Arc::clone(self),
            discarded: false,
        }
    }

    /// A connection that will not come back (it failed to open): make room for another.
    fn forget_one(&self) {
        let mut state = self.lock();
        state.count -= 1;
        if state.waiting > 0 {
            self.returned.notify_one();
        }
    }

    fn put(&self, conn: CachedConnection) {
        let mut state = self.lock();
        state.idle.push(conn);
        if state.waiting > 0 {
            self.returned.notify_one();
        }
    }
}

/// A connection lent by the pool; dropping it gives it back.
pub(crate) struct Pooled {
    conn: Option<CachedConnection>,
    pool: Arc<Pool>,
    /// Closed instead of given back (see `discard`).
    discarded: bool,
}

impl Pooled {
    /// Makes the pool close this connection when it comes back, and open a new one in its place.
    pub(crate) fn discard(&mut self) {
        self.discarded = true;
    }
}

impl Deref for Pooled {
    type Target = CachedConnection;

    fn deref(&self) -> &CachedConnection {
        self.conn.as_ref().expect("present until drop")
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut CachedConnection {
        self.conn.as_mut().expect("present until drop")
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if self.discarded {
                drop(conn);
                self.pool.forget_one();
            } else {
                self.pool.put(conn);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn memory() -> rusqlite::Result<CachedConnection> {
        rusqlite::Connection::open_in_memory().map(CachedConnection::wrap)
    }

    #[test]
    fn connections_are_opened_on_demand_and_reused() {
        let opened = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&opened);
        let pool = Pool::new(2, Duration::from_secs(1), move || {
            counter.fetch_add(1, Ordering::SeqCst);
            memory()
        });
        let a = pool.get().unwrap();
        let b = pool.get().unwrap();
        assert_eq!(opened.load(Ordering::SeqCst), 2);
        drop((a, b));
        for _ in 0..5 {
            drop(pool.get().unwrap());
        }
        assert_eq!(
            opened.load(Ordering::SeqCst),
            2,
            "idle connections are reused"
        );
    }

    #[test]
    fn a_full_pool_waits_for_a_return_then_times_out() {
        let pool = Pool::new(1, Duration::from_millis(300), memory);
        let held = pool.get().unwrap();
        let started = Instant::now();
        assert!(matches!(pool.get(), Err(GetError::Timeout)));
        assert!(started.elapsed() >= Duration::from_millis(300));
        let returner = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            drop(held);
        });
        assert!(
            pool.get().is_ok(),
            "a connection returned in time is handed on"
        );
        returner.join().unwrap();
    }

    #[test]
    fn a_discarded_connection_is_closed_and_replaced() {
        let opened = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&opened);
        let pool = Pool::new(1, Duration::from_millis(200), move || {
            counter.fetch_add(1, Ordering::SeqCst);
            memory()
        });
        let mut conn = pool.get().unwrap();
        conn.conn().execute_batch("BEGIN").unwrap();
        conn.discard();
        drop(conn);
        let fresh = pool.get().expect("its slot is free again");
        assert_eq!(
            opened.load(Ordering::SeqCst),
            2,
            "a new connection was opened"
        );
        assert!(fresh.conn().is_autocommit(), "not the discarded one");
    }

    #[test]
    fn a_failed_open_makes_room_for_the_next() {
        let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let flag = Arc::clone(&fail);
        let pool = Pool::new(1, Duration::from_secs(1), move || {
            if flag.swap(false, Ordering::SeqCst) {
                Err(rusqlite::Error::InvalidQuery)
            } else {
                memory()
            }
        });
        assert!(matches!(pool.get(), Err(GetError::Open(_))));
        assert!(pool.get().is_ok(), "the failed slot was given back");
    }
}
