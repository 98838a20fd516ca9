//! [`Database::copy_from`]: a table's rows from one database into another, on any two backends,
//! with ids and database-filled timestamps kept, through the target's bulk path.

use anytable_core::check::{self, Rules};
use anytable_core::sql::insert_sql;
use anytable_core::{BulkInsert, ColumnSchema, Error, ErrorKind, Record, Result, RowSource, Value};

use crate::cursor::Cursor;
use crate::database::Database;

impl Database {
    /// Copies every row of `R`'s table in `source` into `R`'s table here (created if missing),
    /// ids, `added` and `updated` included, in one transaction through this backend's bulk
    /// path (DuckDB's Appender, PostgreSQL's binary COPY, SQLite's prepared insert); then new
    /// inserts here get ids after the largest copied one. Returns how many rows were copied.
    /// Rows stream from `source`: memory stays flat however large the table.
    ///
    /// For an app that outgrows one machine: `postgres.copy_from::<Task>(&sqlite)`.
    ///
    /// # Errors
    /// All or nothing: an id already present here is [`ErrorKind::UniqueViolation`] and
    /// nothing is copied; a value this backend cannot store the same way (NaN on SQLite, see
    /// `stores_nan`) is [`ErrorKind::InvalidInput`].
    pub fn copy_from<R: Record>(&self, source: &Database) -> Result<u64> {
        let from = source.table::<R>()?;
        let schema = R::schema();
        let into = self.table::<R>()?;
        let columns: Vec<String> = schema.columns.iter().map(|c| c.name.clone()).collect();
        let types: Vec<_> = schema.columns.iter().map(|c| c.ty).collect();
        let select = from.select_all_in_id_order();
        let mut rows = CursorRows {
            cursor: Cursor::open(source, None, &select, &[], &types)?,
            columns: &schema.columns,
            table: into.state(),
            rules: Rules::of(self.capabilities()),
        };
        let dialect = self.dialect();
        let insert = insert_sql(dialect, schema, &columns)?;
        let target = BulkInsert {
            table: schema,
            columns: &columns,
            insert_sql: &insert,
        };
        self.transaction(|tx| {
            tx.run(|conn| {
                let copied = conn.insert_many(&target, &mut rows)?;
                if let Some(id) = schema.id_column() {
                    for sql in dialect.continue_ids(schema, id) {
                        conn.execute(&sql, &[])?;
                    }
                }
                Ok(copied)
            })
        })
    }
}

/// The source's rows, checked for the target as any write is.
struct CursorRows<'a> {
    cursor: Cursor<'static>,
    columns: &'a [ColumnSchema],
    /// The target table: its narrow adopted columns ([`crate::database::TableState::check_stored`]).
    table: &'a crate::database::TableState,
    rules: Rules,
}

impl RowSource for CursorRows<'_> {
    fn next_row(&mut self, row: &mut Vec<Value>) -> Result<bool> {
        row.clear();
        let Some(values) = self.cursor.next()? else {
            return Ok(false);
        };
        if values.len() != self.columns.len() {
            return Err(Error::new(
                ErrorKind::Other,
                "the source returned a row of another width",
            ));
        }
        for (value, column) in values.iter_mut().zip(self.columns) {
            let mut value = std::mem::take(value);
            check::writable(&mut value, column, self.rules)?;
            self.table.check_stored(&column.name, &value)?;
            row.push(value);
        }
        Ok(true)
    }
}
