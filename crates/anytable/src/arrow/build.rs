//! Rows of [`Value`]s into a [`RecordBatch`], one Arrow builder per column.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder,
    FixedSizeBinaryBuilder, Float64Builder, Int16Builder, Int32Builder, Int64Builder,
    StringBuilder, Time64MicrosecondBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;

use anytable_core::chrono::{NaiveDate, Timelike};
use anytable_core::{ColumnSchema, Error, Result, Value, ValueType};

use super::schema::UTC;

/// Days from 0001-01-01 (chrono's day count) to the Unix epoch, Arrow's Date32 origin.
const EPOCH_DAYS: i32 = 719_163;

/// One column's builder, by the Arrow type anytable maps its type to.
enum Builder {
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    F64(Float64Builder),
    Bool(BooleanBuilder),
    Text(StringBuilder),
    Bytes(BinaryBuilder),
    Timestamp(TimestampMicrosecondBuilder),
    Date(Date32Builder),
    Time(Time64MicrosecondBuilder),
    Decimal(Decimal128Builder, u32),
    Uuid(FixedSizeBinaryBuilder),
}

impl Builder {
    fn new(column: &ColumnSchema, capacity: usize) -> Result<Builder> {
        Ok(match column.ty {
            ValueType::I16 => Builder::I16(Int16Builder::with_capacity(capacity)),
            ValueType::I32 => Builder::I32(Int32Builder::with_capacity(capacity)),
            ValueType::I64 => Builder::I64(Int64Builder::with_capacity(capacity)),
            ValueType::F64 => Builder::F64(Float64Builder::with_capacity(capacity)),
            ValueType::Bool => Builder::Bool(BooleanBuilder::with_capacity(capacity)),
            ValueType::Bytes => Builder::Bytes(BinaryBuilder::with_capacity(capacity, 0)),
            ValueType::Timestamp => Builder::Timestamp(
                TimestampMicrosecondBuilder::with_capacity(capacity).with_timezone(UTC),
            ),
            ValueType::DateTime => {
                Builder::Timestamp(TimestampMicrosecondBuilder::with_capacity(capacity))
            }
            ValueType::Date => Builder::Date(Date32Builder::with_capacity(capacity)),
            ValueType::Time => Builder::Time(Time64MicrosecondBuilder::with_capacity(capacity)),
            ValueType::Decimal => {
                let scale = column.scale.unwrap_or(0);
                let builder = Decimal128Builder::with_capacity(capacity)
                    .with_precision_and_scale(
                        anytable_core::sql::DECIMAL_PRECISION as u8,
                        scale as i8,
                    )
                    .map_err(arrow_error)?;
                Builder::Decimal(builder, scale)
            }
            ValueType::Uuid => Builder::Uuid(FixedSizeBinaryBuilder::with_capacity(capacity, 16)),
            _ => Builder::Text(StringBuilder::with_capacity(capacity, 0)),
        })
    }

