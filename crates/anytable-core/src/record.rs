//! The trait `#[derive(Record)]` implements: how a struct maps to a table row.

use crate::error::{Error, Result};
use crate::schema::TableSchema;
use crate::value::Value;

/// A Rust type stored as one row of a table.
///
/// Derive it with `#[derive(Record)]` rather than implementing it by hand; the derive
/// checks the declaration at compile time.
pub trait Record: Sized + Send + 'static {
    /// What `insert` returns: `i64` when the record has an id column, `()` otherwise.
    type Id: RecordId;

    /// The table's name, as a constant: other records' foreign keys name it without calling
    /// [`schema`](Self::schema) (which may be theirs, still being built).
    const TABLE: &'static str;

    /// The name of the id column, if the record has one.
    const ID_COLUMN: Option<&'static str>;

    /// The table this record type declares.
    fn schema() -> &'static TableSchema;

    /// Appends the values of the data columns (those not filled by the database), in schema order.
    fn write_values(&self, out: &mut Vec<Value>);

    /// Builds a record from the values of every column, in schema order.
    ///
    /// Values are taken out of the slice (left as NULL) to avoid copies.
    fn read_values(values: &mut [Value]) -> Result<Self>;

    /// Whether the values of every column, in schema order, would read back as a record
    /// ([`read_values`](Self::read_values)) without building one; the derive checks field by
    /// field. The default reads a copy.
    fn check_values(values: &[Value]) -> Result<()> {
        Self::read_values(&mut values.to_vec()).map(drop)
    }

    /// Stores the database-filled values (id, added, updated), in schema order.
    fn set_generated(&mut self, values: &mut [Value]) -> Result<()>;
}

/// The id type handed back by [`Table::insert`](crate::Table::insert).
pub trait RecordId: Sized + Send + 'static {
    /// Builds the id from the new row's id column, if the table has one.
    fn from_new_row(id: Option<i64>) -> Result<Self>;
}

impl RecordId for i64 {
    fn from_new_row(id: Option<i64>) -> Result<Self> {
        id.ok_or_else(|| {
            Error::new(
                crate::ErrorKind::Other,
                "the database returned no id for the new row",
            )
        })
    }
}

impl RecordId for () {
    fn from_new_row(_: Option<i64>) -> Result<Self> {
        Ok(())
    }
}

/// Support code the derive expands to; not part of the public API.
#[doc(hidden)]
pub mod derive_support {
    use super::*;
    use crate::value::ColumnValue;

    /// Converts a `default = <literal>` to the column's value type, checked at compile time.
    pub fn default_value<T, V: crate::value::ValueFor<T>>(literal: V) -> Value {
        literal.into_value()
    }

    /// The id column of a record a foreign key references; only records with an id qualify.
    pub fn id_column<T: Record<Id = i64>>() -> &'static str {
        T::ID_COLUMN.unwrap_or("id")
    }

    /// Whether `T` is stored as a decimal, for the derive's compile-time check of `scale`.
    pub const fn is_decimal<T: ColumnValue>() -> bool {
        matches!(T::TYPE, crate::value::ValueType::Decimal)
    }

    /// The error for a stored text that names no variant of a `#[derive(Enum)]` enum.
    #[cold]
    pub fn unknown_variant(enum_name: &str, text: &str, names: &str) -> Error {
        Error::type_mismatch(format!(
            "the stored text {text:?} names no variant of {enum_name} (stored names: {names})"
        ))
    }

    /// The error for a value that is not text where a `#[derive(Enum)]` enum is read.
    #[cold]
    pub fn not_text(enum_name: &str, got: &Value) -> Error {
        Error::type_mismatch(format!(
            "expected the text of a {enum_name} variant, got {}",
            got.type_name()
        ))
    }

    /// Checks that one field's value would read back, naming the column in any error.
    pub fn check_field<T: ColumnValue>(values: &[Value], index: usize, column: &str) -> Result<()> {
        let value = values.get(index).ok_or_else(|| {
            Error::new(
                crate::ErrorKind::SchemaMismatch,
                format!("row has no value for column {column:?} (position {index})"),
            )
        })?;
        T::check_stored(value).map_err(|e| e.in_column(column))
    }

    /// Reads one field, naming the column in any error.
    #[inline]
    pub fn field<T: ColumnValue>(values: &mut [Value], index: usize, column: &str) -> Result<T> {
        let value = values
            .get_mut(index)
            .map(|v| std::mem::replace(v, Value::Null))
            .ok_or_else(|| {
                Error::new(
                    crate::ErrorKind::SchemaMismatch,
                    format!("row has no value for column {column:?} (position {index})"),
                )
            })?;
        T::from_value(value).map_err(|e| e.in_column(column))
    }
}
