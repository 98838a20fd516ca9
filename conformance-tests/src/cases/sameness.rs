//! One answer on every engine where a fresh look (and the differential fuzzer,
//! [`crate::fuzz`]) found answers that differed, or that were wrong everywhere.

use anytable::chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, TimeZone, Utc};
use anytable::serde_json::json;
use anytable::{count_all, ErrorKind, OnConflict};

use crate::cases::errors::expect_kind;
use crate::records::{
    AllTypes, Clock, Decimals, Employee, Keyed, Ledger, NarrowRow, Player, Sample, SimpleRow, Team,
};
use crate::{ensure, CaseResult, TestDb};

/// A bare `SELECT NULL` (a column of no type) reads as `None` for every `Option` field type,
/// and as `TypeMismatch` for a type without `Option`; DuckDB's driver panicked on it.
pub fn bare_nulls_read_as_none(t: &TestDb) -> CaseResult {
    let db = &t.db;
    ensure!(
        db.query_scalar::<Option<i64>>("SELECT NULL", &[])? == Some(None),
        "SELECT NULL as Option<i64>"
    );
    ensure!(
        db.query_scalar::<Option<String>>("SELECT NULL", &[])? == Some(None),
        "SELECT NULL as Option<String>"
    );
    ensure!(
        db.query_scalar::<Option<DateTime<Utc>>>("SELECT NULL", &[])? == Some(None),
        "SELECT NULL as Option<DateTime<Utc>>"
    );
    let pair: Option<(Option<f64>, i64)> = db.query_one("SELECT NULL, 7", &[])?;
    ensure!(pair == Some((None, 7)), "SELECT NULL, 7: {pair:?}");
    expect_kind(
        db.query_scalar::<i64>("SELECT NULL", &[]),
        ErrorKind::TypeMismatch,
    )?;
    Ok(())
}

/// A filter value finer than a microsecond compares exactly with the stored values (which
/// have whole microseconds): `lt(stored + 789 ns)` finds the row, `eq` of it finds nothing,
/// `gt(stored - 211 ns)` finds it. Before, the value was shortened first, so `lt` found
/// nothing and `eq` found the row, on every backend.
pub fn sub_microsecond_filter_values_compare_exactly(t: &TestDb) -> CaseResult {
    let base =
        Utc.with_ymd_and_hms(2024, 2, 29, 12, 30, 45).unwrap() + Duration::microseconds(123_456);
    let finer = base + Duration::nanoseconds(789);
    let below = base - Duration::nanoseconds(211);
    let clocks = t.db.table::<Clock>()?;
    let local: NaiveDateTime = base.naive_utc();
    let time: NaiveTime = local.time();
    clocks.insert(&mut Clock {
        id: 0,
        local,
        time,
        maybe_local: Some(local),
        maybe_time: None,
    })?;
    let (local_finer, local_below) = (finer.naive_utc(), below.naive_utc());
    let (time_finer, time_below) = (local_finer.time(), local_below.time());
    let counts = [
        (
            "local < finer",
            clocks.count_matching(Clock::local().lt(local_finer))?,
            1,
        ),
        (
            "local <= finer",
            clocks.count_matching(Clock::local().le(local_finer))?,
            1,
        ),
        (
            "local = finer",
            clocks.count_matching(Clock::local().eq(local_finer))?,
            0,
        ),
        (
            "local <> finer",
            clocks.count_matching(Clock::local().ne(local_finer))?,
            1,
        ),
        (
            "local > finer",
            clocks.count_matching(Clock::local().gt(local_finer))?,
            0,
        ),
        (
            "local >= finer",
            clocks.count_matching(Clock::local().ge(local_finer))?,
            0,
        ),
        (
            "local > below",
            clocks.count_matching(Clock::local().gt(local_below))?,
            1,
        ),
        (
            "local >= below",
            clocks.count_matching(Clock::local().ge(local_below))?,
            1,
        ),
        (
            "local < below",
            clocks.count_matching(Clock::local().lt(local_below))?,
            0,
        ),
        (
            "local = exact",
            clocks.count_matching(Clock::local().eq(local))?,
            1,
        ),
        (
            "time < finer",
            clocks.count_matching(Clock::time().lt(time_finer))?,
            1,
        ),
        (
            "time = finer",
            clocks.count_matching(Clock::time().eq(time_finer))?,
            0,
        ),
        (
            "time > below",
            clocks.count_matching(Clock::time().gt(time_below))?,
            1,
        ),
        (
            "maybe_local = finer",
            clocks.count_matching(Clock::maybe_local().eq(local_finer))?,
            0,
        ),
        (
            "maybe_local <> finer",
            clocks.count_matching(Clock::maybe_local().ne(local_finer))?,
            1,
        ),
        (
            "maybe_time <> finer (NULL)",
            clocks.count_matching(Clock::maybe_time().ne(time_finer))?,
            0,
        ),
        (
            "local in [finer]",
            clocks.count_matching(Clock::local().is_in([local_finer]))?,
            0,
        ),
        (
            "local in [finer, exact]",
            clocks.count_matching(Clock::local().is_in([local_finer, local]))?,
            1,
        ),
        (
            "!(local = finer)",
            clocks.count_matching(!Clock::local().eq(local_finer))?,
            1,
        ),
    ];
    for (what, got, want) in counts {
        ensure!(got == want, "{what}: {got} rows, expected {want}");
    }

    let at = t.db.table::<AllTypes>()?;
    let mut row = crate::cases::types::edge_rows().remove(0);
    row.at = base;
    at.insert(&mut row)?;
    ensure!(
        at.count_matching(AllTypes::at().lt(finer))? == 1,
        "timestamp < finer"
    );
    ensure!(
        at.count_matching(AllTypes::at().eq(finer))? == 0,
        "timestamp = finer"
    );
    ensure!(
        at.count_matching(AllTypes::at().ge(below))? == 1,
        "timestamp >= below"
    );
    let groups: Vec<(bool, i64)> = at
        .select()
        .columns((AllTypes::flag(), count_all()))
        .group_by(AllTypes::flag())
        .having(AllTypes::at().max().lt(finer))
        .all()?;
    ensure!(
        groups == [(row.flag, 1)],
        "HAVING max(at) < finer: {groups:?}"
    );
    let none: Vec<(bool, i64)> = at
        .select()
        .columns((AllTypes::flag(), count_all()))
        .group_by(AllTypes::flag())
        .having(AllTypes::at().max().eq(finer))
        .all()?;
    ensure!(none.is_empty(), "HAVING max(at) = finer: {none:?}");

    // The value is still checked: a year past 9999 is refused whatever its nanoseconds.
    let far = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap()
        + Duration::nanoseconds(1_000_000_789);
    expect_kind(
        at.count_matching(AllTypes::at().eq(far)),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        at.count_matching(AllTypes::at().is_in([far])),
        ErrorKind::InvalidInput,
    )?;
    Ok(())
}

