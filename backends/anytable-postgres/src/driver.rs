//! Connecting to a Postgres server: URL and options, the pool, the backend.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anytable_core::pool::{Pool, PoolSettings, Pooled};
use anytable_core::sql::quote_identifier;
use anytable_core::{
    Backend, Capabilities, Connection, DatabaseUrl, Dialect, Error, ErrorKind, ReadFrom, Result,
};
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::Config;

use crate::client::{ConnectError, SyncClient};
use crate::connection::StatementCache;
use crate::dialect::PostgresDialect;
use crate::error::map_err;
use crate::lanes::Lanes;
use crate::replicas::{Primary, Replicas, WriteClock};
use crate::session::Session;
use crate::tls::Tls;

/// A B-tree entry holds at most 2,704 bytes (an eighth of a page, less headers) after
/// compression; anytable refuses more than this of text and bytes per entry before writing, so
/// whether a value fits never depends on how well it compresses, with room left for the entry's
/// header and other columns.
const MAX_INDEX_ENTRY_BYTES: usize = 2_600;
/// The options of a `postgres:` URL besides the pool's ([`PoolSettings`]): anytable's own,
/// then libpq's, with libpq's meanings (see [`libpq_options`]).
const OPTIONS: &[&str] = &[
    "schema",
    "isolation",
    "pooler",
    "statement_timeout",
    "application_name",
    "sslmode",
    "sslrootcert",
    "sslcrl",
    "sslcert",
    "sslkey",
    "connect_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "options",
    "host",
    "port",
    "target_session_attrs",
    "replicas",
    "max_replica_lag",
    "async_sessions",
];

/// Sessions per runtime of the native async path (`crate::lanes`) unless the URL says
/// (`async_sessions`): A5 on 2 cores measured 2 to 4 sessions, each with many statements
/// pipelined, 1.5 to 2 times as fast as 16 with one each (fewer server processes competing
/// for the cores); a server with more cores may want more.
const ASYNC_SESSIONS: usize = 4;

/// A Postgres client and the statements prepared on it.
pub(crate) struct Slot {
    pub(crate) client: SyncClient,
    pub(crate) statements: StatementCache,
    /// When it was last returned to the pool.
    pub(crate) returned: Instant,
    /// The TLS client a cancel request connects with, as the session did.
    pub(crate) tls: crate::tls::MakeRustls,
    /// Set once a cancel request was sent for this session: one may still arrive after its
    /// statement ended, so the session is not lent again.
    pub(crate) cancelled: Arc<std::sync::atomic::AtomicBool>,
    /// The pooler a cancel request goes to, waiting for it ([`crate::cancel`]).
    pub(crate) pooler: Option<Arc<(String, u16)>>,
    /// The longest a liveness check (or a replica's lag probe) waits for the server: its
    /// `connect_timeout`.
    pub(crate) probe_within: Duration,
}

/// A connection idle longer than this is pinged before use: the server may have restarted.
const PING_AFTER: Duration = Duration::from_secs(1);

/// A client checked out of the pool.
pub(crate) type PooledClient = Pooled<Slot>;

/// A PostgreSQL server reached through a pool of connections, and its read replicas if the
/// URL names them.
pub struct PostgresBackend {
    primary: Arc<Primary>,
    replicas: Option<Replicas>,
    capabilities: Capabilities,
    /// The native async path, where it applies.
    lanes: Option<Lanes>,
}

impl std::fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBackend")
            .field("session", &self.primary.session)
            .field("pool_size", &self.primary.pool.max_size())
            .field("replicas", &self.capabilities.replica_reads)
            .finish()
    }
}

/// The driver's configuration for the server `url` names, from the one URL parser every
/// backend uses (`DatabaseUrl::server`), never the driver's own second reading of the text.
fn server_config(url: &DatabaseUrl) -> Result<Config> {
    server_config_at(url, None)
}

