//! Insert, get, select, update, delete, upsert and streaming through the typed API.

use anytable::{Filter, OnConflict, Query, Table};

use crate::fixtures::with_option;
use crate::records::{Keyed, SimpleRow};
use crate::{ensure, CaseResult, TestDb};

fn seed(t: &TestDb, n: i64) -> Result<anytable::TableHandle<'static, SimpleRow>, anytable::Error> {
    let rows = t.db.table::<SimpleRow>()?;
    let batch: Vec<SimpleRow> = (0..n)
        .map(|i| {
            let mut r = SimpleRow::new(if i % 2 == 0 { "EV" } else { "OD" }, i);
            r.note = (i % 3 == 0).then(|| format!("note {i}"));
            r
        })
        .collect();
    rows.insert_many(&batch)?;
    Ok(rows)
}

/// Insert returns the new id and hands back the database-filled id, added and updated fields.
pub fn insert_fills_generated_fields(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    let before = anytable::chrono::Utc::now() - anytable::chrono::Duration::seconds(5);
    let mut a = SimpleRow::new("AB", 1);
    let mut b = SimpleRow::new("AB", 2);
    let id_a = rows.insert(&mut a)?;
    let id_b = rows.insert(&mut b)?;
    ensure!(a.id == id_a && b.id == id_b, "ids handed back: {a:?} {b:?}");
    ensure!(id_b > id_a, "ids increase: {id_a} then {id_b}");
    ensure!(a.added > before, "added was filled in: {}", a.added);
    ensure!(
        a.updated == a.added,
        "updated equals added on insert: {a:?}"
    );
    let stored = rows.get(id_a)?.ok_or("inserted row not found")?;
    ensure!(
        stored == a,
        "stored row equals the handed-back record:\n{stored:?}\n{a:?}"
    );
    Ok(())
}

/// `get` finds a row by id and returns `None` for a missing id.
pub fn get_by_id(t: &TestDb) -> CaseResult {
    let rows = seed(t, 5)?;
    let all = rows.select().all()?;
    for r in &all {
        ensure!(
            rows.get(r.id)?.as_ref() == Some(r),
            "get({}) returns the row",
            r.id
        );
    }
    ensure!(rows.get(-1)?.is_none(), "missing id gives None");
    Ok(())
}

/// Every filter operator, and their combinations, select exactly the expected rows.
pub fn select_filters(t: &TestDb) -> CaseResult {
    let rows = seed(t, 20)?;
    let numbers = |f: Filter<SimpleRow>| -> Result<Vec<i64>, anytable::Error> {
        let mut n: Vec<i64> = rows
            .filter(f)
            .all()?
            .into_iter()
            .map(|r| r.number)
            .collect();
        n.sort_unstable();
        Ok(n)
    };
    let n = SimpleRow::number;
    ensure!(numbers(n().eq(3))? == vec![3], "eq");
    ensure!(numbers(n().ne(3))?.len() == 19, "ne");
    ensure!(numbers(n().lt(3))? == vec![0, 1, 2], "lt");
    ensure!(numbers(n().le(2))? == vec![0, 1, 2], "le");
    ensure!(numbers(n().gt(17))? == vec![18, 19], "gt");
    ensure!(numbers(n().ge(18))? == vec![18, 19], "ge");
    ensure!(numbers(n().is_in([1, 5, 99]))? == vec![1, 5], "in");
    ensure!(
        numbers(n().is_in(Vec::<i64>::new()))?.is_empty(),
        "empty in matches nothing"
    );
    ensure!(
        numbers(SimpleRow::note().like("note 1%"))? == vec![12, 15, 18],
        "like"
    );
    ensure!(numbers(SimpleRow::note().is_null())?.len() == 13, "is null");
    ensure!(
        numbers(SimpleRow::note().eq(None::<String>))?.len() == 13,
        "eq(None) is IS NULL"
    );
    ensure!(
        numbers(SimpleRow::note().is_not_null())?.len() == 7,
        "is not null"
    );
    ensure!(
        numbers(n().lt(4) & SimpleRow::process().eq("EV"))? == vec![0, 2],
        "and"
    );
    ensure!(numbers(n().lt(2) | n().gt(18))? == vec![0, 1, 19], "or");
    ensure!(numbers(!(n().ge(2)))? == vec![0, 1], "not");
    ensure!(
        numbers((n().lt(3) | n().gt(17)) & !SimpleRow::process().eq("OD"))? == vec![0, 2, 18],
        "nested"
    );
    ensure!(numbers(Filter::all())?.len() == 20, "all");
    Ok(())
}

