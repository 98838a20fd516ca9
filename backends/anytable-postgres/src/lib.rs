//! The PostgreSQL backend of anytable, on `tokio-postgres` driven by a blocking client of its
//! own (one small runtime per connection; streaming reads fetch rows in batches).
//!
//! - URLs: `postgres://user[:password]@host[:port]/database` (also `postgresql://`), with
//!   anytable's options and the libpq parameters users paste from a provider's dashboard
//!   (`sslmode`, `sslrootcert`, `connect_timeout`, `application_name`, `options`, `host` and
//!   `port` lists, `target_session_attrs`), each with libpq's meaning; any other is refused.
//! - Options: `timeout` (seconds to connect and to wait for a lock, as `lock_timeout`, after
//!   which a blocked write fails with a retryable `Locked`; default 5), `pool_size` and
//!   `pool_timeout` (the shared pool's), `schema` (created if missing and put first on
//!   `search_path`), `isolation` (`repeatable_read`, the default, `serializable` or
//!   `read_committed`), `statement_timeout`, `pooler` (`transaction` behind PgBouncer in
//!   transaction mode: settings per transaction, no statement cache; see `session`).
//!   `replicas=host:port,..` and `max_replica_lag` send reads outside a transaction to
//!   streaming replicas (see `replicas`).
//!   `async_sessions` (default 4, at most `pool_size`; 0: off) is how many sessions per tokio
//!   runtime the async API's native calls share, pipelined (see `lanes`).
//! - TLS on rustls with libpq's `sslmode` meanings (see `tls`).
//! - A lost session (57P01, 08xxx, a broken link, a server that cannot be reached) is a
//!   retryable `Connection` error; a refused login is not.
//! - SQL: [`PostgresDialect`].
//! - Connections that come back broken are dropped; one idle for over a second is pinged before
//!   use, so a server restart costs new connections, not errors.
//! - Transactions default to REPEATABLE READ: a read-modify-write that races another one fails
//!   with a retryable `Conflict` instead of silently losing an update (as READ COMMITTED would).
//! - Values are bound as the exact type the server infers for each placeholder; prepared
//!   statements are cached per connection; `insert_many` is one binary `COPY ... FROM STDIN`,
//!   fed in batches pulled outside the client's runtime (the caller's iterator may use the
//!   database); an `is_in` list is one array parameter (`= ANY($1)`).
//! - Text columns are `COLLATE "C"` (code-point order whatever the database's locale); `ilike`
//!   lowercases under the ICU collation `und-x-icu` (`case_insensitive_like` is false on a
//!   server without it); a B-tree entry holds at most 2,600 bytes of text
//!   (`max_index_entry_bytes`).
//! - No session state beyond its settings and no advisory locks, so the backend works behind
//!   PgBouncer in transaction mode with `pooler=transaction`.
#![warn(missing_docs)]

mod cancel;
mod client;
mod connection;
mod dialect;
mod driver;
mod error;
mod introspect;
mod lanes;
mod numeric;
mod replicas;
mod session;
mod tls;
mod types;

pub use dialect::PostgresDialect;
pub use driver::PostgresBackend;

/// Drops `schema` and everything in it on the server at `url`, e.g. after a test.
///
/// # Errors
/// The server's error, or [`anytable_core::ErrorKind::Connection`] if it cannot be reached.
pub fn drop_schema(url: &str, schema: &str) -> anytable_core::Result<()> {
    driver::drop_schema(url, schema)
}
