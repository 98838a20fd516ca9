//! Schema evolution: `migrate` adds what a new version of a record declares (nullable and
//! defaulted columns, indexes, unique constraints) without losing a row, shows its plan first,
//! refuses every lossy difference with the SQL a person would run, and survives concurrent
//! migrations of the same table.

use anytable::{Change, ErrorKind, Record};

use crate::cases::errors::expect_kind;
use crate::cases::processes;
use crate::records::{
    JournalLossy, JournalUniqueTitle, JournalV1, JournalV2, JournalV3, LegacyRow, NaiveRow,
    PairsV1, PairsV2, PhaseV1, PhaseV2, PhasedShrunk, PhasedV1, PhasedV2, SimpleRow, StrictRow,
    StrictRowLess,
};
use crate::{ensure, CaseResult, TestDb};

fn v1(title: &str) -> JournalV1 {
    JournalV1 {
        id: 0,
        title: title.into(),
    }
}

/// A version-1 table with two rows.
fn journal_v1(t: &TestDb) -> Result<(), anytable::Error> {
    let journal = t.db.table::<JournalV1>()?;
    journal.insert(&mut v1("first"))?;
    journal.insert(&mut v1("second"))?;
    Ok(())
}

/// Version 1 to version 2: `table()` refuses the old table and names `migrate`; the dry run
/// lists every change and changes nothing; `migrate` applies exactly that plan; old rows read
/// NULL and the default; the new index and unique constraint exist and hold; version 1's
/// handle still works; a second `migrate` has nothing to do.
pub fn additive_columns_and_indexes(t: &TestDb) -> CaseResult {
    journal_v1(t)?;
    let err = expect_kind(
        t.db.table::<JournalV2>().map(drop),
        ErrorKind::SchemaMismatch,
    )?;
    ensure!(
        err.message().contains("migrate"),
        "the mismatch names migrate: {err}"
    );

    let dry = t.db.migration_plan::<JournalV2>()?;
    let changes: Vec<Change> = dry.changes.iter().map(|c| c.change.clone()).collect();
    let want = vec![
        Change::AddColumn("body".into()),
        Change::AddColumn("stars".into()),
        Change::AddColumn("mood".into()),
        Change::AddColumn("slug".into()),
        Change::AddColumn("doc".into()),
        Change::AddUnique(vec!["slug".into()]),
        Change::AddIndex(vec!["mood".into()]),
    ];
    ensure!(changes == want, "the plan: {changes:?}");
    ensure!(dry.refused.is_empty(), "nothing refused: {:?}", dry.refused);
    ensure!(
        dry.changes
            .iter()
            .all(|c| !c.sql.is_empty() && !c.description.is_empty()),
        "every change has its SQL and a description: {dry:?}"
    );
    expect_kind(
        t.db.table::<JournalV2>().map(drop),
        ErrorKind::SchemaMismatch,
    )?;

    let applied = t.db.migrate::<JournalV2>()?;
    ensure!(
        applied == dry,
        "migrate applies the plan it showed: {applied:?}"
    );
    let journal = t.db.table::<JournalV2>()?;
    let old = journal.select().order_by(JournalV2::id().asc()).all()?;
    ensure!(
        old.len() == 2
            && old
                .iter()
                .all(|r| r.body.is_none() && r.stars == 3 && r.slug.is_none())
            && old[0].title == "first",
        "old rows read NULL and the default: {old:?}"
    );
    let mut new = JournalV2 {
        id: 0,
        title: "third".into(),
        body: Some("text".into()),
        stars: 5,
        mood: Some("calm".into()),
        slug: Some("third".into()),
        doc: Some(anytable::serde_json::json!({"tags": ["a"]})),
    };
    journal.insert(&mut new)?;
    ensure!(
        journal.get(new.id)?.as_ref() == Some(&new),
        "a new row reads back"
    );
    let mut dup = new.clone();
    dup.title = "dup".into();
    expect_kind(journal.insert(&mut dup), ErrorKind::UniqueViolation)?;
    t.db.table::<JournalV1>()?.insert(&mut v1("from v1"))?;
    let from_v1 = journal
        .filter(JournalV2::title().eq("from v1"))
        .first()?
        .ok_or("v1's insert is there")?;
    ensure!(
        from_v1.stars == 3,
        "a row written by version 1 reads the default"
    );
    let again = t.db.migrate::<JournalV2>()?;
    ensure!(again.is_empty(), "nothing left to do: {again:?}");

    // Version 3 adds a column to a table that now has an index and a unique constraint.
    let v3 = t.db.migrate::<JournalV3>()?;
    ensure!(
        v3.changes.iter().map(|c| &c.change).collect::<Vec<_>>()
            == [&Change::AddColumn("archived".into())],
        "version 3's plan: {v3:?}"
    );
    let journal = t.db.table::<JournalV3>()?;
    ensure!(
        journal.count()? == 4,
        "every row kept: {}",
        journal.count()?
    );
    let mut dup = JournalV3 {
        id: 0,
        title: "dup again".into(),
        body: None,
        stars: 1,
        mood: None,
        slug: Some("third".into()),
        doc: None,
        archived: Some(true),
    };
    expect_kind(journal.insert(&mut dup), ErrorKind::UniqueViolation)?;
    ensure!(
        journal.filter(JournalV3::mood().eq("calm")).count()? == 1,
        "the index still answers"
    );
    Ok(())
}