/// An update that sets one column twice, or sets the `updated` column the database fills, and
/// an upsert that overwrites one column twice are `InvalidInput` and change nothing; SQLite
/// kept the last value where the others refused.
pub fn an_update_sets_each_column_once(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    rows.insert_many(&[SimpleRow::new("A", 1), SimpleRow::new("B", 2)])?;
    expect_kind(
        rows.update(
            SimpleRow::number().eq(1),
            [SimpleRow::process().set("X"), SimpleRow::process().set("Y")],
        ),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        rows.update(
            SimpleRow::number().eq(1),
            [SimpleRow::updated().set(Utc::now())],
        ),
        ErrorKind::InvalidInput,
    )?;
    let processes: Vec<String> = rows
        .select()
        .order_by(SimpleRow::number().asc())
        .all()?
        .into_iter()
        .map(|r| r.process)
        .collect();
    ensure!(processes == ["A", "B"], "nothing changed: {processes:?}");
    ensure!(
        rows.update(SimpleRow::number().eq(1), [SimpleRow::process().set("Z")])? == 1,
        "one assignment per column still works"
    );

    // An upsert that overwrites one column twice, likewise.
    let keyed = t.db.table::<Keyed>()?;
    keyed.insert(&mut Keyed::new("k", "g", 1, 10))?;
    expect_kind(
        keyed.upsert(
            &mut Keyed::new("k", "g", 1, 20),
            OnConflict::column(Keyed::key())
                .update(Keyed::value())
                .update(Keyed::value()),
        ),
        ErrorKind::InvalidInput,
    )?;
    let value = keyed.select().first()?.ok_or("the keyed row")?.value;
    ensure!(value == 10, "the refused upsert changed nothing: {value}");
    keyed.upsert(
        &mut Keyed::new("k", "g", 1, 30),
        OnConflict::column(Keyed::key()).update(Keyed::value()),
    )?;
    let value = keyed.select().first()?.ok_or("the keyed row")?.value;
    ensure!(value == 30, "one update per column still works: {value}");
    Ok(())
}

/// JSON documents have no order in anytable: ordering by a JSON column or comparing one with
/// `lt`/`le`/`gt`/`ge` is `InvalidInput` on every backend (before, the three engines gave three
/// different orders); `eq`, `ne`, `is_in` and `is_null` work.
pub fn json_documents_have_no_order(t: &TestDb) -> CaseResult {
    let table = t.db.table::<AllTypes>()?;
    let mut first = crate::cases::types::edge_rows().remove(0);
    first.doc = json!({"a": 1});
    let mut second = first.clone();
    second.doc = json!([1, "two"]);
    table.insert_many(&[first.clone(), second.clone()])?;
    let doc = || AllTypes::doc();
    for (what, result) in [
        ("lt", table.count_matching(doc().lt(json!(1)))),
        ("le", table.count_matching(doc().le(json!(1)))),
        ("gt", table.count_matching(doc().gt(json!(1)))),
        ("ge", table.count_matching(doc().ge(json!(1)))),
        ("!gt", table.count_matching(!doc().gt(json!(1)))),
        (
            "maybe lt",
            table.count_matching(AllTypes::maybe_doc().lt(json!(1))),
        ),
    ] {
        let err =
            expect_kind(result, ErrorKind::InvalidInput).map_err(|e| format!("{what}: {e}"))?;
        ensure!(err.to_string().contains("no order"), "{what}: {err}");
    }
    expect_kind(
        table.select().order_by(doc().asc()).all(),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        table.select().order_by(AllTypes::maybe_doc().desc()).all(),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        table
            .select()
            .columns((doc(),))
            .distinct()
            .order_by(doc().asc())
            .all(),
        ErrorKind::InvalidInput,
    )?;
    ensure!(table.count_matching(doc().eq(json!({"a": 1})))? == 1, "eq");
    ensure!(table.count_matching(doc().ne(json!({"a": 1})))? == 1, "ne");
    ensure!(
        table.count_matching(doc().is_in([json!([1, "two"]), json!(null)]))? == 1,
        "is_in"
    );
    let distinct = table.select().columns((doc(),)).distinct().all()?;
    ensure!(distinct.len() == 2, "distinct documents: {distinct:?}");
    Ok(())
}

