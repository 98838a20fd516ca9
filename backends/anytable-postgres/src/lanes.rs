//! The native async path ([`AsyncStatements`]): sessions whose tokio-postgres connection
//! runs as a task of the caller's own runtime ("lanes"), shared by the statements that run
//! outside a transaction. Statements of concurrent tasks on one lane travel pipelined, as
//! tokio-postgres sends a request while earlier ones are still being answered: no blocking
//! thread, no runtime of anytable's own, no pool checkout per call.
//!
//! Offered only where these statements answer as the pool's would: not behind a pooler in
//! transaction mode (which needs a transaction around each statement and no cached
//! statements) and not with read replicas (whose routing and read-your-writes clock live in
//! the pool). Transactions, streams, COPY and everything else keep the pool.
//!
//! Lanes belong to one runtime: a lane is used only by callers on the runtime that drives its
//! connection, and a runtime that shut down leaves closed lanes, which are replaced. The async
//! API sends calls here only where that runtime is surely being driven while they wait: on a
//! multi-threaded runtime, or from a task (see the facade's `asynchronous/native.rs`).

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anytable_core::{
    check_count, AsyncStatements, BoxFuture, Error, ErrorKind, Interrupt, Result, Value, ValueType,
};
use tokio_postgres::types::Type;
use tokio_postgres::{Client, Config, Statement};

use crate::cancel::PostgresInterrupt;
use crate::client::ConnectError;
use crate::connection::{as_dyn, params, StatementCache, STATEMENT_CACHE};
use crate::error::map_err;
use crate::session::Session;
use crate::tls::{MakeRustls, Tls};
use crate::types::ColumnReader;

/// The lanes of one backend, per runtime that used them.
pub(crate) struct Lanes {
    config: Config,
    tls: Tls,
    session: Arc<Session>,
    /// Lanes per runtime.
    width: usize,
    runtimes: Mutex<Vec<(tokio::runtime::Id, Arc<LaneSet>)>>,
}

/// The lanes of one runtime.
struct LaneSet {
    slots: Vec<Slot>,
    next: AtomicUsize,
}

/// One lane's place: the lane once connected, and a lock that lets one task connect it.
#[derive(Default)]
struct Slot {
    lane: Mutex<Option<Arc<Lane>>>,
    connecting: tokio::sync::Mutex<()>,
}

/// One session driven by the runtime's tasks.
struct Lane {
    client: Client,
    statements: Mutex<StatementCache>,
    /// Statements sent and not yet answered, and whether the lane takes no more.
    state: Mutex<LaneState>,
    tls: MakeRustls,
}

#[derive(Default)]
struct LaneState {
    in_flight: usize,
    /// Set when a statement on it was cancelled (a cancel request may still arrive and stop
    /// a later statement) or when its session turned out to be on a read-only server.
    retired: bool,
}

impl Lanes {
    /// Lanes with `width` sessions per runtime, made with `config` and `tls`, for a pool
    /// whose sessions run as `session` says.
    pub(crate) fn new(config: Config, tls: Tls, session: Arc<Session>, width: usize) -> Lanes {
        Lanes {
            config,
            tls,
            session,
            width: width.max(1),
            runtimes: Mutex::new(Vec::new()),
        }
    }

