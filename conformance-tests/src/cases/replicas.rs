//! Reads served by read replicas (`Capabilities::replica_reads`, PostgreSQL's `replicas=`):
//! reads outside a transaction may go to a replica, everything else goes to the primary, a
//! pool reads its own writes, and a write sent down the read path still lands on the primary.
//! Without replicas, no read is served by one.

use std::time::{Duration, Instant};

use anytable::backend::Connection;

use crate::records::SimpleRow;
use crate::{ensure, CaseResult, TestDb};

/// How long a replica may take to be read from once the pool stopped writing: the
/// read-your-writes window (`max_replica_lag`, 5 s by default) and a lag measurement, with
/// room for a loaded machine.
const REPLICA_WITHIN: Duration = Duration::from_secs(60);

/// Reads go to a replica once the pool's read-your-writes window has passed, and see what the
/// pool wrote; `on_primary` reads, and reads right after a write, are served by the primary;
/// a write sent through a read connection is refused by the replica and runs on the primary.
pub fn reads_go_to_a_replica_and_writes_to_the_primary(t: &TestDb) -> CaseResult {
    let db = &t.db;
    let rows = db.table::<SimpleRow>()?;
    if !db.capabilities().replica_reads {
        ensure!(
            !db.read_connection()?.on_replica()?,
            "without replicas a read connection is not a replica's"
        );
        t.restricted("no read replica configured: the primary serves every read");
        return Ok(());
    }
    let mut row = SimpleRow::new("WRITTEN", 1);
    let id = rows.insert(&mut row)?;
    // Read-your-writes (with the default max_replica_lag): the pool just wrote.
    ensure!(
        !db.read_connection()?.on_replica()?,
        "a read right after the pool's write is served by the primary"
    );
    ensure!(rows.get(id)?.is_some(), "the pool reads its own write");
    ensure!(
        !db.on_primary().read_connection()?.on_replica()?,
        "on_primary reads are served by the primary"
    );

    let started = Instant::now();
    while !db.read_connection()?.on_replica()? {
        ensure!(
            started.elapsed() < REPLICA_WITHIN,
            "no read went to the replica within {REPLICA_WITHIN:?} of the last write"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Served by the replica, which replayed the write before the window closed.
    ensure!(
        rows.get(id)?.map(|r| r.process) == Some("WRITTEN".into()),
        "the replica has the pool's write"
    );
    ensure!(rows.count()? == 1, "the replica counts one row");
    ensure!(
        !db.on_primary().read_connection()?.on_replica()?,
        "on_primary still reads from the primary"
    );

    // A write through a read connection: the replica refuses it, the primary runs it.
    let mut reader = db.read_connection()?;
    ensure!(reader.on_replica()?, "the read connection is a replica's");
    drop(reader);
    let written: Vec<(i64,)> = db.query(
        "INSERT INTO simple_rows (process, number) VALUES (?, ?) RETURNING id",
        &["VIA_READ".into(), 2i64.into()],
    )?;
    ensure!(
        written.len() == 1,
        "the insert through the read path returned its id"
    );
    ensure!(
        db.on_primary()
            .table::<SimpleRow>()?
            .filter(SimpleRow::process().eq("VIA_READ"))
            .count()?
            == 1,
        "the write landed on the primary"
    );
    // The write opened the read-your-writes window again.
    ensure!(
        rows.count()? == 2,
        "the pool reads its second write at once"
    );
    // Inside a transaction every read is the primary's.
    let inside = db.transaction(|tx| tx.table::<SimpleRow>()?.count())?;
    ensure!(inside == 2, "a transaction reads on the primary");
    Ok(())
}
