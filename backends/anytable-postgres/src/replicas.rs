//! Read replicas (`replicas=host:port,...`): reads outside a transaction go to a streaming
//! replica, everything else to the primary.
//!
//! - A replica is used only while its lag behind the primary's WAL position, measured at most
//!   once a second (for every read when it is 0), is under `max_replica_lag` (seconds, default
//!   5); one that lags more is skipped (the next one is tried, then the primary) until the next
//!   measurement, and one that does not answer (unreachable, or stalled past its
//!   `connect_timeout`) is left alone for 10 s, doubling to a minute.
//! - Read-your-writes: for `max_replica_lag` after any call through this pool that went to the
//!   primary (a write, a transaction, a table's creation), reads go to the primary too, so a
//!   replica within its lag limit has replayed them by the time it is read from.
//! - A read the replica refuses as a write (SQLSTATE 25006: `SELECT nextval(..)`,
//!   `INSERT .. RETURNING` through `query`) runs again on the primary.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anytable_core::pool::Pool;
use anytable_core::{
    BulkInsert, Connection, DatabaseUrl, Error, Interrupt, Result, RowSource, Rows, TableInfo,
    Value, ValueType,
};

use crate::connection::PostgresConnection;
use crate::driver::{checked_slot, PooledClient, Slot};
use crate::session::Session;

/// How long a replica's measured lag (or its being unreachable) is trusted.
const MEASURE_EVERY: Duration = Duration::from_secs(1);

/// The replay lag a replica may have, and the read-your-writes window, by default.
const DEFAULT_MAX_LAG: Duration = Duration::from_secs(5);

/// What the primary has written: its current WAL position, which a replica must have
/// replayed to hold every transaction committed before the measurement began.
const PRIMARY_LSN_QUERY: &str = "SELECT pg_current_wal_lsn()";

/// A replica's lag in seconds, measured against the primary's WAL position `{lsn}` (read just
/// before): none when it has replayed that far (or it is no replica), else the age of the last
/// transaction it replayed, the oldest its answers can be (what it received is no measure: a
/// replica catching up after a break has replayed all it received while it is still far
/// behind the primary).
const LAG_QUERY: &str = "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 \
     WHEN pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn THEN 0 \
     ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9) END";

/// The `host:port` pairs of `replicas=` (a port defaults to `default_port`; IPv6 in brackets).
pub(crate) fn hosts(url: &DatabaseUrl, default_port: u16) -> Result<Vec<(String, u16)>> {
    let Some(list) = url.option("replicas") else {
        return Ok(Vec::new());
    };
    list.split(',')
        .map(|entry| {
            let entry = entry.trim();
            let (host, port) = match entry.rsplit_once(':') {
                Some((host, port)) if !port.contains(']') => (host, Some(port)),
                _ => (entry, None),
            };
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() {
                return Err(Error::invalid_input(format!(
                    "replicas={list:?}: {entry:?} names no host (host:port,host:port)"
                )));
            }
            let port = match port {
                None => default_port,
                Some(text) => text.parse().map_err(|_| {
                    Error::invalid_input(format!(
                        "replicas={list:?}: {text:?} is not a port number"
                    ))
                })?,
            };
            Ok((host.to_owned(), port))
        })
        .collect()
}

/// `max_replica_lag=` in whole seconds.
pub(crate) fn max_lag(url: &DatabaseUrl) -> Result<Duration> {
    let Some(text) = url.option("max_replica_lag") else {
        return Ok(DEFAULT_MAX_LAG);
    };
    match text.parse::<u64>() {
        Ok(seconds) if seconds <= 86_400 => Ok(Duration::from_secs(seconds)),
        _ => Err(Error::invalid_input(format!(
            "max_replica_lag={text:?} must be whole seconds from 0 to 86400"
        ))),
    }
}

/// When this pool last finished a call on the primary.
pub(crate) struct WriteClock {
    start: Instant,
    /// Microseconds after `start`, plus one; 0 for never.
    last: AtomicU64,
}

impl WriteClock {
    pub(crate) fn new() -> Arc<WriteClock> {
        Arc::new(WriteClock {
            start: Instant::now(),
            last: AtomicU64::new(0),
        })
    }

    /// Notes a call on the primary, which reads must see.
    pub(crate) fn mark(&self) {
        let now = u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX - 1);
        self.last.store(now + 1, Ordering::Relaxed);
    }

    /// Whether the pool wrote within `window`.
    fn recent(&self, window: Duration) -> bool {
        match self.last.load(Ordering::Relaxed) {
            0 => false,
            last => {
                let at = self.start + Duration::from_micros(last - 1);
                at.elapsed() < window
            }
        }
    }
}