    /// The lanes of the caller's runtime, made when it first asks.
    fn set(&self) -> Result<Arc<LaneSet>> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| Error::unsupported("the async API must be called inside a tokio runtime"))?
            .id();
        let mut runtimes = self.runtimes.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, set)) = runtimes.iter().find(|(id, _)| *id == runtime) {
            return Ok(Arc::clone(set));
        }
        // A runtime that shut down left only closed lanes; its id may even come back.
        runtimes.retain(|(_, set)| !set.all_closed());
        let set = Arc::new(LaneSet {
            slots: (0..self.width).map(|_| Slot::default()).collect(),
            next: AtomicUsize::new(0),
        });
        runtimes.push((runtime, Arc::clone(&set)));
        Ok(set)
    }

    /// A lane of the caller's runtime to send one statement on, counted as in flight there.
    async fn lane(&self) -> Result<InFlight> {
        let set = self.set()?;
        let turn = set.next.fetch_add(1, Ordering::Relaxed);
        let slot = &set.slots[turn % set.slots.len()];
        let lane = slot.lane.lock().unwrap_or_else(|e| e.into_inner()).clone();
        match lane.and_then(InFlight::enter) {
            Some(in_flight) => Ok(in_flight),
            // Not connected yet, closed (a server restart) or retired: a new session.
            None => self.connect(slot).await,
        }
    }

    /// `slot`'s lane, connected by this task unless another connected it meanwhile.
    async fn connect(&self, slot: &Slot) -> Result<InFlight> {
        let _connecting = slot.connecting.lock().await;
        let current = slot.lane.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(in_flight) = current.and_then(InFlight::enter) {
            return Ok(in_flight);
        }
        let lane = Arc::new(self.open().await?);
        *slot.lane.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(&lane));
        InFlight::enter(lane).ok_or_else(|| Error::new(ErrorKind::Other, "a new lane is closed"))
    }

    /// A new session whose connection is a task of the caller's runtime, set up as the
    /// pool's are (TLS with libpq's second attempt, the startup options checked).
    async fn open(&self) -> Result<Lane> {
        let startup = crate::driver::startup_limit(&self.config);
        let mut attempt = spawned(&self.config, self.tls.connector.clone(), startup).await;
        if let Err(e) = &attempt {
            if let Some(again) = crate::driver::second_attempt(&self.config, &self.tls, e) {
                attempt = spawned(&again, self.tls.connector.clone(), startup).await;
            }
        }
        let client = crate::driver::connect_error(attempt)?;
        if !self.session.pooled() {
            let found = within(startup, client.simple_query(crate::driver::STARTED_QUERY))
                .await
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::Connection,
                        "the new session did not answer its first query in time",
                    )
                    .with_backend("postgres")
                    .with_retryable(true)
                })?
                .map_err(map_err)?;
            let value = crate::client::first_value(&found);
            crate::driver::startup_options_arrived(value.as_deref())?;
        }
        Ok(Lane {
            client,
            statements: Mutex::new(StatementCache::default()),
            state: Mutex::new(LaneState::default()),
            tls: self.tls.connector.clone(),
        })
    }

    /// `e`, after retiring the lane where the pool would discard its connection: a write
    /// refused as read-only (25006) by a primary demoted in a failover, which is retryable
    /// where the URL seeks a writable host.
    fn refused_write(&self, lane: &Lane, e: Error) -> Error {
        if e.code() != Some("25006") {
            return e;
        }
        lane.retire();
        if self.session.seeks_writable {
            e.with_retryable(true)
        } else {
            e
        }
    }
}

impl LaneSet {
    fn all_closed(&self) -> bool {
        self.slots.iter().all(|slot| {
            slot.lane
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .is_none_or(|lane| lane.client.is_closed())
        })
    }
}

impl Lane {
    fn retire(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).retired = true;
    }

    /// `sql` prepared on this lane, from its cache where it was prepared before.
    async fn prepare(&self, key: &str, sql: &str, types: &[Type]) -> Result<Statement> {
        let cached = self
            .statements
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned();
        if let Some(statement) = cached {
            return Ok(statement);
        }
        let statement = self
            .client
            .prepare_typed(sql, types)
            .await
            .map_err(map_err)?;
        let mut statements = self.statements.lock().unwrap_or_else(|e| e.into_inner());
        if statements.len() >= STATEMENT_CACHE {
            statements.clear();
        }
        statements.insert(key.to_owned(), statement.clone());
        Ok(statement)
    }

    /// [`prepare`](Self::prepare) for `values`, retyped as the pool's connections do
    /// (`PostgresConnection::prepare_for`): a placeholder the server took as text for a
    /// value that is not text is prepared again with the value's own type.
    async fn prepare_for(&self, sql: &str, values: &[Value]) -> Result<Statement> {
        let statement = self.prepare(sql, sql, &[]).await?;
        let Some(types) = crate::types::retyped(statement.params(), values) else {
            return Ok(statement);
        };
        self.prepare(&format!("{sql}\0{types:?}"), sql, &types)
            .await
    }
}

/// One statement in flight on a lane; dropped before [`done`](Self::done), it stops the
/// statement where that stops nobody else's.
struct InFlight {
    lane: Arc<Lane>,
    finished: bool,
}

impl InFlight {
    /// Counts a statement in flight on `lane`; `None` where the lane takes no more.
    fn enter(lane: Arc<Lane>) -> Option<InFlight> {
        if lane.client.is_closed() {
            return None;
        }
        {
            let mut state = lane.state.lock().unwrap_or_else(|e| e.into_inner());
            if state.retired {
                return None;
            }
            state.in_flight += 1;
        }
        Some(InFlight {
            lane,
            finished: false,
        })
    }

