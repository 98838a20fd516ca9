//! Same code, same answer: the edges where engines disagree on their own (case in LIKE, text
//! collation, where NULLs sort, the database's clock, huge IN lists), each given one meaning by
//! anytable and asserted identically on every backend.

use std::time::Duration;

use anytable::chrono::{DateTime, Utc};
use anytable::ErrorKind;

use crate::cases::errors::expect_kind;
use crate::records::{SimpleRow, Word};
use crate::{ensure, CaseResult, TestDb};

fn words(
    t: &TestDb,
    texts: &[&str],
) -> Result<anytable::TableHandle<'static, Word>, anytable::Error> {
    let table = t.db.table::<Word>()?;
    let batch: Vec<Word> = texts.iter().map(|w| Word::new(w, None)).collect();
    table.insert_many(&batch)?;
    Ok(table)
}

fn texts(found: Vec<Word>) -> Vec<String> {
    found.into_iter().map(|w| w.text).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// `like` is case-sensitive on every backend (SQLite's own LIKE is not), `_` is one character
/// (not one byte), and a backslash escapes `%`, `_` and itself (only PostgreSQL's LIKE does so
/// on its own); a pattern ending in a lone backslash is `InvalidInput`.
pub fn like_is_case_sensitive_with_one_escape(t: &TestDb) -> CaseResult {
    let table = words(
        t,
        &[
            "apple", "Apple", "APPLE", "a_c", "abc", "a%c", "a\\c", "äpfel", "ÄPFEL", "é",
        ],
    )?;
    let like = |pattern: &str| -> Result<Vec<String>, anytable::Error> {
        Ok(sorted(texts(
            table.filter(Word::text().like(pattern)).all()?,
        )))
    };
    let expect = |pattern: &str, want: &[&str]| -> CaseResult {
        let got = like(pattern)?;
        let want = sorted(want.iter().map(|s| s.to_string()).collect());
        ensure!(got == want, "like({pattern:?}): got {got:?}, want {want:?}");
        Ok(())
    };
    expect("apple", &["apple"])?;
    expect("%PPLE", &["APPLE"])?;
    expect("A%", &["Apple", "APPLE"])?;
    expect("a_c", &["a_c", "abc", "a%c", "a\\c"])?;
    expect("a\\_c", &["a_c"])?;
    expect("a\\%c", &["a%c"])?;
    expect("a\\\\c", &["a\\c"])?;
    expect("_", &["é"])?;
    expect("äp%", &["äpfel"])?;
    expect(
        "%",
        &[
            "apple", "Apple", "APPLE", "a_c", "abc", "a%c", "a\\c", "äpfel", "ÄPFEL", "é",
        ],
    )?;
    let err = expect_kind(
        table.filter(Word::text().like("abc\\")).all(),
        ErrorKind::InvalidInput,
    )?;
    ensure!(
        err.message().contains("escape"),
        "says the pattern ends in the escape character: {err}"
    );
    Ok(())
}

/// `ilike` ignores case in every script, the same way on every backend (Unicode lowercase on
/// both sides; SQLite's own LIKE folds ASCII only), with `like`'s wildcards and escape.
pub fn ilike_ignores_case_in_every_script(t: &TestDb) -> CaseResult {
    let table = words(
        t,
        &[
            "apple",
            "Apple",
            "APPLE",
            "äpfel",
            "ÄPFEL",
            "Привет",
            "ПРИВЕТ",
            "ΑΒΓ",
            "a_c",
            "A%C",
            "abc",
        ],
    )?;
    if !t.db.capabilities().case_insensitive_like {
        t.restricted(
            "no Unicode lowercasing (case_insensitive_like): ilike is Unsupported (asserted)",
        );
        expect_kind(
            table.filter(Word::text().ilike("apple")).count(),
            ErrorKind::Unsupported,
        )?;
        return Ok(());
    }
    let expect = |pattern: &str, want: &[&str]| -> CaseResult {
        let got = sorted(texts(table.filter(Word::text().ilike(pattern)).all()?));
        let want = sorted(want.iter().map(|s| s.to_string()).collect());
        ensure!(
            got == want,
            "ilike({pattern:?}): got {got:?}, want {want:?}"
        );
        Ok(())
    };
    expect("apple", &["apple", "Apple", "APPLE"])?;
    expect("_PPLE", &["apple", "Apple", "APPLE"])?;
    expect("ÄPF%", &["äpfel", "ÄPFEL"])?;
    expect("äpfel", &["äpfel", "ÄPFEL"])?;
    expect("привет", &["Привет", "ПРИВЕТ"])?;
    expect("αβγ", &["ΑΒΓ"])?;
    expect("a\\_c", &["a_c"])?;
    expect("a\\%c", &["A%C"])?;
    expect("A_C", &["a_c", "A%C", "abc"])?;
    expect_kind(
        table.filter(Word::text().ilike("x\\")).count(),
        ErrorKind::InvalidInput,
    )?;
    Ok(())
}

/// Text sorts and compares by Unicode code point (UTF-8 byte order) on every backend, whatever
/// the server's locale: `"B" < "a"`, `"Z" < "a"`, accented letters after ASCII.
pub fn text_sorts_and_compares_by_code_point(t: &TestDb) -> CaseResult {
    let all = [
        "b", "a", "B", "A", "", "z", "Z", "ä", "é", "😀", "a b", "ab", "Ab", "ß", "Ä",
    ];
    let table = words(t, &all)?;
    let code_point_order = sorted(all.iter().map(|s| s.to_string()).collect());
    let asc = texts(table.select().order_by(Word::text().asc()).all()?);
    ensure!(
        asc == code_point_order,
        "ascending: got {asc:?}, want {code_point_order:?}"
    );
    let desc = texts(table.select().order_by(Word::text().desc()).all()?);
    let mut reversed = code_point_order.clone();
    reversed.reverse();
    ensure!(desc == reversed, "descending: got {desc:?}");
    let below = |v: &str| code_point_order.iter().filter(|w| w.as_str() < v).count() as u64;
    for probe in ["a", "B", "Z", "ä", "ab", "b"] {
        let lt = table.filter(Word::text().lt(probe)).count()?;
        ensure!(
            lt == below(probe),
            "lt({probe:?}): {lt}, want {}",
            below(probe)
        );
        let ge = table.filter(Word::text().ge(probe)).count()?;
        ensure!(ge == all.len() as u64 - below(probe), "ge({probe:?}): {ge}");
    }
    let first = table
        .filter(Word::text().gt("Z"))
        .order_by(Word::text().asc())
        .first()?;
    ensure!(
        first.map(|w| w.text).as_deref() == Some("a"),
        "first after \"Z\" is \"a\""
    );
    Ok(())
}

/// NULLs sort after every value in ascending order and before them in descending order, on every
/// backend (SQLite puts them first, DuckDB last in both directions, on their own);
/// `nulls_first()` and `nulls_last()` choose otherwise, the same everywhere.
pub fn nulls_sort_last_ascending_and_first_descending(t: &TestDb) -> CaseResult {
    let table = t.db.table::<Word>()?;
    let batch: Vec<Word> = [Some(2), None, Some(1), None, Some(3)]
        .iter()
        .enumerate()
        .map(|(i, rank)| Word::new(&format!("w{i}"), *rank))
        .collect();
    table.insert_many(&batch)?;
    let ranks =
        |select: anytable::Select<'static, Word>| -> Result<Vec<Option<i64>>, anytable::Error> {
            Ok(select.all()?.into_iter().map(|w| w.rank).collect())
        };
    let asc = ranks(table.select().order_by(Word::rank().asc()))?;
    ensure!(
        asc == vec![Some(1), Some(2), Some(3), None, None],
        "ascending: {asc:?}"
    );
    let desc = ranks(table.select().order_by(Word::rank().desc()))?;
    ensure!(
        desc == vec![None, None, Some(3), Some(2), Some(1)],
        "descending: {desc:?}"
    );
    let two_keys = table
        .select()
        .order_by(Word::rank().asc())
        .order_by(Word::text().desc())
        .all()?;
    let got: Vec<&str> = two_keys.iter().map(|w| w.text.as_str()).collect();
    ensure!(
        got == vec!["w2", "w0", "w4", "w3", "w1"],
        "NULLs last, then by text descending: {got:?}"
    );
    let first = table.select().order_by(Word::rank().asc()).first()?;
    ensure!(
        first.and_then(|w| w.rank) == Some(1),
        "first in ascending order is the smallest value, not a NULL"
    );
    let asc_first = ranks(table.select().order_by(Word::rank().asc().nulls_first()))?;
    ensure!(
        asc_first == vec![None, None, Some(1), Some(2), Some(3)],
        "ascending, nulls_first: {asc_first:?}"
    );
    let desc_last = ranks(table.select().order_by(Word::rank().desc().nulls_last()))?;
    ensure!(
        desc_last == vec![Some(3), Some(2), Some(1), None, None],
        "descending, nulls_last: {desc_last:?}"
    );
    Ok(())
}

