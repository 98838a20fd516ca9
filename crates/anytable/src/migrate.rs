//! [`Database::migrate`] and [`Database::migration_plan`]: bring a record's table up to the
//! record when only additions are needed, and say exactly what would lose data otherwise.

use anytable_core::migrate::{self, Change, MigrationPlan, Refused};
use anytable_core::verify::verify;
use anytable_core::{Connection, Error, ErrorKind, Record, Result, TableSchema};

use crate::database::{Database, Transaction};

/// How many times a migration is planned again after a failure, in case another connection
/// or process is migrating the same table at the same moment (on DuckDB a concurrent ALTER
/// fails at once instead of waiting for the other to commit).
const ATTEMPTS: u32 = 10;

impl Database {
    /// What [`migrate`](Self::migrate) would do to `R`'s table now, without doing it: the
    /// changes with their SQL for this backend, and the differences it refuses. Reading the
    /// plan changes nothing.
    pub fn migration_plan<R: Record>(&self) -> Result<MigrationPlan> {
        plan_on(self, &mut self.connection()?, R::schema())
    }

    /// Brings `R`'s table up to the record by additions only, then verifies it: new nullable
    /// columns, new columns with a `default` (existing rows read the default), new indexes,
    /// and new unique constraints if no two rows already share a key. A table that does not
    /// exist is created. Returns the plan this call applied (empty if the table already
    /// matched, or another connection migrated it first).
    ///
    /// Runs in a transaction of its own where the engine's DDL is transactional
    /// (`Capabilities::transactional_ddl`); elsewhere a failure midway leaves a table the next
    /// `migrate` completes. Two processes migrating the same table at once both succeed: the
    /// loser plans again and finds nothing left to do.
    ///
    /// # Errors
    /// [`ErrorKind::SchemaMismatch`], before anything is changed, when the table differs in a
    /// way an addition cannot fix (a column the record no longer has, a changed type or
    /// nullability, a NOT NULL column without a default, duplicate keys for a new unique
    /// constraint): the message lists every such difference with the SQL a person would run.
    pub fn migrate<R: Record>(&self) -> Result<MigrationPlan> {
        let schema = R::schema();
        let mut conn = self.connection()?;
        let mut last = None;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(crate::retry_delay(attempt));
            }
            let plan = plan_on(self, &mut conn, schema)?;
            refuse(&plan)?;
            if plan.is_empty() {
                return Ok(plan);
            }
            let own_tx = self.capabilities().transactional_ddl;
            match apply(&mut conn, &plan, own_tx) {
                Ok(()) => {
                    check_result::<R>(self, &mut conn)?;
                    return Ok(plan);
                }
                // Another connection may have made the same change first: plan again.
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::new(ErrorKind::Other, "migration did not finish")))
    }
}

impl Transaction {
    /// [`Database::migration_plan`] inside this transaction (it sees the transaction's DDL).
    pub fn migration_plan<R: Record>(&self) -> Result<MigrationPlan> {
        self.run(|conn| plan_on(self.database(), conn, R::schema()))
    }

    /// [`Database::migrate`] inside this transaction: the changes commit or roll back with it
    /// (on engines whose DDL is transactional). A failure aborts the transaction, as any
    /// failed statement does.
    pub fn migrate<R: Record>(&self) -> Result<MigrationPlan> {
        self.run(|conn| {
            let plan = plan_on(self.database(), conn, R::schema())?;
            refuse(&plan)?;
            if !plan.is_empty() {
                apply(conn, &plan, false)?;
                check_result::<R>(self.database(), conn)?;
            }
            Ok(plan)
        })
    }
}

/// The plan for `schema` against the table as `conn` sees it, with new unique constraints the
/// data does not allow moved to the refusals.
fn plan_on(
    db: &Database,
    conn: &mut dyn Connection,
    schema: &TableSchema,
) -> Result<MigrationPlan> {
    let dialect = db.dialect();
    let Some(info) = conn.introspect(&schema.name)? else {
        let statements = crate::database::creation_statements(db, conn, schema)?;
        return Ok(migrate::create(schema, statements));
    };
    let mut plan = migrate::plan(dialect, schema, &info);
    // Over a column the plan adds, every key is NULL: nothing to check.
    let existing = |columns: &[String]| {
        columns
            .iter()
            .all(|column| info.columns.iter().any(|c| &c.name == column))
    };
    let mut kept = Vec::with_capacity(plan.changes.len());
    for change in std::mem::take(&mut plan.changes) {
        if let Change::AddUnique(columns) = &change.change {
            if !existing(columns) {
                kept.push(change);
                continue;
            }
            let sql = migrate::duplicate_keys_sql(schema, columns);
            let mut row = Vec::new();
            conn.query_row(&sql, &[], &[anytable_core::ValueType::I64], &mut row)?;
            let duplicates = match row.first() {
                Some(anytable_core::Value::I64(n)) => *n,
                _ => 0,
            };
            if duplicates > 0 {
                plan.refused.push(Refused {
                    description: format!(
                        "unique constraint on ({}) cannot be added: {duplicates} key{} \
                         occur{} in more than one row",
                        columns.join(", "),
                        if duplicates == 1 { "" } else { "s" },
                        if duplicates == 1 { "s" } else { "" },
                    ),
                    sql: Some(sql),
                });
                continue;
            }
        }
        kept.push(change);
    }
    plan.changes = kept;
    Ok(plan)
}

/// `SchemaMismatch` listing every refusal, if the plan has any.
fn refuse(plan: &MigrationPlan) -> Result<()> {
    if plan.refused.is_empty() {
        return Ok(());
    }
    let list: String = plan
        .refused
        .iter()
        .map(|r| match &r.sql {
            Some(sql) => format!("\n  - {}\n    by hand: {sql}", r.description),
            None => format!("\n  - {}", r.description),
        })
        .collect();
    Err(Error::new(
        ErrorKind::SchemaMismatch,
        format!(
            "table {:?} cannot be migrated to the record without losing or changing data \
             ({} difference{}); nothing was changed:{list}",
            plan.table,
            plan.refused.len(),
            if plan.refused.len() == 1 { "" } else { "s" },
        ),
    ))
}

/// Runs the plan's statements, in a transaction of their own if `own_tx`.
fn apply(conn: &mut dyn Connection, plan: &MigrationPlan, own_tx: bool) -> Result<()> {
    if own_tx {
        conn.begin()?;
    }
    let result = plan
        .statements()
        .try_for_each(|sql| conn.execute(sql, &[]).map(drop));
    match (result, own_tx) {
        (Ok(()), true) => conn.commit(),
        (Ok(()), false) => Ok(()),
        (Err(e), true) => {
            let _ = conn.rollback();
            Err(e)
        }
        (Err(e), false) => Err(e),
    }
}

/// Verifies the migrated table as `db.table::<R>()` will.
fn check_result<R: Record>(db: &Database, conn: &mut dyn Connection) -> Result<()> {
    let schema = R::schema();
    let info = conn.introspect(&schema.name)?.ok_or_else(|| {
        Error::new(
            ErrorKind::NotFound,
            format!("table {:?} vanished during its migration", schema.name),
        )
    })?;
    verify(db.dialect(), schema, &info, std::any::type_name::<R>())
}
