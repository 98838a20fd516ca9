//! The SQL functions the backend registers on every connection, where SQLite's own differ
//! from the other engines': Unicode lowercasing for `ilike`, an integer sum that is exact
//! whatever order the rows are added in, and a check that a float sum stayed finite.

use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::types::{Value as SqlValue, ValueRef};

/// [`fold_case`](crate::dialect::fold_case) in SQL: SQLite's own `lower()` knows ASCII only.
pub const LOWER_FUNCTION: &str = "anytable_lower";

/// An integer `SUM` over a 128-bit total: SQLite's own fails as soon as the running total
/// leaves `i64`, even when the final total fits (as it does on PostgreSQL and DuckDB).
pub const EXACT_SUM_FUNCTION: &str = "anytable_sum_exact";

/// Its argument, unless that is an infinity: SQLite keeps no infinities (`stores_nan` is
/// false), so an infinite float sum or average overflowed, and fails as on PostgreSQL.
pub const FINITE_FUNCTION: &str = "anytable_finite";

/// Registers the functions on `conn`.
pub(crate) fn register(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let pure = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function(LOWER_FUNCTION, 1, pure, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Text(bytes) => std::str::from_utf8(bytes)
                .ok()
                .map(crate::dialect::fold_case),
            _ => None,
        })
    })?;
    conn.create_scalar_function(FINITE_FUNCTION, 1, pure, |ctx| match ctx.get_raw(0) {
        ValueRef::Real(f) if f.is_infinite() => Err(overflow(anytable_core::sql::FLOAT_OVERFLOW)),
        _ => ctx.get::<SqlValue>(0),
    })?;
    conn.create_aggregate_function(EXACT_SUM_FUNCTION, 1, pure, ExactSum)
}

/// The total so far, `None` until the first non-NULL value.
struct ExactSum;

impl Aggregate<Option<i128>, SqlValue> for ExactSum {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<Option<i128>> {
        Ok(None)
    }

    fn step(&self, ctx: &mut Context<'_>, total: &mut Option<i128>) -> rusqlite::Result<()> {
        let value = match ctx.get_raw(0) {
            ValueRef::Null => return Ok(()),
            ValueRef::Integer(v) => v,
            _ => return Err(overflow("a sum of integers met a value that is not one")),
        };
        // 2^64 values of i64 fit in an i128: no overflow before the end.
        *total = Some(total.unwrap_or(0) + i128::from(value));
        Ok(())
    }

    /// The exact total as an integer. A total past `i64` is handed on as a REAL instead of
    /// failing here, so that a group HAVING leaves out does not fail the query (as on the
    /// engines that sum in NUMERIC or HUGEINT); read as an `i64` it is a `TypeMismatch`. In
    /// HAVING it compares right with every `i64` but the bound it rounds to (-2^63).
    fn finalize(
        &self,
        _: &mut Context<'_>,
        total: Option<Option<i128>>,
    ) -> rusqlite::Result<SqlValue> {
        Ok(match total.flatten() {
            None => SqlValue::Null,
            Some(total) => match i64::try_from(total) {
                Ok(fits) => SqlValue::Integer(fits),
                Err(_) => SqlValue::Real(total as f64),
            },
        })
    }
}

fn overflow(message: &str) -> rusqlite::Error {
    rusqlite::Error::UserFunctionError(message.into())
}
