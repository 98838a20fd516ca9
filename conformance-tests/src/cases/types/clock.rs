//! Dates and times of day without a time zone: `NaiveDateTime` and `NaiveTime`.

use anytable::chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use anytable::{ErrorKind, Filter};

use super::extended::written_both_ways_and_found;
use crate::cases::errors::expect_kind;
use crate::records::Clock;
use crate::{ensure, CaseResult, TestDb};

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micro: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, mo, d)
        .and_then(|day| day.and_hms_micro_opt(h, mi, s, micro))
        .expect("a valid date and time")
}

fn time(h: u32, m: u32, s: u32, micro: u32) -> NaiveTime {
    NaiveTime::from_hms_micro_opt(h, m, s, micro).expect("a valid time")
}

fn clock_edges() -> Vec<Clock> {
    vec![
        Clock {
            id: 0,
            local: at(1970, 1, 1, 0, 0, 0, 0),
            time: time(0, 0, 0, 0),
            maybe_local: None,
            maybe_time: None,
        },
        Clock {
            id: 0,
            local: at(0, 1, 1, 0, 0, 0, 0),
            time: time(23, 59, 59, 999_999),
            maybe_local: Some(at(1969, 12, 31, 23, 59, 59, 999_999)),
            maybe_time: Some(time(12, 0, 0, 1)),
        },
        Clock {
            id: 0,
            local: at(9999, 12, 31, 23, 59, 59, 999_999),
            time: time(0, 0, 0, 1),
            maybe_local: Some(at(2024, 2, 29, 12, 30, 0, 500_000)),
            maybe_time: Some(time(23, 59, 59, 0)),
        },
    ]
}

fn clock_matching(r: &Clock) -> Filter<Clock> {
    Clock::local().eq(r.local)
        & Clock::time().eq(r.time)
        & match r.maybe_local {
            Some(v) => Clock::maybe_local().eq(v),
            None => Clock::maybe_local().is_null(),
        }
        & match r.maybe_time {
            Some(v) => Clock::maybe_time().eq(v),
            None => Clock::maybe_time().is_null(),
        }
}

/// `NaiveDateTime` (years 0000-9999) and `NaiveTime` at their edges through single and bulk
/// insert, filter, order and update, to the microsecond (finer digits are dropped on write, as
/// for timestamps); leap seconds and years past 9999 are refused with `InvalidInput`.
pub fn datetimes_and_times_of_day(t: &TestDb) -> CaseResult {
    let table = t.db.table::<Clock>()?;
    let rows = clock_edges();
    written_both_ways_and_found(
        &table,
        &rows,
        |r, id| Clock { id, ..r.clone() },
        clock_matching,
    )?;

    let by_time: Vec<NaiveTime> = table
        .select()
        .order_by(Clock::time().asc())
        .all()?
        .into_iter()
        .map(|r| r.time)
        .collect();
    let mut sorted = by_time.clone();
    sorted.sort();
    ensure!(
        by_time == sorted && by_time.len() == 6,
        "times sort as times: {by_time:?}"
    );
    let early = table
        .filter(Clock::local().lt(at(1970, 1, 1, 0, 0, 0, 0)))
        .count()?;
    ensure!(early == 2, "one edge row (twice) is before 1970: {early}");
    let late = table
        .filter(Clock::maybe_time().ge(time(12, 0, 0, 1)))
        .count()?;
    ensure!(late == 4, "times compare as times: {late}");

    let mut fine = Clock {
        local: at(2001, 2, 3, 4, 5, 6, 0)
            .with_nanosecond(123_456_789)
            .ok_or("nanos")?,
        time: time(1, 2, 3, 0)
            .with_nanosecond(999_999_999)
            .ok_or("nanos")?,
        ..rows[0].clone()
    };
    let id = table.insert(&mut fine)?;
    let back = table.get(id)?.ok_or("row")?;
    ensure!(
        back.local.nanosecond() == 123_456_000 && back.time.nanosecond() == 999_999_000,
        "sub-microsecond digits are dropped: {back:?}"
    );
    table.update(
        Clock::id().eq(id),
        [
            Clock::local().set(at(1999, 12, 31, 23, 59, 59, 1)),
            Clock::maybe_time().set(time(6, 30, 0, 0)),
        ],
    )?;
    let updated = table.get(id)?.ok_or("row")?;
    ensure!(
        updated.local == at(1999, 12, 31, 23, 59, 59, 1)
            && updated.maybe_time == Some(time(6, 30, 0, 0)),
        "update round trip: {updated:?}"
    );

    let before = table.count()?;
    let leap = time(23, 59, 59, 0)
        .with_nanosecond(1_500_000_000)
        .ok_or("leap")?;
    let leap_at = at(2016, 12, 31, 23, 59, 59, 0)
        .with_nanosecond(1_000_000_000)
        .ok_or("leap")?;
    for bad in [
        Clock {
            time: leap,
            ..rows[0].clone()
        },
        Clock {
            local: leap_at,
            ..rows[0].clone()
        },
        Clock {
            local: at(10000, 1, 1, 0, 0, 0, 0),
            ..rows[0].clone()
        },
        Clock {
            maybe_local: Some(at(-1, 12, 31, 0, 0, 0, 0)),
            ..rows[0].clone()
        },
    ] {
        expect_kind(table.insert(&mut bad.clone()), ErrorKind::InvalidInput)?;
        expect_kind(table.insert_many([&rows[1], &bad]), ErrorKind::InvalidInput)?;
    }
    expect_kind(
        table.filter(Clock::time().eq(leap)).all(),
        ErrorKind::InvalidInput,
    )?;
    ensure!(
        table.count()? == before,
        "nothing was written by the refused calls"
    );
    Ok(())
}