    fn push(&mut self, value: &Value, column: &str) -> Result<()> {
        let wrong = || {
            Error::type_mismatch(format!(
                "column {column:?}: a {} value where the Arrow column wants another type",
                value.type_name()
            ))
        };
        match (self, value) {
            (Builder::I16(b), Value::Null) => b.append_null(),
            (Builder::I32(b), Value::Null) => b.append_null(),
            (Builder::I64(b), Value::Null) => b.append_null(),
            (Builder::F64(b), Value::Null) => b.append_null(),
            (Builder::Bool(b), Value::Null) => b.append_null(),
            (Builder::Text(b), Value::Null) => b.append_null(),
            (Builder::Bytes(b), Value::Null) => b.append_null(),
            (Builder::Timestamp(b), Value::Null) => b.append_null(),
            (Builder::Date(b), Value::Null) => b.append_null(),
            (Builder::Time(b), Value::Null) => b.append_null(),
            (Builder::Decimal(b, _), Value::Null) => b.append_null(),
            (Builder::Uuid(b), Value::Null) => b.append_null(),
            (Builder::I16(b), Value::I16(v)) => b.append_value(*v),
            (Builder::I32(b), Value::I32(v)) => b.append_value(*v),
            (Builder::I64(b), Value::I64(v)) => b.append_value(*v),
            (Builder::F64(b), Value::F64(v)) => b.append_value(*v),
            (Builder::Bool(b), Value::Bool(v)) => b.append_value(*v),
            (Builder::Text(b), Value::Text(v)) => b.append_value(v),
            (Builder::Text(b), Value::Json(v)) => b.append_value(v.to_string()),
            (Builder::Bytes(b), Value::Bytes(v)) => b.append_value(v),
            (Builder::Timestamp(b), Value::Timestamp(t)) => b.append_value(t.timestamp_micros()),
            (Builder::Timestamp(b), Value::DateTime(t)) => {
                b.append_value(t.and_utc().timestamp_micros())
            }
            (Builder::Date(b), Value::Date(d)) => b.append_value(days_since_epoch(d)),
            (Builder::Time(b), Value::Time(t)) => b.append_value(
                i64::from(t.num_seconds_from_midnight()) * 1_000_000
                    + i64::from(t.nanosecond() / 1_000),
            ),
            (Builder::Decimal(b, scale), Value::Decimal(d)) => {
                b.append_value(scaled_mantissa(d, *scale).ok_or_else(wrong)?)
            }
            (Builder::Uuid(b), Value::Uuid(u)) => {
                b.append_value(u.as_bytes()).map_err(arrow_error)?
            }
            _ => return Err(wrong()),
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::I16(b) => Arc::new(b.finish()),
            Builder::I32(b) => Arc::new(b.finish()),
            Builder::I64(b) => Arc::new(b.finish()),
            Builder::F64(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Bytes(b) => Arc::new(b.finish()),
            Builder::Timestamp(b) => Arc::new(b.finish()),
            Builder::Date(b) => Arc::new(b.finish()),
            Builder::Time(b) => Arc::new(b.finish()),
            Builder::Decimal(b, _) => Arc::new(b.finish()),
            Builder::Uuid(b) => Arc::new(b.finish()),
        }
    }
}

/// Arrow's Date32: days since 1970-01-01.
pub(crate) fn days_since_epoch(d: &NaiveDate) -> i32 {
    use anytable_core::chrono::Datelike;
    d.num_days_from_ce() - EPOCH_DAYS
}

/// The date `days` after 1970-01-01.
pub(crate) fn date_from_days(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(EPOCH_DAYS)?)
}

pub(crate) fn arrow_error(e: arrow::error::ArrowError) -> Error {
    Error::invalid_input(format!("arrow: {e}"))
}

/// Collects rows of a table's columns into record batches.
pub(crate) struct BatchBuilder {
    schema: SchemaRef,
    columns: Vec<(String, Builder)>,
    rows: usize,
}

impl BatchBuilder {
    /// Builders for `columns`, each with room for `capacity` rows.
    pub(crate) fn new(
        schema: SchemaRef,
        columns: &[ColumnSchema],
        capacity: usize,
    ) -> Result<BatchBuilder> {
        let columns = columns
            .iter()
            // Room for at most a few default batches up front: a caller's `usize::MAX` (one
            // batch for the whole result) is a limit, not an allocation.
            .map(|c| {
                let room = capacity.min(16 * crate::arrow::DEFAULT_BATCH_ROWS);
                Ok((c.name.clone(), Builder::new(c, room)?))
            })
            .collect::<Result<_>>()?;
        Ok(BatchBuilder {
            schema,
            columns,
            rows: 0,
        })
    }

    /// Appends one row, its values in column order.
    pub(crate) fn push(&mut self, row: &[Value]) -> Result<()> {
        for ((name, builder), value) in self.columns.iter_mut().zip(row) {
            builder.push(value, name)?;
        }
        self.rows += 1;
        Ok(())
    }

    /// Rows appended since the last batch.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// The rows appended since the last batch, as one batch.
    pub(crate) fn finish(&mut self) -> Result<RecordBatch> {
        self.rows = 0;
        let arrays = self.columns.iter_mut().map(|(_, b)| b.finish()).collect();
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(arrow_error)
    }
}

/// `d`'s digits at `scale` digits after the point, in 128 bits: `Decimal::rescale` keeps to
/// 96 bits and silently gave `Decimal::MAX` at scale 4 as `MAX / 10^4`. `None` for digits
/// finer than `scale`, which no stored value has.
fn scaled_mantissa(d: &anytable_core::rust_decimal::Decimal, scale: u32) -> Option<i128> {
    let (mantissa, own) = (d.mantissa(), d.scale());
    if own <= scale {
        mantissa.checked_mul(10i128.checked_pow(scale - own)?)
    } else {
        let divisor = 10i128.checked_pow(own - scale)?;
        (mantissa % divisor == 0).then(|| mantissa / divisor)
    }
}
