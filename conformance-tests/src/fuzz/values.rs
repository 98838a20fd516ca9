//! Values of every field type, biased to the edges where engines have disagreed: integer and
//! float extremes, subnormals, -0.0, NaN and infinities, decimals at their scale and precision,
//! text with combining marks, astral characters, right-to-left scripts and LIKE's special
//! characters, timestamps at microsecond and sub-microsecond edges and far dates.

use anytable::chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use anytable::rust_decimal::Decimal;
use anytable::serde_json::{json, Map, Value as JsonValue};
use anytable::uuid::Uuid;
use proptest::prelude::*;

use super::scope;

/// Where generated values go, which decides which edges they may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Into a row every backend stores.
    Stored,
    /// Into a write that every backend may refuse the same way (NUL in text, years past 9999).
    Written,
    /// Into a filter, where every value has one meaning (NaN and infinities too).
    Filter,
}

impl Use {
    /// Whether values every backend refuses may come.
    fn refused(self) -> bool {
        self != Use::Stored
    }

    /// Whether NaN and the infinities may come: when every backend compared stores them. A
    /// backend that does not refuses them in writes and filters alike, as its capabilities
    /// declare (`stores_nan`); the suite's nan_and_infinity and negative_zero_and_nan_in_filters
    /// cases assert that.
    fn nan(self) -> bool {
        scope::nan_stored()
    }
}

/// `stored`, and with `refused` also now and then a value from `refused_values`.
fn sometimes<T: std::fmt::Debug + 'static>(
    stored: impl Strategy<Value = T> + 'static,
    refused: bool,
    refused_values: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<T> {
    if refused {
        prop_oneof![6 => stored, 1 => refused_values].boxed()
    } else {
        stored.boxed()
    }
}

/// A small group number, so that GROUP BY finds groups; sometimes the type's extremes.
pub fn group() -> impl Strategy<Value = i16> {
    prop_oneof![8 => 0i16..4, 1 => Just(i16::MIN), 1 => Just(i16::MAX)]
}

/// i64s: the extremes, their neighbours, small numbers and anything.
pub fn i64s() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => -3i64..4,
        2 => prop::sample::select(vec![
            i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1, i32::MIN as i64, i32::MAX as i64,
            1 << 53, (1 << 53) + 1, -(1 << 53) - 1,
        ]),
        2 => any::<i64>(),
    ]
}

/// i32s: the extremes, small numbers and anything.
pub fn i32s() -> impl Strategy<Value = i32> {
    prop_oneof![
        3 => -3i32..4,
        2 => prop::sample::select(vec![i32::MIN, i32::MAX, i16::MIN as i32, i16::MAX as i32 + 1]),
        1 => any::<i32>(),
    ]
}

/// u32s: zero, the top and anything.
pub fn u32s() -> impl Strategy<Value = u32> {
    prop_oneof![2 => 0u32..4, 1 => Just(u32::MAX), 1 => Just(i32::MAX as u32 + 1), 1 => any::<u32>()]
}

/// u64s: zero, i64::MAX and, with `refused`, what lies past it.
pub fn u64s(u: Use) -> BoxedStrategy<u64> {
    let refused = u.refused();
    let stored = prop_oneof![4 => 0u64..4, 1 => Just(i64::MAX as u64), 1 => 0u64..=i64::MAX as u64];
    sometimes(
        stored,
        refused,
        prop::sample::select(vec![i64::MAX as u64 + 1, u64::MAX]),
    )
}

/// f64s: signed zeros, subnormals, the extremes, infinities, NaN, integers past 2^53 and
/// ordinary numbers.
pub fn f64s(u: Use) -> BoxedStrategy<f64> {
    let stored = prop_oneof![
        3 => prop::sample::select(vec![
            0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1e16, -1e16, 9007199254740993.0,
            f64::MIN_POSITIVE, f64::from_bits(1), -f64::from_bits(1), f64::MAX, f64::MIN,
            f64::EPSILON, 1e308, 1.7976931348623157e308,
        ]),
        2 => (-1000i32..1000).prop_map(|n| n as f64 / 8.0),
        2 => any::<f64>().prop_filter("finite", |f| f.is_finite()),
    ];
    sometimes(
        stored,
        u.nan(),
        prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY]),
    )
}