/// A record that only lossy changes could reach: `migrate` refuses before changing anything
/// and lists every difference (a removed column, a changed type, a NOT NULL column without a
/// default) with the SQL a person would run.
pub fn lossy_changes_are_refused_with_their_sql(t: &TestDb) -> CaseResult {
    journal_v1(t)?;
    t.db.migrate::<JournalV2>()?;
    let plan = t.db.migration_plan::<JournalLossy>()?;
    ensure!(
        plan.refused.len() >= 3,
        "every lossy difference: {:?}",
        plan.refused
    );
    let err = expect_kind(t.db.migrate::<JournalLossy>(), ErrorKind::SchemaMismatch)?;
    let message = err.message();
    for needle in [
        "\"title\"",
        "\"stars\"",
        "\"must\"",
        "DROP COLUMN",
        "by hand",
    ] {
        ensure!(
            message.contains(needle),
            "the refusal names {needle}: {message}"
        );
    }
    let journal = t.db.table::<JournalV2>()?;
    ensure!(journal.count()? == 2, "nothing was changed");
    Ok(())
}

/// A unique constraint the data does not allow is refused with the number of duplicate keys;
/// once the duplicates are gone it is added.
pub fn unique_constraints_need_unique_data(t: &TestDb) -> CaseResult {
    journal_v1(t)?;
    let journal = t.db.table::<JournalV1>()?;
    let extra = [
        journal.insert(&mut v1("first"))?,
        journal.insert(&mut v1("second"))?,
    ];
    let err = expect_kind(
        t.db.migrate::<JournalUniqueTitle>(),
        ErrorKind::SchemaMismatch,
    )?;
    ensure!(
        err.message().contains("2 keys occur in more than one row"),
        "the refusal counts the duplicate keys: {err}"
    );
    journal.delete(JournalV1::id().is_in(extra))?;
    let plan = t.db.migrate::<JournalUniqueTitle>()?;
    ensure!(
        plan.changes.iter().map(|c| &c.change).collect::<Vec<_>>()
            == [&Change::AddUnique(vec!["title".into()])],
        "the unique constraint is added: {plan:?}"
    );
    let unique = t.db.table::<JournalUniqueTitle>()?;
    expect_kind(
        unique.insert(&mut JournalUniqueTitle {
            id: 0,
            title: "first".into(),
        }),
        ErrorKind::UniqueViolation,
    )?;
    Ok(())
}

