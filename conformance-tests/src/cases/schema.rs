//! Creating, reopening and verifying tables; indexes; hostile identifiers.

use anytable::backend::Connection;
use anytable::{ErrorKind, Record};

use crate::records::{Awkward, CollideA, CollideAB, Keyed, SimpleRow, SimpleRowDrifted};
use crate::{ensure, CaseResult, TestDb};

/// Opening an existing table verifies it and sees its rows; for persistent backends, from a
/// new `Database` as another process would.
pub fn reopen_verifies_existing_table(t: &TestDb) -> CaseResult {
    t.db.table::<SimpleRow>()?
        .insert(&mut SimpleRow::new("RE", 1))?;
    let again = if t.db.capabilities().persistent {
        t.reopen()
    } else {
        t.restricted("in memory: reopened through the same Database, not a new one");
        t.db.clone()
    };
    let rows = again.table::<SimpleRow>()?;
    ensure!(rows.count()? == 1, "row visible after reopening");
    Ok(())
}

/// A table that differs from the record is `SchemaMismatch` listing every difference, and is
/// left exactly as it was.
pub fn mismatch_lists_every_difference(t: &TestDb) -> CaseResult {
    let drifted = t.db.table::<SimpleRowDrifted>()?;
    let err = match t.db.table::<SimpleRow>() {
        Ok(_) => return Err("a drifted table must not verify".into()),
        Err(e) => e,
    };
    ensure!(err.kind() == ErrorKind::SchemaMismatch, "kind: {err}");
    let message = err.message();
    for needle in [
        r#"column "number" is declared i64"#,
        r#"column "note" (text) is missing"#,
        r#"column "extra""#,
        r#"column "process" is declared NOT NULL"#,
        r#"index "ix_simple_rows_process_"#,
    ] {
        ensure!(
            message.contains(needle),
            "message mentions {needle:?}:\n{message}"
        );
    }
    ensure!(
        message.contains("5 differences"),
        "counts the differences:\n{message}"
    );
    ensure!(
        drifted.count()? == 0,
        "the table still works with its own record"
    );
    Ok(())
}

/// Declared indexes and unique constraints really exist in the database.
pub fn indexes_and_unique_constraints_exist(t: &TestDb) -> CaseResult {
    t.db.table::<Keyed>()?;
    t.db.table::<SimpleRow>()?;
    let mut conn = t.db.connection()?;
    let keyed = conn.introspect("keyed")?.ok_or("keyed exists")?;
    let has = |info: &anytable::backend::TableInfo, cols: &[&str], unique: bool| {
        info.indexes
            .iter()
            .any(|i| i.columns == cols && i.unique == unique)
    };
    ensure!(
        has(&keyed, &["key"], true),
        "unique(key): {:?}",
        keyed.indexes
    );
    ensure!(
        has(&keyed, &["group_name", "rank"], true),
        "unique(group_name, rank): {:?}",
        keyed.indexes
    );
    let simple = conn
        .introspect("simple_rows")?
        .ok_or("simple_rows exists")?;
    ensure!(
        has(&simple, &["process"], false),
        "index(process): {:?}",
        simple.indexes
    );
    ensure!(
        conn.introspect("no_such_table")?.is_none(),
        "missing table is None"
    );
    Ok(())
}

/// Table and column names with quotes and SQL keywords, and values full of them, work.
pub fn quotes_and_keywords_in_names_and_values(t: &TestDb) -> CaseResult {
    let table = t.db.table::<Awkward>()?;
    let mut row = Awkward {
        id: 0,
        order: "'; DROP TABLE \"x\"; --".into(),
        quoted: "O'Brien said \"hi\"".into(),
        from: 7,
    };
    table.insert(&mut row)?;
    let found = table.filter(Awkward::order().eq(row.order.clone())).all()?;
    ensure!(found == vec![row.clone()], "round trip: {found:?}");
    let err = table.insert(&mut row.clone()).unwrap_err();
    ensure!(
        err.kind() == ErrorKind::UniqueViolation,
        "unique on \"from\": {err}"
    );
    ensure!(t.db.table::<Awkward>()?.count()? == 1, "reopen verifies");
    Ok(())
}

/// Generated index names never collide: table `a_b` indexing `c` and table `a` indexing `b_c`
/// both open on one database, each with its own index.
pub fn generated_index_names_do_not_collide(t: &TestDb) -> CaseResult {
    let ab = t.db.table::<CollideAB>()?;
    let a = t.db.table::<CollideA>()?;
    ab.insert(&mut CollideAB { id: 0, c: 1 })?;
    a.insert(&mut CollideA { id: 0, b_c: 2 })?;
    let mut conn = t.db.connection()?;
    for (table, column) in [("a_b", "c"), ("a", "b_c")] {
        let info = conn.introspect(table)?.ok_or("table exists")?;
        ensure!(
            info.indexes
                .iter()
                .any(|i| i.columns == [column] && !i.unique),
            "{table} has its index on {column}: {:?}",
            info.indexes
        );
    }
    let names: Vec<&str> = CollideAB::schema()
        .indexes
        .iter()
        .chain(&CollideA::schema().indexes)
        .map(|i| i.name.as_str())
        .collect();
    ensure!(names[0] != names[1], "distinct names: {names:?}");
    let again = if t.db.capabilities().persistent {
        t.reopen()
    } else {
        t.db.clone()
    };
    ensure!(
        again.table::<CollideAB>()?.count()? == 1 && again.table::<CollideA>()?.count()? == 1,
        "both verify when opened again"
    );
    Ok(())
}

/// A table with an index over an expression (made by hand, or by another program) still opens,
/// adopts and migrates: such an index is no record's, and is left alone. SQLite's introspection
/// failed on it (the index names no column there), so the table could not be opened at all.
pub fn expression_indexes_are_left_alone(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    rows.insert(&mut SimpleRow::new("Ab", 1))?;
    let table = SimpleRow::schema().name.as_str();
    t.db.execute(
        &format!(r#"CREATE INDEX "ix_lower_process" ON "{table}" (lower("process"))"#),
        &[],
    )?;
    let again = if t.db.capabilities().persistent {
        t.reopen()
    } else {
        t.db.clone()
    };
    ensure!(
        again.table::<SimpleRow>()?.count()? == 1,
        "the table opens and verifies"
    );
    ensure!(
        again.migration_plan::<SimpleRow>()?.is_empty(),
        "nothing to migrate"
    );
    let info = again
        .connection()?
        .introspect(table)?
        .ok_or("the table exists")?;
    ensure!(
        info.indexes.iter().all(|i| i.name != "ix_lower_process"),
        "the expression index is not listed as a record's: {:?}",
        info.indexes
    );
    Ok(())
}
