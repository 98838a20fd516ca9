//! Every value type, with edge values, through single insert, bulk insert, update and filter.

use anytable::chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use anytable::serde_json::json;
use anytable::uuid::Uuid;
use anytable::ErrorKind;

use crate::records::AllTypes;
use crate::{ensure, CaseResult, TestDb};

/// Rows with edge values of every type (the id is filled in on insert).
pub fn edge_rows() -> Vec<AllTypes> {
    let micro =
        Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 59).unwrap() + Duration::microseconds(999_999);
    let base = AllTypes {
        id: 0,
        small: 0,
        medium: 0,
        big: 0,
        real: 0.0,
        flag: false,
        text: String::new(),
        bytes: Vec::new(),
        at: DateTime::UNIX_EPOCH,
        day: NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(),
        doc: json!(null),
        uid: Uuid::nil(),
        maybe_big: None,
        maybe_text: None,
        maybe_at: None,
        maybe_doc: None,
        maybe_uid: None,
    };
    vec![
        base.clone(),
        AllTypes {
            small: i16::MIN,
            medium: i32::MIN,
            big: i64::MIN,
            real: -1.5e300,
            flag: true,
            text: "ünïcødé ✓ 日本語 🚀".into(),
            bytes: vec![0, 0, 255, 0, 1],
            at: micro,
            day: NaiveDate::from_ymd_opt(1, 1, 1).unwrap(),
            doc: json!({"nested": {"list": [1, 2.5, "three", null, true], "empty": {}}}),
            uid: Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
            maybe_big: Some(i64::MAX),
            maybe_text: Some("it's \"quoted\"; DROP TABLE all_types; --".into()),
            maybe_at: Some(Utc.with_ymd_and_hms(1900, 1, 1, 0, 0, 0).unwrap()),
            maybe_doc: Some(json!([])),
            maybe_uid: Some(Uuid::max()),
            ..base.clone()
        },
        AllTypes {
            small: i16::MAX,
            medium: i32::MAX,
            big: i64::MAX,
            real: f64::MIN_POSITIVE,
            text: "x".repeat(100_000),
            bytes: (0..=255).collect(),
            at: Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap() + Duration::microseconds(1),
            day: NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
            doc: json!("a json string"),
            maybe_big: Some(0),
            maybe_text: Some(String::new()),
            maybe_doc: Some(json!(12)),
            ..base
        },
    ]
}

fn same_ignoring_id(a: &AllTypes, b: &AllTypes) -> bool {
    AllTypes { id: 0, ..a.clone() } == AllTypes { id: 0, ..b.clone() }
}

/// Each edge row reads back exactly as written, is found by an equality filter on every
/// column, and survives an update of every column.
pub fn round_trip_every_type(t: &TestDb) -> CaseResult {
    let table = t.db.table::<AllTypes>()?;
    for mut row in edge_rows() {
        let id = table.insert(&mut row)?;
        let back = table.get(id)?.ok_or("row not found")?;
        ensure!(
            back == row,
            "single insert round trip:\n wrote {row:?}\n read  {back:?}"
        );
        let found = table
            .filter(AllTypes::small().eq(row.small))
            .filter(AllTypes::medium().eq(row.medium))
            .filter(AllTypes::big().eq(row.big))
            .filter(AllTypes::real().eq(row.real))
            .filter(AllTypes::flag().eq(row.flag))
            .filter(AllTypes::text().eq(row.text.clone()))
            .filter(AllTypes::bytes().eq(row.bytes.clone()))
            .filter(AllTypes::at().eq(row.at))
            .filter(AllTypes::day().eq(row.day))
            .filter(AllTypes::uid().eq(row.uid))
            .filter(AllTypes::maybe_at().eq(row.maybe_at))
            .filter(AllTypes::maybe_uid().eq(row.maybe_uid))
            .all()?;
        ensure!(
            found.len() == 1 && found[0] == row,
            "filter on every column finds the row: {found:?}"
        );
    }
    let rows = edge_rows();
    let (last, first) = (&rows[rows.len() - 1], &rows[1]);
    let target = table.head(1)?.remove(0);
    table.update(
        AllTypes::id().eq(target.id),
        [
            AllTypes::small().set(last.small),
            AllTypes::big().set(first.big),
            AllTypes::text().set(first.text.clone()),
            AllTypes::bytes().set(last.bytes.clone()),
            AllTypes::at().set(first.at),
            AllTypes::doc().set(first.doc.clone()),
            AllTypes::uid().set(first.uid),
            AllTypes::maybe_text().set(first.maybe_text.clone()),
        ],
    )?;
    let updated = table.get(target.id)?.ok_or("row")?;
    let expected = AllTypes {
        small: last.small,
        big: first.big,
        text: first.text.clone(),
        bytes: last.bytes.clone(),
        at: first.at,
        doc: first.doc.clone(),
        uid: first.uid,
        maybe_text: first.maybe_text.clone(),
        ..target
    };
    ensure!(
        updated == expected,
        "update round trip:\n want {expected:?}\n got  {updated:?}"
    );
    Ok(())
}

/// Rows written by the bulk path read back identical to rows written one at a time.
pub fn bulk_and_single_inserts_read_back_identical(t: &TestDb) -> CaseResult {
    let table = t.db.table::<AllTypes>()?;
    let rows = edge_rows();
    for mut row in rows.clone() {
        table.insert(&mut row)?;
    }
    ensure!(table.insert_many(&rows)? == rows.len() as u64, "bulk count");
    let all = table.select().order_by(AllTypes::id().asc()).all()?;
    let (single, bulk) = all.split_at(rows.len());
    for ((s, b), written) in single.iter().zip(bulk).zip(&rows) {
        ensure!(
            same_ignoring_id(s, written),
            "single path changed the row:\n{written:?}\n{s:?}"
        );
        ensure!(
            same_ignoring_id(b, written),
            "bulk path changed the row:\n{written:?}\n{b:?}"
        );
    }
    Ok(())
}

/// NaN and ±infinity are stored where the backend says it can, and refused (nothing written)
/// with `InvalidInput` where it cannot, on every write path.
pub fn nan_and_infinity(t: &TestDb) -> CaseResult {
    let table = t.db.table::<AllTypes>()?;
    let stores = t.db.capabilities().stores_nan;
    for special in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut row = AllTypes {
            real: special,
            ..edge_rows().remove(0)
        };
        let single = table.insert(&mut row);
        let bulk = table.insert_many([&row]);
        if stores {
            single?;
            bulk?;
            let back = table.get(row.id)?.ok_or("row")?;
            ensure!(
                back.real.to_bits() == special.to_bits()
                    || (special.is_nan() && back.real.is_nan()),
                "{special} stored as {}",
                back.real
            );
        } else {
            t.restricted("cannot store NaN or infinity: every write path refuses them with InvalidInput (asserted)");
            for (path, result) in [
                ("insert", single.map(drop)),
                ("insert_many", bulk.map(drop)),
            ] {
                let err = result
                    .err()
                    .ok_or(format!("{path} of {special} must be refused"))?;
                ensure!(err.kind() == ErrorKind::InvalidInput, "{path}: {err}");
                ensure!(
                    err.column() == Some("real"),
                    "{path} names the column: {err}"
                );
            }
            ensure!(table.count()? == 0, "nothing written");
        }
    }
    Ok(())
}
