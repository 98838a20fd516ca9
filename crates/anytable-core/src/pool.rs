//! The connection pool every backend uses, and the URL options that size it, so that a pool
//! that runs dry behaves the same on every engine: [`ErrorKind::Timeout`] after the same wait.
//!
//! It opens connections on demand up to a maximum and hands back idle ones first, to each
//! thread the one it gave back last where that one is idle: a connection that moves between
//! threads on every call cost about a quarter of the throughput of 4 threads inserting into
//! PostgreSQL (the connection's runtime, buffers and socket wake-ups follow it from core to
//! core), against the same calls with a connection held per thread. r2d2 did the
//! same with more bookkeeping on every checkout (five clock reads, event hooks, a notify on
//! every return): about 900 instructions of the 2,000 that anytable added to a lookup by id on
//! SQLite (callgrind). Health checks are the backend's: it looks at a connection when it takes
//! it and [`discard`](Pooled::discard)s one that is broken.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Result};
use crate::url::DatabaseUrl;

/// The options every backend's URL accepts, besides its own.
pub const POOL_OPTIONS: &[&str] = &["timeout", "pool_size", "pool_timeout"];

/// How long a statement waits for a lock, and how the pool is sized: the URL options
/// `timeout` (seconds, default 5), `pool_size` (1 to 1024, default 16) and `pool_timeout`
/// (seconds a caller waits for a free connection, default `timeout` + 30).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// The engine's lock wait (`timeout`).
    pub timeout: Duration,
    /// The most connections open at once (`pool_size`).
    pub size: u32,
    /// How long taking a connection waits when all are in use (`pool_timeout`).
    pub wait: Duration,
}

impl PoolSettings {
    /// `timeout` when the URL sets none.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
    /// `pool_size` when the URL sets none.
    pub const DEFAULT_SIZE: u32 = 16;
    /// The largest `pool_size` accepted.
    pub const MAX_SIZE: u32 = 1024;
    /// What `pool_timeout` adds to `timeout` when the URL sets none: a caller queued behind
    /// others that each wait out their own lock timeout should not give up first.
    pub const WAIT_MARGIN: Duration = Duration::from_secs(30);

    /// Reads the pool options of `url`, after checking that it names no option outside
    /// [`POOL_OPTIONS`] and `backend_options`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for an unknown option or a value out of range.
    pub fn from_url(url: &DatabaseUrl, backend_options: &[&str]) -> Result<PoolSettings> {
        let known: Vec<&str> = POOL_OPTIONS
            .iter()
            .chain(backend_options)
            .copied()
            .collect();
        url.check_options(&known)?;
        let timeout = url
            .seconds_option("timeout")?
            .unwrap_or(Self::DEFAULT_TIMEOUT);
        let size = url
            .count_option("pool_size", Self::MAX_SIZE)?
            .unwrap_or(Self::DEFAULT_SIZE);
        let wait = url
            .seconds_option("pool_timeout")?
            .unwrap_or(timeout + Self::WAIT_MARGIN);
        Ok(PoolSettings {
            timeout,
            size,
            wait,
        })
    }
}

/// A pool's size and wait, for a front end that queues callers before they reach the pool:
/// the async API waits for a turn without holding a thread, and gives up as the pool would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolLimits {
    /// The backend's name, for the error.
    pub backend: &'static str,
    /// The most connections out at once.
    pub size: usize,
    /// How long a caller waits for one.
    pub wait: Duration,
}

impl PoolLimits {
    /// The error of a caller that waited `wait` and found no connection free.
    pub fn exhausted(&self) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!(
                "no {} connection became free within {:?} (pool of {}; the URL options \
                 pool_size and pool_timeout change both)",
                self.backend, self.wait, self.size
            ),
        )
        .with_backend(self.backend)
    }
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            timeout: Self::DEFAULT_TIMEOUT,
            size: Self::DEFAULT_SIZE,
            wait: Self::DEFAULT_TIMEOUT + Self::WAIT_MARGIN,
        }
    }
}

