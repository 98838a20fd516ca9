//! [`FromRow`]: the typed result of a hand-written query: a tuple of field types, each decoded
//! the way a record's field of that type is, the same on every backend.

use crate::error::{Error, ErrorKind, Result};
use crate::value::{ColumnValue, Value, ValueType};

/// A query result row as a Rust type: the column types to ask the backend for, and how to
/// build the value from them.
///
/// Implemented for tuples of one to eight field types (`(i64,)`, `(String, Option<f64>)`, ...):
/// the columns are decoded in order, exactly as record fields of those types are.
pub trait FromRow: Sized {
    /// The type of each column, in order.
    fn types() -> Vec<ValueType>;
    /// Builds the row from its column values (taken out of the slice).
    fn from_row(values: &mut [Value]) -> Result<Self>;
}

fn column<T: ColumnValue>(values: &mut [Value], index: usize) -> Result<T> {
    let value = values.get_mut(index).map(std::mem::take).ok_or_else(|| {
        Error::new(
            ErrorKind::TypeMismatch,
            format!("the row has no column {}", index + 1),
        )
    })?;
    T::from_value(value).map_err(|e| e.in_column(&format!("#{}", index + 1)))
}

macro_rules! tuple_from_row {
    ($($name:ident $index:tt),+) => {
        impl<$($name: ColumnValue),+> FromRow for ($($name,)+) {
            fn types() -> Vec<ValueType> {
                vec![$($name::TYPE),+]
            }
            fn from_row(values: &mut [Value]) -> Result<Self> {
                Ok(($(column::<$name>(values, $index)?,)+))
            }
        }
    };
}

tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuples_decode_in_order_and_name_the_column_that_fails() {
        assert_eq!(
            <(i64, Option<String>)>::types(),
            [ValueType::I64, ValueType::Text]
        );
        let mut values = vec![Value::I64(7), Value::Null];
        assert_eq!(
            <(i64, Option<String>)>::from_row(&mut values).unwrap(),
            (7, None)
        );
        let mut values = vec![Value::I64(7), Value::Null];
        let err = <(i64, String)>::from_row(&mut values).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TypeMismatch);
        assert!(err.to_string().contains("#2"), "{err}");
    }
}
