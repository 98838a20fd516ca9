//! A blocking PostgreSQL client over tokio-postgres, on a runtime of its own.
//!
//! The `postgres` crate does the same, but its row iterator enters the runtime once per row:
//! about 2,400 instructions a row, twice what decoding it costs, which made a full scan read
//! half as fast as `Client::query` (measured with callgrind). Here rows are fetched in batches,
//! one runtime entry per batch, and handed out between batches, outside the runtime, so a
//! caller's callback may itself use the database (a nested runtime entry would panic).

use std::future::Future;
use std::time::Duration;

use anytable_core::{check_count, Result, RowSource};
use futures_util::StreamExt;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Config, Error, Row, SimpleQueryMessage, Statement, ToStatement};

use crate::error::map_err;
use crate::tls::MakeRustls;
use crate::types::Bind;

/// Rows fetched per runtime entry while streaming.
const BATCH: usize = 256;

/// How long closing waits for the server to acknowledge the end of the session.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// One connection to the server, used from one thread at a time.
pub(crate) struct SyncClient {
    // Option so that Drop can move it to the thread that closes the connection.
    runtime: Option<Runtime>,
    // Option so that Drop can close the client before waiting for its connection task.
    client: Option<tokio_postgres::Client>,
    connection: Option<JoinHandle<std::result::Result<(), Error>>>,
}