/// A JSON document reads back as written on every backend, in anytable's normal form: a whole
/// float that serde_json writes with an exponent (`1e16`) is stored as the integer, `-0.0` as
/// `0.0` (PostgreSQL's jsonb rewrote them, the others kept them), and a filter with the
/// document as written finds it. A document nested deeper than serde_json reads back (127
/// levels), or holding a float near `f64::MAX` (which jsonb writes as 309 digits serde_json
/// cannot read), is `InvalidInput` on every write path and in filters, and nothing is written
/// (before, it was stored and every later read failed).
pub fn json_reads_back_as_written(t: &TestDb) -> CaseResult {
    let table = t.db.table::<AllTypes>()?;
    let base = crate::cases::types::edge_rows().remove(0);
    let written = json!({
        "big": 1e16, "neg": -1e16, "more": 1.5e17, "zero": -0.0, "tenth": 0.1,
        "large": 1e300, "tiny": 1e-7, "huge": 1e20, "int": 7,
        "nested": [1.0, [2.5e16, {"k": -0.0}]]
    });
    let normal = json!({
        "big": 10000000000000000u64, "neg": -10000000000000000i64, "more": 150000000000000000u64,
        "zero": 0.0, "tenth": 0.1, "large": 1e300, "tiny": 1e-7, "huge": 1e20,
        "int": 7, "nested": [1.0, [25000000000000000u64, {"k": 0.0}]]
    });
    let mut single = AllTypes {
        doc: written.clone(),
        maybe_doc: Some(written.clone()),
        ..base.clone()
    };
    table.insert(&mut single)?;
    table.insert_many(std::slice::from_ref(&single))?;
    let back = table.select().all()?;
    ensure!(back.len() == 2, "two rows: {back:?}");
    for row in &back {
        ensure!(
            row.doc == normal,
            "read back {}\n expected {normal}",
            row.doc
        );
        ensure!(
            row.maybe_doc.as_ref() == Some(&normal),
            "nullable twin: {:?}",
            row.maybe_doc
        );
    }
    ensure!(
        table.count_matching(AllTypes::doc().eq(written.clone()))? == 2,
        "eq as written"
    );
    ensure!(
        table.count_matching(AllTypes::doc().eq(normal.clone()))? == 2,
        "eq in normal form"
    );
    let n = table.update(
        AllTypes::doc().eq(written.clone()),
        [AllTypes::maybe_doc().set(json!([-0.0, 3e16]))],
    )?;
    ensure!(n == 2, "update by the written document: {n}");
    let docs: Vec<Option<anytable::serde_json::Value>> = table
        .select()
        .all()?
        .into_iter()
        .map(|r| r.maybe_doc)
        .collect();
    ensure!(
        docs.iter()
            .all(|d| *d == Some(json!([0.0, 30000000000000000u64]))),
        "updated documents: {docs:?}"
    );

    let mut deep = json!("leaf");
    for _ in 0..126 {
        deep = json!([deep]);
    }
    let deepest = json!({ "a": deep.clone() });
    ensure!(
        anytable::serde_json::to_string(&deepest)?.starts_with("{\"a\":[[["),
        "127 levels"
    );
    let mut fits = AllTypes {
        doc: deepest.clone(),
        ..base.clone()
    };
    let id = table.insert(&mut fits)?;
    let read = table.get(id)?.ok_or("the 127-level document")?;
    ensure!(read.doc == deepest, "127 levels read back");
    let too_deep = json!([deepest]);
    let before = table.count()?;
    expect_kind(
        table.insert(&mut AllTypes {
            doc: too_deep.clone(),
            ..base.clone()
        }),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        table.insert_many(&[AllTypes {
            doc: too_deep.clone(),
            ..base.clone()
        }]),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        table.update(
            AllTypes::id().eq(id),
            [AllTypes::doc().set(too_deep.clone())],
        ),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        table.count_matching(AllTypes::doc().eq(too_deep)),
        ErrorKind::InvalidInput,
    )?;
    // A float near f64::MAX comes back from jsonb as 309 digits serde_json cannot read.
    let unreadable = json!({"max": [1.7976931348623157e308]});
    expect_kind(
        table.insert(&mut AllTypes {
            doc: unreadable.clone(),
            ..base.clone()
        }),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        table.update(
            AllTypes::id().eq(id),
            [AllTypes::maybe_doc().set(unreadable)],
        ),
        ErrorKind::InvalidInput,
    )?;
    ensure!(table.count()? == before, "nothing written");
    ensure!(
        table.get(id)?.ok_or("row")?.doc == deepest,
        "the row kept its document"
    );
    Ok(())
}

/// A group whose integer sum leaves `i64` fails a query only where that sum is read: when
/// HAVING leaves the group out, the query answers on every backend (SQLite failed it, as its
/// sum stopped at the overflow; PostgreSQL and DuckDB sum in wider types).
pub fn sums_past_i64_fail_only_where_read(t: &TestDb) -> CaseResult {
    let ledger = t.db.table::<Ledger>()?;
    let entry = |book: &str, amount: i64| Ledger {
        id: 0,
        book: book.to_owned(),
        amount,
    };
    ledger.insert_many(&[
        entry("over", i64::MIN),
        entry("over", -1),
        entry("small", 1),
        entry("small", 2),
        entry("small", 3),
    ])?;
    let counted: Vec<(String, i64)> = ledger
        .select()
        .columns((Ledger::book(), count_all()))
        .group_by(Ledger::book())
        .having(count_all().gt(2))
        .having(Ledger::amount().sum().gt(0))
        .all()?;
    ensure!(
        counted == [("small".to_owned(), 3)],
        "HAVING on the sum: {counted:?}"
    );
    let summed: Vec<(String, Option<i64>)> = ledger
        .select()
        .columns((Ledger::book(), Ledger::amount().sum()))
        .group_by(Ledger::book())
        .having(count_all().gt(2))
        .all()?;
    ensure!(
        summed == [("small".to_owned(), Some(6))],
        "the left-out group: {summed:?}"
    );
    expect_kind(
        ledger
            .select()
            .columns((Ledger::book(), Ledger::amount().sum()))
            .group_by(Ledger::book())
            .all(),
        ErrorKind::TypeMismatch,
    )?;
    expect_kind(
        ledger
            .filter(Ledger::book().eq("over"))
            .sum(Ledger::amount()),
        ErrorKind::TypeMismatch,
    )?;
    Ok(())
}

/// The same mistake is the same error kind on every backend: a table or column that does not
/// exist is `NotFound` in hand-written SQL (SQLite and DuckDB said `InvalidInput` for
/// columns), and an upsert whose conflict target is not a unique constraint of the record is
/// `InvalidInput` before any SQL runs (SQLite said `Other`).
pub fn the_same_mistake_is_the_same_error(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    rows.insert(&mut SimpleRow::new("A", 1))?;
    for sql in [
        "SELECT nope FROM simple_rows",
        "SELECT number FROM simple_rows WHERE nope = 1",
        "UPDATE simple_rows SET nope = 1",
        "INSERT INTO simple_rows (process, number, nope) VALUES ('B', 2, 3)",
        "SELECT number FROM no_such_table",
        "DELETE FROM no_such_table",
    ] {
        let result = if sql.starts_with("SELECT") {
            t.db.query::<(i64,)>(sql, &[]).map(|r| r.len() as u64)
        } else {
            t.db.execute(sql, &[])
        };
        expect_kind(result, ErrorKind::NotFound).map_err(|e| format!("{sql}: {e}"))?;
    }
    ensure!(rows.count()? == 1, "nothing was written");

    let keyed = t.db.table::<Keyed>()?;
    keyed.insert(&mut Keyed::new("k", "g", 1, 10))?;
    for (what, on) in [
        ("a plain column", OnConflict::column(Keyed::value())),
        (
            "half of unique(group_name, rank)",
            OnConflict::column(Keyed::rank()),
        ),
        (
            "a unique column and another",
            OnConflict::column(Keyed::key()).and(Keyed::value()),
        ),
    ] {
        let err = expect_kind(
            keyed.upsert(&mut Keyed::new("k", "g", 1, 20), on.update(Keyed::value())),
            ErrorKind::InvalidInput,
        )
        .map_err(|e| format!("{what}: {e}"))?;
        ensure!(err.to_string().contains("unique"), "{what}: {err}");
    }
    // The whole unique(group_name, rank), in either order, is a conflict target; the id,
    // which the database assigns, is none.
    keyed.upsert(
        &mut Keyed::new("k2", "g", 1, 40),
        OnConflict::column(Keyed::rank())
            .and(Keyed::group_name())
            .update(Keyed::value()),
    )?;
    let mut by_id = keyed.select().first()?.ok_or("the keyed row")?;
    by_id.value = 50;
    expect_kind(
        keyed.upsert(
            &mut by_id,
            OnConflict::column(Keyed::id()).update(Keyed::value()),
        ),
        ErrorKind::InvalidInput,
    )?;
    let values: Vec<i64> = keyed.select().all()?.into_iter().map(|k| k.value).collect();
    ensure!(
        values == [40],
        "the upsert on unique(group_name, rank) hit the row: {values:?}"
    );
    Ok(())
}

