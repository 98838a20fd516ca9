//! Opening DuckDB files: one instance per file per process, and per-transaction leases.
//!
//! Two instances of one file in one process lose writes (DuckDB's lock is per process), so every
//! instance this process opens is listed in one registry by canonical path, whichever access
//! mode opened it.

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

use anytable_core::{Error, ErrorKind, Result};
use duckdb::Config;

use crate::error::{is_lock_error, map_err};

/// The one open instance of a database in this process.
pub(crate) struct Instance {
    root: Mutex<duckdb::Connection>,
}

impl Instance {
    fn new(conn: duckdb::Connection) -> Arc<Instance> {
        Arc::new(Instance {
            root: Mutex::new(conn),
        })
    }

    /// A new in-memory database, private to the caller.
    pub(crate) fn memory() -> Result<Arc<Instance>> {
        let conn = duckdb::Connection::open_in_memory_with_flags(config()?).map_err(map_err)?;
        Ok(Instance::new(conn))
    }

    /// A connection to this instance for one user.
    pub(crate) fn clone_connection(&self) -> duckdb::Result<duckdb::Connection> {
        self.root
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .try_clone()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Instances of file databases open in this process, by canonical path.
fn instances() -> &'static Mutex<HashMap<PathBuf, Weak<Instance>>> {
    static INSTANCES: OnceLock<Mutex<HashMap<PathBuf, Weak<Instance>>>> = OnceLock::new();
    INSTANCES.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Per-transaction leases in this process, by canonical path, so two `Database`s share one.
fn leases() -> &'static Mutex<HashMap<PathBuf, Weak<FileLease>>> {
    static LEASES: OnceLock<Mutex<HashMap<PathBuf, Weak<FileLease>>>> = OnceLock::new();
    LEASES.get_or_init(|| Mutex::new(HashMap::new()))
}

fn config() -> Result<Config> {
    // Never fetch extensions at run time; the bundled build has what anytable uses.
    Config::default()
        .with("autoinstall_known_extensions", "false")
        .and_then(|c| c.with("autoload_known_extensions", "false"))
        // Two DuckDB 2.0 optimizers of ORDER BY ... LIMIT are wrong after deletes, both found
        // by the differential fuzzer; off until DuckDB fixes them:
        // - the row-group pruner answers from the statistics of a row group whose rows are all
        //   deleted, and returns no row although live rows sit in a later one (the fuzz
        //   regression case row_group_pruner);
        // - late materialization (the top-N fetched back by row id) corrupts the heap and
        //   aborts the process when the table has deleted rows and the transaction inserted
        //   some (the conformance case limited_reads_in_a_transaction_after_deletes;
        //   docs/findings/duckdb-abort-in-transactions.md has the plain SQL).
        .and_then(|c| {
            c.with(
                "disabled_optimizers",
                "row_group_pruner,late_materialization",
            )
        })
        .map_err(map_err)
}

fn open_file(path: &Path) -> Result<duckdb::Connection> {
    duckdb::Connection::open_with_flags(path, config()?).map_err(|e| {
        let locked = is_lock_error(&e);
        let err = map_err(e);
        if locked {
            Error::new(
                ErrorKind::Locked,
                format!(
                    "{} is held by another process ({}); DuckDB lets one process write a file at a \
                     time: close it there, or open both with ?access=per_transaction",
                    path.display(),
                    err.message()
                ),
            )
            .with_backend("duckdb")
        } else {
            err
        }
    })
}

/// Canonical path of a file that may not exist yet: canonical directory plus file name.
pub(crate) fn canonical(path: &Path) -> Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        Error::invalid_input(format!("duckdb URL names no file: {}", path.display()))
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let dir = dir.canonicalize().map_err(|_| {
        Error::new(
            ErrorKind::NotFound,
            format!(
                "cannot open {}: directory {} does not exist",
                path.display(),
                dir.display()
            ),
        )
        .with_backend("duckdb")
    })?;
    let full = dir.join(name);
    if full.is_dir() {
        return Err(Error::invalid_input(format!(
            "cannot open {}: it is a directory, not a database file",
            path.display()
        )));
    }
    Ok(full)
}

/// The instance of `path` if this process has it open.
fn open_instance(path: &Path) -> Option<Arc<Instance>> {
    lock(instances()).get(path).and_then(Weak::upgrade)
}

/// The instance of `path`, opening it (and registering it) if this process has not.
pub(crate) fn shared_instance(path: &Path) -> Result<Arc<Instance>> {
    let mut instances = lock(instances());
    if let Some(instance) = instances.get(path).and_then(Weak::upgrade) {
        return Ok(instance);
    }
    let instance = Instance::new(open_file(path)?);
    instances.retain(|_, weak| weak.strong_count() > 0);
    instances.insert(path.to_owned(), Arc::downgrade(&instance));
    Ok(instance)
}

