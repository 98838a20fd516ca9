//! A backend from outside the workspace, as a third party would write one: it implements
//! `Backend`, `Connection` and `Rows` through `anytable::backend` only, brings its own
//! `Dialect` object, is handed to `Database::from_backend`, and runs the whole suite. Under the
//! hood it is SQLite (its driver code is borrowed, as a wrapper's would be); its errors, name
//! and SQL are its own.
#![cfg(feature = "sqlite")]

use std::sync::atomic::{AtomicUsize, Ordering};

use anytable::backend::sea_query::{ColumnDef, Expr};
use anytable::backend::sql::{Dialect, Syntax};
use anytable::backend::{Backend, BulkInsert, Connection, DatabaseUrl, RowSource, Rows, TableInfo};
use anytable::sqlite::{SqliteBackend, SqliteDialect};
use anytable::{
    Capabilities, ColumnSchema, Database, Error, Result, TableSchema, Value, ValueType,
};
use anytable_conformance::TestDb;

const NAME: &str = "toy";

/// Statements the toy dialect has rendered, so a test can see its SQL was used.
static RENDERED: AtomicUsize = AtomicUsize::new(0);

/// SQLite's spelling, reached through a dialect object of the toy's own.
#[derive(Debug)]
struct ToyDialect;

impl Dialect for ToyDialect {
    fn name(&self) -> &'static str {
        NAME
    }
    fn syntax(&self) -> Syntax {
        RENDERED.fetch_add(1, Ordering::Relaxed);
        SqliteDialect.syntax()
    }
    fn column_type(&self, ty: ValueType) -> &'static str {
        SqliteDialect.column_type(ty)
    }
    fn id_column_type(&self) -> &'static str {
        SqliteDialect.id_column_type()
    }
    fn id_default(&self, schema: &TableSchema, column: &ColumnSchema, def: &mut ColumnDef) {
        SqliteDialect.id_default(schema, column, def)
    }
    fn type_aliases(&self) -> &'static [(&'static str, ValueType)] {
        SqliteDialect.type_aliases()
    }
    fn default_now_sql(&self) -> &'static str {
        SqliteDialect.default_now_sql()
    }
    fn in_list(&self, column: Expr, values: &[Value]) -> Expr {
        SqliteDialect.in_list(column, values)
    }
    fn like(&self, column: Expr, pattern: &str, fold: bool) -> Expr {
        SqliteDialect.like(column, pattern, fold)
    }
    fn exact_sum(&self, column: Expr) -> Option<Expr> {
        SqliteDialect.exact_sum(column)
    }
    fn finite_float(&self, aggregate: Expr, column: Expr) -> Expr {
        SqliteDialect.finite_float(aggregate, column)
    }
    fn continue_ids(&self, schema: &TableSchema, id: &ColumnSchema) -> Vec<String> {
        SqliteDialect.continue_ids(schema, id)
    }
    fn question_mark_operator(&self) -> bool {
        SqliteDialect.question_mark_operator()
    }
    fn replace_check(
        &self,
        schema: &TableSchema,
        column: &ColumnSchema,
        found: &anytable::backend::ColumnCheck,
    ) -> Option<Vec<String>> {
        SqliteDialect.replace_check(schema, column, found)
    }
}

struct ToyBackend {
    engine: SqliteBackend,
    capabilities: Capabilities,
}

impl Backend for ToyBackend {
    fn name(&self) -> &'static str {
        NAME
    }
    fn dialect(&self) -> &dyn Dialect {
        &ToyDialect
    }
    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }
    fn connect(&self) -> Result<Box<dyn Connection>> {
        let engine = self.engine.connect().map_err(own)?;
        Ok(Box::new(ToyConnection(engine)))
    }
}

/// The toy's errors name the toy.
fn own(e: Error) -> Error {
    e.with_backend(NAME)
}

struct ToyConnection(Box<dyn Connection>);

impl Connection for ToyConnection {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.0.execute(sql, params).map_err(own)
    }
    fn count_rows(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.0.count_rows(sql, params).map_err(own)
    }
    fn query<'c>(
        &'c mut self,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
    ) -> Result<Box<dyn Rows + 'c>> {
        let rows = self.0.query(sql, params, types).map_err(own)?;
        Ok(Box::new(ToyRows(rows)))
    }
    fn insert_many(&mut self, target: &BulkInsert<'_>, rows: &mut dyn RowSource) -> Result<u64> {
        self.0.insert_many(target, rows).map_err(own)
    }
    fn begin(&mut self) -> Result<()> {
        self.0.begin().map_err(own)
    }
    fn commit(&mut self) -> Result<()> {
        self.0.commit().map_err(own)
    }
    fn rollback(&mut self) -> Result<()> {
        self.0.rollback().map_err(own)
    }
    fn introspect(&mut self, name: &str) -> Result<Option<TableInfo>> {
        self.0.introspect(name).map_err(own)
    }
    fn in_transaction(&self) -> bool {
        self.0.in_transaction()
    }
    fn discard(&mut self) {
        self.0.discard()
    }
}

struct ToyRows<'c>(Box<dyn Rows + 'c>);

impl Rows for ToyRows<'_> {
    fn next(&mut self) -> Result<Option<&mut [Value]>> {
        self.0.next().map_err(own)
    }
}

fn open(url: &str) -> Result<Database> {
    let engine = SqliteBackend::open(&DatabaseUrl::parse(url)?)?;
    let mut capabilities = engine.capabilities().clone();
    // Its connections forward no interrupter: calls with a timeout are Unsupported.
    capabilities.interrupts = false;
    Ok(Database::from_backend(ToyBackend {
        engine,
        capabilities,
    }))
}

/// A fresh toy database on a new file; the worker processes of the multi-process cases open
/// the same file by its URL, through the SQLite backend.
fn fresh() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?timeout=30",
        dir.path().join("toy.db").display()
    );
    let db = open(&url).expect("the toy opens");
    TestDb::from_database(url, db, Some(dir))
}

anytable_conformance::conformance_tests!(toy, fresh);
anytable_conformance::worker_entry!();

#[test]
fn the_toy_speaks_through_its_own_dialect_and_names_its_errors() {
    let t = fresh();
    assert_eq!(t.db.backend_name(), NAME);
    assert_eq!(t.db.dialect().name(), NAME);
    let before = RENDERED.load(Ordering::Relaxed);
    let rows =
        t.db.table::<anytable_conformance::records::SimpleRow>()
            .unwrap();
    assert!(
        RENDERED.load(Ordering::Relaxed) > before,
        "its dialect rendered the statements"
    );
    assert_eq!(rows.count().unwrap(), 0);
    let err =
        t.db.execute("SELECT * FROM no_such_table", &[])
            .unwrap_err();
    assert_eq!(err.backend(), Some(NAME), "{err}");
}