/// [`server_config`], at the one server `only` (a replica) if given instead of the URL's hosts.
fn server_config_at(url: &DatabaseUrl, only: Option<(&str, u16)>) -> Result<Config> {
    let server = url.server()?;
    let mut config = Config::new();
    if let Some((host, port)) = only {
        config.host(host).port(port);
        return Ok(login(&server, config));
    }
    let mut hosts = server.hosts.clone();
    // libpq: `host=` and `port=` in the query override the URL's (a Unix socket directory is
    // a host starting with `/`, which only the query can carry).
    if let Some(list) = url.option("host") {
        hosts = list.split(',').map(|h| (h.to_owned(), None)).collect();
    }
    if let Some(list) = url.option("port") {
        let ports: Vec<&str> = list.split(',').collect();
        if ports.len() != hosts.len().max(1) && ports.len() != 1 {
            return Err(Error::invalid_input(format!(
                "port={list:?} gives {} ports for {} hosts",
                ports.len(),
                hosts.len()
            )));
        }
        if hosts.is_empty() {
            hosts.push(("localhost".to_owned(), None));
        }
        for (i, host) in hosts.iter_mut().enumerate() {
            let text = ports.get(i).or(ports.first()).copied().unwrap_or_default();
            host.1 = Some(text.parse().map_err(|_| {
                Error::invalid_input(format!("port={text:?} is not a port number"))
            })?);
        }
    }
    // The driver pairs ports with hosts by position when there is more than one.
    let any_port = hosts.iter().any(|(_, port)| port.is_some());
    for (host, port) in &hosts {
        config.host(host);
        if any_port {
            config.port(port.unwrap_or(DEFAULT_PORT));
        }
    }
    Ok(login(&server, config))
}

/// `config` with the URL's user, password and database.
fn login(server: &anytable_core::ServerAddress, mut config: Config) -> Config {
    if let Some(user) = &server.user {
        config.user(user);
    }
    if let Some(password) = &server.password {
        config.password(password);
    }
    if let Some(database) = &server.database {
        config.dbname(database);
    }
    config
}

/// The configuration of the primary's sessions (`only`: of a replica's), with the URL's
/// libpq parameters and anytable's startup options.
fn session_config(
    url: &DatabaseUrl,
    only: Option<(&str, u16)>,
    timeout: Duration,
    session: &Session,
) -> Result<Config> {
    let mut config = server_config_at(url, only)?;
    config.connect_timeout(timeout);
    libpq_options(url, &mut config)?;
    // Shown in pg_stat_activity, so operators can tell (and terminate) this pool's sessions.
    config.application_name(url.option("application_name").unwrap_or("anytable"));
    if let Some(options) = &session.startup_options {
        // Startup parameters, not SETs: they hold on every pooled connection.
        config.options(options);
    }
    if only.is_some() {
        // A replica is read-only by definition.
        config.target_session_attrs(tokio_postgres::config::TargetSessionAttrs::Any);
    }
    Ok(config)
}

/// TCP keepalives and `tcp_user_timeout`, so that a session whose server vanished without a
/// reset (a failover, a host gone) fails within about a minute instead of the kernel's two
/// hours: keepalives after 30 s idle, every 10 s, 3 unanswered then the link is dead; data
/// unacknowledged for 30 s ends it too. libpq's options (`keepalives=0|1`,
/// `keepalives_idle`, `keepalives_interval` in seconds, `keepalives_count`,
/// `tcp_user_timeout` in milliseconds, 0 for the system's) override each.
fn tcp_liveness(url: &DatabaseUrl, config: &mut Config) -> Result<()> {
    let number = |key: &str, default: u64| -> Result<u64> {
        match url.option(key) {
            None => Ok(default),
            Some(text) => text
                .parse()
                .map_err(|_| Error::invalid_input(format!("{key}={text:?} is not a whole number"))),
        }
    };
    let keepalives = number("keepalives", 1)?;
    if keepalives > 1 {
        return Err(Error::invalid_input("keepalives= must be 0 or 1"));
    }
    config.keepalives(keepalives == 1);
    let at_least_one = |key: &str, default: u64| -> Result<u64> {
        match number(key, default)? {
            0 => Err(Error::invalid_input(format!("{key}=0: give at least 1"))),
            n => Ok(n),
        }
    };
    config.keepalives_idle(Duration::from_secs(at_least_one("keepalives_idle", 30)?));
    config.keepalives_interval(Duration::from_secs(at_least_one(
        "keepalives_interval",
        10,
    )?));
    let count = at_least_one("keepalives_count", 3)?;
    config.keepalives_retries(u32::try_from(count).unwrap_or(u32::MAX));
    config.tcp_user_timeout(Duration::from_millis(number("tcp_user_timeout", 30_000)?));
    Ok(())
}

