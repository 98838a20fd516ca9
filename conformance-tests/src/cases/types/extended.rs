//! The field types beyond the eleven stored ones: narrow and unsigned integers and `f32`
//! (kept in a wider stored type), enums, typed JSON, and a user's own type.

use std::collections::BTreeMap;
use std::fmt::Debug;

use anytable::serde_json::json;
use anytable::{ErrorKind, Filter, Json, Record, TableHandle};

use crate::cases::errors::expect_kind;
use crate::records::{
    ByteKeyed, Cents, Counters, CountersStored, Flagged, FlaggedStored, Settings, Status, Ticket,
    TicketStored,
};
use crate::{ensure, CaseResult, TestDb};

/// Writes `rows` one at a time and again with one `insert_many`: every copy reads back as
/// written (ids aside) and `matching(row)` finds exactly its two copies.
pub(super) fn written_both_ways_and_found<R>(
    table: &TableHandle<'_, R>,
    rows: &[R],
    with_id: impl Fn(&R, i64) -> R,
    matching: impl Fn(&R) -> Filter<R>,
) -> CaseResult
where
    R: Record<Id = i64> + Clone + PartialEq + Debug,
{
    let mut single_ids = Vec::new();
    for row in rows {
        let mut row = row.clone();
        let id = table.insert(&mut row)?;
        let back = table
            .get(id)?
            .ok_or("the inserted row is not found by id")?;
        ensure!(
            back == with_id(&row, id),
            "single insert round trip:\n wrote {row:?}\n read  {back:?}"
        );
        single_ids.push(id);
    }
    ensure!(
        table.insert_many(rows)? == rows.len() as u64,
        "insert_many counts its rows"
    );
    for (row, single) in rows.iter().zip(&single_ids) {
        let found = table.filter(matching(row)).all()?;
        ensure!(
            found.len() == 2,
            "the filter on every column finds the single and the bulk copy of {row:?}: {found:?}"
        );
        for copy in &found {
            ensure!(
                with_id(copy, 0) == with_id(row, 0),
                "a copy changed:\n wrote {row:?}\n read  {copy:?}"
            );
        }
        ensure!(
            found.iter().any(|r| with_id(r, *single) == *r),
            "the single copy is among them"
        );
    }
    Ok(())
}

fn counters_edges() -> Vec<Counters> {
    let base = Counters {
        id: 0,
        tiny: 0,
        byte: 0,
        word: 0,
        dword: 0,
        count: 0,
        ratio: 0.0,
        maybe_count: None,
        maybe_ratio: None,
    };
    vec![
        base.clone(),
        Counters {
            tiny: i8::MIN,
            byte: u8::MAX,
            word: u16::MAX,
            dword: u32::MAX,
            count: i64::MAX as u64,
            ratio: f32::MAX,
            maybe_count: Some(i64::MAX as u64),
            maybe_ratio: Some(0.1),
            ..base.clone()
        },
        Counters {
            tiny: i8::MAX,
            byte: 1,
            word: 1,
            dword: 1,
            count: 1,
            ratio: -f32::MIN_POSITIVE,
            maybe_count: Some(0),
            // The smallest subnormal f32.
            maybe_ratio: Some(f32::from_bits(1)),
            ..base
        },
    ]
}

fn counters_matching(r: &Counters) -> Filter<Counters> {
    let mut filter = Counters::tiny().eq(r.tiny)
        & Counters::byte().eq(r.byte)
        & Counters::word().eq(r.word)
        & Counters::dword().eq(r.dword)
        & Counters::count().eq(r.count)
        & Counters::ratio().eq(r.ratio);
    filter = filter
        & match r.maybe_count {
            Some(v) => Counters::maybe_count().eq(v),
            None => Counters::maybe_count().is_null(),
        }
        & match r.maybe_ratio {
            Some(v) => Counters::maybe_ratio().eq(v),
            None => Counters::maybe_ratio().is_null(),
        };
    filter
}