impl SyncClient {
    /// Connects with `config`, over TLS where its `ssl_mode` asks; the connection's I/O runs
    /// whenever a call is waiting on it.
    /// The whole session start-up (TCP, TLS handshake, authentication) is bounded by
    /// `startup`: `connect_timeout` bounds only the TCP connect, and a peer that accepts and
    /// then says nothing would otherwise be waited for forever.
    pub(crate) fn connect(
        config: &Config,
        tls: MakeRustls,
        startup: Duration,
    ) -> std::result::Result<SyncClient, ConnectError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ConnectError::Runtime)?;
        let (client, connection) = enter(&runtime, async {
            tokio::time::timeout(startup, config.connect(tls)).await
        })
        .map_err(|_| ConnectError::Stalled(startup))?
        .map_err(ConnectError::Postgres)?;
        let connection = runtime.spawn(connection);
        Ok(SyncClient {
            runtime: Some(runtime),
            client: Some(client),
            connection: Some(connection),
        })
    }

    fn client(&self) -> &tokio_postgres::Client {
        self.client.as_ref().expect("present until drop")
    }

    fn runtime(&self) -> &Runtime {
        self.runtime.as_ref().expect("present until drop")
    }

    fn block_on<F: Future + Send>(&self, future: F) -> F::Output
    where
        F::Output: Send,
    {
        enter(self.runtime(), future)
    }

    /// Prepares `sql` on the server.
    pub(crate) fn prepare(&mut self, sql: &str) -> std::result::Result<Statement, Error> {
        self.block_on(self.client().prepare(sql))
    }

    /// Prepares `sql` on the server with the parameters' types given (`Type::UNKNOWN`: the
    /// server's choice).
    pub(crate) fn prepare_typed(
        &mut self,
        sql: &str,
        types: &[Type],
    ) -> std::result::Result<Statement, Error> {
        self.block_on(self.client().prepare_typed(sql, types))
    }

    /// Runs a statement that returns no rows; the number of rows it changed.
    pub(crate) fn execute(
        &mut self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> std::result::Result<u64, Error> {
        self.block_on(self.client().execute(statement, params))
    }

    /// Runs a query and collects its rows.
    pub(crate) fn query<T: ?Sized + ToStatement + Sync>(
        &mut self,
        statement: &T,
        params: &[&(dyn ToSql + Sync)],
    ) -> std::result::Result<Vec<Row>, Error> {
        self.block_on(self.client().query(statement, params))
    }

    /// Runs a query that returns at most one row.
    pub(crate) fn query_opt<T: ?Sized + ToStatement + Sync>(
        &mut self,
        statement: &T,
        params: &[&(dyn ToSql + Sync)],
    ) -> std::result::Result<Option<Row>, Error> {
        self.block_on(self.client().query_opt(statement, params))
    }

    /// Starts a query whose rows the caller pulls from the returned cursor; they are fetched
    /// `BATCH` at a time, one runtime entry per batch, so memory stays flat however many there
    /// are and the caller handles each row outside the runtime. With `commit`, the query runs
    /// in a transaction the caller opened for it alone: the cursor commits it after the last
    /// row or when dropped, and rolls it back if the query cannot start.
    pub(crate) fn query_raw<P: ToSql + Sync>(
        &mut self,
        statement: &Statement,
        params: &[P],
        commit: bool,
    ) -> Result<RowCursor<'_>> {
        let client = self.client.as_ref().expect("present until drop");
        let runtime = self.runtime.as_ref().expect("present until drop");
        let stream = match enter(runtime, client.query_raw(statement, params.iter())) {
            Ok(stream) => stream,
            Err(e) => {
                if commit {
                    // The query's own error is the one to report.
                    let _ = enter(runtime, client.batch_execute("ROLLBACK"));
                }
                return Err(map_err(e));
            }
        };
        Ok(RowCursor {
            runtime,
            client,
            stream: Some(Box::pin(stream)),
            batch: std::collections::VecDeque::new(),
            current: None,
            finished: false,
            commit,
        })
    }

    /// Runs one or more statements separated by semicolons, without parameters.
    pub(crate) fn batch_execute(&mut self, sql: &str) -> std::result::Result<(), Error> {
        self.block_on(self.client().batch_execute(sql))
    }

    /// Runs statements by the simple query protocol (used as a ping).
    pub(crate) fn simple_query(
        &mut self,
        sql: &str,
    ) -> std::result::Result<Vec<SimpleQueryMessage>, Error> {
        self.block_on(self.client().simple_query(sql))
    }

    /// [`simple_query`](Self::simple_query) given at most `limit`; `None` when the server
    /// did not answer in time (a stopped process, a vanished host), after which the session's
    /// state is unknown and it must be discarded.
    pub(crate) fn simple_query_within(
        &mut self,
        sql: &str,
        limit: Duration,
    ) -> Option<Vec<SimpleQueryMessage>> {
        self.block_on(async { tokio::time::timeout(limit, self.client().simple_query(sql)).await })
            .ok()?
            .ok()
    }

    /// The first column of the first row of `sql` as text (`None` inside for NULL or no
    /// row), waiting at most `limit`; `None` when the server did not answer in time or failed.
    pub(crate) fn scalar_within(&mut self, sql: &str, limit: Duration) -> Option<Option<String>> {
        let messages = self.simple_query_within(sql, limit)?;
        Some(first_value(&messages))
    }

    /// What asks the server, on a connection of its own, to stop this session's statement.
    pub(crate) fn cancel_token(&self) -> tokio_postgres::CancelToken {
        self.client().cancel_token()
    }

    /// Whether the connection has died (the server closed it, the network failed).
    pub(crate) fn is_closed(&self) -> bool {
        self.client().is_closed()
    }

    /// Runs `sql`, a `COPY ... FROM STDIN (FORMAT binary)` of columns of `types`, with every
    /// row of `rows`; the number of rows copied. The server commits a COPY only at its final
    /// flush, so a row that fails leaves nothing half-written.
    ///
    /// Rows are pulled from `rows` outside the runtime, `BATCH` at a time, and written in one
    /// runtime entry per batch: the iterator behind `rows` may itself use the database (a
    /// blocking call inside the runtime would panic).
    pub(crate) fn copy_in_binary(
        &mut self,
        sql: &str,
        types: &[Type],
        rows: &mut dyn RowSource,
    ) -> Result<u64> {
        let client = self.client.as_ref().expect("present until drop");
        let runtime = self.runtime.as_ref().expect("present until drop");
        let sink = enter(runtime, client.copy_in(sql)).map_err(map_err)?;
        let mut writer = Box::pin(BinaryCopyInWriter::new(sink, types));
        let mut batch: Vec<Vec<anytable_core::Value>> = Vec::new();
        loop {
            let mut filled = 0;
            while filled < BATCH {
                if filled == batch.len() {
                    batch.push(Vec::with_capacity(types.len()));
                }
                if !rows.next_row(&mut batch[filled])? {
                    break;
                }
                // `write_raw` fails on a count mismatch; say which counts differ.
                check_count("values in a row", types.len(), batch[filled].len())?;
                filled += 1;
            }
            let rows_in_batch = &batch[..filled];
            enter(runtime, async {
                for row in rows_in_batch {
                    writer.as_mut().write_raw(Binds(row.iter())).await?;
                }
                Ok::<(), Error>(())
            })
            .map_err(map_err)?;
            if filled < BATCH {
                break;
            }
        }
        enter(runtime, writer.as_mut().finish()).map_err(map_err)
    }
}

/// The first column of the first row of a simple query's answer, as text (`None` for NULL or
/// no row).
pub(crate) fn first_value(messages: &[SimpleQueryMessage]) -> Option<String> {
    messages.iter().find_map(|message| match message {
        SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
        _ => None,
    })
}

/// A row's values as parameters. A named iterator, not `map(Bind)`: with a function item or a
/// closure there, rustc cannot prove the copy's future `Send` ("not general enough").
struct Binds<'a>(std::slice::Iter<'a, anytable_core::Value>);

impl<'a> Iterator for Binds<'a> {
    type Item = Bind<'a>;

    fn next(&mut self) -> Option<Bind<'a>> {
        self.0.next().map(Bind)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for Binds<'_> {}

/// The rows of a running query, fetched as they are pulled; from [`SyncClient::query_raw`].
pub(crate) struct RowCursor<'c> {
    runtime: &'c Runtime,
    client: &'c tokio_postgres::Client,
    // None once the transaction wrapped around the query ends: an unread stream would hold
    // back the connection's later responses.
    stream: Option<std::pin::Pin<Box<tokio_postgres::RowStream>>>,
    // Grown as rows come: a lookup of one row should not allocate room for a whole batch.
    batch: std::collections::VecDeque<Row>,
    current: Option<Row>,
    finished: bool,
    /// Whether the query runs in a transaction of its own that the cursor must end.
    commit: bool,
}