/// libpq's connection parameters as users paste them from a provider's dashboard, each with
/// libpq's meaning, applied to `config` (`options` joins anytable's own settings, in
/// [`crate::session`]).
fn libpq_options(url: &DatabaseUrl, config: &mut Config) -> Result<()> {
    for option in ["sslcert", "sslkey"] {
        if url.option(option).is_some() {
            return Err(Error::unsupported(format!(
                "{option}=: client certificates are not supported yet; the server's \
                 certificate is checked (sslmode, sslrootcert) and the login is by password"
            )));
        }
    }
    tcp_liveness(url, config)?;
    if let Some(seconds) = url.option("connect_timeout") {
        let n: u64 = seconds.parse().map_err(|_| {
            Error::invalid_input(format!("connect_timeout={seconds:?} is not whole seconds"))
        })?;
        if n == 0 {
            return Err(Error::invalid_input(
                "connect_timeout=0 (libpq: wait forever) is refused: give the seconds to wait",
            ));
        }
        // libpq waits at least 2 seconds, whatever is asked.
        config.connect_timeout(Duration::from_secs(n.max(2)));
    }
    match url.option("target_session_attrs") {
        None | Some("any") => {}
        Some("read-write") => {
            config.target_session_attrs(tokio_postgres::config::TargetSessionAttrs::ReadWrite);
        }
        Some(other @ ("read-only" | "primary" | "standby" | "prefer-standby")) => {
            return Err(Error::unsupported(format!(
                "target_session_attrs={other} is not supported yet; any and read-write are"
            )))
        }
        Some(other) => {
            return Err(Error::invalid_input(format!(
                "target_session_attrs={other:?} must be any, read-write, read-only, primary, \
                 standby or prefer-standby"
            )))
        }
    }
    Ok(())
}

/// PostgreSQL's port when a URL names none.
pub(crate) const DEFAULT_PORT: u16 = 5432;

impl PostgresBackend {
    /// Connects to the server a `postgres://` or `postgresql://` URL names.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for malformed URLs or options, [`ErrorKind::Connection`]
    /// when the server cannot be reached or refuses the login within `timeout`.
    pub fn open(url: &DatabaseUrl) -> Result<PostgresBackend> {
        let settings = PoolSettings::from_url(url, OPTIONS)?;
        let timeout = settings.timeout;
        let session = Arc::new(crate::session::from_url(url, timeout)?);
        let mut config = session_config(url, None, timeout, &session)?;
        let tls = tls_for(url, &mut config)?;
        let replicas = replica_pools(url, &settings, &config, &session)?;
        // Connect once now so a wrong host, port or password fails here, not in the pool.
        let mut client = connect(&config, &tls)?;
        if !session.pooled() {
            check_startup_options(&mut client, connect_timeout(&config))?;
        }
        if let Some(schema) = url.option("schema") {
            client
                .batch_execute(&format!(
                    "CREATE SCHEMA IF NOT EXISTS {}",
                    quote_identifier(schema)
                ))
                .or_else(|e| {
                    // Two processes creating it at once: one sees a duplicate, which is fine.
                    match e.code().map(|c| c.code()) {
                        Some("23505") | Some("42P06") => Ok(()),
                        _ => Err(e),
                    }
                })
                .map_err(map_err)?;
        }
        // `ilike` lowercases through the root ICU collation, present when the server was built
        // with ICU (nearly always); without it, `ilike` is Unsupported.
        // A simple query: one round trip with no prepared statement, which a pooler in
        // transaction mode could route away between its prepare and its execute.
        let icu = client
            .simple_query("SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu'")
            .map_err(map_err)?
            .iter()
            .any(|m| matches!(m, tokio_postgres::SimpleQueryMessage::Row(_)));
        drop(client);
        // The native async path answers as the pool would only where the pool does nothing
        // more than lend a session: not behind a pooler, not with replicas (`crate::lanes`).
        let sessions = async_sessions(url, &settings)?;
        let lanes = (replicas.is_none() && !session.pooled() && sessions > 0)
            .then(|| Lanes::new(config.clone(), tls.clone(), Arc::clone(&session), sessions));
        let pool = slot_pool(&settings, config, tls, &session);
        Ok(PostgresBackend {
            primary: Arc::new(Primary {
                pool,
                session,
                writes: WriteClock::new(),
            }),
            capabilities: {
                let mut c = Capabilities::none();
                c.concurrent_writers = true;
                c.multi_process_writers = true;
                c.persistent = true;
                c.stores_nan = true;
                c.transactional_ddl = true;
                c.readers_wait_for_writers = false;
                // Row locks are waited for up to lock_timeout (the URL's timeout), then 55P03.
                c.write_contention = ErrorKind::Locked;
                c.max_index_entry_bytes = Some(MAX_INDEX_ENTRY_BYTES);
                c.case_insensitive_like = icu;
                c.foreign_keys = true;
                c.updates_referenced_rows = true;
                c.interrupts = true;
                c.alters_checks = true;
                c.replica_reads = replicas.is_some();
                c
            },
            replicas,
            lanes,
        })
    }
}