/// Hand-written SQL is one statement per call, and transactions go through the API: SQL text
/// holding a second statement, or one that begins, ends or marks a transaction (BEGIN,
/// COMMIT, ROLLBACK, SAVEPOINT, ...), is `InvalidInput` before anything runs, outside and
/// inside a transaction (DuckDB ran every statement of a call, the others refused them with
/// different kinds; BEGIN as text escaped the transaction bookkeeping).
pub fn raw_sql_is_one_plain_statement(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    rows.insert(&mut SimpleRow::new("A", 1))?;
    let two = "UPDATE simple_rows SET number = 2; UPDATE simple_rows SET number = 3";
    expect_kind(t.db.execute(two, &[]), ErrorKind::InvalidInput)?;
    expect_kind(
        t.db.query::<(i64,)>("SELECT number FROM simple_rows; SELECT 1", &[]),
        ErrorKind::InvalidInput,
    )?;
    for control in [
        "BEGIN",
        "BEGIN TRANSACTION",
        "START TRANSACTION",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT s",
        "RELEASE SAVEPOINT s",
        "ROLLBACK TO SAVEPOINT s",
        "END",
    ] {
        // Behind comments and whitespace too: a comment before BEGIN hid it, and the pooled
        // connection went back with a transaction open (issue 34, item 2).
        for prefix in ["", "/* x */ ", "-- note\n", " \n\t", "/* a */ -- b\n  "] {
            let control = format!("{prefix}{control}");
            expect_kind(t.db.execute(&control, &[]), ErrorKind::InvalidInput)
                .map_err(|e| format!("{control:?}: {e}"))?;
            let inside = t.db.transaction(|tx| {
                tx.execute("UPDATE simple_rows SET number = 5", &[])?;
                tx.execute(&control, &[])
            });
            expect_kind(inside, ErrorKind::InvalidInput)
                .map_err(|e| format!("{control:?} inside a transaction: {e}"))?;
        }
    }
    expect_kind(
        t.db.query::<(i64,)>("/* x */ BEGIN", &[]),
        ErrorKind::InvalidInput,
    )?;
    let numbers: Vec<(i64,)> = t.db.query("SELECT number FROM simple_rows;", &[])?;
    ensure!(numbers == [(1,)], "nothing changed: {numbers:?}");
    ensure!(
        t.db.execute(
            "UPDATE simple_rows SET note = ';' WHERE number = ?; -- one statement",
            &[anytable::Value::I64(1)]
        )? == 1,
        "a `;` in a literal and a trailing one are fine"
    );
    Ok(())
}

/// The widest decimals read back on every backend, in every column scale that holds them:
/// `Decimal::MAX` in a scale-4 column is stored as `...335.0000`, one digit more than
/// `Decimal` holds with its zeros, and DuckDB's reading refused it (`TypeMismatch`) where the
/// others dropped the zeros. Through rows, Arrow batches and min/max.
pub fn widest_decimals_read_back(t: &TestDb) -> CaseResult {
    use anytable::rust_decimal::Decimal;
    let table = t.db.table::<Decimals>()?;
    let rows: Vec<Decimals> = [Decimal::MAX, Decimal::MIN]
        .into_iter()
        .map(|d| Decimals {
            id: 0,
            amount: d,
            whole: d,
            tiny: Decimal::ZERO,
            maybe: Some(d),
        })
        .collect();
    table.insert_many(&rows)?;
    let back = table.select().order_by(Decimals::amount().desc()).all()?;
    let amounts: Vec<(Decimal, Decimal, Option<Decimal>)> =
        back.iter().map(|r| (r.amount, r.whole, r.maybe)).collect();
    ensure!(
        amounts
            == [
                (Decimal::MAX, Decimal::MAX, Some(Decimal::MAX)),
                (Decimal::MIN, Decimal::MIN, Some(Decimal::MIN))
            ],
        "read back: {amounts:?}"
    );
    ensure!(
        table.select().max(Decimals::amount())? == Some(Decimal::MAX),
        "max of the widest"
    );
    ensure!(
        table.select().min(Decimals::maybe())? == Some(Decimal::MIN),
        "min of the widest"
    );
    ensure!(
        table.count_matching(Decimals::amount().eq(Decimal::MAX))? == 1,
        "found by value"
    );
    let batches = table
        .select()
        .order_by(Decimals::amount().desc())
        .arrow()?
        .collect::<anytable::Result<Vec<_>>>()?;
    ensure!(
        batches.iter().map(|b| b.num_rows()).sum::<usize>() == 2,
        "two rows in batches"
    );
    let copy = t.db.table::<Decimals>()?;
    copy.delete_all()?;
    copy.insert_arrow(batches)?;
    let again: Vec<Decimal> = copy
        .select()
        .order_by(Decimals::amount().desc())
        .all()?
        .into_iter()
        .map(|r| r.amount)
        .collect();
    ensure!(
        again == [Decimal::MAX, Decimal::MIN],
        "through Arrow: {again:?}"
    );
    Ok(())
}