/// Four threads migrate the same table at once: each call succeeds, and the table ends up
/// matching version 2 with every row kept.
pub fn concurrent_migrations_all_succeed(t: &TestDb) -> CaseResult {
    journal_v1(t)?;
    let results: Vec<anytable::Result<usize>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| t.db.migrate::<JournalV2>().map(|p| p.changes.len())))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    });
    let mut applied = 0;
    for result in results {
        applied += result.map_err(|e| format!("a concurrent migrate failed: {e}"))?;
    }
    ensure!(
        applied >= 7,
        "the changes were applied (by one or several): {applied}"
    );
    let journal = t.db.table::<JournalV2>()?;
    ensure!(journal.count()? == 2, "every row kept");
    ensure!(
        t.db.migration_plan::<JournalV2>()?.is_empty(),
        "nothing left"
    );
    Ok(())
}

/// Three processes migrate the same table at once: each succeeds and the table ends up at
/// version 2 with every row kept. Without `multi_process_writers`, the second process is
/// refused with `Locked`, as for every multi-process case.
pub fn processes_migrate_at_once(t: &TestDb) -> CaseResult {
    let caps = t.db.capabilities();
    if !caps.persistent {
        t.restricted(processes::IN_MEMORY);
        return Ok(());
    }
    journal_v1(t)?;
    if !caps.multi_process_writers {
        return processes::second_process_is_refused(t);
    }
    let children = (0..3)
        .map(|_| processes::spawn_worker(&format!("migrate|{}", t.url)))
        .collect::<std::io::Result<Vec<_>>>()?;
    processes::wait_for_workers(children)?;
    ensure!(t.db.migration_plan::<JournalV2>()?.is_empty(), "migrated");
    ensure!(t.db.table::<JournalV2>()?.count()? == 2, "every row kept");
    Ok(())
}

/// A table copied from an SQLite database into this one, back, and on to DuckDB (where it is
/// compiled in) keeps every row exactly (ids, `added` and `updated` included, gaps in the ids
/// too); new inserts continue after the largest copied id; a copy onto rows with the same ids
/// fails as a whole.
pub fn copy_between_backends_keeps_ids(t: &TestDb) -> CaseResult {
    let source = anytable::Database::open("sqlite::memory:")?;
    let rows = source.table::<SimpleRow>()?;
    let batch: Vec<SimpleRow> = (0..50).map(|i| SimpleRow::new("copy", i)).collect();
    rows.insert_many(&batch)?;
    rows.delete(SimpleRow::number().is_in([10, 49]))?;
    rows.update(
        SimpleRow::number().eq(3),
        [SimpleRow::note().set("changed")],
    )?;
    let original = rows.select().order_by(SimpleRow::id().asc()).all()?;

    let copied = t.db.copy_from::<SimpleRow>(&source)?;
    ensure!(copied == 48, "48 rows copied: {copied}");
    let here = t.db.table::<SimpleRow>()?;
    let read = here.select().order_by(SimpleRow::id().asc()).all()?;
    ensure!(
        read == original,
        "the copy is exact, ids and timestamps included"
    );
    let mut new = SimpleRow::new("after", 1);
    let id = here.insert(&mut new)?;
    let largest = original.iter().map(|r| r.id).max().unwrap_or(0);
    ensure!(
        id > largest,
        "a new id ({id}) continues after the copied ones ({largest})"
    );

    let back = anytable::Database::open("sqlite::memory:")?;
    ensure!(back.copy_from::<SimpleRow>(&t.db)? == 49, "copied back");
    let round_trip = back
        .table::<SimpleRow>()?
        .select()
        .order_by(SimpleRow::id().asc())
        .all()?;
    ensure!(
        round_trip == here.select().order_by(SimpleRow::id().asc()).all()?,
        "the copy back is exact"
    );
    expect_kind(
        t.db.copy_from::<SimpleRow>(&source),
        ErrorKind::UniqueViolation,
    )?;
    ensure!(here.count()? == 49, "a failed copy copies nothing");
    // On through DuckDB where it is compiled in: SQLite -> this backend -> DuckDB.
    #[cfg(feature = "duckdb")]
    {
        let duck = anytable::Database::open("duckdb::memory:")?;
        ensure!(
            duck.copy_from::<SimpleRow>(&t.db)? == 49,
            "copied on to DuckDB"
        );
        let ducks = duck.table::<SimpleRow>()?;
        ensure!(
            ducks.select().order_by(SimpleRow::id().asc()).all()?
                == here.select().order_by(SimpleRow::id().asc()).all()?,
            "the copy to DuckDB is exact"
        );
        let next = ducks.insert(&mut SimpleRow::new("duck", 1))?;
        ensure!(
            next > id,
            "DuckDB's ids continue after the copied ones: {next} after {id}"
        );
    }
    Ok(())
}

