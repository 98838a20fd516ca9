//! [`Json<T>`]: any serde type stored as one JSON document.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::value::{mismatch, ColumnValue, Value, ValueType};

/// A `T` stored as the engine's JSON type (PostgreSQL `JSONB`, DuckDB `JSON`, SQLite text).
///
/// The document is `serde_json`'s form of `T`, so it reads back exactly as written when `T`
/// round-trips through serde_json (maps with non-text keys do not: writing one is refused with
/// `InvalidInput`, serde's message in it). A stored document that does not fit `T` is a
/// `TypeMismatch` carrying serde's message. Filters compare whole documents, as for
/// `serde_json::Value` fields.
///
/// ```
/// use anytable_core::{ColumnValue, Json};
///
/// #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
/// struct Settings { theme: String, width: u32 }
///
/// let stored = Json(Settings { theme: "dark".into(), width: 80 }).to_value();
/// let back = Json::<Settings>::from_value(stored).unwrap();
/// assert_eq!(back.0, Settings { theme: "dark".into(), width: 80 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The document as its Rust value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> From<T> for Json<T> {
    fn from(value: T) -> Self {
        Json(value)
    }
}

impl<T: Serialize + DeserializeOwned> ColumnValue for Json<T> {
    const TYPE: ValueType = ValueType::Json;
    fn to_value(&self) -> Value {
        match serde_json::to_value(&self.0) {
            Ok(doc) => Value::Json(doc),
            Err(e) => Value::Invalid(format!(
                "a {} cannot be stored as JSON: {e}",
                std::any::type_name::<T>()
            )),
        }
    }
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Json(doc) => serde_json::from_value(doc).map(Json).map_err(|e| {
                Error::type_mismatch(format!(
                    "the stored JSON document does not fit {}: {e}",
                    std::any::type_name::<T>()
                ))
            }),
            other => Err(mismatch(ValueType::Json, &other)),
        }
    }
}

impl<T: Serialize + DeserializeOwned> From<Json<T>> for Value {
    fn from(v: Json<T>) -> Value {
        v.to_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_document_of_another_shape_is_a_type_mismatch_with_serdes_message() {
        let err =
            Json::<Vec<u32>>::from_value(Value::Json(serde_json::json!({"a": 1}))).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::TypeMismatch);
        assert!(err.message().contains("invalid type: map"), "{err}");
    }

    #[test]
    fn a_map_serde_json_cannot_write_has_no_stored_form() {
        let map: BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        assert!(matches!(Json(map).to_value(), Value::Invalid(_)));
    }
}