/// ORDER BY, LIMIT and OFFSET, alone and together.
pub fn order_limit_offset(t: &TestDb) -> CaseResult {
    let rows = seed(t, 10)?;
    let got = |s: anytable::Select<'static, SimpleRow>| -> Result<Vec<i64>, anytable::Error> {
        Ok(s.all()?.into_iter().map(|r| r.number).collect())
    };
    let n = SimpleRow::number;
    ensure!(
        got(rows.select().order_by(n().desc()).limit(3))? == vec![9, 8, 7],
        "desc limit"
    );
    ensure!(
        got(rows.select().order_by(n().asc()).offset(8))? == vec![8, 9],
        "offset alone"
    );
    ensure!(
        got(rows.select().order_by(n().asc()).limit(2).offset(4))? == vec![4, 5],
        "limit offset"
    );
    ensure!(
        got(rows
            .select()
            .order_by(SimpleRow::process().asc())
            .order_by(n().desc())
            .limit(2))?
            == vec![8, 6],
        "two keys"
    );
    let first = rows.filter(n().gt(4)).order_by(n().asc()).first()?;
    ensure!(first.map(|r| r.number) == Some(5), "first");
    ensure!(
        rows.filter(n().gt(100)).first()?.is_none(),
        "first of nothing"
    );
    Ok(())
}

/// `count`, filtered count, and `head(n)` in id order.
pub fn count_and_head(t: &TestDb) -> CaseResult {
    let rows = seed(t, 12)?;
    ensure!(rows.count()? == 12, "count");
    ensure!(
        rows.filter(SimpleRow::number().lt(5)).count()? == 5,
        "filtered count"
    );
    let head = rows.head(10)?;
    ensure!(
        head.len() == 10,
        "head(10) returns 10 rows, got {}",
        head.len()
    );
    ensure!(
        head.windows(2).all(|w| w[0].id < w[1].id),
        "head is in id order"
    );
    ensure!(rows.head(100)?.len() == 12, "head larger than the table");
    Ok(())
}

/// Update by filter changes exactly the matching rows and moves their "updated" timestamp.
pub fn update_by_filter(t: &TestDb) -> CaseResult {
    let rows = seed(t, 10)?;
    let before = rows.get(rows.head(1)?[0].id)?.ok_or("row")?;
    std::thread::sleep(std::time::Duration::from_millis(20));
    let changed = rows.update(
        SimpleRow::number().lt(3),
        [
            SimpleRow::note().set("changed"),
            SimpleRow::process().set("UP"),
        ],
    )?;
    ensure!(changed == 3, "3 rows changed, got {changed}");
    let updated = rows.filter(SimpleRow::process().eq("UP")).all()?;
    ensure!(updated.len() == 3, "3 rows have the new process");
    ensure!(
        updated.iter().all(|r| r.note.as_deref() == Some("changed")),
        "note set"
    );
    let after = rows.get(before.id)?.ok_or("row")?;
    ensure!(
        after.updated > before.updated,
        "updated moved: {} -> {}",
        before.updated,
        after.updated
    );
    ensure!(after.added == before.added, "added stays");
    let none = rows.update(SimpleRow::number().gt(1000), [SimpleRow::number().set(0)])?;
    ensure!(none == 0, "no match, no change");
    let err = rows.update(SimpleRow::number().gt(0), []).unwrap_err();
    ensure!(
        err.kind() == anytable::ErrorKind::InvalidInput,
        "empty update is invalid: {err}"
    );
    Ok(())
}

/// Delete by filter removes exactly the matching rows.
pub fn delete_by_filter(t: &TestDb) -> CaseResult {
    let rows = seed(t, 10)?;
    ensure!(rows.delete(SimpleRow::number().ge(7))? == 3, "3 deleted");
    ensure!(rows.count()? == 7, "7 left");
    ensure!(rows.delete_all()? == 7, "delete_all removes the rest");
    ensure!(rows.count()? == 0, "empty");
    Ok(())
}

