//! An engine's own record batches (DuckDB's) made into anytable's: the record's schema and
//! types, and batches of the requested size, so every backend hands over the same batches.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, FixedSizeBinaryBuilder, StringArray};
use arrow::compute::{cast_with_options, concat_batches, CastOptions};
use arrow::datatypes::{DataType, SchemaRef, TimeUnit, TimestampMicrosecondType};
use arrow::record_batch::RecordBatch;

use anytable_core::{uuid, Error, Result};

use super::build::arrow_error;

/// `column` as `want`: as it is when the types agree, relabelled for a timestamp in another
/// zone's name (the instants are the same), parsed for UUIDs sent as text, else cast exactly.
fn conform_column(column: &ArrayRef, want: &DataType, name: &str) -> Result<ArrayRef> {
    let found = column.data_type();
    if found == want {
        return Ok(column.clone());
    }
    match (found, want) {
        (
            DataType::Timestamp(TimeUnit::Microsecond, Some(_)),
            DataType::Timestamp(TimeUnit::Microsecond, Some(zone)),
        ) => Ok(Arc::new(
            column
                .as_primitive::<TimestampMicrosecondType>()
                .clone()
                .with_timezone(zone.clone()),
        )),
        (DataType::Utf8, DataType::FixedSizeBinary(16)) => {
            let text = column
                .as_any()
                .downcast_ref::<StringArray>()
                .expect("Utf8 is a StringArray");
            let mut out = FixedSizeBinaryBuilder::with_capacity(text.len(), 16);
            for value in text.iter() {
                match value {
                    None => out.append_null(),
                    Some(t) => {
                        let parsed = uuid::Uuid::parse_str(t).map_err(|_| {
                            Error::type_mismatch(format!(
                                "column {name:?}: cannot read {t:?} as a uuid"
                            ))
                        })?;
                        out.append_value(parsed.as_bytes()).map_err(arrow_error)?;
                    }
                }
            }
            Ok(Arc::new(out.finish()))
        }
        _ => {
            let options = CastOptions {
                safe: false,
                ..Default::default()
            };
            cast_with_options(column, want, &options).map_err(|e| {
                Error::type_mismatch(format!(
                    "column {name:?}: the engine's {found} does not read as {want}: {e}"
                ))
            })
        }
    }
}

/// The engine's batch in `schema`'s columns and types (the query selects the record's columns
/// in order).
pub(crate) fn conform(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    if batch.num_columns() != schema.fields().len() {
        return Err(Error::type_mismatch(format!(
            "the engine returned {} columns for a table of {}",
            batch.num_columns(),
            schema.fields().len()
        )));
    }
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| conform_column(column, field.data_type(), field.name()))
        .collect::<Result<Vec<_>>>()?;
    RecordBatch::try_new(schema.clone(), columns).map_err(arrow_error)
}

/// Regroups batches of any sizes into batches of `rows` rows (the last one shorter).
pub(crate) struct Rechunk {
    schema: SchemaRef,
    rows: usize,
    pending: Vec<RecordBatch>,
    pending_rows: usize,
}

impl Rechunk {
    pub(crate) fn new(schema: SchemaRef, rows: usize) -> Rechunk {
        Rechunk {
            schema,
            rows,
            pending: Vec::new(),
            pending_rows: 0,
        }
    }

    /// Whether a full batch is waiting.
    pub(crate) fn full(&self) -> bool {
        self.pending_rows >= self.rows
    }

    /// Keeps `batch` for the next batches.
    pub(crate) fn push(&mut self, batch: RecordBatch) {
        if batch.num_rows() > 0 {
            self.pending_rows += batch.num_rows();
            self.pending.push(batch);
        }
    }

    /// The next batch: `rows` rows when that many are waiting, else what is left (at the end);
    /// `None` when nothing is.
    pub(crate) fn take(&mut self) -> Result<Option<RecordBatch>> {
        if self.pending_rows == 0 {
            return Ok(None);
        }
        let all = if self.pending.len() == 1 {
            self.pending.pop().expect("one batch")
        } else {
            let all = concat_batches(&self.schema, &self.pending).map_err(arrow_error)?;
            self.pending.clear();
            all
        };
        let take = self.rows.min(all.num_rows());
        let rest = all.num_rows() - take;
        if rest > 0 {
            self.pending.push(all.slice(take, rest));
        }
        self.pending_rows = rest;
        Ok(Some(all.slice(0, take)))
    }
}
