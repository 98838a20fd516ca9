//! Query results as Arrow record batches, tables written from them, and results printed as a
//! table (feature `arrow`).

use std::collections::HashMap;
use std::iter::Peekable;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;

use anytable_core::check;
use anytable_core::sql::insert_sql;
use anytable_core::{
    BulkInsert, ColumnRole, ColumnSchema, Error, ErrorKind, Record, Result, RowSource, Value,
};

use super::{Select, TableHandle};
use crate::arrow::build::{arrow_error, BatchBuilder};
use crate::arrow::conform::{conform, Rechunk};
use crate::arrow::read::CellReader;
use crate::arrow::schema::{data_type, fit, schema, Fit};
use crate::cursor::Cursor;

/// Rows per batch of [`Select::arrow`]: DuckDB's vector size, so its result chunks pass
/// through as they are (other sizes are regrouped, which copies), and large enough that
/// per-batch costs vanish on every backend.
pub const DEFAULT_BATCH_ROWS: usize = 2048;

impl<'tx, R: Record> Select<'tx, R> {
    /// The rows as Arrow record batches of [`DEFAULT_BATCH_ROWS`] rows (the last one shorter),
    /// read as the iterator is advanced: memory stays flat however many rows there are. The
    /// schema is the record's ([`crate::arrow::schema`]), the same on every backend.
    pub fn arrow(self) -> Result<ArrowBatches<'tx>> {
        self.arrow_batches(DEFAULT_BATCH_ROWS)
    }

    /// [`arrow`](Self::arrow) with `rows` rows per batch (at least one).
    pub fn arrow_batches(self, rows: usize) -> Result<ArrowBatches<'tx>> {
        let table = R::schema();
        let (sql, params) = self.build()?;
        let rows = rows.max(1);
        let cursor = self.table.arrow_cursor(&sql, &params)?;
        let schema = schema(table);
        Ok(ArrowBatches {
            cursor,
            builder: BatchBuilder::new(schema.clone(), &table.columns, rows)?,
            rechunk: Rechunk::new(schema.clone(), rows),
            schema,
            rows,
            done: false,
        })
    }

    /// The first `n` rows as a text table, for examples and debugging: one line per row under
    /// a header of the column names.
    pub fn pretty(self, n: u64) -> Result<String> {
        self.limit(n).arrow()?.pretty()
    }
}

/// A query's rows as Arrow record batches; from [`Select::arrow`]. Like
/// [`RecordIter`](super::RecordIter), it holds its connection until dropped or finished.
pub struct ArrowBatches<'tx> {
    cursor: Cursor<'tx>,
    /// Batches built from rows, where the engine hands over rows.
    builder: BatchBuilder,
    /// The engine's own batches regrouped, where it hands over batches.
    rechunk: Rechunk,
    schema: SchemaRef,
    rows: usize,
    done: bool,
}

impl<'tx> ArrowBatches<'tx> {
    /// Batches of `rows` rows built from the rows of `cursor`, whose columns are `columns`.
    pub(super) fn from_rows(
        cursor: Cursor<'tx>,
        columns: &[ColumnSchema],
        rows: usize,
    ) -> Result<ArrowBatches<'tx>> {
        let schema: SchemaRef = std::sync::Arc::new(arrow::datatypes::Schema::new(
            columns.iter().map(crate::arrow::field).collect::<Vec<_>>(),
        ));
        Ok(ArrowBatches {
            cursor,
            builder: BatchBuilder::new(schema.clone(), columns, rows)?,
            rechunk: Rechunk::new(schema.clone(), rows),
            schema,
            rows,
            done: false,
        })
    }
}