    fn done(mut self) {
        self.finished = true;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut state = self.lane.state.lock().unwrap_or_else(|e| e.into_inner());
        // Abandoned while the only statement on its session: a cancel request stops it, and
        // the lane takes no more (the request may arrive after the statement ended). With
        // others in flight on the session, a cancel could stop one of theirs: the statement
        // runs to its end (statement_timeout and lock_timeout bound it) and is not read.
        if !self.finished && state.in_flight == 1 && !state.retired {
            state.retired = true;
            let cancel = PostgresInterrupt {
                token: self.lane.client.cancel_token(),
                tls: self.lane.tls.clone(),
                cancelled: Arc::default(),
                pooler: None,
            };
            cancel.interrupt();
        }
        state.in_flight -= 1;
    }
}

/// Connects with `config` and runs the connection as a task of the caller's runtime; the
/// whole start-up bounded by `startup`.
async fn spawned(
    config: &Config,
    tls: MakeRustls,
    startup: Duration,
) -> std::result::Result<Client, ConnectError> {
    let (client, connection) = within(startup, config.connect(tls))
        .await
        .ok_or(ConnectError::Stalled(startup))?
        .map_err(ConnectError::Postgres)?;
    tokio::spawn(async move {
        // It ends when the client is dropped or the session breaks; the client then reports
        // itself closed and the lane is replaced.
        let _ = connection.await;
    });
    Ok(client)
}

/// `future`'s output, or `None` past `limit`. Timed by a thread of its own, not tokio's
/// timer, which the caller's runtime may have been built without; only connections pay it.
async fn within<F: Future>(limit: Duration, future: F) -> Option<F::Output> {
    let (alarm, rings) = tokio::sync::oneshot::channel::<()>();
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let timer = std::thread::Builder::new()
        .name("anytable-pg-connect".into())
        .spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(limit) {
                let _ = alarm.send(());
            }
        });
    if timer.is_err() {
        // No thread to time it: unbounded, as connect_timeout still bounds the TCP connect.
        return Some(future.await);
    }
    let mut future = std::pin::pin!(future);
    let mut rings = std::pin::pin!(rings);
    let output = std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(cx) {
            return std::task::Poll::Ready(Some(output));
        }
        match rings.as_mut().poll(cx) {
            std::task::Poll::Ready(Ok(())) => std::task::Poll::Ready(None),
            _ => std::task::Poll::Pending,
        }
    })
    .await;
    drop(stop);
    output
}

impl Lanes {
    async fn execute_on(&self, lane: &Lane, sql: &str, values: &[Value]) -> Result<u64> {
        let statement = lane.prepare_for(sql, values).await?;
        check_count("parameters", statement.params().len(), values.len())?;
        let binds = params(values);
        let executed = lane.client.execute(&statement, &as_dyn(&binds)).await;
        executed.map_err(|e| self.refused_write(lane, map_err(e)))
    }

    async fn query_row_on(
        &self,
        lane: &Lane,
        sql: &str,
        values: &[Value],
        types: &[ValueType],
    ) -> Result<Option<Vec<Value>>> {
        let statement = lane.prepare_for(sql, values).await?;
        check_count("parameters", statement.params().len(), values.len())?;
        check_count("result columns", statement.columns().len(), types.len())?;
        let binds = params(values);
        let queried = lane.client.query(&statement, &as_dyn(&binds)).await;
        let rows = queried.map_err(|e| self.refused_write(lane, map_err(e)))?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let mut out = vec![Value::Null; types.len()];
        let columns = statement.columns();
        crate::connection::decode_row(row, &mut out, |i| {
            ColumnReader::new(columns[i].type_(), types[i]).read(row, i)
        })?;
        Ok(Some(out))
    }
}

impl AsyncStatements for Lanes {
    fn execute<'a>(&'a self, sql: &'a str, values: &'a [Value]) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let in_flight = self.lane().await?;
            let executed = self.execute_on(&in_flight.lane, sql, values).await;
            in_flight.done();
            executed
        })
    }

    fn query_row<'a>(
        &'a self,
        sql: &'a str,
        values: &'a [Value],
        types: &'a [ValueType],
    ) -> BoxFuture<'a, Result<Option<Vec<Value>>>> {
        Box::pin(async move {
            let in_flight = self.lane().await?;
            let row = self.query_row_on(&in_flight.lane, sql, values, types).await;
            in_flight.done();
            row
        })
    }
}