/// A clone of a per-transaction instance; dropping it closes the clone, then releases the
/// lease (which closes the file when it was the last one out).
pub(crate) struct LeasedConnection {
    conn: Option<duckdb::Connection>,
    lease: Arc<FileLease>,
}

impl LeasedConnection {
    /// A clone of `lease`'s instance, opening the file first if no connection holds it.
    pub(crate) fn acquire(lease: &Arc<FileLease>) -> Result<LeasedConnection> {
        Ok(LeasedConnection {
            conn: Some(lease.acquire()?),
            lease: Arc::clone(lease),
        })
    }

    pub(crate) fn conn(&self) -> &duckdb::Connection {
        self.conn.as_ref().expect("present until drop")
    }
}

impl Drop for LeasedConnection {
    fn drop(&mut self) {
        // The clone must be closed before the lease can close the instance.
        drop(self.conn.take());
        self.lease.release();
    }
}

/// Per-transaction access to a file: the instance exists while any connection is out.
///
/// Processes take turns through an advisory lock on `<file>.lock`, held from before DuckDB
/// opens the file until after it has closed it (checkpoint and WAL removal included); DuckDB's
/// own lock alone leaves a window at close in which another process can open the file and
/// read it half-written.
///
/// `timeout` bounds every wait: one thread opens the file while the others wait for it, each
/// for the rest of its own timeout, and the one thread blocked in the kernel for the turn is
/// shared by every wait of this lease, so timed-out waits leave no threads behind.
pub(crate) struct FileLease {
    path: PathBuf,
    lock_path: PathBuf,
    timeout: Duration,
    state: Mutex<LeaseState>,
    /// Signalled when an opening attempt ends, for the threads waiting on it.
    opened: Condvar,
    turn_waiter: Arc<TurnWaiter>,
}

#[derive(Default)]
struct LeaseState {
    instance: Option<Arc<Instance>>,
    users: usize,
    turn: Option<File>,
    /// A thread is opening the file (waiting for the turn or for DuckDB's lock).
    opening: bool,
}

/// The thread blocked in the kernel for this lease's turn, and who wants what it gets.
#[derive(Default)]
struct TurnWaiter {
    state: Mutex<TurnWait>,
    done: Condvar,
}

#[derive(Default)]
struct TurnWait {
    /// The blocking thread exists.
    running: bool,
    /// An opener is waiting for the turn now; otherwise a turn the thread gets is let go.
    wanted: bool,
    /// The turn (or the error) the thread got for the waiting opener.
    got: Option<std::io::Result<File>>,
}

impl FileLease {
    /// The lease of `path` in this process, shared by every per-transaction `Database` on it.
    pub(crate) fn for_path(path: PathBuf, timeout: Duration) -> Arc<FileLease> {
        let mut leases = lock(leases());
        if let Some(lease) = leases.get(&path).and_then(Weak::upgrade) {
            return lease;
        }
        let mut lock_path = path.clone().into_os_string();
        lock_path.push(".lock");
        let lease = Arc::new(FileLease {
            path: path.clone(),
            lock_path: lock_path.into(),
            timeout,
            state: Mutex::new(LeaseState::default()),
            opened: Condvar::new(),
            turn_waiter: Arc::default(),
        });
        leases.retain(|_, weak| weak.strong_count() > 0);
        leases.insert(path, Arc::downgrade(&lease));
        lease
    }

    /// A connection for one user; the first user opens the file, waiting for its turn, and
    /// users arriving meanwhile wait for that, each for at most `timeout` in all.
    pub(crate) fn acquire(&self) -> Result<duckdb::Connection> {
        let deadline = Instant::now() + self.timeout;
        let mut state = lock(&self.state);
        loop {
            if state.instance.is_none() {
                if let Some(instance) = open_instance(&self.path) {
                    // A process-mode `Database` in this process holds the file already.
                    state.instance = Some(instance);
                }
            }
            if let Some(instance) = &state.instance {
                let conn = instance.clone_connection().map_err(map_err)?;
                state.users += 1;
                return Ok(conn);
            }
            if !state.opening {
                break;
            }
            state = match wait_until(&self.opened, state, deadline) {
                Ok(state) => state,
                Err(_) => return Err(self.locked_too_long("locked")),
            };
        }
        state.opening = true;
        drop(state);
        let opened = self
            .wait_for_turn(deadline)
            .and_then(|turn| Ok((turn, self.wait_for_file(deadline)?)));
        let mut state = lock(&self.state);
        state.opening = false;
        self.opened.notify_all();
        let (turn, conn) = opened?;
        let instance = Instance::new(conn);
        lock(instances()).insert(self.path.clone(), Arc::downgrade(&instance));
        let conn = instance.clone_connection().map_err(map_err)?;
        state.instance = Some(instance);
        state.turn = Some(turn);
        state.users += 1;
        Ok(conn)
    }

