//! A [`RecordBatch`]'s cells as [`Value`]s of the columns they are written to.

use arrow::array::{Array, AsArray, BinaryArray, BooleanArray, FixedSizeBinaryArray, StringArray};
use arrow::datatypes::{
    Date32Type, Decimal128Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Time64MicrosecondType, TimestampMicrosecondType,
};

use anytable_core::chrono::{DateTime, NaiveTime};
use anytable_core::{
    rust_decimal, serde_json, uuid, ColumnSchema, Error, Result, Value, ValueType,
};

use super::build::date_from_days;

/// Reads the cells of one Arrow column, already checked to be of the type its column maps to.
pub(crate) struct CellReader<'a> {
    array: &'a dyn Array,
    column: &'a ColumnSchema,
}

impl<'a> CellReader<'a> {
    pub(crate) fn new(array: &'a dyn Array, column: &'a ColumnSchema) -> Self {
        CellReader { array, column }
    }

    /// The value in row `i`.
    pub(crate) fn value(&self, i: usize) -> Result<Value> {
        let a = self.array;
        if a.is_null(i) {
            return Ok(Value::Null);
        }
        let out_of_range = |what: &str| {
            Error::invalid_input(format!(
                "column {:?}: the Arrow {what} in row {i} is out of range",
                self.column.name
            ))
        };
        Ok(match self.column.ty {
            ValueType::I16 => Value::I16(a.as_primitive::<Int16Type>().value(i)),
            ValueType::I32 => Value::I32(a.as_primitive::<Int32Type>().value(i)),
            ValueType::I64 => Value::I64(a.as_primitive::<Int64Type>().value(i)),
            ValueType::F64 => Value::F64(a.as_primitive::<Float64Type>().value(i)),
            ValueType::Bool => Value::Bool(downcast::<BooleanArray>(a).value(i)),
            ValueType::Bytes => Value::Bytes(downcast::<BinaryArray>(a).value(i).to_vec()),
            ValueType::Timestamp => {
                let micros = a.as_primitive::<TimestampMicrosecondType>().value(i);
                Value::Timestamp(
                    DateTime::from_timestamp_micros(micros)
                        .ok_or_else(|| out_of_range("timestamp"))?,
                )
            }
            ValueType::DateTime => {
                let micros = a.as_primitive::<TimestampMicrosecondType>().value(i);
                Value::DateTime(
                    DateTime::from_timestamp_micros(micros)
                        .ok_or_else(|| out_of_range("timestamp"))?
                        .naive_utc(),
                )
            }
            ValueType::Date => Value::Date(
                date_from_days(a.as_primitive::<Date32Type>().value(i))
                    .ok_or_else(|| out_of_range("date"))?,
            ),
            ValueType::Time => {
                let micros = a.as_primitive::<Time64MicrosecondType>().value(i);
                let (secs, micros) = (micros.div_euclid(1_000_000), micros.rem_euclid(1_000_000));
                Value::Time(
                    u32::try_from(secs)
                        .ok()
                        .and_then(|s| {
                            NaiveTime::from_num_seconds_from_midnight_opt(s, micros as u32 * 1_000)
                        })
                        .ok_or_else(|| out_of_range("time"))?,
                )
            }
            ValueType::Decimal => {
                let array = a.as_primitive::<Decimal128Type>();
                Value::Decimal(
                    decimal(array.value(i), array.scale())
                        .ok_or_else(|| out_of_range("decimal"))?,
                )
            }
            ValueType::Json => {
                let text = downcast::<StringArray>(a).value(i);
                Value::Json(serde_json::from_str(text).map_err(|e| {
                    Error::invalid_input(format!(
                        "column {:?}: row {i} holds no JSON document: {e}",
                        self.column.name
                    ))
                })?)
            }
            ValueType::Uuid => Value::Uuid(
                uuid::Uuid::from_slice(downcast::<FixedSizeBinaryArray>(a).value(i))
                    .map_err(|_| out_of_range("uuid"))?,
            ),
            _ => Value::Text(downcast::<StringArray>(a).value(i).to_owned()),
        })
    }
}

/// An Arrow decimal's value at its own scale (negative: a multiple of a power of ten), as
/// exact as `Decimal` holds it: zeros past its 28 digits after the point are dropped, anything
/// else that does not fit is `None`.
fn decimal(mut mantissa: i128, scale: i8) -> Option<rust_decimal::Decimal> {
    let mut scale = i32::from(scale);
    if scale < 0 {
        mantissa = mantissa.checked_mul(10i128.checked_pow(scale.unsigned_abs())?)?;
        scale = 0;
    }
    anytable_core::exact_decimal(mantissa, u32::try_from(scale).ok()?)
}

/// The array as its concrete type, which the schema check made sure of.
fn downcast<T: 'static>(array: &dyn Array) -> &T {
    array
        .as_any()
        .downcast_ref::<T>()
        .expect("the column's Arrow type was checked against the table before reading")
}

#[cfg(test)]
mod tests {
    use super::decimal;
    use anytable_core::rust_decimal::Decimal;

    #[test]
    fn arrow_decimals_read_exactly_or_not_at_all() {
        assert_eq!(decimal(1234, 2), Some(Decimal::new(1234, 2)));
        assert_eq!(decimal(12, -2), Some(Decimal::from(1200)));
        // 1.5 at scale 31: zeros past Decimal's 28 digits go, the number stays.
        assert_eq!(decimal(15 * 10i128.pow(30), 31), Some(Decimal::new(15, 1)));
        // A digit at the 29th place has no exact Decimal.
        assert_eq!(decimal(1, 29), None);
        assert_eq!(decimal(i128::MAX, -2), None);
        // Past Decimal's 96 bits.
        assert_eq!(decimal(1i128 << 100, 0), None);
    }
}
