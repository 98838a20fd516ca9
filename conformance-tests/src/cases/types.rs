//! Every value type, with edge values, through single insert, bulk insert, update and filter.

use anytable::chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use anytable::serde_json::json;
use anytable::uuid::Uuid;
use anytable::ErrorKind;

use crate::cases::errors::expect_kind;
use crate::records::AllTypes;
use crate::{ensure, CaseResult, TestDb};

mod clock;
mod decimal;
mod extended;
pub use clock::{datetimes_and_times_of_day, time_crate_types_are_stored_as_chronos};
pub use decimal::decimals_are_exact_at_their_scale;
pub use extended::{
    enums_typed_json_and_custom_types, narrow_and_unsigned_integers_and_f32,
    new_types_verify_when_reopened,
};

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
        maybe_real: None,
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
            maybe_real: Some(-2.5e-300),
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

/// Timestamps and dates outside years 0000-9999, and leap seconds, are refused with
/// `InvalidInput` naming the column on every backend and every path (insert, bulk insert,
/// update, filter), before anything is written; the years 0000 and 9999 themselves work and sort.
pub fn far_dates_and_leap_seconds_are_refused(t: &TestDb) -> CaseResult {
    let table = t.db.table::<AllTypes>()?;
    let base = edge_rows().remove(0);
    let at = |year: i32| Utc.with_ymd_and_hms(year, 6, 1, 12, 0, 0).unwrap();
    let day = |year: i32| NaiveDate::from_ymd_opt(year, 6, 1).unwrap();
    let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
        .unwrap()
        .and_hms_micro_opt(23, 59, 59, 1_500_000)
        .ok_or("a leap second")?
        .and_utc();
    let refused = [
        (
            "year 10000",
            "at",
            AllTypes {
                at: at(10_000),
                ..base.clone()
            },
        ),
        (
            "year -1",
            "at",
            AllTypes {
                at: at(-1),
                ..base.clone()
            },
        ),
        (
            "year 200000",
            "at",
            AllTypes {
                at: at(200_000),
                ..base.clone()
            },
        ),
        (
            "leap second",
            "at",
            AllTypes {
                at: leap,
                ..base.clone()
            },
        ),
        (
            "nullable leap second",
            "maybe_at",
            AllTypes {
                maybe_at: Some(leap),
                ..base.clone()
            },
        ),
        (
            "date in year 10000",
            "day",
            AllTypes {
                day: day(10_000),
                ..base.clone()
            },
        ),
        (
            "date in year -40",
            "day",
            AllTypes {
                day: day(-40),
                ..base.clone()
            },
        ),
    ];
    for (what, column, row) in &refused {
        let err = expect_kind(table.insert(&mut row.clone()), ErrorKind::InvalidInput)
            .map_err(|e| format!("insert of {what}: {e}"))?;
        ensure!(
            err.column() == Some(*column),
            "insert of {what} names {column}: {err}"
        );
        let err = expect_kind(table.insert_many([&base, row]), ErrorKind::InvalidInput)
            .map_err(|e| format!("insert_many of {what}: {e}"))?;
        ensure!(
            err.column() == Some(*column),
            "insert_many of {what} names {column}: {err}"
        );
    }
    ensure!(table.count()? == 0, "nothing was written");
    let id = table.insert(&mut base.clone())?;
    expect_kind(
        table.update(AllTypes::id().eq(id), [AllTypes::at().set(at(10_000))]),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        table.update(AllTypes::id().eq(id), [AllTypes::maybe_at().set(leap)]),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        table.filter(AllTypes::at().gt(at(20_000))).count(),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        table
            .filter(AllTypes::day().is_in([day(2000), day(-5)]))
            .count(),
        ErrorKind::InvalidInput,
    )?;
    ensure!(
        table.get(id)?.ok_or("row")? == AllTypes { id, ..base.clone() },
        "the refused updates changed nothing"
    );
    let first = Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap();
    let last =
        Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap() + Duration::microseconds(999_999);
    for (at, day) in [
        (first, NaiveDate::from_ymd_opt(0, 1, 1).unwrap()),
        (last, NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()),
    ] {
        let mut row = AllTypes {
            at,
            day,
            ..base.clone()
        };
        let id = table.insert(&mut row)?;
        ensure!(table.get(id)?.as_ref() == Some(&row), "{at} round trips");
    }
    let order: Vec<DateTime<Utc>> = table
        .select()
        .order_by(AllTypes::at().asc())
        .all()?
        .into_iter()
        .map(|r| r.at)
        .collect();
    ensure!(
        order == vec![first, base.at, last],
        "year 0, 1970 and 9999 sort in time order: {order:?}"
    );
    Ok(())
}