    /// Called when a connection is returned; the last one closes the file, then ends the turn.
    pub(crate) fn release(&self) {
        let mut state = lock(&self.state);
        state.users = state.users.saturating_sub(1);
        if state.users == 0 {
            // Dropping the last handle closes the instance; only then may another process start.
            drop(state.instance.take());
            drop(state.turn.take());
        }
    }

    /// Threads still waiting for another process's turn to end (for tests).
    #[cfg(test)]
    fn lock_waiters(&self) -> usize {
        usize::from(lock(&self.turn_waiter.state).running)
    }

    fn locked_too_long(&self, what: &str) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!(
                "{} stayed {what} by another process for {:?} (the timeout option)",
                self.path.display(),
                self.timeout
            ),
        )
        .with_backend("duckdb")
    }

    fn lock_file(&self) -> Result<File> {
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock_path)
            .map_err(|e| {
                Error::new(
                    ErrorKind::Connection,
                    format!("cannot open lock file {}: {e}", self.lock_path.display()),
                )
                .with_backend("duckdb")
            })
    }

    fn lock_failed(&self, e: std::io::Error) -> Error {
        Error::new(
            ErrorKind::Connection,
            format!("cannot lock {}: {e}", self.lock_path.display()),
        )
        .with_backend("duckdb")
    }

    /// Takes the advisory lock on `<file>.lock`, waiting until `deadline`.
    fn wait_for_turn(&self, deadline: Instant) -> Result<File> {
        let file = self.lock_file()?;
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(self.lock_failed(e)),
        }
        // Block in the kernel rather than poll: a poller that sleeps between tries keeps losing
        // the lock to processes that ask at the right moment, and under load starved past the
        // timeout (10 processes in a stress run). The blocking call has no timeout of its own,
        // so it runs on a thread of its own, one per lease, which a later wait picks up again
        // if this one gives up; a turn it gets while nobody waits is let go at once.
        let waiter = &self.turn_waiter;
        let mut wait = lock(&waiter.state);
        wait.wanted = true;
        let mut file = Some(file);
        let got = loop {
            if let Some(got) = wait.got.take() {
                break Ok(got);
            }
            if !wait.running {
                let file = match file.take() {
                    Some(file) => file,
                    None => self.lock_file()?,
                };
                wait.running = self.spawn_turn_waiter(file);
                if !wait.running {
                    break Err(self.locked_too_long("locked (no thread to wait on)"));
                }
            }
            wait = match wait_until(&waiter.done, wait, deadline) {
                Ok(wait) => wait,
                Err(timed_out) => {
                    wait = timed_out;
                    break Err(self.locked_too_long("locked"));
                }
            };
        };
        wait.wanted = false;
        got?.map_err(|e| self.lock_failed(e))
    }

    /// Starts the thread that blocks on `file`'s lock; `false` if no thread could be started.
    fn spawn_turn_waiter(&self, file: File) -> bool {
        let waiter = Arc::clone(&self.turn_waiter);
        std::thread::Builder::new()
            .name(LOCK_WAITER.into())
            .spawn(move || {
                let locked = file.lock().map(|()| file);
                let mut wait = lock(&waiter.state);
                wait.running = false;
                if wait.wanted {
                    wait.got = Some(locked);
                    waiter.done.notify_all();
                }
                // Otherwise nobody waits any more: the lock is let go here, with the file.
            })
            .is_ok()
    }

    /// Opens the file, retrying until `deadline` while a process that does not take turns
    /// holds it.
    fn wait_for_file(&self, deadline: Instant) -> Result<duckdb::Connection> {
        let mut pause = Backoff::new();
        loop {
            match open_file(&self.path) {
                Err(e) if e.kind() == ErrorKind::Locked && Instant::now() < deadline => {
                    pause.sleep(deadline.saturating_duration_since(Instant::now()))
                }
                Err(e) if e.kind() == ErrorKind::Locked => {
                    return Err(self.locked_too_long("open (in the default access mode)"))
                }
                other => return other,
            }
        }
    }
}