/// The URL's `async_sessions` (0 turns the native async path off), else [`ASYNC_SESSIONS`];
/// never more than the pool's size.
fn async_sessions(url: &DatabaseUrl, settings: &PoolSettings) -> Result<usize> {
    let pool = usize::try_from(settings.size).unwrap_or(usize::MAX);
    let Some(text) = url.option("async_sessions") else {
        return Ok(ASYNC_SESSIONS.min(pool));
    };
    match text.parse::<usize>() {
        Ok(n) if n <= pool => Ok(n),
        _ => Err(Error::invalid_input(format!(
            "async_sessions={text:?} must be a whole number from 0 (every async call takes the \
             pool) to pool_size ({pool})"
        ))),
    }
}

/// A pool of sessions made with `config` and `tls`.
fn slot_pool(
    settings: &PoolSettings,
    config: Config,
    tls: Tls,
    session: &Session,
) -> Arc<Pool<Slot>> {
    let pooler = crate::cancel::pooler_address(&config, session.pooled());
    let probe_within = connect_timeout(&config);
    let direct = !session.pooled();
    Pool::new("postgres", settings, move || {
        let mut client = connect(&config, &tls)?;
        if direct {
            check_startup_options(&mut client, probe_within)?;
        }
        Ok(Slot {
            probe_within,
            client,
            statements: StatementCache::default(),
            returned: Instant::now(),
            tls: tls.connector.clone(),
            cancelled: Arc::default(),
            pooler: pooler.clone(),
        })
    })
}

/// The pools of the URL's `replicas=`, each as large as the primary's and connecting with
/// its login, options and TLS settings (the TLS mode decided for each replica's own host);
/// none is contacted before a read needs it.
fn replica_pools(
    url: &DatabaseUrl,
    settings: &PoolSettings,
    primary: &Config,
    session: &Session,
) -> Result<Option<Replicas>> {
    let default_port = primary.get_ports().first().copied().unwrap_or(DEFAULT_PORT);
    let hosts = crate::replicas::hosts(url, default_port)?;
    let max_lag = crate::replicas::max_lag(url)?;
    if hosts.is_empty() {
        if url.option("max_replica_lag").is_some() {
            return Err(Error::invalid_input(
                "max_replica_lag= needs replicas=host:port,... to apply to",
            ));
        }
        return Ok(None);
    }
    let mut pools = Vec::with_capacity(hosts.len());
    for (host, port) in &hosts {
        let mut config = session_config(url, Some((host, *port)), settings.timeout, session)?;
        // Decided for this host, not taken from the primary's: a primary reached through its
        // Unix socket (never TLS) must not send a replica's session over TCP in plain text.
        let tls = tls_for(url, &mut config)?;
        pools.push(slot_pool(settings, config, tls, session));
    }
    Ok(Some(Replicas::new(pools, max_lag)))
}