/// The time crate's `OffsetDateTime`, `PrimitiveDateTime`, `Date` and `Time` (feature `time`)
/// through single and bulk insert, filter and update, stored exactly as chrono's types are (the
/// same rows read through chrono's types); an instant with an offset reads back as the same
/// instant in UTC.
pub fn time_crate_types_are_stored_as_chronos(t: &TestDb) -> CaseResult {
    use anytable::time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

    use crate::records::{TimeCrate, TimeCrateAsChrono};

    let date = |y, m, d| Date::from_calendar_date(y, m, d).expect("a valid date");
    let hms = |h, m, s, us| Time::from_hms_micro(h, m, s, us).expect("a valid time");
    let east = UtcOffset::from_hms(5, 30, 0).map_err(|e| e.to_string())?;
    let rows = vec![
        TimeCrate {
            id: 0,
            at: OffsetDateTime::UNIX_EPOCH,
            local: PrimitiveDateTime::new(date(1970, Month::January, 1), Time::MIDNIGHT),
            day: date(1970, Month::January, 1),
            time: Time::MIDNIGHT,
            maybe_at: None,
        },
        TimeCrate {
            id: 0,
            at: PrimitiveDateTime::new(date(9999, Month::December, 31), hms(23, 59, 59, 999_999))
                .assume_utc(),
            local: PrimitiveDateTime::new(date(0, Month::January, 1), hms(0, 0, 0, 1)),
            day: date(9999, Month::December, 31),
            time: hms(23, 59, 59, 999_999),
            maybe_at: Some(
                PrimitiveDateTime::new(date(2024, Month::February, 29), hms(12, 0, 0, 0))
                    .assume_offset(east),
            ),
        },
    ];
    let table = t.db.table::<TimeCrate>()?;
    let matching = |r: &TimeCrate| {
        TimeCrate::at().eq(r.at)
            & TimeCrate::local().eq(r.local)
            & TimeCrate::day().eq(r.day)
            & TimeCrate::time().eq(r.time)
            & match r.maybe_at {
                Some(v) => TimeCrate::maybe_at().eq(v),
                None => TimeCrate::maybe_at().is_null(),
            }
    };
    written_both_ways_and_found(
        &table,
        &rows,
        |r, id| TimeCrate { id, ..r.clone() },
        matching,
    )?;

    let chrono_view = t.db.table::<TimeCrateAsChrono>()?;
    let second = chrono_view
        .select()
        .order_by(TimeCrateAsChrono::id().asc())
        .all()?
        .remove(1);
    ensure!(
        second.maybe_at.map(|t| t.to_rfc3339()).as_deref() == Some("2024-02-29T06:30:00+00:00")
            && second.local.to_string() == "0000-01-01 00:00:00.000001"
            && second.time.to_string() == "23:59:59.999999"
            && second.day.to_string() == "9999-12-31",
        "stored as chrono's types are: {second:?}"
    );
    let read = table.get(second.id)?.ok_or("row")?;
    ensure!(
        read.maybe_at.map(|t| t.offset()) == Some(UtcOffset::UTC),
        "an instant reads back in UTC: {read:?}"
    );
    table.update(
        TimeCrate::id().eq(read.id),
        [TimeCrate::time().set(hms(6, 0, 0, 5))],
    )?;
    ensure!(
        table.get(read.id)?.map(|r| r.time) == Some(hms(6, 0, 0, 5)),
        "update round trip"
    );
    Ok(())
}