/// `i8`, `u8`, `u16`, `u32`, `u64` and `f32` at their edges through single and bulk insert,
/// filter and update; a `u64` above `i64::MAX` is refused with `InvalidInput` on every path
/// (nothing written); a stored value outside the field's range reads back as `TypeMismatch`.
pub fn narrow_and_unsigned_integers_and_f32(t: &TestDb) -> CaseResult {
    let table = t.db.table::<Counters>()?;
    let rows = counters_edges();
    written_both_ways_and_found(
        &table,
        &rows,
        |r, id| Counters { id, ..r.clone() },
        counters_matching,
    )?;

    let ordered = table.filter(Counters::dword().gt(u32::MAX - 1)).all()?;
    ensure!(
        ordered.len() == 2 && ordered.iter().all(|r| r.dword == u32::MAX),
        "u32 above i32's range orders as unsigned: {ordered:?}"
    );
    let listed = table.filter(Counters::byte().is_in([u8::MAX, 1])).count()?;
    ensure!(listed == 4, "is_in on u8 finds 4 rows, not {listed}");

    let target = table.head(1)?.remove(0);
    table.update(
        Counters::id().eq(target.id),
        [
            Counters::byte().set(200u8),
            Counters::count().set(i64::MAX as u64),
            Counters::ratio().set(1.5f32),
            Counters::maybe_count().set(None),
        ],
    )?;
    let updated = table.get(target.id)?.ok_or("row")?;
    let want = Counters {
        byte: 200,
        count: i64::MAX as u64,
        ratio: 1.5,
        maybe_count: None,
        ..target.clone()
    };
    ensure!(
        updated == want,
        "update round trip:\n want {want:?}\n got  {updated:?}"
    );

    let before = table.count()?;
    let too_big = i64::MAX as u64 + 1;
    let mut bad = Counters {
        count: too_big,
        ..rows[0].clone()
    };
    let err = expect_kind(table.insert(&mut bad), ErrorKind::InvalidInput)?;
    ensure!(
        err.to_string().contains("9223372036854775808"),
        "names the value: {err}"
    );
    let batch = vec![
        rows[1].clone(),
        Counters {
            maybe_count: Some(u64::MAX),
            ..rows[2].clone()
        },
    ];
    expect_kind(table.insert_many(&batch), ErrorKind::InvalidInput)?;
    expect_kind(
        table.update(
            Counters::id().eq(target.id),
            [Counters::count().set(u64::MAX)],
        ),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        table.filter(Counters::count().lt(u64::MAX)).all(),
        ErrorKind::InvalidInput,
    )?;
    ensure!(
        table.count()? == before,
        "nothing was written by the refused calls"
    );
    ensure!(
        table.get(target.id)? == Some(updated),
        "the refused update changed nothing"
    );

    // Values only another program (here: the stored types) could write.
    let stored = t.db.table::<CountersStored>()?;
    stored.delete_all()?;
    for (column, row) in [
        (
            "byte",
            CountersStored {
                byte: 256,
                ..stored_zero()
            },
        ),
        (
            "tiny",
            CountersStored {
                tiny: -129,
                ..stored_zero()
            },
        ),
        (
            "word",
            CountersStored {
                word: -1,
                ..stored_zero()
            },
        ),
        (
            "dword",
            CountersStored {
                dword: 1 << 32,
                ..stored_zero()
            },
        ),
        (
            "count",
            CountersStored {
                count: -1,
                ..stored_zero()
            },
        ),
        (
            "ratio",
            CountersStored {
                ratio: 0.1,
                ..stored_zero()
            },
        ),
    ] {
        stored.delete_all()?;
        stored.insert(&mut row.clone())?;
        let err = expect_kind(table.select().all(), ErrorKind::TypeMismatch)?;
        ensure!(err.column() == Some(column), "names column {column}: {err}");
    }
    Ok(())
}

fn stored_zero() -> CountersStored {
    CountersStored {
        id: 0,
        tiny: 0,
        byte: 0,
        word: 0,
        dword: 0,
        count: 0,
        ratio: 0.0,
        maybe_count: None,
        maybe_ratio: None,
    }
}

