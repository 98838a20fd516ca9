//! `iter()` reads on the caller's thread: it starts no thread of its own. Alone in its test
//! binary, so no other test starts or ends threads while it counts them.

use anytable::{Database, Record};

#[derive(Record)]
struct Reading {
    #[anytable(id)]
    id: i64,
    value: i64,
}

/// The threads of this process, as the kernel counts them.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |tasks| tasks.count())
}

#[test]
fn iter_starts_no_thread() {
    let db = Database::open("sqlite::memory:").unwrap();
    let readings = db.table::<Reading>().unwrap();
    let rows: Vec<Reading> = (0..2_000).map(|value| Reading { id: 0, value }).collect();
    readings.insert_many(&rows).unwrap();
    let before = threads();
    assert!(before > 0, "/proc/self/task is readable");
    let mut iter = readings.select().iter().unwrap();
    let first: Vec<i64> = iter.by_ref().take(300).map(|r| r.unwrap().value).collect();
    assert_eq!(first, (0..300).collect::<Vec<_>>());
    assert_eq!(threads(), before, "reading started no thread");
    assert_eq!(iter.count(), 1_700);
    assert_eq!(threads(), before);
}