/// f32s: as for f64, in f32's range.
pub fn f32s(u: Use) -> BoxedStrategy<f32> {
    let stored = prop_oneof![
        3 => prop::sample::select(vec![
            0.0f32, -0.0, 1.0, -1.0, 0.1, 16777217.0, f32::MIN_POSITIVE, f32::from_bits(1),
            f32::MAX, f32::MIN, f32::EPSILON,
        ]),
        2 => (-1000i32..1000).prop_map(|n| n as f32 / 4.0),
        1 => any::<f32>().prop_filter("finite", |f| f.is_finite()),
    ];
    sometimes(
        stored,
        u.nan(),
        prop::sample::select(vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY]),
    )
}

/// Pieces text is made of: LIKE's special characters, case pairs, precomposed and combining
/// forms, astral characters, right-to-left scripts, letters whose case mapping is odd.
const PIECES: &[&str] = &[
    "a",
    "A",
    "b",
    "B",
    "z",
    "0",
    "9",
    " ",
    "%",
    "_",
    "\\",
    "'",
    "\"",
    "é",
    "e\u{301}",
    "É",
    "ß",
    "ẞ",
    "ä",
    "Ä",
    "𝄞",
    "😀",
    "שלום",
    "مرحبا",
    "Ω",
    "ω",
    "я",
    "Я",
    "\u{200f}",
    "\t",
    "\n",
    "~",
    "\u{7f}",
    "\u{ffff}",
    "\u{10ffff}",
];

/// Text of zero to five pieces; with `refused`, sometimes a NUL character.
pub fn texts(u: Use) -> BoxedStrategy<String> {
    let refused = u.refused();
    let stored = prop::collection::vec(prop::sample::select(PIECES), 0..5).prop_map(|p| p.concat());
    sometimes(stored, refused, Just("a\0b".to_owned()))
}

/// LIKE patterns over the same pieces, with wildcards and escapes; sometimes a lone
/// trailing backslash (refused everywhere).
pub fn patterns() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(PIECES).prop_map(str::to_owned),
        2 => Just("%".to_owned()),
        2 => Just("_".to_owned()),
        1 => Just("\\%".to_owned()),
        1 => Just("\\_".to_owned()),
        1 => Just("\\\\".to_owned()),
    ];
    prop_oneof![
        12 => prop::collection::vec(piece, 0..5).prop_map(|p| p.concat()),
        1 => Just("a\\".to_owned()),
    ]
}

/// Byte strings with NULs and high bytes.
pub fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![Just(0u8), Just(0xff), Just(b'a'), any::<u8>()],
        0..6,
    )
}

/// Seconds of 0000-01-01 and 9999-12-31T23:59:59 from the epoch: the years every backend
/// stores; a second either side is refused everywhere.
const FIRST_SECOND: i64 = -62_167_219_200;
const LAST_SECOND: i64 = 253_402_300_799;

/// Instants at the edges of the stored years and of a microsecond, with sub-microsecond parts
/// (truncated when written) and leap seconds (refused).
pub fn timestamps(u: Use) -> BoxedStrategy<DateTime<Utc>> {
    let refused = u.refused();
    let stored = prop_oneof![
        2 => prop::sample::select(vec![
            0, -1, 1, FIRST_SECOND, LAST_SECOND, 946_684_800, 951_782_400, 4_102_444_800,
        ]),
        2 => FIRST_SECOND..=LAST_SECOND,
        2 => 1_700_000_000i64..1_700_000_100,
    ];
    let seconds = sometimes(
        stored,
        refused,
        prop::sample::select(vec![FIRST_SECOND - 1, LAST_SECOND + 1]),
    );
    let nanos = nanos();
    (seconds, nanos)
        .prop_map(|(s, n)| Utc.timestamp_opt(s, n).single().unwrap_or_default())
        .boxed()
}