fn settings(theme: &str, width: u64) -> Settings {
    Settings {
        theme: theme.into(),
        width,
        scale: 1.25,
        tags: vec!["a".into(), "ünï \"q\"".into()],
        parent: Some(Box::new(Settings {
            theme: String::new(),
            width: 0,
            scale: -0.5,
            tags: Vec::new(),
            parent: None,
        })),
    }
}

fn ticket_edges() -> Vec<Ticket> {
    vec![
        Ticket {
            id: 0,
            status: Status::Open,
            previous: None,
            settings: Json(settings("dark", 80)),
            extra: None,
            price: Cents(0),
        },
        Ticket {
            id: 0,
            status: Status::OnHold,
            previous: Some(Status::Closed),
            settings: Json(settings("it's \"light\" 日本", u64::MAX)),
            extra: Some(Json(vec![])),
            price: Cents(i64::MIN),
        },
        Ticket {
            id: 0,
            status: Status::Closed,
            previous: Some(Status::OnHold),
            settings: Json(settings("", 1 << 53)),
            extra: Some(Json(vec![1, u32::MAX])),
            price: Cents(i64::MAX),
        },
    ]
}

fn ticket_matching(r: &Ticket) -> Filter<Ticket> {
    Ticket::status().eq(r.status)
        & match r.previous {
            Some(p) => Ticket::previous().eq(p),
            None => Ticket::previous().is_null(),
        }
        & Ticket::price().eq(r.price)
}

/// Enums stored as their names, typed JSON documents and a hand-written `ColumnValue` round
/// trip through single and bulk insert, filters (`eq`, `is_in`, order of the user's type) and
/// update; the enum column's CHECK refuses a text no variant has (`CheckViolation`), and a
/// stored text no variant has reads back as `TypeMismatch` naming it.
pub fn enums_typed_json_and_custom_types(t: &TestDb) -> CaseResult {
    let table = t.db.table::<Ticket>()?;
    let rows = ticket_edges();
    written_both_ways_and_found(
        &table,
        &rows,
        |r, id| Ticket { id, ..r.clone() },
        ticket_matching,
    )?;

    let held = table
        .filter(Ticket::status().is_in([Status::OnHold, Status::Closed]))
        .count()?;
    ensure!(held == 4, "is_in on an enum finds 4 rows, not {held}");
    let cheap = table.filter(Ticket::price().lt(Cents(1))).count()?;
    ensure!(
        cheap == 4,
        "a user's type compares as its stored integer: {cheap}"
    );

    let target = table.head(1)?.remove(0);
    table.update(
        Ticket::id().eq(target.id),
        [
            Ticket::status().set(Status::Closed),
            Ticket::previous().set(Status::Open),
            Ticket::settings().set(Json(settings("updated", 7))),
            Ticket::extra().set(Json(vec![3u32])),
            Ticket::price().set(Cents(-5)),
        ],
    )?;
    let updated = table.get(target.id)?.ok_or("row")?;
    let want = Ticket {
        id: target.id,
        status: Status::Closed,
        previous: Some(Status::Open),
        settings: Json(settings("updated", 7)),
        extra: Some(Json(vec![3])),
        price: Cents(-5),
    };
    ensure!(
        updated == want,
        "update round trip:\n want {want:?}\n got  {updated:?}"
    );

    // What the stored form holds, seen without the types.
    let stored = t.db.table::<TicketStored>()?;
    let raw = stored.get(target.id)?.ok_or("row")?;
    ensure!(
        raw.status == "Ünïcødé ✓" && raw.previous.as_deref() == Some("Open"),
        "enums are stored as their names: {raw:?}"
    );
    ensure!(
        raw.settings["parent"]["scale"] == json!(-0.5) && raw.settings["width"] == json!(7),
        "the document is serde_json's form of the value: {}",
        raw.settings
    );
    let before = table.count()?;
    let mut bogus = TicketStored {
        status: "Bogus".into(),
        ..raw.clone()
    };
    expect_kind(stored.insert(&mut bogus), ErrorKind::CheckViolation)?;

    // A document that does not fit its type.
    let mut misfit = TicketStored {
        settings: json!({"theme": "x"}),
        ..raw
    };
    let id = stored.insert(&mut misfit)?;
    let err = expect_kind(table.get(id), ErrorKind::TypeMismatch)?;
    ensure!(
        err.column() == Some("settings") && err.to_string().contains("missing field `width`"),
        "names the column and carries serde's message: {err}"
    );
    stored.delete(TicketStored::id().eq(id))?;
    ensure!(
        table.count()? == before,
        "only the misfit was written, and it is gone"
    );

    // A text no variant has, in a table made without the CHECK.
    let loose = t.db.table::<FlaggedStored>()?;
    loose.insert(&mut FlaggedStored {
        id: 0,
        status: "on hold".into(),
    })?;
    loose.insert(&mut FlaggedStored {
        id: 0,
        status: "ON HOLD".into(),
    })?;
    let flagged = t.db.table::<Flagged>()?;
    let err = expect_kind(flagged.select().all(), ErrorKind::TypeMismatch)?;
    ensure!(
        err.column() == Some("status") && err.to_string().contains("\"ON HOLD\""),
        "names the column and the stored text: {err}"
    );
    let found = flagged.filter(Flagged::status().eq(Status::OnHold)).all()?;
    ensure!(
        found.len() == 1 && found[0].status == Status::OnHold,
        "the matching row reads: {found:?}"
    );

    // A value serde_json cannot write is refused before anything is written.
    let keyed = t.db.table::<ByteKeyed>()?;
    let doc: BTreeMap<Vec<u8>, u8> = [(vec![1u8], 2u8)].into();
    let err = expect_kind(
        keyed.insert(&mut ByteKeyed {
            id: 0,
            doc: Json(doc.clone()),
        }),
        ErrorKind::InvalidInput,
    )?;
    ensure!(
        err.to_string().contains("key must be a string"),
        "serde's reason: {err}"
    );
    expect_kind(
        keyed.insert_many(&[
            ByteKeyed {
                id: 0,
                doc: Json(BTreeMap::new()),
            },
            ByteKeyed {
                id: 0,
                doc: Json(doc),
            },
        ]),
        ErrorKind::InvalidInput,
    )?;
    ensure!(keyed.count()? == 0, "nothing was written");
    Ok(())
}

