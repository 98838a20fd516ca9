//! The record the fuzzer writes and reads, and its columns as data: one [`Lit`] variant per
//! field, carrying a value of that field's type, so that generated operations print as
//! plain data and turn into the typed API calls a user would write.

use anytable::chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use anytable::rust_decimal::Decimal;
use anytable::uuid::Uuid;
use anytable::{Aggregate, Assignment, Filter, OnConflict, Order, Record};

use super::exec::{Outcome, WithColumn};
use super::values::{self, Use};
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

/// A row that references a [`FuzzRow`], for joins: written, joined and deleted again within
/// one operation ([`Op::Join`](super::ops::Op::Join)), so the fuzzer's rows are never
/// referenced between operations.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "fuzz_children")]
pub struct FuzzChild {
    /// Assigned by the database; never compared.
    #[anytable(id)]
    pub id: i64,
    /// Its place among the operation's children: the order of the join's rows.
    pub pos: i64,
    /// The referenced row's id, or none.
    #[anytable(references = FuzzRow)]
    pub parent: Option<i64>,
}

/// One row of the fuzzer's table: a field of every stored type and of the widened ones,
/// nullable twins, a unique key the fuzzer assigns (`k`) and a small group column (`g`).
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "fuzz_rows")]
pub struct FuzzRow {
    /// Assigned by the database; never compared (engines number rows differently after a
    /// failed insert), so the fuzzer keys rows by `k`.
    #[anytable(id)]
    pub id: i64,
    /// The fuzzer's own key: unique, the conflict target of upserts and the last order key.
    #[anytable(unique)]
    pub k: i64,
    /// A small group number, for GROUP BY.
    #[anytable(index)]
    pub g: i16,
    /// i64.
    pub i: i64,
    /// Nullable i64.
    pub oi: Option<i64>,
    /// i32.
    pub n: i32,
    /// u32 (stored widened).
    pub u: u32,
    /// u64 (refused above i64::MAX).
    pub w: u64,
    /// f64.
    pub f: f64,
    /// Nullable f64.
    pub of: Option<f64>,
    /// f32 (stored widened).
    pub h: f32,
    /// bool.
    pub b: bool,
    /// Text.
    #[anytable(index)]
    pub t: String,
    /// Nullable text.
    pub ot: Option<String>,
    /// Bytes.
    pub bytes: Vec<u8>,
    /// A UTC instant.
    pub ts: DateTime<Utc>,
    /// Nullable UTC instant.
    pub ots: Option<DateTime<Utc>>,
    /// A date.
    pub day: NaiveDate,
    /// A date and time without zone.
    pub dt: NaiveDateTime,
    /// A time of day.
    pub tm: NaiveTime,
    /// A decimal with four digits after the point.
    #[anytable(scale = 4)]
    pub dec: Decimal,
    /// Nullable decimal.
    #[anytable(scale = 4)]
    pub odec: Option<Decimal>,
    /// Nullable JSON document.
    pub j: Option<anytable::serde_json::Value>,
    /// A UUID.
    pub uid: Uuid,
}

