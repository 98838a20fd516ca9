//! Queries beyond whole records: hand-written SQL with typed results and one placeholder
//! syntax (`?`) on every backend.

use anytable::{ErrorKind, Value};

use crate::cases::errors::expect_kind;
use crate::records::SimpleRow;
use crate::{ensure, CaseResult, TestDb};

/// `query`, `query_one`, `query_scalar`, `query_iter` and `execute` with `?` placeholders:
/// the same typed answer on every backend; a `?` inside a string literal, a quoted identifier
/// or a comment stays text; wrong counts and wrong types are typed errors; inside a
/// transaction the queries see its writes.
pub fn typed_raw_sql_with_portable_placeholders(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    let mut batch: Vec<SimpleRow> = (1..=5).map(|i| SimpleRow::new("AB", i)).collect();
    batch[4].note = Some("five".into());
    batch.push(SimpleRow::new("CD", 10));
    rows.insert_many(&batch)?;

    let pairs: Vec<(i64, String)> = t.db.query(
        "SELECT number, process FROM simple_rows WHERE process = ? AND number >= ? \
         ORDER BY number",
        &["AB".into(), Value::I64(3)],
    )?;
    let want: Vec<(i64, String)> = (3..=5).map(|n| (n, "AB".to_owned())).collect();
    ensure!(pairs == want, "typed rows: {pairs:?}");

    let text: Vec<(String, Option<String>, i64)> = t.db.query(
        "SELECT '?' || process AS \"what?\", note, number -- is this a ? placeholder\n\
         FROM simple_rows /* nor ? this */ WHERE number = ? OR number = ? ORDER BY number",
        &[Value::I64(5), Value::I64(10)],
    )?;
    ensure!(
        text == [
            ("?AB".to_owned(), Some("five".to_owned()), 5),
            ("?CD".to_owned(), None, 10)
        ],
        "placeholders inside literals, identifiers and comments stay text: {text:?}"
    );

    let count: Option<i64> = t.db.query_scalar(
        "SELECT COUNT(*) FROM simple_rows WHERE process = ?",
        &["AB".into()],
    )?;
    ensure!(count == Some(5), "query_scalar: {count:?}");
    let none: Option<(i64,)> = t.db.query_one(
        "SELECT number FROM simple_rows WHERE number > ?",
        &[Value::I64(99)],
    )?;
    ensure!(none.is_none(), "query_one with no row is None");
    let mut streamed = 0;
    for row in t.db.query_iter::<(i64, String)>(
        "SELECT number, process FROM simple_rows ORDER BY number",
        &[],
    )? {
        let (number, _) = row?;
        streamed += number;
    }
    ensure!(streamed == 25, "query_iter reads every row: {streamed}");

    let changed = t.db.execute(
        "UPDATE simple_rows SET note = ? WHERE number < ?",
        &["low".into(), Value::I64(3)],
    )?;
    ensure!(
        changed == 2,
        "execute with ? placeholders changed {changed} rows"
    );

    expect_kind(
        t.db.query::<(i64,)>("SELECT number FROM simple_rows WHERE number = ?", &[]),
        ErrorKind::InvalidInput,
    )?;
    let err = expect_kind(
        t.db.query::<(i64, i64)>("SELECT number, process FROM simple_rows", &[]),
        ErrorKind::TypeMismatch,
    )?;
    ensure!(!err.message().is_empty(), "a type mismatch says why");
    expect_kind(
        t.db.query::<(i64,)>("SELECT 'unclosed ? FROM simple_rows", &[]),
        ErrorKind::InvalidInput,
    )?;

    t.db.transaction(|tx| {
        tx.execute(
            "INSERT INTO simple_rows (process, number, added, updated) VALUES (?, ?, ?, ?)",
            &[
                "TX".into(),
                Value::I64(7),
                Value::timestamp(anytable::chrono::Utc::now()),
                Value::timestamp(anytable::chrono::Utc::now()),
            ],
        )?;
        let seen: Option<i64> = tx.query_scalar(
            "SELECT COUNT(*) FROM simple_rows WHERE process = ?",
            &["TX".into()],
        )?;
        if seen != Some(1) {
            return Err(anytable::Error::invalid_input(format!(
                "the transaction sees its own insert: {seen:?}"
            )));
        }
        let mut iter = tx.query_iter::<(i64,)>("SELECT number FROM simple_rows", &[])?;
        let first = iter.next().transpose()?;
        drop(iter);
        if first.is_none() {
            return Err(anytable::Error::invalid_input(
                "query_iter inside a transaction",
            ));
        }
        Ok(())
    })?;
    ensure!(rows.count()? == 7, "the transaction's insert is committed");
    Ok(())
}
