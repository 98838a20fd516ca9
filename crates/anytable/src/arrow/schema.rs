//! The Arrow type of each anytable column type: one mapping, the same on every backend.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::datatypes::{
    DataType, Field, Schema, SchemaRef, TimeUnit, DECIMAL128_MAX_PRECISION, DECIMAL128_MAX_SCALE,
};

use anytable_core::{ColumnSchema, TableSchema, ValueType};

/// Arrow's canonical extension-type key, on JSON and UUID fields.
pub const EXTENSION_NAME: &str = "ARROW:extension:name";

/// The time zone of timestamp fields: anytable's timestamps are UTC instants. An offset, as
/// Arrow reads those without a time zone database ("UTC" would need arrow's `chrono-tz`).
pub const UTC: &str = "+00:00";

/// The Arrow type a column of `column`'s type is read as and written from.
///
/// | anytable | Arrow |
/// |---|---|
/// | i16, i32, i64 (and the narrow types kept in them) | Int16, Int32, Int64 |
/// | f64 (and f32) | Float64 |
/// | bool, text, bytes | Boolean, Utf8, Binary |
/// | timestamp | Timestamp(Microsecond, "+00:00") |
/// | datetime, date, time | Timestamp(Microsecond, none), Date32, Time64(Microsecond) |
/// | decimal of scale s | Decimal128(38, s) |
/// | json | Utf8, extension `arrow.json` |
/// | uuid | FixedSizeBinary(16), extension `arrow.uuid` |
pub fn data_type(column: &ColumnSchema) -> DataType {
    match column.ty {
        ValueType::I16 => DataType::Int16,
        ValueType::I32 => DataType::Int32,
        ValueType::I64 => DataType::Int64,
        ValueType::F64 => DataType::Float64,
        ValueType::Bool => DataType::Boolean,
        ValueType::Bytes => DataType::Binary,
        ValueType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
        ValueType::DateTime => DataType::Timestamp(TimeUnit::Microsecond, None),
        ValueType::Date => DataType::Date32,
        ValueType::Time => DataType::Time64(TimeUnit::Microsecond),
        ValueType::Decimal => DataType::Decimal128(
            anytable_core::sql::DECIMAL_PRECISION as u8,
            column.scale.unwrap_or(0) as i8,
        ),
        ValueType::Uuid => DataType::FixedSizeBinary(16),
        // Text, JSON, and any type newer than this mapping travel as text.
        _ => DataType::Utf8,
    }
}

/// The Arrow field of `column`: its name, type, nullability, and the extension name of JSON
/// and UUID columns.
pub fn field(column: &ColumnSchema) -> Field {
    let field = Field::new(&column.name, data_type(column), column.nullable);
    let extension = match column.ty {
        ValueType::Json => "arrow.json",
        ValueType::Uuid => "arrow.uuid",
        _ => return field,
    };
    field.with_metadata(HashMap::from([(
        EXTENSION_NAME.to_owned(),
        extension.to_owned(),
    )]))
}

/// The Arrow schema of a table's rows, every column in order.
pub fn schema(table: &TableSchema) -> SchemaRef {
    Arc::new(Schema::new(
        table.columns.iter().map(field).collect::<Vec<_>>(),
    ))
}

/// How an Arrow column of type `found` becomes what `column` stores.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fit {
    /// Read as it is: its own type, or a UTC timestamp in another zone (the same instant).
    Exact,
    /// Cast to this type first, failing on any value that does not fit (never NULL instead).
    Cast(DataType),
    /// Of another kind (text for a number, ...): refused.
    No,
}

/// Whether, and how, an Arrow column of type `found` holds what `column` stores. Casts stay
/// within one kind: integers of any width, floats and integers for a float column, any text
/// or binary layout, timestamps, dates and times of any unit (finer digits than microseconds
/// are dropped, as on every write), decimals of any precision and scale (read at their own
/// scale, then checked as every write), and dictionary-encoded columns of those.
pub(crate) fn fit(column: &ColumnSchema, found: &DataType) -> Fit {
    use DataType::*;
    let want = data_type(column);
    if want == *found {
        return Fit::Exact;
    }
    let integer = |t: &DataType| t.is_integer();
    let same_kind = match (&want, found) {
        // Read at its own scale and checked as every write: an arrow cast to the column's
        // scale would round digits past it instead of refusing them.
        (Decimal128(..), Decimal128(..)) => return Fit::Exact,
        (Decimal128(..), Decimal256(_, scale)) if *scale <= DECIMAL128_MAX_SCALE => {
            return Fit::Cast(Decimal128(DECIMAL128_MAX_PRECISION, *scale))
        }
        // Dictionary-encoded values (categoricals, DuckDB's enums) are written as the values.
        (want, Dictionary(_, values)) if !matches!(want, Decimal128(..)) => {
            fit(column, values) != Fit::No
        }
        (Timestamp(TimeUnit::Microsecond, Some(_)), Timestamp(TimeUnit::Microsecond, Some(_))) => {
            return Fit::Exact
        }
        (Int16 | Int32 | Int64, f) => integer(f),
        (Float64, f) => integer(f) || f.is_floating(),
        (Utf8, LargeUtf8 | Utf8View) => true,
        (Binary, LargeBinary | BinaryView) => true,
        (Timestamp(_, w), Timestamp(_, f)) => w.is_some() == f.is_some(),
        (Date32, Date64) => true,
        (Time64(_), Time32(_) | Time64(_)) => true,
        _ => false,
    };
    if same_kind {
        Fit::Cast(want)
    } else {
        Fit::No
    }
}