impl ArrowBatches<'_> {
    /// The schema every batch has: known before the first batch, and for an empty result too.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Every remaining row as one text table under a header of the column names.
    pub(super) fn pretty(self) -> Result<String> {
        let schema = self.schema();
        let mut batches = self.collect::<Result<Vec<RecordBatch>>>()?;
        if batches.is_empty() {
            // The header still says what the columns are.
            batches.push(RecordBatch::new_empty(schema));
        }
        let table = arrow::util::pretty::pretty_format_batches(&batches).map_err(arrow_error)?;
        Ok(table.to_string())
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        if self.cursor.is_columnar() {
            return self.next_native();
        }
        while !self.done && self.builder.rows() < self.rows {
            match self.cursor.next()? {
                Some(row) => {
                    if let Err(e) = self.builder.push(row) {
                        self.cursor.fail();
                        return Err(e);
                    }
                }
                None => self.done = true,
            }
        }
        if self.builder.rows() == 0 {
            return Ok(None);
        }
        self.builder.finish().map(Some)
    }
}

impl ArrowBatches<'_> {
    /// The next batch from the engine's own batches, in the record's schema.
    fn next_native(&mut self) -> Result<Option<RecordBatch>> {
        while !self.done && !self.rechunk.full() {
            match self.cursor.next_batch()? {
                Some(batch) => {
                    let batch =
                        conform(&batch, &self.schema).inspect_err(|_| self.cursor.fail())?;
                    self.rechunk.push(batch);
                }
                None => self.done = true,
            }
        }
        self.rechunk.take()
    }
}

impl<'tx> ArrowBatches<'tx> {
    /// These batches as Arrow's own [`RecordBatchReader`](arrow::record_batch::RecordBatchReader),
    /// for what takes one (Arrow's C stream interface, other engines and writers); an anytable
    /// error arrives as [`ArrowError::ExternalError`](arrow::error::ArrowError::ExternalError)
    /// holding the [`Error`].
    pub fn into_reader(self) -> ArrowReader<'tx> {
        ArrowReader(self)
    }
}

/// [`ArrowBatches`] as an Arrow [`RecordBatchReader`](arrow::record_batch::RecordBatchReader);
/// from [`ArrowBatches::into_reader`].
pub struct ArrowReader<'tx>(ArrowBatches<'tx>);

impl Iterator for ArrowReader<'_> {
    type Item = std::result::Result<RecordBatch, arrow::error::ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let next = self.0.next()?;
        Some(next.map_err(|e| arrow::error::ArrowError::ExternalError(Box::new(e))))
    }
}

impl arrow::record_batch::RecordBatchReader for ArrowReader<'_> {
    fn schema(&self) -> SchemaRef {
        self.0.schema()
    }
}

impl Iterator for ArrowBatches<'_> {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Result<RecordBatch>> {
        let next = self.next_batch();
        if next.is_err() {
            self.done = true;
        }
        next.transpose()
    }
}