/// `added`/`updated` are written with microsecond precision on every backend and mean the time
/// of the statement that wrote the row (not of its transaction): two inserts in one transaction
/// get two times, and every row of one `insert_many` call gets the same one.
pub fn database_timestamps_are_per_statement_microseconds(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    let slack = anytable::chrono::Duration::seconds(5);
    let before = Utc::now();
    let mut singles = Vec::new();
    for i in 0..20 {
        let mut row = SimpleRow::new("TS", i);
        rows.insert(&mut row)?;
        singles.push(row);
    }
    let after = Utc::now();
    ensure!(
        singles
            .iter()
            .all(|r| r.added > before - slack && r.added < after + slack),
        "added is the time of the insert: {:?} .. {:?}",
        singles.first().map(|r| r.added),
        singles.last().map(|r| r.added)
    );
    ensure!(
        singles
            .iter()
            .any(|r| r.added.timestamp_subsec_micros() % 1000 != 0),
        "microsecond precision: all 20 inserts fell on whole milliseconds: {:?}",
        singles.iter().map(|r| r.added).collect::<Vec<_>>()
    );
    for r in &singles {
        let stored = rows.get(r.id)?.ok_or("row")?;
        ensure!(
            stored.added == r.added && stored.updated == r.updated && r.added == r.updated,
            "the handed-back times are the stored ones: {stored:?} vs {r:?}"
        );
    }
    ensure!(
        singles.windows(2).all(|w| w[0].added <= w[1].added),
        "later statements never get earlier times"
    );
    let (a, b) = t.db.transaction(|tx| {
        let rows = tx.table::<SimpleRow>()?;
        let mut a = SimpleRow::new("TX", 1);
        rows.insert(&mut a)?;
        std::thread::sleep(Duration::from_millis(30));
        let mut b = SimpleRow::new("TX", 2);
        rows.insert(&mut b)?;
        Ok((a, b))
    })?;
    ensure!(
        b.added - a.added >= anytable::chrono::Duration::milliseconds(25),
        "each statement of a transaction gets its own time: {} then {}",
        a.added,
        b.added
    );
    std::thread::sleep(Duration::from_millis(30));
    rows.update(SimpleRow::id().eq(a.id), [SimpleRow::number().set(10)])?;
    let updated = rows.get(a.id)?.ok_or("row")?;
    ensure!(
        updated.added == a.added
            && updated.updated - a.added >= anytable::chrono::Duration::milliseconds(25),
        "update moves updated, not added: {updated:?}"
    );
    let batch: Vec<SimpleRow> = (0..50).map(|i| SimpleRow::new("BULK", i)).collect();
    rows.insert_many(&batch)?;
    let bulk = rows.filter(SimpleRow::process().eq("BULK")).all()?;
    let times: std::collections::BTreeSet<DateTime<Utc>> = bulk.iter().map(|r| r.added).collect();
    ensure!(
        bulk.len() == 50 && times.len() == 1,
        "every row of one insert_many gets the same time: {} rows, {} times",
        bulk.len(),
        times.len()
    );
    Ok(())
}

