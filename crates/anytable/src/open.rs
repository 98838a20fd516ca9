//! Opening a [`Database`] from a URL: the scheme picks one of the backends compiled in.

use anytable_core::{DatabaseUrl, Error, Result};

use crate::Database;

/// Opens `url` with the backend its scheme names, or says which feature would add it.
pub(crate) fn open(url: &str) -> Result<Database> {
    let parsed = DatabaseUrl::parse(url)?;
    match parsed.scheme() {
        "sqlite" => open_sqlite(&parsed),
        "duckdb" => open_duckdb(&parsed),
        "postgres" | "postgresql" => open_postgres(&parsed),
        other => Err(Error::invalid_input(format!(
            "unknown database URL scheme {other:?}; anytable knows sqlite, duckdb, postgres and postgresql"
        ))),
    }
}

#[cfg(feature = "sqlite")]
fn open_sqlite(url: &DatabaseUrl) -> Result<Database> {
    anytable_sqlite::SqliteBackend::open(url).map(Database::from_backend)
}

#[cfg(not(feature = "sqlite"))]
fn open_sqlite(_: &DatabaseUrl) -> Result<Database> {
    Err(not_compiled("sqlite", "sqlite"))
}

#[cfg(feature = "postgres")]
fn open_postgres(url: &DatabaseUrl) -> Result<Database> {
    anytable_postgres::PostgresBackend::open(url).map(Database::from_backend)
}

#[cfg(not(feature = "postgres"))]
fn open_postgres(url: &DatabaseUrl) -> Result<Database> {
    Err(not_compiled("postgres", url.scheme()))
}

#[cfg(feature = "duckdb")]
fn open_duckdb(url: &DatabaseUrl) -> Result<Database> {
    anytable_duckdb::DuckDbBackend::open(url).map(Database::from_backend)
}

#[cfg(not(feature = "duckdb"))]
fn open_duckdb(_: &DatabaseUrl) -> Result<Database> {
    Err(not_compiled("duckdb", "duckdb"))
}

#[cfg(not(all(feature = "sqlite", feature = "duckdb", feature = "postgres")))]
fn not_compiled(feature: &str, scheme: &str) -> Error {
    Error::unsupported(format!(
        "this build of anytable has no {scheme} backend: enable the cargo feature \"{feature}\" \
         of anytable (e.g. `anytable = {{ version = \"0.1\", features = [\"{feature}\"] }}`)"
    ))
}
