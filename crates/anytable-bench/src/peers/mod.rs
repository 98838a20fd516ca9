//! anytable against the other Rust database libraries (sqlx, Diesel, SeaORM, Tank) and the raw
//! drivers, on the same workloads, tables and engines, in one run: `anytable-bench peers`.
//!
//! Every library is a program of its own (`crates/anytable-bench/peers/<name>/`, each its own
//! cargo workspace, since the peers pin SQLite and DuckDB builds whose `links` keys cannot share
//! one graph; anytable's is this binary's `--peer`). They speak the protocol of [`kit`]: the
//! orchestrator makes a fresh database holding the table, runs one program on it for one
//! workload, reads its `RESULT` line, checks what it wrote, and goes on with the next library,
//! the order rotating each repetition.

pub mod fixture;
#[path = "../../peers/kit/src/protocol.rs"]
pub mod protocol;
#[path = "../../peers/kit/src/sync_run.rs"]
pub mod sync_run;

/// The peer kit's protocol, and its workloads for blocking libraries (which anytable's side
/// runs too, so its loops are the peers' loops), compiled in from the kit's source.
pub mod kit {
    pub use super::protocol::*;
    pub use super::sync_run;
}
pub mod side;
pub mod table;

use anytable::chrono::{DateTime, Utc};
use anytable::Record;

/// The row every library writes and reads, as anytable declares it; its DDL makes the table
/// all of them use.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "peer_rows")]
pub struct PeerRow {
    /// Filled in by the database.
    #[anytable(id)]
    pub id: i64,
    /// Some text.
    pub name: String,
    /// A number.
    pub number: i64,
    /// A float.
    pub score: f64,
    /// When the row was written, filled in when it is inserted.
    #[anytable(added)]
    pub created: DateTime<Utc>,
}

impl PeerRow {
    /// Row `i` of the workloads (the id and the stamp are filled in when it is inserted).
    pub fn numbered(i: usize) -> PeerRow {
        PeerRow {
            id: 0,
            name: kit::name(i),
            number: kit::number(i),
            score: kit::score(i),
            created: Default::default(),
        }
    }
}

/// The packages whose versions the results name.
const PACKAGES: [&str; 14] = [
    "sqlx",
    "diesel",
    "sea-orm",
    "tank",
    "tank-sqlite",
    "tank-duckdb",
    "tank-postgres",
    "rusqlite",
    "duckdb",
    "postgres",
    "tokio-postgres",
    "libsqlite3-sys",
    "libduckdb-sys",
    "pq-sys",
];

/// Each library's versions of the database packages, from its workspace's `Cargo.lock`
/// (anytable's from this workspace's), e.g. `{"sqlx": {"sqlx": "0.9.1", ...}}`.
pub fn versions(libraries: &[table::Library]) -> anytable::serde_json::Value {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = anytable::serde_json::Map::new();
    for library in libraries {
        let lock = if library.name == "anytable" {
            here.join("../../Cargo.lock")
        } else {
            here.join("peers").join(&library.name).join("Cargo.lock")
        };
        let text = std::fs::read_to_string(lock).unwrap_or_default();
        let mut found = anytable::serde_json::Map::new();
        let mut name = None;
        for line in text.lines() {
            if let Some(n) = line.strip_prefix("name = ") {
                name = Some(n.trim_matches('"').to_owned());
            } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
                if PACKAGES.contains(&n.as_str()) {
                    found.insert(n, v.trim_matches('"').into());
                }
            }
        }
        out.insert(library.name.clone(), found.into());
    }
    out.into()
}