/// Rows written back with their ids (Arrow batches, here five times over) leave the next new
/// row the id after the largest, on every backend: DuckDB drew as many ids as the largest
/// one at every call, so its ids doubled and each call was slower than the last.
pub fn kept_ids_continue_from_the_largest(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    rows.insert_many(&[
        SimpleRow::new("A", 1),
        SimpleRow::new("B", 2),
        SimpleRow::new("C", 3),
    ])?;
    let ids = |rows: &[SimpleRow]| rows.iter().map(|r| r.id).collect::<Vec<_>>();
    let before = ids(&rows.select().order_by(SimpleRow::id().asc()).all()?);
    ensure!(before == [1, 2, 3], "first ids: {before:?}");
    for _ in 0..5 {
        let batches = rows
            .select()
            .arrow()?
            .collect::<anytable::Result<Vec<_>>>()?;
        t.db.transaction(|tx| {
            let rows = rows.clone().within(tx)?;
            rows.delete_all()?;
            rows.insert_arrow(batches)
        })?;
    }
    let kept = ids(&rows.select().order_by(SimpleRow::id().asc()).all()?);
    ensure!(kept == before, "the ids were kept: {kept:?}");
    let next = rows.insert(&mut SimpleRow::new("D", 4))?;
    ensure!(next == 4, "the next id follows the largest: {next}");
    Ok(())
}

/// A time of 24:00:00 from hand-written SQL is a `TypeMismatch` on every backend: no time of
/// day reads as it (PostgreSQL's TIME holds it, and its driver read it as 00:00:00, the start
/// of the day instead of its end).
pub fn a_time_of_24_hours_is_refused_when_read(t: &TestDb) -> CaseResult {
    use anytable::chrono::NaiveTime;
    expect_kind(
        t.db.query_scalar::<NaiveTime>("SELECT CAST('24:00:00' AS TIME)", &[]),
        ErrorKind::TypeMismatch,
    )?;
    expect_kind(
        t.db.query_scalar::<Option<NaiveTime>>("SELECT CAST('24:00:00' AS TIME)", &[]),
        ErrorKind::TypeMismatch,
    )?;
    let last = NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).ok_or("a time")?;
    let clocks = t.db.table::<Clock>()?;
    clocks.insert(&mut Clock {
        id: 0,
        local: anytable::chrono::NaiveDateTime::default(),
        time: last,
        maybe_local: None,
        maybe_time: None,
    })?;
    let read =
        t.db.query_scalar::<NaiveTime>("SELECT time FROM clocks", &[])?;
    ensure!(
        read == Some(last),
        "the last microsecond of the day reads back: {read:?}"
    );
    Ok(())
}

/// Float sums and averages are the same everywhere up to the rounding of the additions: each
/// is within `(n - 1) * f64::EPSILON * sum(|x|)` of the exact sum (the bound of adding in any
/// order; SQLite and DuckDB compensate and are often exact). A sum that overflows `f64` from
/// finite values is `TypeMismatch` everywhere, also in a group HAVING or a LIMIT leaves out
/// (SQLite and DuckDB gave an infinity, and answered without such a group), an
/// average is the sum divided by the count (PostgreSQL's own AVG failed on 1e200 and 3e200,
/// whose squares it keeps overflow), and an average of integers is their exact sum rounded
/// once to `f64`, divided by the count.
pub fn float_sums_agree_within_their_bound(t: &TestDb) -> CaseResult {
    let samples = t.db.table::<Sample>()?;
    let fill = |batch: &str, xs: &[f64], ns: &[i64]| -> anytable::Result<()> {
        samples.delete(Sample::batch().eq(batch))?;
        let rows: Vec<Sample> = (0..xs.len().max(ns.len()))
            .map(|i| Sample {
                id: 0,
                batch: batch.to_owned(),
                x: xs.get(i).copied().unwrap_or(0.0),
                n: ns.get(i).copied().unwrap_or(0),
            })
            .collect();
        samples.insert_many(&rows).map(|_| ())
    };
    let sum = |batch: &str| samples.filter(Sample::batch().eq(batch)).sum(Sample::x());
    let avg = |batch: &str| samples.filter(Sample::batch().eq(batch)).avg(Sample::x());

    // An average too small for a double rounds to zero, as IEEE division does (PostgreSQL's
    // division failed with an underflow error: found by the fuzzer).
    fill("tiny", &[f64::from_bits(1), 0.0], &[])?;
    ensure!(
        avg("tiny")? == Some(0.0),
        "the average of 5e-324 and 0: {:?}",
        avg("tiny")
    );
    fill("tinier", &[f64::from_bits(3), 0.0], &[])?;
    ensure!(
        avg("tinier")? == Some(f64::from_bits(2)),
        "the average of 1.5e-323 and 0 rounds to even: {:?}",
        avg("tinier")
    );
    samples.delete(Sample::batch().is_in(["tiny", "tinier"]))?;

    fill("big", &[1e200, 3e200], &[])?;
    ensure!(
        avg("big")? == Some((1e200 + 3e200) / 2.0),
        "average of 1e200 and 3e200: {:?}",
        avg("big")
    );

    fill("over", &[f64::MAX, f64::MAX], &[])?;
    expect_kind(sum("over"), ErrorKind::TypeMismatch)?;
    expect_kind(avg("over"), ErrorKind::TypeMismatch)?;
    expect_kind(
        samples
            .select()
            .columns((Sample::batch(), Sample::x().sum()))
            .group_by(Sample::batch())
            .all(),
        ErrorKind::TypeMismatch,
    )?;
    // Also where HAVING leaves the overflowing group out (PostgreSQL's SUM failed while adding,
    // SQLite and DuckDB answered without the group).
    let grouped = || {
        samples
            .select()
            .columns((Sample::batch(), Sample::x().sum()))
            .group_by(Sample::batch())
    };
    expect_kind(
        grouped().having(anytable::count_all().gt(2)).all(),
        ErrorKind::TypeMismatch,
    )
    .map_err(|e| format!("a group HAVING leaves out: {e}"))?;
    expect_kind(
        samples
            .select()
            .columns((Sample::x().avg(),))
            .having(anytable::count_all().gt(5))
            .all(),
        ErrorKind::TypeMismatch,
    )
    .map_err(|e| format!("the one group of an ungrouped query, left out: {e}"))?;
    // And where LIMIT leaves it out, in the order of the group keys (SQLite stopped before it
    // computed that group).
    expect_kind(
        grouped().order_by(Sample::batch().asc()).limit(1).all(),
        ErrorKind::TypeMismatch,
    )
    .map_err(|e| format!("a group LIMIT leaves out: {e}"))?;
    samples.delete(Sample::batch().eq("over"))?;

    let within = |batch: &str, xs: &[f64], exact: f64| -> CaseResult {
        fill(batch, xs, &[])?;
        let bound = (xs.len() - 1) as f64 * f64::EPSILON * xs.iter().map(|x| x.abs()).sum::<f64>();
        let got = sum(batch)?.unwrap_or(f64::NAN);
        let within_bound = (got - exact).abs() <= bound;
        ensure!(
            within_bound,
            "sum of {xs:?}: {got}, more than {bound} from {exact}"
        );
        let mean = avg(batch)?.unwrap_or(f64::NAN);
        ensure!(
            mean == got / xs.len() as f64,
            "average of {xs:?}: {mean}, not the sum {got} divided by {}",
            xs.len()
        );
        Ok(())
    };
    within("cancel", &[1e16, 1.0, 1.0, 1.0, 1.0, -1e16], 4.0)?;
    within("tenths", &[0.1; 10], 1.0)?;

    let grouped: Vec<(String, Option<f64>, Option<f64>)> = samples
        .select()
        .columns((Sample::batch(), Sample::x().sum(), Sample::x().avg()))
        .group_by(Sample::batch())
        .having(Sample::x().sum().gt(1.0e100))
        .order_by(Sample::batch().asc())
        .all()?;
    ensure!(
        grouped == [("big".to_owned(), Some(4e200), Some(2e200))],
        "groups whose float sum passes 1e100: {grouped:?}"
    );

    for ns in [
        &[i64::MAX, i64::MAX - 2, 3][..],
        &[9_007_199_254_740_993, 9_007_199_254_740_993],
        &[i64::MIN, i64::MIN, 1],
    ] {
        fill("integers", &[], ns)?;
        let exact = ns.iter().map(|&n| i128::from(n)).sum::<i128>() as f64 / ns.len() as f64;
        let got = samples
            .filter(Sample::batch().eq("integers"))
            .avg(Sample::n())?;
        ensure!(
            got == Some(exact),
            "average of {ns:?}: {got:?}, not {exact} (the exact sum rounded once, divided)"
        );
    }

    if t.db.capabilities().stores_nan {
        fill("infinite", &[f64::INFINITY, 1.0], &[])?;
        ensure!(
            sum("infinite")? == Some(f64::INFINITY),
            "a sum holding +inf: {:?}",
            sum("infinite")
        );
        fill("infinite", &[f64::INFINITY, f64::NEG_INFINITY], &[])?;
        let nan = sum("infinite")?;
        ensure!(nan.is_some_and(f64::is_nan), "+inf plus -inf: {nan:?}");
    } else {
        expect_kind(
            samples.insert(&mut Sample {
                id: 0,
                batch: "infinite".to_owned(),
                x: f64::INFINITY,
                n: 0,
            }),
            ErrorKind::InvalidInput,
        )?;
    }
    Ok(())
}

