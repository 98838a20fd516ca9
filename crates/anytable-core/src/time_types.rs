//! The time crate's date and time types as fields (feature `time`), stored exactly as their
//! chrono counterparts: `OffsetDateTime` as a UTC timestamp (its offset is not kept: it reads
//! back in UTC), `PrimitiveDateTime` as a date and time without a zone, `Date` and `Time`.
//! The same microsecond precision and year range apply; a stored value the time crate cannot
//! hold (a leap second written by another program) is a `TypeMismatch`.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::error::{Error, Result};
use crate::value::{mismatch, ColumnValue, Value, ValueType};

fn unrepresentable(what: &str, shown: &dyn std::fmt::Display) -> Error {
    Error::type_mismatch(format!("the stored {what} {shown} has no time crate form"))
}

fn to_chrono_date(d: Date) -> Option<NaiveDate> {
    NaiveDate::from_yo_opt(d.year(), u32::from(d.ordinal()))
}

fn from_chrono_date(d: NaiveDate) -> Option<Date> {
    Date::from_ordinal_date(d.year(), u16::try_from(d.ordinal()).ok()?).ok()
}

fn to_chrono_time(t: Time) -> Option<NaiveTime> {
    NaiveTime::from_hms_nano_opt(
        u32::from(t.hour()),
        u32::from(t.minute()),
        u32::from(t.second()),
        t.nanosecond(),
    )
}

fn from_chrono_time(t: NaiveTime) -> Option<Time> {
    let hms = |v: u32| u8::try_from(v).ok();
    Time::from_hms_nano(
        hms(t.hour())?,
        hms(t.minute())?,
        hms(t.second())?,
        t.nanosecond(),
    )
    .ok()
}

fn to_chrono_datetime(t: PrimitiveDateTime) -> Option<NaiveDateTime> {
    Some(to_chrono_date(t.date())?.and_time(to_chrono_time(t.time())?))
}

fn from_chrono_datetime(t: NaiveDateTime) -> Option<PrimitiveDateTime> {
    Some(PrimitiveDateTime::new(
        from_chrono_date(t.date())?,
        from_chrono_time(t.time())?,
    ))
}

/// Every time crate value has a chrono one (chrono's years reach further); `Invalid` is for
/// the impossible rest.
fn or_invalid(value: Option<Value>, shown: &dyn std::fmt::Display) -> Value {
    value.unwrap_or_else(|| Value::Invalid(format!("{shown} has no stored form")))
}

impl ColumnValue for OffsetDateTime {
    const TYPE: ValueType = ValueType::Timestamp;
    fn to_value(&self) -> Value {
        let utc = self.to_offset(UtcOffset::UTC);
        let naive = to_chrono_datetime(PrimitiveDateTime::new(utc.date(), utc.time()));
        or_invalid(naive.map(|n| Value::timestamp(n.and_utc())), self)
    }
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Timestamp(t) => from_chrono_datetime(t.naive_utc())
                .map(PrimitiveDateTime::assume_utc)
                .ok_or_else(|| unrepresentable("timestamp", &t)),
            other => Err(mismatch(ValueType::Timestamp, &other)),
        }
    }
    fn finer_than_stored(&self) -> bool {
        !self.nanosecond().is_multiple_of(1_000)
    }
}

impl ColumnValue for PrimitiveDateTime {
    const TYPE: ValueType = ValueType::DateTime;
    fn to_value(&self) -> Value {
        let naive = to_chrono_datetime(*self);
        or_invalid(naive.map(|n| NaiveDateTime::to_value(&n)), self)
    }
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::DateTime(t) => {
                from_chrono_datetime(t).ok_or_else(|| unrepresentable("date and time", &t))
            }
            other => Err(mismatch(ValueType::DateTime, &other)),
        }
    }
    fn finer_than_stored(&self) -> bool {
        !self.nanosecond().is_multiple_of(1_000)
    }
}

impl ColumnValue for Date {
    const TYPE: ValueType = ValueType::Date;
    fn to_value(&self) -> Value {
        or_invalid(to_chrono_date(*self).map(Value::Date), self)
    }
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Date(d) => from_chrono_date(d).ok_or_else(|| unrepresentable("date", &d)),
            other => Err(mismatch(ValueType::Date, &other)),
        }
    }
}

impl ColumnValue for Time {
    const TYPE: ValueType = ValueType::Time;
    fn to_value(&self) -> Value {
        or_invalid(to_chrono_time(*self).map(|t| NaiveTime::to_value(&t)), self)
    }
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Time(t) => from_chrono_time(t).ok_or_else(|| unrepresentable("time", &t)),
            other => Err(mismatch(ValueType::Time, &other)),
        }
    }
    fn finer_than_stored(&self) -> bool {
        !self.nanosecond().is_multiple_of(1_000)
    }
}

macro_rules! into_value {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                ColumnValue::to_value(&v)
            }
        }
    )*};
}
into_value!(OffsetDateTime, PrimitiveDateTime, Date, Time);

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;

    #[test]
    fn values_convert_both_ways_and_offsets_become_utc() {
        let date = Date::from_calendar_date(2024, Month::February, 29).unwrap();
        let time = Time::from_hms_micro(23, 59, 59, 999_999).unwrap();
        let at = PrimitiveDateTime::new(date, time);
        assert_eq!(PrimitiveDateTime::from_value(at.to_value()).unwrap(), at);
        assert_eq!(Date::from_value(date.to_value()).unwrap(), date);
        assert_eq!(Time::from_value(time.to_value()).unwrap(), time);
        let east = at.assume_offset(UtcOffset::from_hms(2, 0, 0).unwrap());
        let back = OffsetDateTime::from_value(east.to_value()).unwrap();
        assert_eq!(back, east);
        assert_eq!(back.offset(), UtcOffset::UTC);
        let fine = Time::from_hms_nano(1, 2, 3, 123_456_789).unwrap();
        assert_eq!(
            Time::from_value(fine.to_value()).unwrap().nanosecond(),
            123_456_000
        );
    }
}
