//! Stopping a call in the engine: per-call timeouts ([`Database::with_timeout`]) and async
//! calls whose future is dropped. One watchdog thread interrupts the connection of a call that
//! runs past its deadline, or that was cancelled, through the backend's [`Interrupt`]
//! (SQLite's and DuckDB's interrupt, PostgreSQL's cancel request), so the engine stops working
//! too, and the call fails with [`ErrorKind::Timeout`].
//!
//! [`Database::with_timeout`]: crate::Database::with_timeout

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anytable_core::Interrupt;

use crate::{Error, ErrorKind, Result};

/// How often a call stays interrupted after its deadline: an interrupt that lands just before
/// the engine starts a statement is forgotten by it, so the watchdog repeats it until the
/// call gives its connection back.
const REPEAT: Duration = Duration::from_millis(200);

/// One call being watched, from when its connection is checked out (or its statement starts)
/// until it is given back.
pub(crate) struct Armed {
    /// What the watchdog reports; `None` for a cancelled async call, whose error nobody reads.
    limit: Option<Duration>,
    deadline: Option<Instant>,
    /// Set by the watchdog when it interrupted the call.
    fired: AtomicBool,
    interrupter: Arc<dyn Interrupt>,
}

/// A watched call and when the watchdog next interrupts it.
struct Entry {
    armed: Arc<Armed>,
    due: Option<Instant>,
}

impl Armed {
    /// Starts watching a call allowed `limit` (none: until it is cancelled), which
    /// `interrupter` stops.
    pub(crate) fn arm(limit: Option<Duration>, interrupter: Arc<dyn Interrupt>) -> Arc<Armed> {
        let deadline = limit.map(|limit| Instant::now() + limit);
        let armed = Arc::new(Armed {
            limit,
            deadline,
            fired: AtomicBool::new(false),
            interrupter,
        });
        let watchdog = watchdog();
        lock(&watchdog.calls).push(Entry {
            armed: Arc::clone(&armed),
            due: deadline,
        });
        if deadline.is_some() {
            watchdog.wake.notify_one();
        }
        armed
    }

    /// Interrupts the call now, and again until it is disarmed.
    #[cfg_attr(not(feature = "async"), allow(dead_code))]
    fn fire_now(self: &Arc<Self>) {
        let watchdog = watchdog();
        let mut calls = lock(&watchdog.calls);
        if let Some(entry) = calls.iter_mut().find(|e| Arc::ptr_eq(&e.armed, self)) {
            entry.fire(Instant::now());
            watchdog.wake.notify_one();
        }
    }

    /// Stops watching: once this returns, the call's connection is never interrupted, so it
    /// may go back to the pool.
    pub(crate) fn disarm(self: &Arc<Self>) {
        // The watchdog interrupts while holding this lock.
        lock(&watchdog().calls).retain(|entry| !Arc::ptr_eq(&entry.armed, self));
    }

    /// `Timeout` once the deadline has passed: nothing more starts (a rollback still may).
    pub(crate) fn check(&self) -> Result<()> {
        let past = self
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline);
        if past || self.fired.load(Ordering::Acquire) {
            return Err(self.error(None));
        }
        Ok(())
    }

    /// `e`, an engine's error, as this call's `Timeout` (or cancellation) when the interrupt
    /// caused it; anytable's own errors (a deadline already reported) pass as they are.
    pub(crate) fn classify_error(&self, e: Error) -> Error {
        if e.backend().is_some() && self.fired.load(Ordering::Acquire) {
            self.error(Some(e))
        } else {
            e
        }
    }

    fn error(&self, cause: Option<Error>) -> Error {
        stop_error(self.limit, cause)
    }
}

/// The error of a call stopped past its `limit`, or cancelled (no limit), by `cause`'s
/// interrupt if the engine reported one.
fn stop_error(limit: Option<Duration>, cause: Option<Error>) -> Error {
    let mut message = match limit {
        Some(limit) => format!(
            "the call ran past its timeout of {limit:?} (Database::with_timeout) and was stopped"
        ),
        None => "the async call was cancelled (its future was dropped) and stopped".into(),
    };
    if let Some(cause) = &cause {
        message.push_str(&format!(": {}", cause.message()));
    }
    let kind = match limit {
        Some(_) => ErrorKind::Timeout,
        None => ErrorKind::Other,
    };
    let error = Error::new(kind, message);
    match cause {
        Some(cause) => error.with_source(cause),
        None => error,
    }
}