/// A live session of `pool`: every pooled one may have died with a server restart; each dead
/// one found is dropped, and a fresh one is made once the pool runs out of old ones.
pub(crate) fn checked_slot(pool: &Arc<Pool<Slot>>) -> Result<PooledClient> {
    for _ in 0..=pool.max_size() {
        let mut slot = pool.get()?;
        let within = slot.probe_within;
        let dead = slot.client.is_closed()
            || (slot.returned.elapsed() > PING_AFTER
                && slot.client.simple_query_within("", within).is_none());
        if dead {
            slot.discard();
            continue;
        }
        return Ok(slot);
    }
    Err(Error::new(
        ErrorKind::Connection,
        "every PostgreSQL connection in the pool failed its check",
    )
    .with_backend("postgres")
    .with_retryable(true))
}

/// The URL's TLS settings, with the first attempt's mode set on `config`.
fn tls_for(url: &DatabaseUrl, config: &mut Config) -> Result<Tls> {
    let hosts = config.get_hosts();
    let tcp = hosts.iter().filter(|h| matches!(h, Host::Tcp(_))).count();
    let unix_only = !hosts.is_empty() && tcp == 0;
    let tls = crate::tls::from_url(url, unix_only)?;
    if tcp > 0 && tcp < hosts.len() && tls.mode == SslMode::Require {
        // libpq would use the socket without TLS and the TCP hosts with it; the driver takes
        // one mode for the whole list, under which the socket could only fail, later and
        // less clearly.
        return Err(Error::invalid_input(format!(
            "host= mixes Unix socket directories and TCP hosts under sslmode={}: a Unix \
             socket never uses TLS, and anytable applies one TLS mode to the whole host \
             list; put the sockets in a URL of their own, or use sslmode=prefer",
            url.option("sslmode").unwrap_or("require")
        )));
    }
    config.ssl_mode(tls.mode);
    Ok(tls)
}

/// The URL's `connect_timeout` (or the pool's `timeout`), which session_config always sets.
fn connect_timeout(config: &Config) -> Duration {
    config
        .get_connect_timeout()
        .copied()
        .unwrap_or(Duration::from_secs(5))
}

fn connect(config: &Config, tls: &Tls) -> Result<SyncClient> {
    let startup = startup_limit(config);
    let mut attempt = SyncClient::connect(config, tls.connector.clone(), startup);
    if let Err(e) = &attempt {
        match second_attempt(config, tls, e) {
            Some(again) => attempt = SyncClient::connect(&again, tls.connector.clone(), startup),
            None => return connect_error(attempt),
        }
    }
    connect_error(attempt)
}

/// How long a session's whole start-up may take: as libpq's connect_timeout, for each host
/// tried, TCP, TLS and authentication together.
pub(crate) fn startup_limit(config: &Config) -> Duration {
    let hosts = u32::try_from(config.get_hosts().len().max(1)).unwrap_or(u32::MAX);
    connect_timeout(config).saturating_mul(hosts)
}

/// The configuration of a second attempt after the first failed with `e`, where libpq makes
/// one: sslmode=allow after the server refused a plain session (then TLS), sslmode=prefer
/// after the TLS session failed on its certificate (then plain text).
pub(crate) fn second_attempt(config: &Config, tls: &Tls, e: &ConnectError) -> Option<Config> {
    let mode = tls.fallback?;
    let again = match mode {
        SslMode::Disable => tls_failed(e),
        _ => refused_as_plain(e),
    };
    again.then(|| {
        let mut again = config.clone();
        again.ssl_mode(mode);
        again
    })
}

/// Whether `e` is the server refusing a session because it is not encrypted (pg_hba.conf's
/// `hostssl`/`hostnossl ... reject`), the one failure after which `sslmode=allow` tries TLS:
/// a wrong password, an unknown database or an unreachable host would fail again, or worse,
/// send the password a second time.
fn refused_as_plain(e: &ConnectError) -> bool {
    match e {
        ConnectError::Postgres(e) => e.as_db_error().is_some_and(|db| {
            db.code() == &tokio_postgres::error::SqlState::INVALID_AUTHORIZATION_SPECIFICATION
                && db.message().contains("no encryption")
        }),
        _ => false,
    }
}

/// What reads a session's startup mark ([`crate::session::STARTED_MARK`]).
pub(crate) const STARTED_QUERY: &str = "SELECT current_setting('anytable.started', true)";