/// Waits on `condvar` until it is signalled (or wakes spuriously), at most until `deadline`;
/// `Err` with the guard once the deadline has passed.
fn wait_until<'a, T>(
    condvar: &Condvar,
    guard: MutexGuard<'a, T>,
    deadline: Instant,
) -> std::result::Result<MutexGuard<'a, T>, MutexGuard<'a, T>> {
    let now = Instant::now();
    if now >= deadline {
        return Err(guard);
    }
    Ok(condvar
        .wait_timeout(guard, deadline - now)
        .unwrap_or_else(|e| e.into_inner())
        .0)
}

/// The name of the thread that waits in the kernel for another process's turn to end.
const LOCK_WAITER: &str = "anytable-dblock";

/// Exponential pauses from 1 ms up to 50 ms, never past a deadline.
struct Backoff(Duration);

impl Backoff {
    fn new() -> Backoff {
        Backoff(Duration::from_millis(1))
    }

    fn sleep(&mut self, left: Duration) {
        std::thread::sleep(self.0.min(left));
        self.0 = (self.0 * 2).min(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = canonical(&dir.path().join("t.duckdb")).expect("directory exists");
        (dir, path)
    }

    #[test]
    fn every_database_on_one_file_shares_one_instance() {
        let (_dir, path) = temp_file();
        let a = shared_instance(&path).expect("opens");
        let b = shared_instance(&path).expect("opens again");
        assert!(Arc::ptr_eq(&a, &b), "a second open reuses the instance");
        let lease = FileLease::for_path(path.clone(), Duration::from_secs(1));
        assert!(Arc::ptr_eq(
            &lease,
            &FileLease::for_path(path.clone(), Duration::from_secs(1))
        ));
        let conn = lease
            .acquire()
            .expect("per-transaction access joins the open instance");
        let state = lock(&lease.state);
        assert!(Arc::ptr_eq(state.instance.as_ref().expect("open"), &a));
        assert!(
            state.turn.is_none(),
            "no turn is needed while this process holds the file"
        );
        drop(state);
        drop(conn);
        lease.release();
    }

    #[test]
    fn a_lease_closes_the_file_and_ends_its_turn_when_the_last_user_leaves() {
        let (_dir, path) = temp_file();
        let lease = FileLease::for_path(path.clone(), Duration::from_millis(200));
        let first = lease.acquire().expect("opens");
        let second = lease.acquire().expect("joins");
        let other = File::open(&lease.lock_path).expect("lock file exists");
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        drop((first, second));
        lease.release();
        assert!(open_instance(&path).is_some(), "one user is left");
        lease.release();
        assert!(open_instance(&path).is_none(), "closed");
        other.try_lock().expect("the turn has ended");
        other.unlock().expect("unlocks");
    }

    #[test]
    fn queued_waits_each_end_within_the_timeout_and_leave_one_waiting_thread() {
        let (_dir, path) = temp_file();
        let timeout = Duration::from_millis(400);
        let lease = FileLease::for_path(path.clone(), timeout);
        let other = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lease.lock_path)
            .expect("lock file");
        other.lock().expect("another process's turn");
        for round in 0..3 {
            let waiters: Vec<_> = (0..6)
                .map(|_| {
                    let lease = Arc::clone(&lease);
                    std::thread::spawn(move || {
                        let started = Instant::now();
                        let result = lease.acquire().map(drop).map_err(|e| e.kind());
                        (result, started.elapsed())
                    })
                })
                .collect();
            for waiter in waiters {
                let (result, waited) = waiter.join().expect("no panic");
                assert_eq!(result, Err(ErrorKind::Timeout), "round {round}");
                assert!(
                    waited < timeout + Duration::from_millis(600),
                    "round {round}: a queued wait took {waited:?}, past the {timeout:?} timeout"
                );
            }
            let waiting = lease.lock_waiters();
            assert!(
                waiting <= 1,
                "round {round}: {waiting} threads still blocked on the lock"
            );
        }
        other.unlock().expect("lets go");
        let conn = lease.acquire().expect("the turn is free again");
        drop(conn);
        lease.release();
        let started = Instant::now();
        while lease.lock_waiters() > 0 {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the waiting thread ends"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn waiting_for_another_process_ends_in_timeout_then_works_once_it_lets_go() {
        let (_dir, path) = temp_file();
        let lease = FileLease::for_path(path.clone(), Duration::from_millis(300));
        // Another process's turn, as far as flock is concerned (a separate open file).
        let other = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lease.lock_path)
            .expect("lock file");
        other.lock().expect("takes the turn");
        let started = Instant::now();
        let err = lease.acquire().expect_err("the turn is taken");
        assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
        assert!(err.is_retryable());
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        other.unlock().expect("lets go");
        let conn = lease.acquire().expect("the turn is free again");
        drop(conn);
        lease.release();
    }
}
