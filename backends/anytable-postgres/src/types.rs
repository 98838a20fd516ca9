//! Binding anytable values with the exact type Postgres expects, and decoding rows.
//!
//! Postgres refuses a bind whose wire type differs from the parameter's (an `int8` for an
//! `int4` column, say), so each value is encoded as the type the server inferred for its
//! placeholder, converting losslessly where it can and failing with `TypeMismatch` where not.

use anytable_core::{Error, Result, Value, ValueType};
use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::types::{to_sql_checked, FromSql, IsNull, Kind, ToSql, Type};
use tokio_postgres::Row;

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
            Value::DateTime(t) => match *ty {
                Type::TIMESTAMP => t.to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
            Value::Time(t) => match *ty {
                Type::TIME => t.to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
            Value::Decimal(d) => match *ty {
                Type::NUMERIC => {
                    crate::numeric::from_decimal(d, out);
                    Ok(IsNull::No)
                }
                _ => Err(mismatch(v, ty)),
            },
            Value::Json(j) => j.to_sql(ty, out),
            Value::Uuid(u) => u.to_sql(ty, out),
            // An IN list as one array parameter (`= ANY($1)`), each element as the element type.
            Value::List(items) => match ty.kind() {
                Kind::Array(_) => {
                    let binds: Vec<Bind<'_>> = items.iter().map(Bind).collect();
                    binds.to_sql(ty, out)
                }
                _ => Err(mismatch(v, ty)),
            },
            // A value type newer than this backend.
            _ => Err(mismatch(v, ty)),
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

/// Reads one result column as the value type the record wants; planned once per statement so
/// the per-row work is one match and the driver's decoder, without re-checking types.
pub(crate) struct ColumnReader {
    want: ValueType,
    column_type: Type,
    accepted: bool,
}

impl ColumnReader {
    /// Plans reading a column of `column_type` as `want`.
    pub(crate) fn new(column_type: &Type, want: ValueType) -> Self {
        let ty = column_type;
        let accepted = match want {
            // NUMERIC is what PostgreSQL's own SUM and AVG of integers return: hand-written
            // SQL reads them as the other engines' answers are read.
            ValueType::I16 | ValueType::I32 | ValueType::I64 => {
                matches!(*ty, Type::INT2 | Type::INT4 | Type::INT8 | Type::NUMERIC)
            }
            ValueType::F64 => matches!(*ty, Type::FLOAT4 | Type::FLOAT8 | Type::NUMERIC),
            ValueType::Bool => <bool as FromSql>::accepts(ty),
            ValueType::Text => <String as FromSql>::accepts(ty),
            ValueType::Bytes => <Vec<u8> as FromSql>::accepts(ty),
            // `timestamp without time zone` of an adopted table reads as UTC.
            ValueType::Timestamp => {
                <DateTime<Utc> as FromSql>::accepts(ty) || *ty == Type::TIMESTAMP
            }
            ValueType::Date => <NaiveDate as FromSql>::accepts(ty),
            ValueType::DateTime => *ty == Type::TIMESTAMP,
            ValueType::Time => *ty == Type::TIME,
            ValueType::Decimal => *ty == Type::NUMERIC,
            ValueType::Json => <serde_json::Value as FromSql>::accepts(ty),
            ValueType::Uuid => <uuid::Uuid as FromSql>::accepts(ty),
            // A value type newer than this backend: reading it fails with TypeMismatch.
            _ => false,
        };
        ColumnReader {
            want,
            column_type: ty.clone(),
            accepted,
        }
    }

    /// Reads column `i` of `row`.
    pub(crate) fn read(&self, row: &Row, i: usize) -> Result<Value> {
        let (want, ty) = (self.want, &self.column_type);
        let failed = |e: BoxError| {
            Error::type_mismatch(format!("expected {want}, the database holds {ty}: {e}"))
        };
        let raw = match row.try_get::<_, Raw<'_>>(i) {
            Ok(Raw(Some(raw))) => raw,
            // A NULL reads as NULL whatever the column's declared type, as on the other
            // engines (a bare `SELECT NULL` is text here, of no type on DuckDB).
            Ok(Raw(None)) => return Ok(Value::Null),
            Err(e) => return Err(failed(e.into())),
        };
        if !self.accepted {
            return Err(failed(format!("cannot read {ty} as {want}").into()));
        }
        Ok(match want {
            ValueType::I16 | ValueType::I32 | ValueType::I64 => {
                let n = match *ty {
                    Type::INT2 => i64::from(i16::from_sql(ty, raw).map_err(failed)?),
                    Type::INT4 => i64::from(i32::from_sql(ty, raw).map_err(failed)?),
                    Type::NUMERIC => crate::numeric::to_i64(raw).map_err(|e| failed(e.into()))?,
                    _ => i64::from_sql(ty, raw).map_err(failed)?,
                };
                match want {
                    ValueType::I16 => Value::I16(i16::try_from(n).map_err(|_| range(n, want))?),
                    ValueType::I32 => Value::I32(i32::try_from(n).map_err(|_| range(n, want))?),
                    _ => Value::I64(n),
                }
            }
            ValueType::F64 => Value::F64(match *ty {
                Type::FLOAT4 => f64::from(f32::from_sql(ty, raw).map_err(failed)?),
                Type::NUMERIC => crate::numeric::to_f64(raw).map_err(|e| failed(e.into()))?,
                _ => f64::from_sql(ty, raw).map_err(failed)?,
            }),
            ValueType::Bool => Value::Bool(FromSql::from_sql(ty, raw).map_err(failed)?),
            ValueType::Text => Value::Text(FromSql::from_sql(ty, raw).map_err(failed)?),
            ValueType::Bytes => Value::Bytes(FromSql::from_sql(ty, raw).map_err(failed)?),
            ValueType::Timestamp if *ty == Type::TIMESTAMP => Value::Timestamp(
                chrono::NaiveDateTime::from_sql(ty, raw)
                    .map_err(failed)?
                    .and_utc(),
            ),
            ValueType::Timestamp => Value::Timestamp(FromSql::from_sql(ty, raw).map_err(failed)?),
            ValueType::Date => Value::Date(FromSql::from_sql(ty, raw).map_err(failed)?),
            ValueType::DateTime => Value::DateTime(FromSql::from_sql(ty, raw).map_err(failed)?),
            ValueType::Time => {
                // PostgreSQL's TIME reaches 24:00:00, which has no NaiveTime: the driver read
                // it as 00:00:00, the start of the day instead of its end.
                if raw.len() == 8
                    && i64::from_be_bytes(raw.try_into().unwrap_or([0; 8])) >= MICROS_PER_DAY
                {
                    return Err(Error::type_mismatch(format!(
                        "expected {want}, the database holds the time 24:00:00, which no time of \
                         day reads as (the other engines refuse it too)"
                    )));
                }
                Value::Time(FromSql::from_sql(ty, raw).map_err(failed)?)
            }
            ValueType::Decimal => {
                Value::Decimal(crate::numeric::to_decimal(raw).map_err(|e| failed(e.into()))?)
            }
            ValueType::Json => Value::Json(FromSql::from_sql(ty, raw).map_err(failed)?),
            ValueType::Uuid => Value::Uuid(FromSql::from_sql(ty, raw).map_err(failed)?),
            _ => return Err(failed(format!("cannot read {ty} as {want}").into())),
        })
    }
}

/// Microseconds in a day: PostgreSQL's TIME holds up to and including this value (24:00:00).
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A column's undecoded bytes (`None` for NULL); the type was checked when the read was planned.
struct Raw<'a>(Option<&'a [u8]>);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> std::result::Result<Self, BoxError> {
        Ok(Raw(Some(raw)))
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, BoxError> {
        Ok(Raw(None))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

fn range(n: i64, ty: ValueType) -> Error {
    Error::type_mismatch(format!("{n} does not fit in {ty}"))
}