impl<R: Record> TableHandle<'_, R> {
    /// Writes Arrow record batches into the table through the backend's bulk path (DuckDB's
    /// Appender, PostgreSQL's binary COPY, SQLite's prepared insert), in one transaction;
    /// returns how many rows were written.
    ///
    /// Columns are matched by name and must have the Arrow types of
    /// [`crate::arrow::schema`] (a timestamp in any zone for a UTC timestamp column): every data
    /// column that is `NOT NULL` without a default must be there (one left out gets its default,
    /// else NULL); the id, `added` and `updated` columns may be (their values are then kept, and
    /// new inserts get ids after the largest one), else the database fills them in as on
    /// [`insert_many`](Self::insert_many). Every value is checked as `insert` checks it, and
    /// every row must read back as an `R` (a `u8` field's column holds no 300).
    ///
    /// # Errors
    /// All or nothing: [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a
    /// missing, unknown or mistyped column, a batch of another schema than the first, a value
    /// no backend stores the same way, or one the record could not read back;
    /// [`ErrorKind::NotNullViolation`](crate::ErrorKind::NotNullViolation) for a NULL in a
    /// `NOT NULL` column (ids included); other constraint violations as on `insert_many`.
    pub fn insert_arrow(&self, batches: impl IntoIterator<Item = RecordBatch>) -> Result<u64> {
        self.insert_arrow_results(batches.into_iter().map(Ok))
    }

    /// [`insert_arrow`](Self::insert_arrow) of batches that may fail to arrive (a file being
    /// read): the first error undoes the whole call.
    pub(crate) fn insert_arrow_results(
        &self,
        batches: impl Iterator<Item = Result<RecordBatch>>,
    ) -> Result<u64> {
        let mut batches = batches.peekable();
        let first = match batches.peek() {
            None => return Ok(0),
            Some(Ok(first)) => first.schema(),
            Some(Err(_)) => return batches.next().expect("peeked").map(|_| 0),
        };
        let plan = ArrowPlan::new(R::schema(), first)?;
        let insert = insert_sql(self.dialect(), R::schema(), &plan.names)?;
        let target = BulkInsert {
            table: R::schema(),
            columns: &plan.names,
            insert_sql: &insert,
        };
        let now = Value::timestamp(anytable_core::chrono::Utc::now());
        let mut source = ArrowRows {
            batches,
            current: None,
            rows: 0,
            row: 0,
            plan: &plan,
            table: self.state(),
            rules: self.rules(),
            now: now.clone(),
            check: R::check_values,
            full: plan.stand_ins(R::schema(), &now),
            written: 0,
        };
        let keeps_ids = plan.keeps_ids;
        let dialect = self.dialect();
        self.in_transaction(|conn| {
            let written = conn.insert_many(&target, &mut source)?;
            if let (true, Some(id)) = (keeps_ids, R::schema().id_column()) {
                for sql in dialect.continue_ids(R::schema(), id) {
                    conn.execute(&sql, &[])?;
                }
            }
            Ok(written)
        })
    }
}

/// Where each written column's values come from.
enum Source {
    /// The batch column at this position, cast to this type first if given.
    Batch(usize, Option<arrow::datatypes::DataType>),
    /// The time of the call (an `added` or `updated` column the batches lack).
    Now,
}

/// The columns an `insert_arrow` writes, for batches of one schema.
struct ArrowPlan {
    schema: SchemaRef,
    names: Vec<String>,
    columns: Vec<(ColumnSchema, Source)>,
    /// For each of the table's columns, its place among `columns` if written.
    table_positions: Vec<Option<usize>>,
    keeps_ids: bool,
}

impl ArrowPlan {
    fn new(table: &anytable_core::TableSchema, batch: SchemaRef) -> Result<ArrowPlan> {
        let positions: HashMap<&str, usize> = batch
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name().as_str(), i))
            .collect();
        if let Some(unknown) = batch
            .fields()
            .iter()
            .find(|f| table.position(f.name()).is_none())
        {
            return Err(Error::invalid_input(format!(
                "the Arrow column {:?} is not a column of table {:?}",
                unknown.name(),
                table.name
            )));
        }
        let mut columns = Vec::new();
        let mut missing = Vec::new();
        for column in &table.columns {
            match positions.get(column.name.as_str()) {
                Some(&i) => {
                    let found = batch.field(i).data_type();
                    let cast = match fit(column, found) {
                        Fit::Exact => None,
                        Fit::Cast(to) => Some(to),
                        Fit::No => {
                            return Err(Error::invalid_input(format!(
                                "the Arrow column {:?} is {found}; column {:?} of table {:?} \
                                 is written from {} (or another width or unit of its kind)",
                                column.name,
                                column.name,
                                table.name,
                                data_type(column)
                            )))
                        }
                    };
                    columns.push((column.clone(), Source::Batch(i, cast)));
                }
                None => match column.role {
                    // Left to the column's default (NULL when it has none).
                    ColumnRole::Data if column.nullable || column.default.is_some() => {}
                    ColumnRole::Data => missing.push(column.name.as_str()),
                    ColumnRole::Added | ColumnRole::Updated => {
                        columns.push((column.clone(), Source::Now))
                    }
                    ColumnRole::Id => {}
                },
            }
        }
        if !missing.is_empty() {
            return Err(Error::invalid_input(format!(
                "the Arrow batches lack column(s) {missing:?} of table {:?}",
                table.name
            )));
        }
        let keeps_ids = table
            .id_column()
            .is_some_and(|id| positions.contains_key(id.name.as_str()));
        let table_positions = table
            .columns
            .iter()
            .map(|c| columns.iter().position(|(w, _)| w.name == c.name))
            .collect();
        Ok(ArrowPlan {
            schema: batch,
            table_positions,
            names: columns.iter().map(|(c, _)| c.name.clone()).collect(),
            columns,
            keeps_ids,
        })
    }
}

