//! `Record::check_values` (what `insert_arrow` asks of every row) agrees with `read_values`:
//! the same rows pass, and a refused row names the same column.

use anytable::{ErrorKind, Record, Value};

#[derive(Record, Debug)]
struct Mixed {
    #[anytable(id)]
    id: i64,
    name: String,
    small: u8,
    ratio: f32,
    maybe: Option<u16>,
    doc: anytable::serde_json::Value,
}

fn row(small: i16, ratio: f64, maybe: Value) -> Vec<Value> {
    vec![
        Value::I64(1),
        Value::Text("a".into()),
        Value::I16(small),
        Value::F64(ratio),
        maybe,
        Value::Json(anytable::serde_json::json!({"k": 1})),
    ]
}

#[test]
fn check_values_agrees_with_read_values() {
    let rows = [
        (row(255, 0.5, Value::Null), None),
        (row(0, -0.0, Value::I32(65_535)), None),
        (row(256, 0.5, Value::Null), Some("small")),
        (row(-1, 0.5, Value::Null), Some("small")),
        (row(1, 0.1, Value::Null), Some("ratio")),
        (row(1, 0.5, Value::I32(65_536)), Some("maybe")),
        (row(1, 0.5, Value::Text("x".into())), Some("maybe")),
    ];
    for (values, refused) in rows {
        let checked = Mixed::check_values(&values);
        let read = Mixed::read_values(&mut values.clone());
        assert_eq!(checked.is_ok(), read.is_ok(), "{values:?}");
        if let (Err(c), Err(r)) = (&checked, &read) {
            assert_eq!(c.kind(), ErrorKind::TypeMismatch);
            assert_eq!(c.column(), r.column(), "{values:?}");
        }
        assert_eq!(
            checked
                .err()
                .and_then(|e| e.column().map(str::to_owned))
                .as_deref(),
            refused
        );
    }
    let mut text_for_number = row(1, 0.5, Value::Null);
    text_for_number[1] = Value::I64(3);
    let err = Mixed::check_values(&text_for_number).unwrap_err();
    assert_eq!(err.column(), Some("name"));
    assert!(
        Mixed::check_values(&text_for_number[..3]).is_err(),
        "a short row is refused"
    );
}