/// Upsert: do nothing keeps the old row; update overwrites the named columns; both hand back ids.
pub fn upsert_do_nothing_and_update(t: &TestDb) -> CaseResult {
    let keyed = t.db.table::<Keyed>()?;
    let mut first = Keyed::new("k1", "g", 1, 10);
    let id = keyed.insert(&mut first)?;

    let mut clash = Keyed::new("k1", "g", 2, 20);
    let skipped = keyed.upsert(&mut clash, OnConflict::column(Keyed::key()).do_nothing())?;
    ensure!(skipped.is_none(), "do nothing writes nothing: {skipped:?}");
    ensure!(keyed.get(id)?.ok_or("row")?.value == 10, "value kept");

    let mut clash = Keyed::new("k1", "g", 1, 30);
    let written = keyed.upsert(
        &mut clash,
        OnConflict::column(Keyed::key()).update(Keyed::value()),
    )?;
    ensure!(
        written == Some(id),
        "update returns the existing id {id}: {written:?}"
    );
    ensure!(clash.id == id, "id handed back");
    ensure!(
        keyed.get(id)?.ok_or("row")?.value == 30,
        "value overwritten"
    );

    let mut fresh = Keyed::new("k2", "g", 2, 40);
    let inserted = keyed.upsert(&mut fresh, OnConflict::column(Keyed::key()).update_all())?;
    ensure!(
        inserted.is_some() && inserted != Some(id),
        "no conflict inserts: {inserted:?}"
    );

    let mut pair = Keyed::new("k3", "g", 2, 50);
    let by_pair = keyed.upsert(
        &mut pair,
        OnConflict::column(Keyed::group_name())
            .and(Keyed::rank())
            .update(Keyed::value()),
    )?;
    ensure!(
        by_pair == inserted,
        "multi-column target updates the (g, 2) row"
    );
    ensure!(keyed.count()? == 2, "two rows in the end");
    Ok(())
}

/// `iter` streams every row in order and can be dropped early; `for_each` visits every row.
pub fn streaming_iter_and_for_each(t: &TestDb) -> CaseResult {
    let rows = seed(t, 3000)?;
    let mut expected = 0;
    for row in rows.select().order_by(SimpleRow::number().asc()).iter()? {
        let row = row?;
        ensure!(
            row.number == expected,
            "row {expected} in order, got {}",
            row.number
        );
        expected += 1;
    }
    ensure!(expected == 3000, "all rows streamed: {expected}");
    let mut early = rows.select().iter()?;
    ensure!(early.next().is_some(), "first row");
    drop(early);
    // The dropped stream released its connection: the table is still fully usable.
    ensure!(rows.count()? == 3000, "usable after an early drop");
    let mut seen = 0;
    rows.filter(SimpleRow::process().eq("EV")).for_each(|r| {
        assert_eq!(r.number % 2, 0);
        seen += 1;
        Ok(())
    })?;
    ensure!(seen == 1500, "for_each saw {seen}");
    Ok(())
}

/// A read that stops early (a dropped `iter`, a `first`, a `get`, an insert's RETURNING) leaves
/// its connection fit for the next statement. With a pool of one connection every call reuses
/// the same one (DuckDB refuses any query on a connection whose streaming result is still
/// open, which only this shows).
pub fn early_stops_leave_the_connection_usable(t: &TestDb) -> CaseResult {
    let db = anytable::Database::open(&with_option(&t.url, "pool_size", "1"))?;
    let rows = db.table::<SimpleRow>()?;
    let start = rows.count()?;
    let batch: Vec<SimpleRow> = (0..1000).map(|i| SimpleRow::new("AB", i)).collect();
    rows.insert_many(&batch)?;
    for round in 0..3 {
        let mut stream = rows.select().iter()?;
        ensure!(
            stream.next().is_some(),
            "round {round}: a first streamed row"
        );
        drop(stream);
        let first = rows.select().first()?.ok_or("a first row")?;
        ensure!(
            rows.get(first.id)?.is_some(),
            "round {round}: get after first"
        );
        let mut added = SimpleRow::new("CD", 1000 + round);
        rows.insert(&mut added)?;
        let got = rows.get(added.id)?;
        ensure!(
            got.as_ref() == Some(&added),
            "round {round}: the new row reads back"
        );
        let total = rows.count()?;
        ensure!(
            total == start + 1001 + round as u64,
            "round {round}: {total} rows"
        );
    }
    Ok(())
}