impl ArrowPlan {
    /// A full row of `table` for the record's check: what the database would fill in where
    /// the batches have no column (an id, `now` for `added`/`updated`, the default or NULL),
    /// NULL where they have one.
    fn stand_ins(&self, table: &anytable_core::TableSchema, now: &Value) -> Vec<Value> {
        table
            .columns
            .iter()
            .zip(&self.table_positions)
            .map(|(column, written)| match (written, column.role) {
                (Some(_), _) => Value::Null,
                (None, ColumnRole::Id) => Value::I64(0),
                (None, ColumnRole::Added | ColumnRole::Updated) => now.clone(),
                (None, ColumnRole::Data) => column.default.clone().unwrap_or(Value::Null),
            })
            .collect()
    }

    /// The batch's arrays in written-column order, cast where the plan says (a placeholder
    /// for columns filled with the call's time); a value a cast cannot carry over exactly is
    /// `InvalidInput`.
    fn columns_of(&self, batch: &RecordBatch) -> Result<Vec<arrow::array::ArrayRef>> {
        let options = arrow::compute::CastOptions {
            safe: false,
            ..Default::default()
        };
        self.columns
            .iter()
            .map(|(column, source)| match source {
                Source::Batch(i, None) => Ok(batch.column(*i).clone()),
                Source::Batch(i, Some(to)) => {
                    let source = batch.column(*i);
                    let cast =
                        arrow::compute::cast_with_options(source, to, &options).map_err(|e| {
                            Error::invalid_input(format!(
                                "column {:?}: a value does not fit {to}: {e}",
                                column.name
                            ))
                        })?;
                    exact_floats(source, &cast, &column.name)?;
                    Ok(cast)
                }
                Source::Now => Ok(arrow::array::new_null_array(
                    &arrow::datatypes::DataType::Null,
                    0,
                )),
            })
            .collect()
    }
}

/// Refuses integers cast to floats (`floats`, from `source`) that the floats do not hold
/// exactly: arrow's cast rounds past 2^53 where every other cast of `insert_arrow` refuses
/// what it cannot carry over.
fn exact_floats(
    source: &arrow::array::ArrayRef,
    floats: &arrow::array::ArrayRef,
    name: &str,
) -> Result<()> {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{DataType, Decimal128Type, Float64Type};
    if !source.data_type().is_integer() || *floats.data_type() != DataType::Float64 {
        return Ok(());
    }
    // Every integer type fits 38 decimal digits, exactly.
    let whole = arrow::compute::cast(source, &DataType::Decimal128(38, 0)).map_err(arrow_error)?;
    let (whole, floats) = (
        whole.as_primitive::<Decimal128Type>(),
        floats.as_primitive::<Float64Type>(),
    );
    for row in 0..whole.len() {
        if whole.is_null(row) {
            continue;
        }
        let n = whole.value(row);
        // A float past i128's range saturates, and no integer of 64 bits is out there.
        if floats.value(row) as i128 != n {
            return Err(Error::invalid_input(format!(
                "column {name:?}: the integer {n} in row {row} of the batch has no exact f64 \
                 (integers past 2^53 are rounded); write it as a float if rounding is meant"
            ))
            .with_column(name.to_owned()));
        }
    }
    Ok(())
}