type Opener<C> = Box<dyn Fn() -> Result<C> + Send + Sync>;

/// An idle connection and the thread that gave it back.
struct Idle<C> {
    conn: C,
    returned_by: ThreadId,
}

/// The calling thread's id, without `thread::current()`'s reference count traffic.
fn this_thread() -> ThreadId {
    thread_local! {
        static ID: ThreadId = std::thread::current().id();
    }
    ID.with(|id| *id)
}

/// Connections of one database; [`get`](Self::get) waits up to the settings' `wait` for one
/// when all are in use.
pub struct Pool<C> {
    backend: &'static str,
    open: Opener<C>,
    max: usize,
    wait: Duration,
    keep_idle: bool,
    state: Mutex<State<C>>,
    returned: Condvar,
}

struct State<C> {
    /// Most recently given back last.
    idle: Vec<Idle<C>>,
    /// Connections that exist or are being opened, idle or not.
    count: usize,
    /// Callers blocked in `get`.
    waiting: usize,
}

impl<C: Send + 'static> Pool<C> {
    /// A pool of at most `settings.size` connections made by `open`, for the backend named
    /// `backend` (in its errors).
    pub fn new(
        backend: &'static str,
        settings: &PoolSettings,
        open: impl Fn() -> Result<C> + Send + Sync + 'static,
    ) -> Arc<Pool<C>> {
        Self::build(backend, settings, true, open)
    }

    /// Like [`new`](Self::new), but a connection given back is closed instead of kept idle:
    /// the pool only bounds how many are open at once (for engines where an open connection
    /// holds a file that other processes wait for).
    pub fn without_idle(
        backend: &'static str,
        settings: &PoolSettings,
        open: impl Fn() -> Result<C> + Send + Sync + 'static,
    ) -> Arc<Pool<C>> {
        Self::build(backend, settings, false, open)
    }

    fn build(
        backend: &'static str,
        settings: &PoolSettings,
        keep_idle: bool,
        open: impl Fn() -> Result<C> + Send + Sync + 'static,
    ) -> Arc<Pool<C>> {
        Arc::new(Pool {
            backend,
            open: Box::new(open),
            max: (settings.size as usize).max(1),
            wait: settings.wait,
            keep_idle,
            state: Mutex::new(State {
                idle: Vec::new(),
                count: 0,
                waiting: 0,
            }),
            returned: Condvar::new(),
        })
    }

    /// The most connections it holds.
    pub fn max_size(&self) -> usize {
        self.max
    }

    fn lock(&self) -> MutexGuard<'_, State<C>> {
        // The state stays consistent at every step, so a panic elsewhere leaves it usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An idle connection (the one this thread gave back last if it is idle, else the one
    /// given back last), a new one if there is room, or the first one given back in time.
    ///
    /// # Errors
    /// [`ErrorKind::Timeout`] (retryable) when every connection stayed in use for the whole
    /// wait; the opener's error when opening a new one fails.
    pub fn get(self: &Arc<Self>) -> Result<Pooled<C>> {
        let mut state = self.lock();
        let mut deadline = None;
        let me = this_thread();
        loop {
            let mine = state.idle.iter().rposition(|idle| idle.returned_by == me);
            let idle = match mine {
                Some(i) => Some(state.idle.remove(i)),
                None => state.idle.pop(),
            };
            if let Some(idle) = idle {
                return Ok(self.lend(idle.conn));
            }
            if state.count < self.max {
                state.count += 1;
                drop(state);
                // Opened outside the lock: it may wait on a file or a server. A panicking
                // opener (a driver's bug) gives its place back too, or the pool would shrink
                // for good, and is an error rather than a panic in the caller.
                let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(&self.open));
                return match opened {
                    Ok(Ok(conn)) => Ok(self.lend(conn)),
                    Ok(Err(e)) => {
                        self.forget_one();
                        Err(e)
                    }
                    Err(panic) => {
                        self.forget_one();
                        Err(Error::new(
                            ErrorKind::Other,
                            format!(
                                "opening a {} connection panicked: {}",
                                self.backend,
                                crate::error::panic_message(panic.as_ref())
                            ),
                        )
                        .with_backend(self.backend))
                    }
                };
            }
            let now = Instant::now();
            let deadline = *deadline.get_or_insert(now + self.wait);
            if now >= deadline {
                return Err(self.exhausted());
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

    /// How many callers it serves at once and how long one waits for a connection.
    pub fn limits(&self) -> PoolLimits {
        PoolLimits {
            backend: self.backend,
            size: self.max,
            wait: self.wait,
        }
    }

    fn exhausted(&self) -> Error {
        self.limits().exhausted()
    }

    fn lend(self: &Arc<Self>, conn: C) -> Pooled<C> {
        Pooled {
            conn: Some(conn),
            pool: Arc::clone(self),
            discarded: false,
        }
    }

    /// A connection that will not come back (it failed to open or was closed): make room.
    fn forget_one(&self) {
        let mut state = self.lock();
        state.count -= 1;
        if state.waiting > 0 {
            self.returned.notify_one();
        }
    }

    fn put(&self, conn: C) {
        if !self.keep_idle {
            drop(conn);
            return self.forget_one();
        }
        let returned_by = this_thread();
        let mut state = self.lock();
        state.idle.push(Idle { conn, returned_by });
        if state.waiting > 0 {
            self.returned.notify_one();
        }
    }
}

/// A connection lent by the pool; dropping it gives it back.
pub struct Pooled<C: Send + 'static> {
    conn: Option<C>,
    pool: Arc<Pool<C>>,
    /// Closed instead of given back (see `discard`).
    discarded: bool,
}