macro_rules! fuzz_columns {
    ($($name:ident : $ty:ty = |$edges:ident| $strategy:expr;)*) => {
        /// A column of [`FuzzRow`].
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Col { $(
            #[doc = concat!("Column `", stringify!($name), "`.")]
            $name,
        )* }

        /// A value of one column, of that column's field type.
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, PartialEq)]
        pub enum Lit { $(
            #[doc = concat!("A value of column `", stringify!($name), "`.")]
            $name($ty),
        )* }

        impl Col {
            /// Every data column the fuzzer generates values for (all but `id` and `k`).
            pub const ALL: &'static [Col] = &[$(Col::$name),*];

            /// Values of this column for a filter, biased to the edges of its type, with
            /// the values every backend refuses (NUL in text, years past 9999, ...) among them.
            pub fn values(self) -> BoxedStrategy<Lit> {
                self.values_for(Use::Filter)
            }

            /// Values of this column for `use`.
            pub fn values_for(self, u: Use) -> BoxedStrategy<Lit> {
                match self { $(Col::$name => {
                    let $edges = u;
                    ($strategy).prop_map(Lit::$name).boxed()
                })* }
            }

            /// The column's name in SQL.
            pub fn name(self) -> &'static str {
                match self { $(Col::$name => stringify!($name),)* }
            }

            /// `column IS NULL`.
            pub fn is_null(self) -> Filter<FuzzRow> {
                match self { $(Col::$name => FuzzRow::$name().is_null(),)* }
            }

            /// `column IS NOT NULL`.
            pub fn is_not_null(self) -> Filter<FuzzRow> {
                match self { $(Col::$name => FuzzRow::$name().is_not_null(),)* }
            }

            /// `count(column)`.
            pub fn count(self) -> Aggregate<FuzzRow, i64> {
                match self { $(Col::$name => FuzzRow::$name().count(),)* }
            }

            /// `count(DISTINCT column)`.
            pub fn count_distinct(self) -> Aggregate<FuzzRow, i64> {
                match self { $(Col::$name => FuzzRow::$name().count_distinct(),)* }
            }

            /// An upsert's conflict action that also overwrites this column.
            pub fn update_on(self, on: OnConflict<FuzzRow>) -> OnConflict<FuzzRow> {
                match self { $(Col::$name => on.update(FuzzRow::$name()),)* }
            }

            /// Does `w` with this column, typed.
            pub fn with_typed<W: WithColumn>(self, w: W) -> Outcome {
                match self { $(Col::$name => w.with(FuzzRow::$name()),)* }
            }

            /// Ascending or descending order on this column.
            pub fn order(self, descending: bool) -> Order<FuzzRow> {
                match (self, descending) {
                    $((Col::$name, false) => FuzzRow::$name().asc(),
                      (Col::$name, true) => FuzzRow::$name().desc(),)*
                }
            }
        }

        impl Lit {
            /// The column this value belongs to.
            pub fn col(&self) -> Col {
                match self { $(Lit::$name(_) => Col::$name,)* }
            }

            /// `column <op> value`.
            pub fn compare(&self, op: CmpOp) -> Filter<FuzzRow> {
                match self.clone() { $(Lit::$name(v) => op.apply(FuzzRow::$name(), v),)* }
            }

            /// `column IN (values)`, all of this value's column (others are left out).
            pub fn is_in(col: Col, values: &[Lit]) -> Filter<FuzzRow> {
                match col { $(Col::$name => FuzzRow::$name().is_in(
                    values.iter().filter_map(|v| match v { Lit::$name(v) => Some(v.clone()), _ => None })
                        .collect::<Vec<$ty>>(),
                ),)* }
            }

            /// `SET column = value`.
            pub fn assign(&self) -> Assignment<FuzzRow> {
                match self.clone() { $(Lit::$name(v) => FuzzRow::$name().set(v),)* }
            }

            /// Stores this value in its field of `row`.
            pub fn store(&self, row: &mut FuzzRow) {
                match self.clone() { $(Lit::$name(v) => row.$name = v,)* }
            }

            /// Rust source that builds this value (for a regression case).
            pub fn rust(&self) -> String {
                match self { $(Lit::$name(v) => format!("Lit::{}({})", stringify!($name), v.rust()),)* }
            }
        }
    };
}

fuzz_columns! {
    g: i16 = |_r| values::group();
    i: i64 = |_r| values::i64s();
    oi: Option<i64> = |_r| proptest::option::weighted(0.8, values::i64s());
    n: i32 = |_r| values::i32s();
    u: u32 = |_r| values::u32s();
    w: u64 = |r| values::u64s(r);
    f: f64 = |r| values::f64s(r);
    of: Option<f64> = |r| proptest::option::weighted(0.8, values::f64s(r));
    h: f32 = |r| values::f32s(r);
    b: bool = |_r| any::<bool>();
    t: String = |r| values::texts(r);
    ot: Option<String> = |r| proptest::option::weighted(0.8, values::texts(r));
    bytes: Vec<u8> = |_r| values::bytes();
    ts: DateTime<Utc> = |r| values::timestamps(r);
    ots: Option<DateTime<Utc>> = |r| proptest::option::weighted(0.8, values::timestamps(r));
    day: NaiveDate = |r| values::dates(r);
    dt: NaiveDateTime = |r| values::datetimes(r);
    tm: NaiveTime = |r| values::times(r);
    dec: Decimal = |r| values::decimals(r);
    odec: Option<Decimal> = |r| proptest::option::weighted(0.8, values::decimals(r));
    j: Option<anytable::serde_json::Value> = |_r| proptest::option::weighted(0.8, values::json());
    uid: Uuid = |_r| values::uuids();
}

/// Rust source that builds a value, so that a minimal failing sequence can be pasted into a
/// regression case.
pub trait RustSource {
    /// The source.
    fn rust(&self) -> String;
}

macro_rules! rust_by_debug {
    ($($t:ty => $suffix:literal),*) => {$(
        impl RustSource for $t {
            fn rust(&self) -> String {
                format!("{self:?}{}", $suffix)
            }
        }
    )*};
}
rust_by_debug!(i16 => "i16", i32 => "i32", i64 => "i64", u32 => "u32", u64 => "u64", bool => "");