/// `insert_many` of exactly one record (the cheapest write when the generated fields are not
/// needed: one statement, nothing handed back) stores it as `insert` would: stamped with the
/// call's time, checked first (a NUL character is refused, nothing written), atomic (a unique
/// violation writes nothing), and undone with the transaction it ran in.
pub fn insert_many_of_one_record(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    let before = anytable::chrono::Utc::now() - anytable::chrono::Duration::seconds(5);
    let one = SimpleRow::new("ONE", 7);
    ensure!(rows.insert_many([&one])? == 1, "one row inserted");
    ensure!(
        rows.insert_many(std::iter::once(&SimpleRow::new("ONE", 8)))? == 1,
        "one row from iter::once"
    );
    let stored = rows.select().order_by(SimpleRow::number().asc()).all()?;
    ensure!(stored.len() == 2, "two rows: {stored:?}");
    let first = &stored[0];
    ensure!(
        first.process == "ONE" && first.number == 7 && first.id > 0,
        "stored as given, with an id: {first:?}"
    );
    ensure!(
        first.added > before && first.updated == first.added,
        "stamped with the call's time: {first:?}"
    );
    ensure!(one.id == 0, "nothing handed back: {one:?}");

    let err = rows
        .insert_many([&SimpleRow::new("N\0L", 9)])
        .expect_err("a NUL character is refused");
    ensure!(
        err.kind() == anytable::ErrorKind::InvalidInput,
        "InvalidInput: {err}"
    );
    ensure!(rows.count()? == 2, "nothing written by the refused record");

    let keyed = t.db.table::<Keyed>()?;
    keyed.insert_many([&Keyed::new("k", "g", 1, 1)])?;
    let err = keyed
        .insert_many([&Keyed::new("k", "g", 2, 2)])
        .expect_err("a duplicate key fails");
    ensure!(
        err.kind() == anytable::ErrorKind::UniqueViolation,
        "UniqueViolation: {err}"
    );
    ensure!(keyed.count()? == 1, "the duplicate wrote nothing");

    let undone: Result<(), anytable::Error> = t.db.transaction(|tx| {
        tx.table::<SimpleRow>()?
            .insert_many([&SimpleRow::new("TX", 10)])?;
        Err(anytable::Error::invalid_input("roll back"))
    });
    ensure!(undone.is_err(), "the transaction failed as asked");
    ensure!(rows.count()? == 2, "the rolled-back row is gone");
    Ok(())
}

/// The iterator given to `insert_many` may itself read the database through another handle
/// (here: counting rows for each record it yields), on every backend. Where readers wait for an
/// open write transaction, such a read waits for the insert itself: it fails after the timeout
/// with a retryable error (the iterator then stops, and nothing is written).
pub fn insert_many_iterator_may_read_the_database(t: &TestDb) -> CaseResult {
    let waits = t.db.capabilities().readers_wait_for_writers;
    let db = if waits {
        anytable::Database::open(&with_option(&t.url, "timeout", "0.3"))?
    } else {
        t.db.clone()
    };
    let rows = db.table::<SimpleRow>()?;
    rows.insert(&mut SimpleRow::new("PRE", 0))?;
    let reader = rows.clone();
    let mut seen = Vec::new();
    let mut failed = None;
    let records: Vec<SimpleRow> = (0..300).map(|i| SimpleRow::new("IT", i)).collect();
    let result = rows.insert_many(records.iter().map_while(|record| match reader.count() {
        Ok(n) => {
            seen.push(n);
            Some(record)
        }
        Err(e) => {
            failed = Some(e);
            None
        }
    }));
    if waits {
        t.restricted(
            "readers wait for an open write transaction: the iterator's read waits for the insert \
             itself and fails after the timeout (asserted), and nothing is written",
        );
        let err = failed.ok_or("the read inside the iterator must fail")?;
        ensure!(err.is_retryable(), "a retryable error: {err}");
        ensure!(
            seen.is_empty() && result? == 0,
            "the iterator stopped at the failed read"
        );
        ensure!(rows.count()? == 1, "nothing but the first row");
        return Ok(());
    }
    if let Some(e) = failed {
        return Err(format!("the read inside the iterator failed: {e}").into());
    }
    ensure!(result? == 300, "every record inserted");
    ensure!(
        seen.len() == 300 && seen.iter().all(|n| *n == 1),
        "each read saw the committed state (1 row), not the open insert: {:?}",
        &seen[..seen.len().min(5)]
    );
    ensure!(rows.count()? == 301, "all rows committed");
    Ok(())
}