/// Tables of every new field type verify against what the database reports when a new
/// `Database` opens them (their declared types read back as the types the records declare) and
/// their rows read back there.
pub fn new_types_verify_when_reopened(t: &TestDb) -> CaseResult {
    use crate::records::{Clock, Decimals, TimeCrate};

    let written = |db: &anytable::Database| -> anytable::Result<[u64; 4]> {
        Ok([
            db.table::<Counters>()?.count()?,
            db.table::<Ticket>()?.count()?,
            db.table::<Clock>()?.count()?,
            db.table::<Decimals>()?.count()?,
        ])
    };
    t.db.table::<Counters>()?.insert_many(&counters_edges())?;
    t.db.table::<Ticket>()?.insert_many(&ticket_edges())?;
    t.db.table::<TimeCrate>()?;
    let clock = Clock {
        id: 0,
        local: anytable::chrono::NaiveDateTime::default(),
        time: anytable::chrono::NaiveTime::default(),
        maybe_local: None,
        maybe_time: None,
    };
    t.db.table::<Clock>()?.insert(&mut clock.clone())?;
    let amount = anytable::rust_decimal::Decimal::new(-12345, 4);
    t.db.table::<Decimals>()?.insert(&mut Decimals {
        id: 0,
        amount,
        whole: amount.trunc(),
        tiny: amount,
        maybe: None,
    })?;
    let again = if t.db.capabilities().persistent {
        t.reopen()
    } else {
        t.restricted("in memory: reopened through the same Database, not a new one");
        t.db.clone()
    };
    again.table::<TimeCrate>()?;
    ensure!(
        written(&again)? == [3, 3, 1, 1],
        "every table verifies and keeps its rows"
    );
    let back = again.table::<Decimals>()?.head(1)?.remove(0);
    ensure!(
        back.amount == amount && back.whole == amount.trunc(),
        "{back:?}"
    );
    Ok(())
}