/// `execute` of a statement that returns rows (a query, a write with `RETURNING`) runs it and
/// answers how many rows it returned, on every backend: SQLite refused it (`Other`), DuckDB
/// answered 0 and PostgreSQL the count.
pub fn execute_counts_the_rows_a_query_returns(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    rows.insert_many(&[
        SimpleRow::new("A", 1),
        SimpleRow::new("A", 2),
        SimpleRow::new("B", 3),
    ])?;
    for (sql, expected) in [
        ("SELECT 1", 1),
        ("SELECT number FROM simple_rows", 3),
        ("SELECT number FROM simple_rows WHERE number > 100", 0),
        ("  -- a comment first\nSELECT 1 UNION ALL SELECT 2", 2),
        (
            "WITH a AS (SELECT number FROM simple_rows) SELECT * FROM a",
            3,
        ),
        (
            "UPDATE simple_rows SET note = 'x' WHERE process = 'A' RETURNING id",
            2,
        ),
        ("UPDATE simple_rows SET note = 'y' WHERE process = 'A'", 2),
    ] {
        let counted = t.db.execute(sql, &[])?;
        ensure!(counted == expected, "{sql}: {counted}, not {expected}");
    }
    let inserted = t.db.execute(
        "INSERT INTO simple_rows (process, number) VALUES (?, ?) RETURNING id, number",
        &["C".into(), anytable::Value::I64(4)],
    )?;
    ensure!(inserted == 1, "INSERT ... RETURNING: {inserted}");
    let in_transaction = t.db.transaction(|tx| {
        tx.execute(
            "DELETE FROM simple_rows WHERE process = ? RETURNING id",
            &["A".into()],
        )
    })?;
    ensure!(
        in_transaction == 2,
        "DELETE ... RETURNING in a transaction: {in_transaction}"
    );
    let left: Vec<(String, i64)> = t.db.query(
        "SELECT process, number FROM simple_rows ORDER BY number",
        &[],
    )?;
    ensure!(
        left == [("B".to_owned(), 3), ("C".to_owned(), 4)],
        "what the statements left: {left:?}"
    );
    Ok(())
}