impl RustSource for f64 {
    fn rust(&self) -> String {
        format!("f64::from_bits({:#x})", self.to_bits())
    }
}

impl RustSource for f32 {
    fn rust(&self) -> String {
        format!("f32::from_bits({:#x})", self.to_bits())
    }
}

impl RustSource for String {
    fn rust(&self) -> String {
        format!("{self:?}.to_owned()")
    }
}

impl RustSource for Vec<u8> {
    fn rust(&self) -> String {
        format!("vec!{self:?}")
    }
}

impl RustSource for DateTime<Utc> {
    fn rust(&self) -> String {
        format!(
            "DateTime::from_timestamp({}, {}).unwrap()",
            self.timestamp(),
            self.timestamp_subsec_nanos()
        )
    }
}

impl RustSource for NaiveDate {
    fn rust(&self) -> String {
        use anytable::chrono::Datelike;
        format!(
            "NaiveDate::from_num_days_from_ce_opt({}).unwrap()",
            self.num_days_from_ce()
        )
    }
}

impl RustSource for NaiveDateTime {
    fn rust(&self) -> String {
        format!("{}.naive_utc()", self.and_utc().rust())
    }
}

impl RustSource for NaiveTime {
    fn rust(&self) -> String {
        use anytable::chrono::Timelike;
        format!(
            "NaiveTime::from_num_seconds_from_midnight_opt({}, {}).unwrap()",
            self.num_seconds_from_midnight(),
            self.nanosecond()
        )
    }
}

impl RustSource for Decimal {
    fn rust(&self) -> String {
        format!("{:?}.parse::<Decimal>().unwrap()", self.to_string())
    }
}

impl RustSource for anytable::serde_json::Value {
    fn rust(&self) -> String {
        format!(
            "anytable::serde_json::from_str::<anytable::serde_json::Value>(r#\"{self}\"#).unwrap()"
        )
    }
}

impl RustSource for Uuid {
    fn rust(&self) -> String {
        format!("Uuid::from_u128({:#x})", self.as_u128())
    }
}

impl<T: RustSource> RustSource for Option<T> {
    fn rust(&self) -> String {
        match self {
            Some(v) => format!("Some({})", v.rust()),
            None => "None".to_owned(),
        }
    }
}

/// A comparison operator, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// `column <op> value` on a typed column.
    pub fn apply<T, V: anytable::ValueFor<T>>(
        self,
        column: anytable::Column<FuzzRow, T>,
        value: V,
    ) -> Filter<FuzzRow> {
        match self {
            CmpOp::Eq => column.eq(value),
            CmpOp::Ne => column.ne(value),
            CmpOp::Lt => column.lt(value),
            CmpOp::Le => column.le(value),
            CmpOp::Gt => column.gt(value),
            CmpOp::Ge => column.ge(value),
        }
    }
}

/// The comparison operators.
pub fn cmp_ops() -> impl Strategy<Value = CmpOp> {
    prop_oneof![
        Just(CmpOp::Eq),
        Just(CmpOp::Ne),
        Just(CmpOp::Lt),
        Just(CmpOp::Le),
        Just(CmpOp::Gt),
        Just(CmpOp::Ge),
    ]
}

impl FuzzRow {
    /// A row with key `k` and every other column from `values` (columns not named keep a
    /// plain default).
    pub fn from_lits(k: i64, values: &[Lit]) -> FuzzRow {
        let mut row = FuzzRow {
            id: 0,
            k,
            g: 0,
            i: 0,
            oi: None,
            n: 0,
            u: 0,
            w: 0,
            f: 0.0,
            of: None,
            h: 0.0,
            b: false,
            t: String::new(),
            ot: None,
            bytes: Vec::new(),
            ts: DateTime::UNIX_EPOCH,
            ots: None,
            day: NaiveDate::default(),
            dt: NaiveDateTime::default(),
            tm: NaiveTime::default(),
            dec: Decimal::ZERO,
            odec: None,
            j: None,
            uid: Uuid::nil(),
        };
        for value in values {
            value.store(&mut row);
        }
        row
    }

    /// The row as compared between backends: everything but the database's id.
    pub fn canonical(&self) -> String {
        let mut row = self.clone();
        row.id = 0;
        format!("{row:?}")
    }
}

/// A whole row's values, one per data column: mostly values every backend stores, one row
/// in four with the refused edges among them.
pub fn rows() -> impl Strategy<Value = Vec<Lit>> {
    let row = |u: Use| Col::ALL.iter().map(|c| c.values_for(u)).collect::<Vec<_>>();
    prop_oneof![3 => row(Use::Stored), 1 => row(Use::Written)]
}