/// An older record adopts a newer table: `table()` refuses the columns it does not name,
/// `adopt()` accepts them when each is nullable or has a default, reads the rows, and its
/// inserts leave the database to fill NULL and the defaults; a hand-made table's narrower
/// integer column backs an `i64` field; a column that is NOT NULL without a default is refused
/// even then.
pub fn adopt_a_table_with_extra_columns(t: &TestDb) -> CaseResult {
    // Made by version 2 (the old record was never opened here: a `Database` remembers the
    // tables it verified).
    let newer = t.db.table::<JournalV2>()?;
    for title in ["first", "second"] {
        newer.insert(&mut JournalV2 {
            id: 0,
            title: title.into(),
            body: Some("b".into()),
            stars: 5,
            mood: None,
            slug: Some(title.into()),
            doc: None,
        })?;
    }
    let err = expect_kind(
        t.db.table::<JournalV1>().map(drop),
        ErrorKind::SchemaMismatch,
    )?;
    ensure!(
        err.message().contains("\"stars\""),
        "the extra columns are named: {err}"
    );
    let old = t.db.adopt::<JournalV1>()?;
    ensure!(old.count()? == 2, "the adopted table reads");
    old.insert(&mut v1("by an old binary"))?;
    let row =
        t.db.table::<JournalV2>()?
            .filter(JournalV2::title().eq("by an old binary"))
            .first()?
            .ok_or("the old binary's row")?;
    ensure!(
        row.stars == 3 && row.body.is_none() && row.slug.is_none(),
        "the database filled the default and NULLs: {row:?}"
    );

    // A table made by another program, with a 32-bit INTEGER column (SQLite's INTEGER holds
    // 64 bits): adopted by an i64 field, values read back exactly, and a value that does not
    // fit the column is a TypeMismatch, never a changed value.
    t.db.execute(
        r#"CREATE TABLE "legacy_rows" ("n" INTEGER NOT NULL, "label" TEXT, "extra" TEXT)"#,
        &[],
    )?;
    let legacy = t.db.adopt::<LegacyRow>()?;
    let mut row = LegacyRow {
        n: -2_147_483_648,
        label: Some("min".into()),
    };
    legacy.insert(&mut row)?;
    legacy.insert_many(&[LegacyRow {
        n: 2_147_483_647,
        label: None,
    }])?;
    let sum = legacy.select().sum(LegacyRow::n())?;
    ensure!(sum == Some(-1), "adopted integers read back: {sum:?}");
    let huge = legacy.insert(&mut LegacyRow {
        n: i64::MAX,
        label: None,
    });
    match huge {
        Ok(()) => {
            let max = legacy.select().max(LegacyRow::n())?;
            ensure!(
                max == Some(i64::MAX),
                "a 64-bit INTEGER keeps the value: {max:?}"
            );
        }
        Err(e) => ensure!(
            e.kind() == ErrorKind::TypeMismatch,
            "a value too big for the column is a TypeMismatch: {e}"
        ),
    }

    // A hand-made `timestamp without time zone` column backs a DateTime<Utc> field only when
    // the caller says its values are UTC; SQLite has no timestamp type, so there it is refused.
    t.db.execute(
        r#"CREATE TABLE "naive_rows" ("at" TIMESTAMP NOT NULL, "label" TEXT NOT NULL)"#,
        &[],
    )?;
    t.db.execute(
        r#"INSERT INTO "naive_rows" ("at", "label") VALUES ('2026-01-02 03:04:05', 'raw')"#,
        &[],
    )?;
    expect_kind(
        t.db.adopt::<NaiveRow>().map(drop),
        ErrorKind::SchemaMismatch,
    )?;
    if t.db.dialect().is_naive_timestamp("TIMESTAMP") {
        let naive = t.db.adopt_naive_timestamps_as_utc::<NaiveRow>()?;
        let raw = naive
            .filter(NaiveRow::label().eq("raw"))
            .first()?
            .ok_or("the hand-written row")?;
        let want = anytable::chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")?;
        ensure!(raw.at == want, "a naive timestamp reads as UTC: {}", raw.at);
        let mut row = NaiveRow {
            at: anytable::chrono::DateTime::parse_from_rfc3339("1999-12-31T23:59:59.123456Z")?
                .to_utc(),
            label: "ours".into(),
        };
        naive.insert(&mut row)?;
        let back = naive.filter(NaiveRow::label().eq("ours")).first()?;
        ensure!(
            back.as_ref() == Some(&row),
            "UTC is written and read back: {back:?}"
        );
    } else {
        expect_kind(
            t.db.adopt_naive_timestamps_as_utc::<NaiveRow>().map(drop),
            ErrorKind::SchemaMismatch,
        )?;
    }

    t.db.table::<StrictRow>()?;
    let err = expect_kind(
        t.db.adopt::<StrictRowLess>().map(drop),
        ErrorKind::SchemaMismatch,
    )?;
    ensure!(
        err.message().contains("\"must\"") && err.message().contains("without a default"),
        "a NOT NULL column without a default is refused: {err}"
    );
    Ok(())
}