/// The primary's pool, where a replica's connection sends what a replica cannot do.
pub(crate) struct Primary {
    pub(crate) pool: Arc<Pool<Slot>>,
    pub(crate) session: Arc<Session>,
    pub(crate) writes: Arc<WriteClock>,
}

impl Primary {
    /// A primary connection for a read, which does not open the read-your-writes window.
    pub(crate) fn read(&self) -> Result<PostgresConnection> {
        let slot = checked_slot(&self.pool)?;
        Ok(PostgresConnection::new(slot, Arc::clone(&self.session)))
    }

    /// A primary connection whose use counts as a write for read-your-writes.
    pub(crate) fn connect(&self) -> Result<PostgresConnection> {
        Ok(self.read()?.marking(Some(Arc::clone(&self.writes))))
    }
}

/// One replica's pool and what its last measurement said.
struct Replica {
    pool: Arc<Pool<Slot>>,
    health: Mutex<Health>,
}

#[derive(Clone, Copy)]
struct Health {
    measured: Option<Instant>,
    usable: bool,
    /// Measurements in a row that got no answer (unreachable, or stalled past the probe
    /// limit), which space out the next tries.
    unanswered: u32,
}

/// How long a replica that did not answer its last `unanswered` probes is left alone: 10 s,
/// doubling to a minute, so an unreachable replica costs one read a connect timeout now and
/// then, not every second.
fn left_alone(unanswered: u32) -> Duration {
    (Duration::from_secs(10) * (1u32 << unanswered.saturating_sub(1).min(3)))
        .min(Duration::from_secs(60))
}

/// The replicas of one primary.
pub(crate) struct Replicas {
    replicas: Vec<Replica>,
    next: AtomicUsize,
    max_lag: Duration,
}

impl Replicas {
    /// Replicas reached through `pools`, used while they lag under `max_lag`.
    pub(crate) fn new(pools: Vec<Arc<Pool<Slot>>>, max_lag: Duration) -> Replicas {
        Replicas {
            replicas: pools
                .into_iter()
                .map(|pool| Replica {
                    pool,
                    health: Mutex::new(Health {
                        measured: None,
                        usable: false,
                        unanswered: 0,
                    }),
                })
                .collect(),
            next: AtomicUsize::new(0),
            max_lag,
        }
    }

    /// A connection for a read: a replica's, taking turns among the usable ones, or the
    /// primary's when none is usable or the pool wrote within the lag limit.
    pub(crate) fn connect_read(&self, primary: &Arc<Primary>) -> Result<Box<dyn Connection>> {
        if primary.writes.recent(self.max_lag) {
            return Ok(Box::new(primary.read()?));
        }
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..self.replicas.len() {
            let replica = &self.replicas[(first + i) % self.replicas.len()];
            if let Some(slot) = replica.usable_slot(self.max_lag, primary) {
                return Ok(Box::new(ReplicaConnection::new(
                    PostgresConnection::new(slot, Arc::clone(&primary.session)).serving_reads(),
                    Arc::clone(primary),
                )));
            }
        }
        Ok(Box::new(primary.read()?))
    }
}

impl Replica {
    /// A connection to this replica if it answers and lags under `max_lag`, measuring that
    /// when the last measurement is over a second old, or for every read when `max_lag` is 0
    /// (no read may then miss a write committed before it began).
    fn usable_slot(&self, max_lag: Duration, primary: &Primary) -> Option<PooledClient> {
        let known = *self.health.lock().unwrap_or_else(|e| e.into_inner());
        let trusted_for = if known.unanswered > 0 {
            left_alone(known.unanswered)
        } else if max_lag.is_zero() {
            Duration::ZERO
        } else {
            MEASURE_EVERY
        };
        let fresh = known.measured.is_some_and(|at| at.elapsed() < trusted_for);
        if fresh && !known.usable {
            return None;
        }
        let mut slot = checked_slot(&self.pool).ok();
        if !fresh {
            let measured = primary_lsn(primary).and_then(|lsn| lag(slot.as_mut()?, &lsn));
            if measured.is_none() {
                // It did not answer in time (or at all): its state is unknown.
                if let Some(mut slot) = slot.take() {
                    slot.discard();
                }
            }
            let usable = measured.is_some_and(|lag| lag <= max_lag.as_secs_f64());
            *self.health.lock().unwrap_or_else(|e| e.into_inner()) = Health {
                measured: Some(Instant::now()),
                usable,
                unanswered: if measured.is_some() {
                    0
                } else {
                    known.unanswered.saturating_add(1)
                },
            };
            if !usable {
                return None;
            }
        }
        slot
    }
}

