//! Binding anytable values with the exact type Postgres expects, and decoding rows.
//!
//! Postgres refuses a bind whose wire type differs from the parameter's (an `int8` for an
//! `int4` column, say), so each value is encoded as the type the server inferred for its
//! placeholder, converting losslessly where it can and failing with `TypeMismatch` where not.

use anytable_core::{reading, Error, Result, Value, ValueType};
use chrono::{DateTime, Utc};
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
            // Each only as its own type: the driver's encoders write their bytes whatever the
            // type asked (a date's day count where an int4 was inferred).
            Value::Bool(b) => match *ty {
                Type::BOOL => b.to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
            Value::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    s.as_str().to_sql(ty, out)
                }
                _ => Err(mismatch(v, ty)),
            },
            Value::Bytes(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
            Value::Timestamp(t) => match *ty {
                Type::TIMESTAMPTZ => t.to_sql(ty, out),
                Type::TIMESTAMP => t.naive_utc().to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
            Value::Date(d) => match *ty {
                Type::DATE => d.to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
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
            Value::Json(j) => match *ty {
                Type::JSON | Type::JSONB => j.to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
            Value::Uuid(u) => match *ty {
                Type::UUID => u.to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
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
    /// Plans reading a column of `column_type` as `want`, by anytable's one rule
    /// ([`reading::reads_as`]) for the types anytable knows, and by the driver's for others.
    pub(crate) fn new(column_type: &Type, want: ValueType) -> Self {
        let ty = column_type;
        let accepted = match held(ty) {
            Some(held) => reading::reads_as(held, want),
            None => match want {
                ValueType::Text => <String as FromSql>::accepts(ty),
                ValueType::Bytes => <Vec<u8> as FromSql>::accepts(ty),
                // A value type newer than this backend, or a type no rule covers.
                _ => false,
            },
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
            return Err(match held(ty) {
                Some(held) => reading::refused(held, want),
                None => failed(format!("cannot read {ty} as {want}").into()),
            });
        }
        let integer = || -> Result<i64> {
            Ok(match *ty {
                Type::INT2 => i64::from(i16::from_sql(ty, raw).map_err(failed)?),
                Type::INT4 => i64::from(i32::from_sql(ty, raw).map_err(failed)?),
                _ => i64::from_sql(ty, raw).map_err(failed)?,
            })
        };
        Ok(match want {
            ValueType::I16 | ValueType::I32 | ValueType::I64 => match *ty {
                Type::NUMERIC => reading::integer_as(
                    crate::numeric::to_i64(raw).map_err(|e| failed(e.into()))?,
                    want,
                )?,
                _ => reading::integer_as(integer()?, want)?,
            },
            ValueType::F64 => Value::F64(match *ty {
                Type::FLOAT4 => f64::from(f32::from_sql(ty, raw).map_err(failed)?),
                Type::FLOAT8 => f64::from_sql(ty, raw).map_err(failed)?,
                Type::NUMERIC => crate::numeric::to_f64(raw).map_err(|e| failed(e.into()))?,
                _ => integer()? as f64,
            }),
            ValueType::Bool => Value::Bool(FromSql::from_sql(ty, raw).map_err(failed)?),
            ValueType::Text if matches!(*ty, Type::JSON | Type::JSONB) => Value::Text(
                reading::json_text(&FromSql::from_sql(ty, raw).map_err(failed)?),
            ),
            ValueType::Text => Value::Text(FromSql::from_sql(ty, raw).map_err(failed)?),
            ValueType::Bytes => Value::Bytes(FromSql::from_sql(ty, raw).map_err(failed)?),
            ValueType::Timestamp if *ty == Type::TIMESTAMP => Value::Timestamp(
                chrono::NaiveDateTime::from_sql(ty, raw)
                    .map_err(failed)?
                    .and_utc(),
            ),
            ValueType::Timestamp => Value::Timestamp(FromSql::from_sql(ty, raw).map_err(failed)?),
            ValueType::Date => Value::Date(FromSql::from_sql(ty, raw).map_err(failed)?),
            ValueType::DateTime if *ty == Type::TIMESTAMPTZ => Value::DateTime(
                DateTime::<Utc>::from_sql(ty, raw)
                    .map_err(failed)?
                    .naive_utc(),
            ),
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
            ValueType::Decimal if *ty == Type::NUMERIC => {
                Value::Decimal(crate::numeric::to_decimal(raw).map_err(|e| failed(e.into()))?)
            }
            ValueType::Decimal => Value::Decimal(integer()?.into()),
            ValueType::Json if held(ty) == Some(ValueType::Text) => {
                let text = <&str as FromSql>::from_sql(ty, raw).map_err(failed)?;
                Value::Json(serde_json::from_str(text).map_err(|e| {
                    Error::type_mismatch(format!("cannot read {text:?} as json: {e}"))
                })?)
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

/// The parameter types to prepare a statement with again, where the server inferred a type
/// the value cannot be bound as: `text` (inferred for a placeholder with nothing around it to
/// give it a type, `SELECT ?`) for a value of another type, which gets its own type; and a
/// narrow integer (`smallint`, `integer`: a filter on an adopted narrow column) for an integer
/// outside its range, which gets `bigint`, so the comparison is made on the whole value as
/// SQLite and DuckDB make it. The inferred types elsewhere; `None` when every one serves.
pub(crate) fn retyped(inferred: &[Type], values: &[Value]) -> Option<Vec<Type>> {
    if inferred.len() != values.len() {
        // The count check reports it.
        return None;
    }
    let mut changed = false;
    let types = inferred
        .iter()
        .zip(values)
        .map(|(ty, value)| {
            let better = match *ty {
                Type::TEXT => own_type(value),
                Type::INT2 | Type::INT4 if !fits(ty, value) => Some(Type::INT8),
                Type::INT2_ARRAY | Type::INT4_ARRAY => match value {
                    Value::List(items) if !items.iter().all(|v| fits(&element(ty), v)) => {
                        Some(Type::INT8_ARRAY)
                    }
                    _ => None,
                },
                _ => None,
            };
            match better {
                Some(better) => {
                    changed = true;
                    better
                }
                None => ty.clone(),
            }
        })
        .collect();
    changed.then_some(types)
}

/// The element type of a narrow integer array type.
fn element(array: &Type) -> Type {
    if *array == Type::INT2_ARRAY {
        Type::INT2
    } else {
        Type::INT4
    }
}

/// Whether `value` binds as the narrow integer type `ty` (anything not an integer does: its
/// mismatch is reported when bound).
fn fits(ty: &Type, value: &Value) -> bool {
    let n = match *value {
        Value::I32(n) => i64::from(n),
        Value::I64(n) => n,
        _ => return true,
    };
    if *ty == Type::INT2 {
        i16::try_from(n).is_ok()
    } else {
        i32::try_from(n).is_ok()
    }
}

/// The PostgreSQL type a value of anytable's is stored as; `None` for text, NULL and lists.
fn own_type(value: &Value) -> Option<Type> {
    Some(match value {
        Value::I16(_) => Type::INT2,
        Value::I32(_) => Type::INT4,
        Value::I64(_) => Type::INT8,
        Value::F64(_) => Type::FLOAT8,
        Value::Bool(_) => Type::BOOL,
        Value::Bytes(_) => Type::BYTEA,
        Value::Timestamp(_) => Type::TIMESTAMPTZ,
        Value::Date(_) => Type::DATE,
        Value::DateTime(_) => Type::TIMESTAMP,
        Value::Time(_) => Type::TIME,
        Value::Decimal(_) => Type::NUMERIC,
        Value::Json(_) => Type::JSONB,
        Value::Uuid(_) => Type::UUID,
        _ => return None,
    })
}

/// What a column of `ty` holds, for the types anytable's reading rule covers.
fn held(ty: &Type) -> Option<ValueType> {
    Some(match *ty {
        Type::INT2 => ValueType::I16,
        Type::INT4 => ValueType::I32,
        Type::INT8 => ValueType::I64,
        Type::NUMERIC => ValueType::Decimal,
        Type::FLOAT4 | Type::FLOAT8 => ValueType::F64,
        Type::BOOL => ValueType::Bool,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => ValueType::Text,
        Type::BYTEA => ValueType::Bytes,
        Type::TIMESTAMPTZ => ValueType::Timestamp,
        Type::TIMESTAMP => ValueType::DateTime,
        Type::DATE => ValueType::Date,
        Type::TIME => ValueType::Time,
        Type::JSON | Type::JSONB => ValueType::Json,
        Type::UUID => ValueType::Uuid,
        _ => return None,
    })
}