/// Inside a transaction the migration commits or rolls back with it where DDL is
/// transactional; a rolled-back migration leaves version 1.
pub fn migrate_inside_a_transaction(t: &TestDb) -> CaseResult {
    journal_v1(t)?;
    let rolled_back: anytable::Result<()> = t.db.transaction(|tx| {
        let plan = tx.migrate::<JournalV2>()?;
        if plan.changes.len() != 7 {
            return Err(anytable::Error::invalid_input(format!("plan: {plan:?}")));
        }
        let journal = tx.table::<JournalV2>()?;
        journal.insert(&mut JournalV2 {
            id: 0,
            title: "in tx".into(),
            body: None,
            stars: 1,
            mood: None,
            slug: None,
            doc: None,
        })?;
        Err(anytable::Error::invalid_input("roll back on purpose"))
    });
    expect_kind(rolled_back, ErrorKind::InvalidInput)?;
    if t.db.capabilities().transactional_ddl {
        ensure!(
            t.db.migration_plan::<JournalV2>()?.changes.len() == 7,
            "the rolled-back migration left version 1"
        );
    }
    let plan = t.db.transaction(|tx| tx.migrate::<JournalV2>())?;
    ensure!(
        plan.changes.len() == 7 || !t.db.capabilities().transactional_ddl,
        "committed: {plan:?}"
    );
    ensure!(
        t.db.table::<JournalV2>()?.count()? == 2,
        "version 2, old rows kept"
    );
    Ok(())
}