/// Every operation of the [`anytable::Table`] trait through `&dyn Table`, inside a
/// transaction and outside it: the trait answers as the handle's own methods do, so code
/// written against the trait runs on any backend.
pub fn table_trait_object(t: &TestDb) -> CaseResult {
    fn exercise(rows: &dyn Table<SimpleRow>, keyed: &dyn Table<Keyed>) -> CaseResult {
        let mut a = SimpleRow::new("TR", 1);
        let id = rows.insert(&mut a)?;
        ensure!(a.id == id && id > 0, "insert hands the id back: {a:?}");
        let batch: Vec<SimpleRow> = (2..=5).map(|i| SimpleRow::new("TR", i)).collect();
        ensure!(rows.insert_many(&batch)? == 4, "insert_many counts");
        ensure!(rows.get(id)?.as_ref() == Some(&a), "get");
        let query = || Query::new().filter(SimpleRow::process().eq("TR"));
        let desc: Vec<i64> = rows
            .find(
                query()
                    .order_by(SimpleRow::number().desc())
                    .limit(3)
                    .offset(1),
            )?
            .iter()
            .map(|r| r.number)
            .collect();
        ensure!(
            desc == [4, 3, 2],
            "find with order, limit, offset: {desc:?}"
        );
        let first = rows.find_first(query().order_by(SimpleRow::number().desc()))?;
        ensure!(first.map(|r| r.number) == Some(5), "find_first");
        let mut seen = Vec::new();
        rows.for_each_while(query().order_by(SimpleRow::number().asc()), &mut |r| {
            seen.push(r.number);
            Ok(seen.len() < 2)
        })?;
        ensure!(seen == [1, 2], "for_each_while stops when asked: {seen:?}");
        ensure!(rows.count()? == 5, "count");
        ensure!(
            rows.count_matching(SimpleRow::number().gt(3))? == 2,
            "count_matching"
        );
        ensure!(rows.head(1)?[0].id == id, "head in id order");
        ensure!(
            rows.update(
                SimpleRow::number().le(2),
                vec![SimpleRow::note().set(Some("low".to_owned()))]
            )? == 2,
            "update"
        );
        ensure!(rows.delete(SimpleRow::number().eq(5))? == 1, "delete");
        let mut k = Keyed::new("trait", "g", 1, 1);
        let kid = keyed.upsert(&mut k, OnConflict::column(Keyed::key()))?;
        ensure!(kid == Some(k.id), "upsert inserts");
        let mut again = Keyed::new("trait", "g", 1, 2);
        let skipped = keyed.upsert(&mut again, OnConflict::column(Keyed::key()))?;
        ensure!(skipped.is_none(), "upsert does nothing on conflict");
        ensure!(rows.delete_all()? == 4, "delete_all");
        ensure!(keyed.name() == "keyed", "name: {}", keyed.name());
        Ok(())
    }
    let (rows, keyed) = (t.db.table::<SimpleRow>()?, t.db.table::<Keyed>()?);
    exercise(&rows, &keyed)?;
    let boxed: Vec<Box<dyn Table<Keyed> + Send + Sync>> = vec![Box::new(keyed.clone())];
    ensure!(boxed[0].count()? == 1, "a boxed handle is Send + Sync");
    keyed.delete_all()?;
    t.db.transaction(|tx| {
        let (rows, keyed) = (tx.table::<SimpleRow>()?, tx.table::<Keyed>()?);
        exercise(&rows, &keyed).map_err(|e| anytable::Error::invalid_input(e.to_string()))
    })?;
    ensure!(rows.count()? == 0, "the transaction's work is committed");
    ensure!(keyed.count()? == 1, "the upserted row is committed");
    Ok(())
}