/// Refuses a direct session whose startup options did not arrive: a pooler in transaction
/// mode set to ignore them (PgBouncer's `ignore_startup_parameters = options`) stands in
/// between, and without `pooler=transaction` anytable's settings would be missing and its
/// prepared statements would meet other clients' on shared server sessions.
fn check_startup_options(client: &mut SyncClient, within: Duration) -> Result<()> {
    let found = client.scalar_within(STARTED_QUERY, within).ok_or_else(|| {
        Error::new(
            ErrorKind::Connection,
            "the new session did not answer its first query in time",
        )
        .with_backend("postgres")
        .with_retryable(true)
    })?;
    startup_options_arrived(found.as_deref())
}

/// `Ok` when a direct session's startup mark reads `found`, as it does where the options
/// arrived; else the error that says what stands in between.
pub(crate) fn startup_options_arrived(found: Option<&str>) -> Result<()> {
    if found == Some(crate::session::STARTED_MARK.1) {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Connection,
        "the session did not take anytable's startup options (its settings, such as \
         lock_timeout and the schema, would be missing): a pooler in transaction mode that \
         ignores startup parameters (PgBouncer's ignore_startup_parameters = options) stands \
         in between; add pooler=transaction to the URL",
    )
    .with_backend("postgres"))
}

/// Whether `e` is a failed TLS handshake (a certificate the roots do not vouch for), after
/// which `sslmode=prefer` tries a plain session.
fn tls_failed(e: &ConnectError) -> bool {
    matches!(e, ConnectError::Postgres(e) if crate::error::tls_refused(e))
}

/// A connection attempt's failure as anytable's error.
pub(crate) fn connect_error<T>(attempt: std::result::Result<T, ConnectError>) -> Result<T> {
    attempt.map_err(|e| {
        let (mut message, retryable) = match e {
            ConnectError::Postgres(e) => {
                let e = map_err(e);
                (e.message().to_owned(), e.is_retryable())
            }
            // A stalled server may answer the next attempt, as one that cannot be reached.
            stalled @ ConnectError::Stalled(_) => (stalled.to_string(), true),
            other => (other.to_string(), false),
        };
        if message.contains("unsupported startup parameter") {
            // PgBouncer's answer to the startup options a direct session carries.
            message.push_str(
                " (behind PgBouncer or another pooler in transaction mode, add \
                 pooler=transaction to the URL)",
            );
        }
        Error::new(
            ErrorKind::Connection,
            format!("cannot connect to PostgreSQL: {message}"),
        )
        .with_backend("postgres")
        .with_retryable(retryable)
    })
}

impl Backend for PostgresBackend {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn dialect(&self) -> &dyn Dialect {
        &PostgresDialect
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn pool_limits(&self) -> Option<anytable_core::pool::PoolLimits> {
        // The primary's: replicas' pools are as large, and every write goes to it.
        Some(self.primary.pool.limits())
    }

    fn async_statements(&self) -> Option<&dyn anytable_core::AsyncStatements> {
        self.lanes
            .as_ref()
            .map(|lanes| lanes as &dyn anytable_core::AsyncStatements)
    }

    fn connect(&self) -> Result<Box<dyn Connection>> {
        // Without replicas no read needs to know when the pool last wrote.
        Ok(Box::new(match self.replicas {
            Some(_) => self.primary.connect()?,
            None => self.primary.read()?,
        }))
    }

    fn connect_read(&self, from: ReadFrom) -> Result<Box<dyn Connection>> {
        match (&self.replicas, from) {
            (Some(replicas), ReadFrom::AnyServer) => replicas.connect_read(&self.primary),
            (Some(_), ReadFrom::Primary) => Ok(Box::new(self.primary.read()?)),
            (None, _) => self.connect(),
        }
    }
}

/// Drops `schema` with everything in it.
pub(crate) fn drop_schema(url: &str, schema: &str) -> Result<()> {
    let url = DatabaseUrl::parse(url)?;
    let mut config = server_config(&url)?;
    let tls = tls_for(&url, &mut config)?;
    connect(&config, &tls)?
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {} CASCADE",
            quote_identifier(schema)
        ))
        .map_err(map_err)
}