impl RowCursor<'_> {
    /// The next row, or `None` after the last.
    pub(crate) fn next(&mut self) -> Result<Option<&Row>> {
        if self.batch.is_empty() && !self.finished {
            let (stream, batch) = (&mut self.stream, &mut self.batch);
            let fetched = match stream {
                Some(stream) => enter(self.runtime, async {
                    while batch.len() < BATCH {
                        match stream.next().await {
                            Some(row) => batch.push_back(row?),
                            None => return Ok::<bool, Error>(true),
                        }
                    }
                    Ok(false)
                }),
                None => Ok(true),
            };
            match fetched {
                Ok(finished) => self.finished = finished,
                Err(e) => {
                    self.finished = true;
                    self.end("ROLLBACK").ok();
                    return Err(map_err(e));
                }
            }
        }
        self.current = self.batch.pop_front();
        if self.current.is_none() {
            self.end("COMMIT")?;
        }
        Ok(self.current.as_ref())
    }

    /// Ends the transaction wrapped around the query, if there is one, with `sql`.
    fn end(&mut self, sql: &str) -> Result<()> {
        if !std::mem::take(&mut self.commit) {
            return Ok(());
        }
        self.stream = None;
        // Waited for, so the transaction has ended, and released its locks, before the
        // connection goes back to the pool.
        enter(self.runtime, self.client.batch_execute(sql)).map_err(map_err)
    }
}

impl Drop for RowCursor<'_> {
    fn drop(&mut self) {
        // Dropped before its last row: what was read stands (a query's rows are read-only
        // once produced), so the transaction commits.
        let _ = self.end("COMMIT");
    }
}

impl Drop for SyncClient {
    fn drop(&mut self) {
        // Dropping the client ends the session; the connection task then says goodbye to the
        // server and stops, which it can only do while the runtime runs.
        drop(self.client.take());
        let connection = self.connection.take();
        // Blocking on (or dropping) a runtime from inside another one panics: an async
        // application may drop the last handle on a pool on one of its worker threads.
        let Some(runtime) = self.runtime.take() else {
            return;
        };
        let close = move || close(runtime, connection);
        if tokio::runtime::Handle::try_current().is_err() {
            close();
        } else if std::thread::Builder::new()
            .name("anytable-pg-close".into())
            .spawn(close)
            .is_err()
        {
            // No thread to close it on: the socket just closes, without the goodbye.
        }
    }
}

/// Runs `future` on the client's own `runtime` and waits for it, from wherever the caller is.
/// A thread already inside a tokio runtime may not enter another one (tokio panics: "Cannot
/// start a runtime from within a runtime"), yet the sync API is called there too, as it is on
/// SQLite and DuckDB: a task of a multi-threaded runtime first leaves it (`block_in_place`,
/// which hands the worker's other tasks to another thread), and elsewhere inside a runtime (a
/// current-thread one, `block_on`) the wait happens on a thread of its own.
fn enter<F: Future + Send>(runtime: &Runtime, future: F) -> F::Output
where
    F::Output: Send,
{
    let Ok(current) = tokio::runtime::Handle::try_current() else {
        return runtime.block_on(future);
    };
    if current.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
        && tokio::task::try_id().is_some()
    {
        return tokio::task::block_in_place(|| runtime.block_on(future));
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("anytable-pg-call".into())
            .spawn_scoped(scope, || runtime.block_on(future))
            .expect("a thread to wait on the PostgreSQL client")
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Waits (briefly) for the connection task to say goodbye, then stops the runtime.
fn close(runtime: Runtime, connection: Option<JoinHandle<std::result::Result<(), Error>>>) {
    if let Some(connection) = connection {
        // The timer must be made inside the runtime.
        let _ = runtime.block_on(async { tokio::time::timeout(CLOSE_WAIT, connection).await });
    }
    drop(runtime);
}

/// Why a connection could not be made.
#[derive(Debug)]
pub(crate) enum ConnectError {
    /// The runtime the client runs on could not start.
    Runtime(std::io::Error),
    /// The server could not be reached or refused the session.
    Postgres(Error),
    /// The session's start-up did not finish within this long.
    Stalled(Duration),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Runtime(e) => write!(f, "cannot start the client's runtime: {e}"),
            ConnectError::Postgres(e) => e.fmt(f),
            ConnectError::Stalled(limit) => write!(
                f,
                "the server did not finish the session's start-up (TLS handshake, \
                 authentication) within {} s (connect_timeout)",
                limit.as_secs_f64()
            ),
        }
    }
}

impl std::error::Error for ConnectError {}