/// The first column of the first row `sql` returns, as text, waiting at most the session's
/// probe limit.
fn first_value(slot: &mut PooledClient, sql: &str) -> Option<String> {
    let within = slot.probe_within;
    slot.client.scalar_within(sql, within).flatten()
}

/// The primary's current WAL position (`16/B374D848`); `None` if it cannot say.
fn primary_lsn(primary: &Primary) -> Option<String> {
    let mut slot = checked_slot(&primary.pool).ok()?;
    let Some(lsn) = first_value(&mut slot, PRIMARY_LSN_QUERY) else {
        slot.discard();
        return None;
    };
    // Checked before it goes into the lag query's text: two hexadecimal numbers.
    let valid = lsn.split_once('/').is_some_and(|(high, low)| {
        [high, low]
            .iter()
            .all(|h| (1..=8).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit()))
    });
    valid.then_some(lsn)
}

/// The replica's lag in seconds behind the primary's position `lsn`; `None` if it cannot say.
fn lag(slot: &mut PooledClient, lsn: &str) -> Option<f64> {
    first_value(slot, &LAG_QUERY.replace("{lsn}", lsn))?
        .parse()
        .ok()
}

/// Whether a replica refused `e`'s statement as a write (read_only_sql_transaction).
fn refused_as_write(e: &Error) -> bool {
    e.code() == Some("25006")
}

/// A read connection served by a replica: reads go to it, anything else (and a read it
/// refuses as a write) to a primary connection taken when first needed.
pub(crate) struct ReplicaConnection {
    replica: PostgresConnection,
    primary: Option<PostgresConnection>,
    pool: Arc<Primary>,
    /// What stops this connection's statements: the replica's, and the primary's once taken.
    interrupters: Arc<Mutex<Vec<Arc<dyn Interrupt>>>>,
}

impl ReplicaConnection {
    fn new(replica: PostgresConnection, pool: Arc<Primary>) -> ReplicaConnection {
        let interrupters = replica.interrupter().into_iter().collect();
        ReplicaConnection {
            replica,
            primary: None,
            pool,
            interrupters: Arc::new(Mutex::new(interrupters)),
        }
    }
}

/// The primary connection of a replica connection, taken on first use.
fn primary<'a>(
    primary: &'a mut Option<PostgresConnection>,
    pool: &Primary,
    interrupters: &Mutex<Vec<Arc<dyn Interrupt>>>,
) -> Result<&'a mut PostgresConnection> {
    if primary.is_none() {
        let conn = pool.connect()?;
        if let Some(interrupter) = conn.interrupter() {
            interrupters
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(interrupter);
        }
        *primary = Some(conn);
    }
    Ok(primary.as_mut().expect("just taken"))
}

impl ReplicaConnection {
    fn on_primary(&mut self) -> Result<&mut PostgresConnection> {
        primary(&mut self.primary, &self.pool, &self.interrupters)
    }

    /// Whether reads go to the primary: inside a transaction begun there.
    fn reads_on_primary(&self) -> bool {
        self.primary.as_ref().is_some_and(|p| p.in_transaction())
    }
}

impl Connection for ReplicaConnection {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.on_primary()?.execute(sql, params)
    }

    fn query<'c>(
        &'c mut self,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
    ) -> Result<Box<dyn Rows + 'c>> {
        let ReplicaConnection {
            replica,
            primary: taken,
            pool,
            interrupters,
        } = self;
        if taken.as_ref().is_some_and(|p| p.in_transaction()) || !reads_only(sql) {
            return primary(taken, pool, interrupters)?.query(sql, params, types);
        }
        match replica.query(sql, params, types) {
            Err(e) if refused_as_write(&e) => {
                primary(taken, pool, interrupters)?.query(sql, params, types)
            }
            Err(e) => Err(e),
            // The server refuses a write only once it runs it, at the first row.
            Ok(rows) => Ok(Box::new(FirstRowFallback {
                rows: Some(rows),
                primary: Some((taken, pool, interrupters)),
                again: (sql.to_owned(), params.to_vec(), types.to_vec()),
                first: Vec::new(),
            })),
        }
    }

    fn query_row(
        &mut self,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
        row: &mut Vec<Value>,
    ) -> Result<bool> {
        if !self.reads_on_primary() && reads_only(sql) {
            match self.replica.query_row(sql, params, types, row) {
                Err(e) if refused_as_write(&e) => {}
                other => return other,
            }
        }
        self.on_primary()?.query_row(sql, params, types, row)
    }

    fn insert_returning_id(
        &mut self,
        plain: &str,
        returning: &str,
        params: &[Value],
    ) -> Result<i64> {
        self.on_primary()?
            .insert_returning_id(plain, returning, params)
    }

    fn insert_many(&mut self, target: &BulkInsert<'_>, rows: &mut dyn RowSource) -> Result<u64> {
        self.on_primary()?.insert_many(target, rows)
    }

    fn begin(&mut self) -> Result<()> {
        self.on_primary()?.begin()
    }

    fn commit(&mut self) -> Result<()> {
        self.on_primary()?.commit()
    }

    fn rollback(&mut self) -> Result<()> {
        match &mut self.primary {
            Some(primary) => primary.rollback(),
            None => Ok(()),
        }
    }

    fn introspect(&mut self, name: &str) -> Result<Option<TableInfo>> {
        // The primary's catalog is the truth; the replica's may lag it.
        self.on_primary()?.introspect(name)
    }

    fn in_transaction(&self) -> bool {
        self.reads_on_primary()
    }

    fn discard(&mut self) {
        self.replica.discard();
        if let Some(primary) = &mut self.primary {
            primary.discard();
        }
    }

    fn interrupter(&self) -> Option<Arc<dyn Interrupt>> {
        Some(Arc::new(Both(Arc::clone(&self.interrupters))))
    }

    fn on_replica(&mut self) -> Result<bool> {
        self.replica.on_replica()
    }
}