/// Updates of rows other rows reference: every column where `updates_referenced_rows`; where
/// not (DuckDB), setting an indexed column of a referenced row, or a foreign key to its own
/// row, is `ForeignKeyViolation` and changes nothing, and every other update works.
pub fn updates_of_referenced_rows(t: &TestDb) -> CaseResult {
    let caps = t.db.capabilities();
    if !caps.foreign_keys {
        t.restricted("no foreign keys (foreign_keys): nothing is referenced");
        return Ok(());
    }
    let teams = t.db.table::<Team>()?;
    let players = t.db.table::<Player>()?;
    let mut team = Team {
        id: 0,
        code: "red".to_owned(),
        league: "north".to_owned(),
        motto: "go".to_owned(),
    };
    teams.insert(&mut team)?;
    players.insert(&mut Player {
        id: 0,
        team: Some(team.id),
    })?;
    let employees = t.db.table::<Employee>()?;
    let mut boss = Employee {
        id: 0,
        name: "boss".to_owned(),
        manager: None,
    };
    employees.insert(&mut boss)?;
    let mut worker = Employee {
        id: 0,
        name: "worker".to_owned(),
        manager: Some(boss.id),
    };
    employees.insert(&mut worker)?;

    // Columns no index holds: every backend.
    ensure!(
        teams.update(Team::id().eq(team.id), vec![Team::motto().set("win")])? == 1,
        "the motto of a referenced team"
    );
    ensure!(
        employees.update(
            Employee::id().eq(boss.id),
            vec![Employee::name().set("chief")]
        )? == 1,
        "the name of a referenced employee"
    );

    let indexed: [(&str, anytable::Result<u64>); 4] = [
        (
            "the unique code of a referenced team",
            teams.update(Team::id().eq(team.id), vec![Team::code().set("blue")]),
        ),
        (
            "the indexed league of a referenced team",
            teams.update(Team::id().eq(team.id), vec![Team::league().set("south")]),
        ),
        (
            "the manager of a referenced employee",
            employees.update(
                Employee::id().eq(boss.id),
                vec![Employee::manager().set(Some(worker.id))],
            ),
        ),
        (
            "an employee as their own manager",
            employees.update(
                Employee::id().eq(worker.id),
                vec![Employee::manager().set(Some(worker.id))],
            ),
        ),
    ];
    for (what, result) in indexed {
        if caps.updates_referenced_rows {
            ensure!(matches!(result, Ok(1)), "{what}: {result:?}");
        } else {
            expect_kind(result, ErrorKind::ForeignKeyViolation)
                .map_err(|e| format!("{what}: {e}"))?;
        }
    }
    let (team_now, boss_now, worker_now) = (
        teams.get(team.id)?.ok_or("the team is gone")?,
        employees.get(boss.id)?.ok_or("the boss is gone")?,
        employees.get(worker.id)?.ok_or("the worker is gone")?,
    );
    if caps.updates_referenced_rows {
        ensure!(
            (team_now.code.as_str(), team_now.league.as_str()) == ("blue", "south")
                && boss_now.manager == Some(worker.id)
                && worker_now.manager == Some(worker.id),
            "the updates: {team_now:?} {boss_now:?} {worker_now:?}"
        );
    } else {
        t.restricted(
            "indexed columns of referenced rows, and foreign keys to their own row, cannot be \
             updated (updates_referenced_rows): ForeignKeyViolation (asserted)",
        );
        ensure!(
            (team_now.code.as_str(), team_now.league.as_str()) == ("red", "north")
                && boss_now.manager.is_none()
                && worker_now.manager == Some(boss.id),
            "refused updates changed nothing: {team_now:?} {boss_now:?} {worker_now:?}"
        );
    }
    // Where it is refused, the way round: the reference first, then the row.
    players.update(Player::team().is_not_null(), vec![Player::team().set(None)])?;
    ensure!(
        teams.update(Team::id().eq(team.id), vec![Team::code().set("green")])? == 1,
        "the code of a team no longer referenced"
    );
    Ok(())
}

/// Hand-written SQL reads a column as a Rust type by one rule on every backend (documented in
/// `anytable_core::reading`): integers and decimals read as any integer type holding the value,
/// as `Decimal` and as `f64`; floats only as `f64`; a timestamp and a date-time as each
/// other; JSON as `String` (compact) and text as JSON; nothing else converts. Before, a DATE
/// read as `String`, a BOOLEAN as `i64` and text as bytes on SQLite only, a TIMESTAMPTZ read
/// as `NaiveDateTime` and a UUID as `String` on DuckDB only, JSON read as `String` everywhere
/// but PostgreSQL, and an integer as `f64` on SQLite only.
pub fn typed_raw_reads_follow_one_rule(t: &TestDb) -> CaseResult {
    use anytable::chrono::{NaiveDate, NaiveDateTime};
    use anytable::rust_decimal::Decimal;
    use anytable::uuid::Uuid;
    let table = t.db.table::<AllTypes>()?;
    let mut row = crate::cases::types::edge_rows().remove(0);
    row.small = 7;
    row.big = 9_007_199_254_740_993;
    row.flag = true;
    row.doc = json!({"b": [1, "x"], "a": 2.5});
    row.maybe_uid = None;
    table.insert(&mut row)?;
    let decimals = t.db.table::<Decimals>()?;
    decimals.insert(&mut Decimals {
        id: 0,
        amount: Decimal::new(15, 1),
        whole: Decimal::new(12, 0),
        tiny: Decimal::new(1, 28),
        maybe: None,
    })?;
    let one = |column: &str, table: &str| format!("SELECT \"{column}\" FROM {table}");

    // Numbers read as numbers.
    let sql = one("small", "all_types");
    ensure!(
        t.db.query_scalar::<f64>(&sql, &[])? == Some(7.0),
        "SMALLINT as f64"
    );
    ensure!(
        t.db.query_scalar::<Decimal>(&sql, &[])? == Some(Decimal::from(7)),
        "as Decimal"
    );
    let sql = one("big", "all_types");
    ensure!(
        t.db.query_scalar::<f64>(&sql, &[])? == Some(9_007_199_254_740_992.0),
        "BIGINT as the nearest f64"
    );
    expect_kind(t.db.query_scalar::<i16>(&sql, &[]), ErrorKind::TypeMismatch)?;
    let sql = one("amount", "decimals");
    ensure!(
        t.db.query_scalar::<f64>(&sql, &[])? == Some(1.5),
        "DECIMAL as f64"
    );
    expect_kind(t.db.query_scalar::<i64>(&sql, &[]), ErrorKind::TypeMismatch)?;
    ensure!(
        t.db.query_scalar::<i32>(&one("whole", "decimals"), &[])? == Some(12),
        "a whole DECIMAL as i32"
    );
    expect_kind(
        t.db.query_scalar::<Decimal>(&one("real", "all_types"), &[]),
        ErrorKind::TypeMismatch,
    )?;

    // Booleans, dates, UUIDs and bytes read only as themselves.
    let flag = one("flag", "all_types");
    ensure!(
        t.db.query_scalar::<bool>(&flag, &[])? == Some(true),
        "BOOLEAN as bool"
    );
    expect_kind(
        t.db.query_scalar::<i64>(&flag, &[]),
        ErrorKind::TypeMismatch,
    )?;
    expect_kind(
        t.db.query_scalar::<f64>(&flag, &[]),
        ErrorKind::TypeMismatch,
    )?;
    expect_kind(
        t.db.query_scalar::<bool>(&one("big", "all_types"), &[]),
        ErrorKind::TypeMismatch,
    )?;
    let day = one("day", "all_types");
    ensure!(
        t.db.query_scalar::<NaiveDate>(&day, &[])? == Some(row.day),
        "DATE"
    );
    expect_kind(
        t.db.query_scalar::<String>(&day, &[]),
        ErrorKind::TypeMismatch,
    )?;
    expect_kind(
        t.db.query_scalar::<NaiveDate>(&one("text", "all_types"), &[]),
        ErrorKind::TypeMismatch,
    )?;
    let uid = one("uid", "all_types");
    ensure!(
        t.db.query_scalar::<Uuid>(&uid, &[])? == Some(row.uid),
        "UUID"
    );
    expect_kind(
        t.db.query_scalar::<String>(&uid, &[]),
        ErrorKind::TypeMismatch,
    )?;
    expect_kind(
        t.db.query_scalar::<Vec<u8>>(&one("text", "all_types"), &[]),
        ErrorKind::TypeMismatch,
    )?;

    // A timestamp reads as a date-time in UTC.
    ensure!(
        t.db.query_scalar::<NaiveDateTime>(&one("at", "all_types"), &[])?
            == Some(row.at.naive_utc()),
        "a timestamp as NaiveDateTime"
    );

    // JSON reads as its compact text; text that is a document reads as JSON.
    ensure!(
        t.db.query_scalar::<String>(&one("doc", "all_types"), &[])?
            .as_deref()
            == Some(row.doc.to_string().as_str()),
        "JSON as String: {:?}",
        t.db.query_scalar::<String>(&one("doc", "all_types"), &[])
    );
    table.update(
        AllTypes::id().eq(row.id),
        [AllTypes::text().set("[1,2]".to_owned())],
    )?;
    ensure!(
        t.db.query_scalar::<anytable::serde_json::Value>(&one("text", "all_types"), &[])?
            == Some(json!([1, 2])),
        "text as JSON"
    );

    // A lone placeholder takes its value's type (PostgreSQL inferred text for `SELECT ?` and
    // refused an i64).
    use anytable::Value;
    ensure!(
        t.db.query_scalar::<i64>("SELECT ?", &[Value::I64(5)])? == Some(5),
        "SELECT ? i64"
    );
    ensure!(
        t.db.query_scalar::<f64>("SELECT ?", &[Value::F64(0.5)])? == Some(0.5),
        "SELECT ? f64"
    );
    ensure!(
        t.db.query_scalar::<bool>("SELECT ?", &[Value::Bool(true)])? == Some(true),
        "SELECT ? bool"
    );
    ensure!(
        t.db.query_scalar::<NaiveDate>("SELECT ?", &[Value::Date(row.day)])? == Some(row.day),
        "SELECT ? date"
    );
    ensure!(
        t.db.query_scalar::<Decimal>("SELECT ?", &[Value::Decimal(Decimal::new(125, 2))])?
            == Some(Decimal::new(125, 2)),
        "SELECT ? decimal"
    );
    ensure!(
        t.db.query_scalar::<String>("SELECT ?", &[Value::Text("x".into())])?
            .as_deref()
            == Some("x"),
        "SELECT ? text"
    );

    // NULL reads as None whatever the column holds.
    let none =
        t.db.query_scalar::<Option<i64>>(&one("maybe", "decimals"), &[])?;
    ensure!(
        none == Some(None),
        "a NULL DECIMAL as Option<i64>: {none:?}"
    );
    let none =
        t.db.query_scalar::<Option<bool>>(&one("maybe_uid", "all_types"), &[])?;
    ensure!(none == Some(None), "a NULL UUID as Option<bool>: {none:?}");
    Ok(())
}