/// An enum field's variants are part of the table: a record whose enum gained a variant does
/// not open the old table (every insert of the new variant would fail its CHECK), and
/// `migrate` widens the CHECK where the engine can (`Capabilities::alters_checks`), else
/// refuses with the rebuild a person would run. A variant the record lost is never dropped
/// from the table by `migrate`: rows may hold it.
pub fn enum_variants_are_compared_and_widened(t: &TestDb) -> CaseResult {
    let v1 = t.db.table::<PhasedV1>()?;
    v1.insert(&mut PhasedV1 {
        id: 0,
        phase: PhaseV1::Live,
    })?;
    let err = expect_kind(
        t.db.table::<PhasedV2>().map(drop),
        ErrorKind::SchemaMismatch,
    )?;
    let message = err.message();
    ensure!(
        message.contains("\"phase\"") && message.contains("retired 'old' ✓"),
        "the difference names the column and the new variant: {message}"
    );
    let shrunk = expect_kind(
        t.db.table::<PhasedShrunk>().map(drop),
        ErrorKind::SchemaMismatch,
    )?;
    ensure!(
        shrunk.message().contains("\"Live\""),
        "a lost variant is a difference too: {shrunk}"
    );
    let refused = expect_kind(t.db.migrate::<PhasedShrunk>(), ErrorKind::SchemaMismatch)?;
    ensure!(
        refused.message().contains("\"Live\"") && refused.message().contains("rows may hold"),
        "a lost variant is refused: {refused}"
    );
    if t.db.capabilities().alters_checks {
        let plan = t.db.migration_plan::<PhasedV2>()?;
        ensure!(
            plan.refused.is_empty()
                && plan
                    .changes
                    .iter()
                    .map(|c| &c.change)
                    .eq([&Change::WidenCheck("phase".to_owned())]),
            "one change, widening the CHECK: {plan:?}"
        );
        t.db.migrate::<PhasedV2>()?;
        let v2 = t.db.table::<PhasedV2>()?;
        v2.insert(&mut PhasedV2 {
            id: 0,
            phase: PhaseV2::Retired,
        })?;
        let phases: Vec<PhaseV2> = v2
            .select()
            .order_by(PhasedV2::id().asc())
            .all()?
            .into_iter()
            .map(|r| r.phase)
            .collect();
        ensure!(
            phases == [PhaseV2::Live, PhaseV2::Retired],
            "old rows kept, the new variant stored: {phases:?}"
        );
        ensure!(
            t.db.migration_plan::<PhasedV2>()?.is_empty(),
            "nothing left to do"
        );
    } else {
        let err = expect_kind(t.db.migrate::<PhasedV2>(), ErrorKind::SchemaMismatch)?;
        let message = err.message();
        ensure!(
            message.contains("retired 'old' ✓") && message.contains("rebuild"),
            "the refusal says how: {message}"
        );
        ensure!(
            t.db.table::<PhasedV1>()?.count()? == 1,
            "the table is unchanged"
        );
    }
    Ok(())
}

/// Two unique constraints a migration adds whose plain names would be the same (a unique
/// column `a_b`, and `(a, b)` unique together) both exist afterwards and both hold: the second
/// was skipped as already there, and every later open failed its check.
pub fn added_unique_constraints_do_not_collide(t: &TestDb) -> CaseResult {
    let v1 = t.db.table::<PairsV1>()?;
    v1.insert(&mut PairsV1 {
        id: 0,
        a: 1,
        b: 2,
        a_b: 12,
    })?;
    let plan = t.db.migrate::<PairsV2>()?;
    let names: Vec<&String> = plan.changes.iter().flat_map(|c| &c.sql).collect();
    ensure!(
        plan.changes.len() == 2 && names[0] != names[1],
        "two unique indexes, named apart: {plan:?}"
    );
    let v2 = t.db.table::<PairsV2>()?;
    let row = |a, b, a_b| PairsV2 { id: 0, a, b, a_b };
    expect_kind(v2.insert(&mut row(1, 2, 99)), ErrorKind::UniqueViolation)?;
    expect_kind(v2.insert(&mut row(5, 6, 12)), ErrorKind::UniqueViolation)?;
    v2.insert(&mut row(1, 3, 13))?;
    ensure!(
        t.db.migration_plan::<PairsV2>()?.is_empty(),
        "nothing left to do"
    );
    Ok(())
}

/// A copied row with a huge id (9e18) is caught up with at once: the next id follows it on
/// every backend. DuckDB drew its sequence forward one value at a time, as many times as the
/// id, which ran for practically ever while holding the write lock.
pub fn ids_continue_after_a_huge_copied_id(t: &TestDb) -> CaseResult {
    const HUGE: i64 = 9_000_000_000_000_000_000;
    let source = anytable::Database::open("sqlite::memory:")?;
    let rows = source.table::<SimpleRow>()?;
    rows.insert(&mut SimpleRow::new("huge", 1))?;
    let table = SimpleRow::schema().name.as_str();
    source.execute(
        &format!(r#"UPDATE "{table}" SET "id" = ?"#),
        &[anytable::Value::I64(HUGE)],
    )?;
    ensure!(t.db.copy_from::<SimpleRow>(&source)? == 1, "one row copied");
    let here = t.db.table::<SimpleRow>()?;
    let next = here.insert(&mut SimpleRow::new("after", 2))?;
    ensure!(
        next == HUGE + 1,
        "the next id follows the copied one: {next}"
    );
    Ok(())
}