/// Nanoseconds at microsecond edges, below a microsecond (shortened when written, compared
/// exactly in filters) and the leap second's (refused everywhere).
fn nanos() -> BoxedStrategy<u32> {
    prop_oneof![
        8 => Just(0u32),
        4 => prop::sample::select(vec![1_000, 999_999_000, 500_000_000, 123_456_000]),
        2 => prop::sample::select(vec![1, 789, 999, 999_999_999, 123_456_789]),
        1 => Just(1_000_000_000u32),
    ]
    .boxed()
}

/// Dates across the stored years and just past them.
pub fn dates(u: Use) -> BoxedStrategy<NaiveDate> {
    let refused = u.refused();
    let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let stored = prop_oneof![
        2 => prop::sample::select(vec![
            ymd(1970, 1, 1), ymd(0, 1, 1), ymd(9999, 12, 31), ymd(2000, 2, 29), ymd(1582, 10, 10),
        ]),
        3 => (0i32..=9999, 1u32..=366).prop_map(|(y, d)| {
            NaiveDate::from_yo_opt(y, d).or_else(|| NaiveDate::from_yo_opt(y, 365)).unwrap_or_default()
        }),
    ];
    sometimes(
        stored,
        refused,
        prop::sample::select(vec![ymd(-1, 12, 31), ymd(10000, 1, 1)]),
    )
}

/// Dates and times of day without zone.
pub fn datetimes(u: Use) -> impl Strategy<Value = NaiveDateTime> {
    timestamps(u).prop_map(|t| t.naive_utc())
}

/// Times of day at midnight, the last microsecond, and between.
pub fn times(_u: Use) -> impl Strategy<Value = NaiveTime> {
    let seconds = prop_oneof![
        2 => prop::sample::select(vec![0u32, 86_399, 43_200]),
        2 => 0u32..86_400,
    ];
    (seconds, nanos())
        .prop_map(|(s, n)| NaiveTime::from_num_seconds_from_midnight_opt(s, n).unwrap_or_default())
}

/// Decimals at scale 4: zero, the smallest step, values finer than the scale (refused), the
/// widest the type holds and numbers between.
pub fn decimals(u: Use) -> BoxedStrategy<Decimal> {
    let refused = u.refused();
    let stored = prop_oneof![
        2 => prop::sample::select(vec![
            Decimal::ZERO,
            Decimal::new(1, 4),
            Decimal::new(-1, 4),
            Decimal::new(5, 1),
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(i64::MAX, 4),
            Decimal::from_i128_with_scale(10i128.pow(27), 0),
        ]),
        3 => (any::<i64>(), 0u32..=4).prop_map(|(m, s)| Decimal::new(m, s)),
    ];
    sometimes(
        stored,
        refused,
        prop::sample::select(vec![Decimal::new(1, 5), Decimal::new(-123_456_789, 8)]),
    )
}

/// JSON documents: scalars, arrays and objects of them, with numbers of every shape (whole
/// floats past 1e16, -0.0, floats near the top of f64's range, integers past 2^53).
pub fn json() -> impl Strategy<Value = JsonValue> {
    let number = prop_oneof![
        3 => any::<i32>().prop_map(|n| json!(n)),
        2 => prop::sample::select(vec![
            1e16, -1e16, -0.0, 1.5, 1.0, 0.1, 1e300, 1e-7, 1.7976931348623157e308, 2.5e19,
        ])
        .prop_map(|f| json!(f)),
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => any::<u64>().prop_map(|n| json!(n)),
    ];
    let leaf = prop_oneof![
        Just(JsonValue::Null),
        any::<bool>().prop_map(JsonValue::Bool),
        number,
        texts(Use::Stored).prop_map(JsonValue::String),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(JsonValue::Array),
            prop::collection::vec(
                (prop::sample::select(&["a", "b", "é", ""][..]), inner),
                0..3
            )
            .prop_map(|pairs| {
                JsonValue::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

/// UUIDs: nil, all ones and random ones.
pub fn uuids() -> impl Strategy<Value = Uuid> {
    prop_oneof![
        Just(Uuid::nil()),
        Just(Uuid::max()),
        any::<u128>().prop_map(Uuid::from_u128),
    ]
}