/// `is_in` with 100,000 values works on every backend (SQLite refuses over 32,766 parameters
/// and PostgreSQL over 65,535 on their own), in selects, counts, updates and deletes, negated too.
pub fn huge_in_lists_work(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    let mut batch: Vec<SimpleRow> = (0..10).map(|i| SimpleRow::new("IN", i * 7)).collect();
    batch.push(SimpleRow::new("OUT", 1_000_000));
    rows.insert_many(&batch)?;
    let numbers: Vec<i64> = (0..100_000).collect();
    let n = SimpleRow::number;
    ensure!(
        rows.filter(n().is_in(numbers.clone())).count()? == 10,
        "count with 100,000 values"
    );
    let found = rows
        .filter(n().is_in(numbers.clone()))
        .order_by(n().desc())
        .limit(3)
        .all()?;
    let got: Vec<i64> = found.iter().map(|r| r.number).collect();
    ensure!(
        got == vec![63, 56, 49],
        "select with 100,000 values: {got:?}"
    );
    let outside = rows.filter(!n().is_in(numbers.clone())).all()?;
    ensure!(
        outside.len() == 1 && outside[0].number == 1_000_000,
        "negated: {outside:?}"
    );
    let names: Vec<String> = (0..100_000)
        .map(|i| format!("P{i}"))
        .chain(["IN".to_owned()])
        .collect();
    ensure!(
        rows.filter(SimpleRow::process().is_in(names)).count()? == 10,
        "text values"
    );
    let either = rows
        .filter(n().is_in(numbers.clone()) | n().eq(1_000_000))
        .count()?;
    ensure!(either == 11, "inside an OR: {either}");
    ensure!(
        rows.update(n().is_in(numbers.clone()), [SimpleRow::note().set("big")])? == 10,
        "update"
    );
    ensure!(rows.delete(n().is_in(numbers))? == 10, "delete");
    ensure!(rows.count()? == 1, "only the row outside the list is left");
    Ok(())
}