/// Whether `sql` starts as a read does (a `WITH` may still write, which the replica refuses).
fn reads_only(sql: &str) -> bool {
    let first = sql
        .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    let query = ["SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN"]
        .iter()
        .any(|keyword| first.eq_ignore_ascii_case(keyword));
    query && !acts_on_the_primary(sql)
}

/// Whether a query takes locks or changes state that only mean something on the primary: an
/// advisory lock held on a replica guards nothing the primary writes, a row lock (`FOR
/// UPDATE`) or a sequence draw is a write. Read from the text, erring towards the primary (a
/// name inside a string literal counts too).
fn acts_on_the_primary(sql: &str) -> bool {
    let mut words = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty());
    let starts = |w: &str, prefix: &str| {
        w.len() >= prefix.len()
            && w.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    let mut after_for = false;
    words.any(|w| {
        let row_lock = after_for
            && ["UPDATE", "SHARE", "NO", "KEY"]
                .iter()
                .any(|k| w.eq_ignore_ascii_case(k));
        after_for = w.eq_ignore_ascii_case("FOR");
        row_lock
            || starts(w, "PG_ADVISORY")
            || starts(w, "PG_TRY_ADVISORY")
            || ["NEXTVAL", "SETVAL", "SET_CONFIG", "PG_NOTIFY"]
                .iter()
                .any(|f| w.eq_ignore_ascii_case(f))
    })
}

/// The primary connection slot of a replica connection, and what takes it.
type PrimarySlot<'c> = (
    &'c mut Option<PostgresConnection>,
    &'c mut Arc<Primary>,
    &'c mut Arc<Mutex<Vec<Arc<dyn Interrupt>>>>,
);

/// A replica's rows that, if the replica refuses the statement as a write before its first
/// row, are the primary's rows of the same statement instead.
struct FirstRowFallback<'c> {
    rows: Option<Box<dyn Rows + 'c>>,
    /// Until the first row: where the statement runs again if refused.
    primary: Option<PrimarySlot<'c>>,
    again: (String, Vec<Value>, Vec<ValueType>),
    /// The first row, once read.
    first: Vec<Value>,
}

impl Rows for FirstRowFallback<'_> {
    fn next(&mut self) -> Result<Option<&mut [Value]>> {
        if let Some((taken, pool, interrupters)) = self.primary.take() {
            let Some(rows) = self.rows.as_mut() else {
                return Ok(None);
            };
            match rows.next() {
                Ok(Some(row)) => {
                    // Kept here, so the replica's cursor is not borrowed by what is returned.
                    self.first = row.iter_mut().map(std::mem::take).collect();
                    return Ok(Some(&mut self.first));
                }
                Ok(None) => return Ok(None),
                Err(e) if refused_as_write(&e) => {}
                Err(e) => return Err(e),
            }
            self.rows = None;
            let (sql, params, types) = &self.again;
            let conn = primary(taken, pool, interrupters)?;
            self.rows = Some(conn.query(sql, params, types)?);
        }
        match self.rows.as_mut() {
            Some(rows) => rows.next(),
            None => Ok(None),
        }
    }
}

/// Stops whatever the replica connection runs, on the replica or on the primary.
struct Both(Arc<Mutex<Vec<Arc<dyn Interrupt>>>>);

impl Interrupt for Both {
    fn interrupt(&self) {
        for interrupter in self.0.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            interrupter.interrupt();
        }
    }
}