/// The batches' rows as the bulk path reads them, checked as every write is.
struct ArrowRows<'p, I: Iterator<Item = Result<RecordBatch>>> {
    batches: Peekable<I>,
    /// The batch being read, its columns already cast to what the table stores.
    current: Option<Vec<arrow::array::ArrayRef>>,
    /// Rows of the current batch.
    rows: usize,
    row: usize,
    plan: &'p ArrowPlan,
    /// The target table: its narrow adopted columns ([`crate::database::TableState::check_stored`]).
    table: &'p crate::database::TableState,
    rules: check::Rules,
    now: Value,
    /// The record's check of a full row ([`Record::check_values`]).
    check: fn(&[Value]) -> Result<()>,
    /// A full row for `check`: stand-ins for the columns the database fills in, and the
    /// written columns' places, which each row's values visit.
    full: Vec<Value>,
    /// Rows read so far over every batch, for errors.
    written: u64,
}

impl<I: Iterator<Item = Result<RecordBatch>>> RowSource for ArrowRows<'_, I> {
    fn next_row(&mut self, row: &mut Vec<Value>) -> Result<bool> {
        row.clear();
        while self.current.is_none() || self.row >= self.rows {
            let Some(batch) = self.batches.next().transpose()? else {
                return Ok(false);
            };
            if batch.schema().fields() != self.plan.schema.fields() {
                return Err(Error::invalid_input(
                    "an Arrow batch has another schema than the first: every batch of one \
                     insert_arrow must have the same columns and types",
                ));
            }
            self.current = Some(self.plan.columns_of(&batch)?);
            self.rows = batch.num_rows();
            self.row = 0;
        }
        let arrays = self.current.as_ref().expect("a batch with rows left");
        for ((column, source), array) in self.plan.columns.iter().zip(arrays) {
            let mut value = match source {
                Source::Batch(..) => CellReader::new(array.as_ref(), column).value(self.row)?,
                Source::Now => self.now.clone(),
            };
            if value == Value::Null && !column.nullable {
                // Refused here, before the engine sees it: SQLite would pick an id for a NULL
                // one where the others refuse it.
                return Err(Error::new(
                    ErrorKind::NotNullViolation,
                    format!(
                        "the Arrow column {:?} holds NULL in row {} of its batch, and the \
                         column is NOT NULL{}",
                        column.name,
                        self.row,
                        if column.role == ColumnRole::Id {
                            " (leave the id column out to have the database assign ids)"
                        } else {
                            ""
                        }
                    ),
                )
                .with_column(column.name.clone()));
            }
            check::writable(&mut value, column, self.rules)?;
            self.table.check_stored(&column.name, &value)?;
            row.push(value);
        }
        self.readable(row)?;
        self.row += 1;
        self.written += 1;
        Ok(true)
    }
}

impl<I: Iterator<Item = Result<RecordBatch>>> ArrowRows<'_, I> {
    /// Refuses a row the record could not read back (a `u8` column's 300, an `f32` column's
    /// 0.1, a `Json<T>` document that is no `T`, a user's type's refusal): the record checks
    /// it ([`Record::check_values`]), with stand-ins for the columns the database fills in.
    fn readable(&mut self, row: &mut [Value]) -> Result<()> {
        // The row's values move in for the check and back after it: no copies.
        let swap = |full: &mut [Value], row: &mut [Value], plan: &ArrowPlan| {
            for (j, k) in plan.table_positions.iter().enumerate() {
                if let Some(k) = k {
                    std::mem::swap(&mut full[j], &mut row[*k]);
                }
            }
        };
        swap(&mut self.full, row, self.plan);
        let checked = (self.check)(&self.full);
        swap(&mut self.full, row, self.plan);
        checked.map_err(|e| {
            let column = e.column().map(str::to_owned);
            let refused = Error::invalid_input(format!(
                "row {} of the Arrow batches holds a value the record cannot read back: {}",
                self.written,
                e.message()
            ));
            match column {
                Some(column) => refused.with_column(column),
                None => refused,
            }
        })
    }
}