/// An adopted table's integer column narrower than its field (a `SMALLINT` behind an `i64`)
/// holds only its own range on every backend: a write of a value outside it is a
/// `TypeMismatch` and writes nothing (SQLite stored it, the others refused it), and a filter
/// compares with any `i64` exactly (`eq(100000)` finds nothing, `lt(100000)` every row;
/// PostgreSQL refused such a filter, the others answered).
pub fn narrow_adopted_integers_hold_only_their_range(t: &TestDb) -> CaseResult {
    t.db.execute(
        r#"CREATE TABLE "narrow_rows" ("small" SMALLINT NOT NULL, "maybe" SMALLINT, "label" TEXT NOT NULL)"#,
        &[],
    )?;
    let rows = t.db.adopt::<NarrowRow>()?;
    let row = |small: i64, maybe: Option<i64>, label: &str| NarrowRow {
        small,
        maybe,
        label: label.to_owned(),
    };
    rows.insert(&mut row(32767, Some(-32768), "edges"))?;
    rows.insert_many(&[row(1, None, "one"), row(-32768, Some(32767), "low")])?;
    ensure!(rows.count()? == 3, "three rows in range");

    expect_kind(
        rows.insert(&mut row(32768, None, "over")),
        ErrorKind::TypeMismatch,
    )?;
    expect_kind(
        rows.insert(&mut row(0, Some(-32769), "under")),
        ErrorKind::TypeMismatch,
    )?;
    expect_kind(
        rows.insert_many(&[row(2, None, "fine"), row(100_000, None, "over")]),
        ErrorKind::TypeMismatch,
    )?;
    expect_kind(
        rows.update(
            NarrowRow::label().eq("one".to_owned()),
            [NarrowRow::small().set(1_i64 << 40)],
        ),
        ErrorKind::TypeMismatch,
    )?;
    let mut labels: Vec<String> = rows.select().all()?.into_iter().map(|r| r.label).collect();
    labels.sort();
    ensure!(
        labels == ["edges", "low", "one"],
        "nothing out of range was written: {labels:?}"
    );
    ensure!(
        rows.count_matching(NarrowRow::small().eq(1))? == 1,
        "the update changed nothing"
    );

    // Filters compare with the whole i64.
    let count = |filter| rows.count_matching(filter);
    ensure!(
        count(NarrowRow::small().eq(100_000))? == 0,
        "eq out of range"
    );
    ensure!(
        count(NarrowRow::small().ne(100_000))? == 3,
        "ne out of range"
    );
    ensure!(
        count(NarrowRow::small().lt(100_000))? == 3,
        "lt out of range"
    );
    ensure!(
        count(NarrowRow::small().gt(-100_000))? == 3,
        "gt out of range"
    );
    ensure!(count(NarrowRow::small().ge(i64::MAX))? == 0, "ge i64::MAX");
    ensure!(
        count(NarrowRow::small().is_in([100_000, 32767, i64::MIN]))? == 1,
        "is_in with values out of range"
    );
    ensure!(
        count(NarrowRow::maybe().lt(40_000))? == 2,
        "a nullable column: NULL matches nothing"
    );
    Ok(())
}