impl<C: Send + 'static> Pooled<C> {
    /// Makes the pool close this connection when it comes back, and open a new one in its
    /// place (a broken connection, or one left in a state that cannot be undone).
    pub fn discard(&mut self) {
        self.discarded = true;
    }
}

impl<C: Send + 'static> Deref for Pooled<C> {
    type Target = C;

    fn deref(&self) -> &C {
        self.conn.as_ref().expect("present until drop")
    }
}

impl<C: Send + 'static> DerefMut for Pooled<C> {
    fn deref_mut(&mut self) -> &mut C {
        self.conn.as_mut().expect("present until drop")
    }
}

impl<C: Send + 'static> Drop for Pooled<C> {
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
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::*;

    /// A pool of `size` counters; `opened` counts how many were made.
    fn counting(size: u32, wait_ms: u64, keep_idle: bool) -> (Arc<Pool<usize>>, Arc<AtomicUsize>) {
        let opened = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&opened);
        let settings = PoolSettings {
            size,
            wait: Duration::from_millis(wait_ms),
            ..PoolSettings::default()
        };
        let open = move || Ok(counter.fetch_add(1, Ordering::SeqCst));
        let pool = if keep_idle {
            Pool::new("test", &settings, open)
        } else {
            Pool::without_idle("test", &settings, open)
        };
        (pool, opened)
    }

    #[test]
    fn a_panicking_opener_gives_its_place_back() {
        let first = Arc::new(AtomicBool::new(true));
        let settings = PoolSettings {
            size: 1,
            wait: Duration::from_millis(100),
            ..PoolSettings::default()
        };
        let pool = Pool::new("test", &settings, move || {
            if first.swap(false, Ordering::SeqCst) {
                panic!("driver bug");
            }
            Ok(7usize)
        });
        let err = pool.get().err().expect("the panic is an error");
        assert_eq!(err.kind(), ErrorKind::Other);
        assert!(err.message().contains("driver bug"), "{err}");
        let conn = pool.get().expect("the only place is free again");
        assert_eq!(*conn, 7);
    }

    #[test]
    fn connections_are_opened_on_demand_and_reused() {
        let (pool, opened) = counting(2, 1000, true);
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
    fn a_thread_gets_back_the_connection_it_gave_back() {
        let (pool, _) = counting(4, 1000, true);
        let mine = pool.get().unwrap();
        let theirs = pool.get().unwrap();
        let (mine_id, theirs_id) = (*mine, *theirs);
        drop(mine);
        // Given back after mine, by another thread: last in, but not this thread's.
        std::thread::spawn(move || drop(theirs)).join().unwrap();
        assert_eq!(
            *pool.get().unwrap(),
            mine_id,
            "this thread's own connection"
        );
        // A thread that gave none back gets the one given back last: mine again, just now.
        let fresh = std::thread::spawn({
            let pool = Arc::clone(&pool);
            move || {
                let (first, second) = (pool.get().unwrap(), pool.get().unwrap());
                (*first, *second)
            }
        });
        assert_eq!(fresh.join().unwrap(), (mine_id, theirs_id));
    }

    #[test]
    fn without_idle_every_return_closes_but_the_bound_holds() {
        let (pool, opened) = counting(1, 100, false);
        for _ in 0..3 {
            drop(pool.get().unwrap());
        }
        assert_eq!(opened.load(Ordering::SeqCst), 3, "a new one each time");
        let held = pool.get().unwrap();
        let err = pool.get().err().expect("the bound holds");
        assert_eq!(err.kind(), ErrorKind::Timeout);
        drop(held);
    }

    #[test]
    fn a_full_pool_waits_for_a_return_then_is_a_retryable_timeout() {
        let (pool, _) = counting(1, 300, true);
        let held = pool.get().unwrap();
        let started = Instant::now();
        let err = pool.get().err().expect("every connection is in use");
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert!(err.is_retryable());
        assert_eq!(err.backend(), Some("test"));
        assert!(err.to_string().contains("pool of 1"), "{err}");
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
        let (pool, opened) = counting(1, 200, true);
        let mut conn = pool.get().unwrap();
        assert_eq!(*conn, 0);
        conn.discard();
        drop(conn);
        let fresh = pool.get().expect("its slot is free again");
        assert_eq!(*fresh, 1, "a new connection, not the discarded one");
        assert_eq!(opened.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_failed_open_makes_room_for_the_next() {
        let fail = Arc::new(AtomicBool::new(true));
        let flag = Arc::clone(&fail);
        let settings = PoolSettings {
            size: 1,
            ..PoolSettings::default()
        };
        let pool = Pool::new("test", &settings, move || {
            if flag.swap(false, Ordering::SeqCst) {
                Err(Error::new(ErrorKind::Connection, "refused"))
            } else {
                Ok(())
            }
        });
        assert_eq!(
            pool.get().err().map(|e| e.kind()),
            Some(ErrorKind::Connection)
        );
        assert!(pool.get().is_ok(), "the failed slot was given back");
    }

    #[test]
    fn settings_come_from_the_url_with_one_set_of_defaults() {
        let url = DatabaseUrl::parse("sqlite://x.db?timeout=2&pool_size=3").unwrap();
        let settings = PoolSettings::from_url(&url, &[]).unwrap();
        assert_eq!(
            settings,
            PoolSettings {
                timeout: Duration::from_secs(2),
                size: 3,
                wait: Duration::from_secs(32),
            }
        );
        let url = DatabaseUrl::parse("sqlite://x.db?pool_timeout=0.5").unwrap();
        let settings = PoolSettings::from_url(&url, &[]).unwrap();
        assert_eq!(settings.wait, Duration::from_millis(500));
        assert_eq!(settings.size, PoolSettings::DEFAULT_SIZE);
        let url = DatabaseUrl::parse("sqlite://x.db?mode=fast").unwrap();
        let err = PoolSettings::from_url(&url, &["synchronous"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(
            err.to_string()
                .contains("timeout, pool_size, pool_timeout, synchronous"),
            "{err}"
        );
        let url = DatabaseUrl::parse("sqlite://x.db?mode=fast").unwrap();
        assert!(PoolSettings::from_url(&url, &["mode"]).is_ok());
    }
}
