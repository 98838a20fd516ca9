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