impl Entry {
    fn fire(&mut self, now: Instant) {
        self.armed.fired.store(true, Ordering::Release);
        self.armed.interrupter.interrupt();
        self.due = Some(now + REPEAT);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The calls being watched, and the thread watching them.
struct Watchdog {
    calls: Mutex<Vec<Entry>>,
    wake: Condvar,
}

fn watchdog() -> &'static Watchdog {
    static WATCHDOG: OnceLock<&'static Watchdog> = OnceLock::new();
    WATCHDOG.get_or_init(|| {
        let watchdog: &'static Watchdog = Box::leak(Box::new(Watchdog {
            calls: Mutex::new(Vec::new()),
            wake: Condvar::new(),
        }));
        // Without its thread (the system refused one) deadlines still end calls between
        // statements (`check`), though a running statement is not interrupted.
        let _ = std::thread::Builder::new()
            .name("anytable-timeouts".into())
            .spawn(move || watch(watchdog));
        watchdog
    })
}

/// Interrupts each call whose deadline has passed, then sleeps until the next one is due.
fn watch(watchdog: &'static Watchdog) {
    let mut calls = lock(&watchdog.calls);
    loop {
        let now = Instant::now();
        for entry in calls.iter_mut() {
            if entry.due.is_some_and(|due| due <= now) {
                entry.fire(now);
            }
        }
        let next = calls.iter().filter_map(|entry| entry.due).min();
        calls = match next {
            Some(due) => {
                let wait = due.saturating_duration_since(Instant::now());
                watchdog
                    .wake
                    .wait_timeout(calls, wait)
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
            None => watchdog.wake.wait(calls).unwrap_or_else(|e| e.into_inner()),
        };
    }
}

/// An async call running on the blocking pool: dropping its future cancels it, which stops
/// the statement it is running and refuses the ones after.
#[derive(Default)]
pub(crate) struct Call {
    state: Mutex<CallState>,
}

#[derive(Default)]
struct CallState {
    cancelled: bool,
    running: Vec<Arc<Armed>>,
}

thread_local! {
    /// The async call this thread is running, if it is one.
    static CURRENT: RefCell<Option<Arc<Call>>> = const { RefCell::new(None) };
}

impl Call {
    /// Runs `f` as this call: statements it starts on this thread can be cancelled.
    #[cfg_attr(not(feature = "async"), allow(dead_code))]
    pub(crate) fn run<T>(self: &Arc<Self>, f: impl FnOnce() -> T) -> T {
        struct Reset(Option<Arc<Call>>);
        impl Drop for Reset {
            fn drop(&mut self) {
                CURRENT.with(|current| *current.borrow_mut() = self.0.take());
            }
        }
        let outer = CURRENT.with(|current| current.borrow_mut().replace(Arc::clone(self)));
        let _reset = Reset(outer);
        f()
    }

    /// Stops the statement running now, and every later one of this call.
    #[cfg_attr(not(feature = "async"), allow(dead_code))]
    pub(crate) fn cancel(&self) {
        let mut state = lock(&self.state);
        state.cancelled = true;
        for armed in &state.running {
            armed.fire_now();
        }
    }
}

/// A statement of a cancellable call, watched until it is dropped.
pub(crate) struct Statement {
    call: Arc<Call>,
    armed: Arc<Armed>,
}

/// Watches the statement about to start, when this thread runs a cancellable async call;
/// fails if that call was already cancelled.
pub(crate) fn statement(
    interrupter: impl FnOnce() -> Option<Arc<dyn Interrupt>>,
) -> Result<Option<Statement>> {
    let Some(call) = CURRENT.with(|current| current.borrow().clone()) else {
        return Ok(None);
    };
    let Some(interrupter) = interrupter() else {
        return Ok(None);
    };
    // Under the call's lock (then the watchdog's, the order `cancel` takes them in), so a
    // cancellation either sees the statement or is seen by it.
    let mut state = lock(&call.state);
    if state.cancelled {
        return Err(stop_error(None, None));
    }
    let armed = Armed::arm(None, interrupter);
    state.running.push(Arc::clone(&armed));
    drop(state);
    Ok(Some(Statement { call, armed }))
}

impl Statement {
    /// `e` as the cancellation's error when the cancellation caused it.
    pub(crate) fn classify_error(&self, e: Error) -> Error {
        self.armed.classify_error(e)
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        lock(&self.call.state)
            .running
            .retain(|armed| !Arc::ptr_eq(armed, &self.armed));
        self.armed.disarm();
    }
}