/// `-0.0` reads back as `+0.0` on every backend (SQLite cannot keep the sign) and equals `0.0`
/// in filters. NaN in a filter follows PostgreSQL's rule where NaN can be stored (equal to
/// itself, above every number) and is `InvalidInput` where it cannot, as in updates.
pub fn negative_zero_and_nan_in_filters(t: &TestDb) -> CaseResult {
    let table = t.db.table::<AllTypes>()?;
    let base = edge_rows().remove(0);
    let mut zero = AllTypes {
        real: -0.0,
        maybe_real: Some(-0.0),
        ..base.clone()
    };
    let id = table.insert(&mut zero)?;
    let back = table.get(id)?.ok_or("row")?;
    ensure!(
        back.real.to_bits() == 0.0f64.to_bits() && back.maybe_real.map(f64::to_bits) == Some(0),
        "-0.0 reads back as +0.0: {} / {:?}",
        back.real,
        back.maybe_real
    );
    ensure!(
        table.filter(AllTypes::real().eq(0.0)).count()? == 1,
        "eq(0.0)"
    );
    ensure!(
        table.filter(AllTypes::real().eq(-0.0)).count()? == 1,
        "eq(-0.0)"
    );
    table.insert_many([&zero])?;
    table.update(AllTypes::id().ne(id), [AllTypes::maybe_real().set(-0.0)])?;
    for row in table.select().all()? {
        ensure!(
            row.real.to_bits() == 0 && row.maybe_real.map(f64::to_bits) == Some(0),
            "every path stores +0.0: {row:?}"
        );
    }
    table.delete_all()?;
    let one = AllTypes {
        real: 1.0,
        ..base.clone()
    };
    let big = AllTypes {
        real: f64::MAX,
        ..base.clone()
    };
    if t.db.capabilities().stores_nan {
        let nan = AllTypes {
            real: f64::NAN,
            ..base.clone()
        };
        table.insert_many([&one, &big, &nan])?;
        let count = |f: anytable::Filter<AllTypes>| table.filter(f).count();
        ensure!(count(AllTypes::real().eq(f64::NAN))? == 1, "NaN equals NaN");
        ensure!(count(AllTypes::real().ne(f64::NAN))? == 2, "ne(NaN)");
        ensure!(
            count(AllTypes::real().gt(f64::MAX))? == 1,
            "NaN is above every number"
        );
        ensure!(
            count(AllTypes::real().lt(f64::NAN))? == 2,
            "every number is below NaN"
        );
        ensure!(
            count(AllTypes::real().is_in([f64::NAN, 1.0]))? == 2,
            "NaN in a list"
        );
        let order: Vec<f64> = table
            .select()
            .order_by(AllTypes::real().asc())
            .all()?
            .into_iter()
            .map(|r| r.real)
            .collect();
        ensure!(
            order.len() == 3 && order[0] == 1.0 && order[1] == f64::MAX && order[2].is_nan(),
            "NaN sorts last: {order:?}"
        );
    } else {
        t.restricted("cannot store NaN: NaN in a filter or an update is InvalidInput (asserted)");
        table.insert_many([&one, &big])?;
        for f in [
            AllTypes::real().eq(f64::NAN),
            AllTypes::real().lt(f64::NAN),
            AllTypes::real().is_in([1.0, f64::NAN]),
        ] {
            let err = expect_kind(table.filter(f).count(), ErrorKind::InvalidInput)?;
            ensure!(err.column() == Some("real"), "names the column: {err}");
        }
        for value in [f64::NAN, f64::INFINITY] {
            let err = expect_kind(
                table.update(
                    AllTypes::real().eq(1.0),
                    [AllTypes::maybe_real().set(value)],
                ),
                ErrorKind::InvalidInput,
            )?;
            ensure!(
                err.column() == Some("maybe_real"),
                "names the column: {err}"
            );
        }
        ensure!(
            table.select().all()?.iter().all(|r| r.maybe_real.is_none()),
            "the refused updates wrote nothing"
        );
    }
    Ok(())
}

/// NUL characters in text and in JSON strings or keys are refused with `InvalidInput` naming the
/// column, on every backend and path, before anything is written (PostgreSQL cannot store them).
pub fn nul_characters_are_refused(t: &TestDb) -> CaseResult {
    let table = t.db.table::<AllTypes>()?;
    let base = edge_rows().remove(0);
    let refused = [
        (
            "text",
            AllTypes {
                text: "a\0b".into(),
                ..base.clone()
            },
        ),
        (
            "maybe_text",
            AllTypes {
                maybe_text: Some("\0".into()),
                ..base.clone()
            },
        ),
        (
            "doc",
            AllTypes {
                doc: json!({"k": "a\u{0}b"}),
                ..base.clone()
            },
        ),
        (
            "doc",
            AllTypes {
                doc: json!({"a\u{0}": 1}),
                ..base.clone()
            },
        ),
        (
            "maybe_doc",
            AllTypes {
                maybe_doc: Some(json!(["x", ["\u{0}"]])),
                ..base.clone()
            },
        ),
    ];
    for (column, row) in &refused {
        for (path, result) in [
            ("insert", table.insert(&mut row.clone()).map(drop)),
            ("insert_many", table.insert_many([&base, row]).map(drop)),
        ] {
            let err = expect_kind(result, ErrorKind::InvalidInput)
                .map_err(|e| format!("{path} with NUL in {column}: {e}"))?;
            ensure!(
                err.column() == Some(*column),
                "{path} names {column}: {err}"
            );
            ensure!(err.message().contains("NUL"), "{path} says why: {err}");
        }
    }
    ensure!(table.count()? == 0, "nothing was written");
    let id = table.insert(&mut base.clone())?;
    expect_kind(
        table.update(AllTypes::id().eq(id), [AllTypes::text().set("x\0")]),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        table.filter(AllTypes::text().eq("a\0b")).count(),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        table.filter(AllTypes::text().like("%\0%")).count(),
        ErrorKind::InvalidInput,
    )?;
    ensure!(
        table.get(id)?.ok_or("row")?.text == base.text,
        "the refused update changed nothing"
    );
    Ok(())
}
