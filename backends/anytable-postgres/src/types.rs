//! Binding anytable values with the exact type Postgres expects, and decoding rows.
//!
//! Postgres refuses a bind whose wire type differs from the parameter's (an `int8` for an
//! `int4` column, say), so each value is encoded as the type the server inferred for its
//! placeholder, converting losslessly where it can and failing with `TypeMismatch` where not.

use anytable_core::{Error, Result, Value, ValueType};
use chrono::{DateTime, NaiveDate, Utc};
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::Row;

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// Borrows a value for binding; encodes it as the parameter's type.
#[derive(Debug)]
pub(crate) struct Bind<'a>(pub(crate) &'a Value);

fn out_of_range(value: &Value, ty: &Type) -> BoxError {
    format!("{value:?} does not fit in {ty}").into()
}

impl ToSql for Bind<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, BoxError> {
        let v = self.0;
        match v {
            Value::Null => Ok(IsNull::Yes),
            Value::I16(_) | Value::I32(_) | Value::I64(_) => {
                let n = match *v {
                    Value::I16(n) => i64::from(n),
                    Value::I32(n) => i64::from(n),
                    Value::I64(n) => n,
                    _ => unreachable!("matched above"),
                };
                match *ty {
                    Type::INT2 => i16::try_from(n)
                        .map_err(|_| out_of_range(v, ty))?
                        .to_sql(ty, out),
                    Type::INT4 => i32::try_from(n)
                        .map_err(|_| out_of_range(v, ty))?
                        .to_sql(ty, out),
                    Type::INT8 => n.to_sql(ty, out),
                    // Exact for every integer a double can hold; comparing int with float column.
                    Type::FLOAT8 => (n as f64).to_sql(ty, out),
                    _ => Err(mismatch(v, ty)),
                }
            }
            Value::F64(x) => match *ty {
                Type::FLOAT8 => x.to_sql(ty, out),
                Type::FLOAT4 => (*x as f32).to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
            Value::Bool(b) => b.to_sql(ty, out),
            Value::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    s.as_str().to_sql(ty, out)
                }
                _ => Err(mismatch(v, ty)),
            },
            Value::Bytes(b) => b.as_slice().to_sql(ty, out),
            Value::Timestamp(t) => match *ty {
                Type::TIMESTAMPTZ => t.to_sql(ty, out),
                Type::TIMESTAMP => t.naive_utc().to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
            Value::Date(d) => d.to_sql(ty, out),
            Value::Json(j) => j.to_sql(ty, out),
            Value::Uuid(u) => u.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        // Checked per value in `to_sql`, where the value is known.
        true
    }

    to_sql_checked!();
}

fn mismatch(value: &Value, ty: &Type) -> BoxError {
    format!("cannot bind {value:?} to a parameter of type {ty}").into()
}

/// Reads column `i` of `row` as `ty`.
pub(crate) fn decode(row: &Row, i: usize, ty: ValueType) -> Result<Value> {
    let column_type = row.columns()[i].type_();
    let failed = |e: postgres::Error| {
        Error::type_mismatch(format!(
            "expected {ty}, the database holds {column_type}: {e}"
        ))
    };
    Ok(match ty {
        ValueType::I16 | ValueType::I32 | ValueType::I64 => {
            let n: Option<i64> = match *column_type {
                Type::INT2 => row
                    .try_get::<_, Option<i16>>(i)
                    .map_err(failed)?
                    .map(i64::from),
                Type::INT4 => row
                    .try_get::<_, Option<i32>>(i)
                    .map_err(failed)?
                    .map(i64::from),
                _ => row.try_get::<_, Option<i64>>(i).map_err(failed)?,
            };
            match n {
                None => Value::Null,
                Some(n) => match ty {
                    ValueType::I16 => Value::I16(i16::try_from(n).map_err(|_| range(n, ty))?),
                    ValueType::I32 => Value::I32(i32::try_from(n).map_err(|_| range(n, ty))?),
                    _ => Value::I64(n),
                },
            }
        }
        ValueType::F64 => match *column_type {
            Type::FLOAT4 => opt(row.try_get::<_, Option<f32>>(i).map_err(failed)?, |x| {
                Value::F64(f64::from(x))
            }),
            _ => opt(
                row.try_get::<_, Option<f64>>(i).map_err(failed)?,
                Value::F64,
            ),
        },
        ValueType::Bool => opt(row.try_get(i).map_err(failed)?, Value::Bool),
        ValueType::Text => opt(row.try_get(i).map_err(failed)?, Value::Text),
        ValueType::Bytes => opt(row.try_get(i).map_err(failed)?, Value::Bytes),
        ValueType::Timestamp => opt(
            row.try_get::<_, Option<DateTime<Utc>>>(i).map_err(failed)?,
            Value::Timestamp,
        ),
        ValueType::Date => opt(
            row.try_get::<_, Option<NaiveDate>>(i).map_err(failed)?,
            Value::Date,
        ),
        ValueType::Json => opt(row.try_get(i).map_err(failed)?, Value::Json),
        ValueType::Uuid => opt(row.try_get(i).map_err(failed)?, Value::Uuid),
    })
}

fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    v.map_or(Value::Null, f)
}

fn range(n: i64, ty: ValueType) -> Error {
    Error::type_mismatch(format!("{n} does not fit in {ty}"))
}
