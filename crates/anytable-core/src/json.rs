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
            Ok(mut doc) => {
                normalize_json(&mut doc);
                Value::Json(doc)
            }
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

/// The deepest nesting of arrays and objects a stored document may have: serde_json, which
/// reads every document back on every backend, refuses 128 levels, so a deeper one would be
/// written and then never readable; it is refused instead.
pub const MAX_JSON_DEPTH: usize = 127;

/// How deeply `doc`'s arrays and objects nest (a scalar is 0), counted without recursion so
/// that no document can overflow the stack here.
pub fn json_depth(doc: &serde_json::Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(doc, 0usize)];
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &serde_json::Value>> = match value {
            serde_json::Value::Array(items) => Box::new(items.iter()),
            serde_json::Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        deepest = deepest.max(depth + 1);
        stack.extend(children.map(|child| (child, depth + 1)));
    }
    deepest
}

/// `doc` with its numbers in the form every engine hands back unchanged. PostgreSQL's jsonb
/// writes numbers in plain decimal notation, so a whole float that serde_json writes with an
/// exponent (`1e16`) came back as an integer there and as a float elsewhere, and `-0.0` came
/// back as `0.0` there only: anytable makes such a float the integer (within `i64`/`u64`) and
/// `-0.0` zero before writing, on every backend (as `-0.0` in a float column).
pub fn normalize_json(doc: &mut serde_json::Value) {
    let mut stack = vec![doc];
    while let Some(value) = stack.pop() {
        match value {
            serde_json::Value::Array(items) => stack.extend(items.iter_mut()),
            serde_json::Value::Object(map) => stack.extend(map.values_mut()),
            serde_json::Value::Number(n) if n.is_f64() => {
                if let Some(whole) = n.as_f64().and_then(plain_number) {
                    *n = whole;
                }
            }
            _ => {}
        }
    }
}

/// The number `f` reads back as from PostgreSQL's plain notation, where that is not `f` itself.
fn plain_number(f: f64) -> Option<serde_json::Number> {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if f == 0.0 && f.is_sign_negative() {
        return serde_json::Number::from_f64(0.0);
    }
    // serde_json writes floats of 1e16 and above with an exponent (ryu's form).
    if f.fract() != 0.0 || f.abs() < 1e16 {
        return None;
    }
    if f > 0.0 && f < 2.0 * TWO_POW_63 {
        Some(serde_json::Number::from(f as u64))
    } else if (-TWO_POW_63..0.0).contains(&f) {
        Some(serde_json::Number::from(f as i64))
    } else {
        None
    }
}

/// The first number of `doc` that would not read back from PostgreSQL's jsonb, which writes
/// every number in plain decimal notation: serde_json cannot read the 309 digits of a float
/// near `f64::MAX` (it overflows on the way), so such a document would be stored and then
/// never readable. Only floats past `u64` are written differently, so only they are tried.
pub fn unreadable_json_number(doc: &serde_json::Value) -> Option<f64> {
    let mut stack = vec![doc];
    while let Some(value) = stack.pop() {
        match value {
            serde_json::Value::Array(items) => stack.extend(items.iter()),
            serde_json::Value::Object(map) => stack.extend(map.values()),
            serde_json::Value::Number(n) => {
                let Some(f) = n.as_f64().filter(|_| n.is_f64()) else {
                    continue;
                };
                if f.abs() >= 1.8e19 && !plain_form_reads_back(f) {
                    return Some(f);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether `f` written in plain decimal notation (as jsonb writes it) reads back as `f`.
fn plain_form_reads_back(f: f64) -> bool {
    let Some(number) = serde_json::Number::from_f64(f) else {
        return false;
    };
    let text = number.to_string();
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.trim_start_matches('+').parse::<i32>().unwrap_or(0)),
        None => (text.as_str(), 0),
    };
    let negative = mantissa.starts_with('-');
    let mantissa = mantissa.trim_start_matches('-');
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let zeros = exponent - fraction.len() as i32;
    if zeros < 0 {
        // Not a whole number in plain form: jsonb keeps it as short as serde_json writes it.
        return true;
    }
    let plain = format!(
        "{}{digits}{}",
        if negative { "-" } else { "" },
        "0".repeat(zeros as usize)
    );
    serde_json::from_str::<serde_json::Value>(&plain).is_ok_and(|back| back.as_f64() == Some(f))
}

#[cfg(test)]
mod normal_form_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_floats_with_exponents_become_integers_and_negative_zero_zero() {
        let mut doc = json!([
            1e16,
            -1e16,
            1.5e17,
            -0.0,
            1.0,
            0.5,
            1e-7,
            1e20,
            9007199254740993.0
        ]);
        normalize_json(&mut doc);
        assert_eq!(
            doc.to_string(),
            "[10000000000000000,-10000000000000000,150000000000000000,0.0,1.0,0.5,1e-7,1e+20,9007199254740992.0]"
        );
    }

    #[test]
    fn floats_near_the_top_do_not_read_back_in_plain_form() {
        assert_eq!(unreadable_json_number(&json!([1e20, 1e300, -1e308])), None);
        assert_eq!(
            unreadable_json_number(&json!({"a": [1.7976931348623157e308]})),
            Some(f64::MAX)
        );
        assert_eq!(unreadable_json_number(&json!(-f64::MAX)), Some(-f64::MAX));
    }

    #[test]
    fn depth_counts_nested_arrays_and_objects() {
        assert_eq!(json_depth(&json!(1)), 0);
        assert_eq!(json_depth(&json!([])), 1);
        assert_eq!(json_depth(&json!({"a": [1, {"b": []}]})), 4);
        let mut deep = json!(0);
        for _ in 0..MAX_JSON_DEPTH {
            deep = json!([deep]);
        }
        assert_eq!(json_depth(&deep), MAX_JSON_DEPTH);
        let text = deep.to_string();
        assert!(
            serde_json::from_str::<serde_json::Value>(&text).is_ok(),
            "127 levels read back"
        );
        let deeper = json!([deep]);
        assert!(
            serde_json::from_str::<serde_json::Value>(&deeper.to_string()).is_err(),
            "128 do not"
        );
    }
}
