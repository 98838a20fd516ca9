//! The whole conformance suite on PostgreSQL, each test in a schema of its own on the server
//! named by `ANYTABLE_POSTGRES_URL` (scripts/test starts a throwaway one).
#![cfg(feature = "postgres")]

anytable_conformance::conformance_tests!(postgres, anytable_conformance::fixtures::postgres);
anytable_conformance::worker_entry!();

/// Sessions killed on the server (as by a restart) are replaced: after a second the pool pings
/// idle connections before use, so no operation sees a dead one.
#[test]
fn pool_survives_terminated_sessions_on_postgres() {
    use anytable_conformance::records::SimpleRow;
    let t = anytable_conformance::fixtures::postgres();
    let name = format!("anytable_restart_{}", std::process::id());
    let db = anytable::Database::open(&anytable_conformance::fixtures::with_option(
        &t.url,
        "application_name",
        &name,
    ))
    .unwrap();
    let rows = db.table::<SimpleRow>().unwrap();
    let fill = |tag: &'static str| {
        std::thread::scope(|scope| {
            for i in 0..4 {
                let rows = rows.clone();
                scope.spawn(move || {
                    for n in 0..25 {
                        rows.insert(&mut SimpleRow::new(tag, i * 100 + n)).unwrap();
                    }
                });
            }
        });
    };
    fill("before");
    let server = anytable_conformance::fixtures::postgres_server_url();
    let server = server.split('?').next().unwrap();
    let terminated = std::process::Command::new("psql")
        .args([
            server,
            "-tAc",
            &format!(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '{name}'"
            ),
        ])
        .output()
        .expect("psql runs");
    let killed: i64 = String::from_utf8_lossy(&terminated.stdout)
        .trim()
        .parse()
        .unwrap();
    assert!(killed >= 1, "sessions were terminated: {terminated:?}");
    std::thread::sleep(std::time::Duration::from_millis(1200));
    fill("after");
    assert_eq!(rows.count().unwrap(), 200);
}
