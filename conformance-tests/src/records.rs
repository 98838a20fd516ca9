//! The record types the cases use.

use anytable::chrono::{DateTime, NaiveDate, Utc};
use anytable::serde_json;
use anytable::uuid::Uuid;
use anytable::Record;

/// The doctable seed's row: id, added timestamp, process tag, number.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "simple_rows")]
pub struct SimpleRow {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Set by the database on insert.
    #[anytable(added)]
    pub added: DateTime<Utc>,
    /// Set by the database on insert and update.
    #[anytable(updated)]
    pub updated: DateTime<Utc>,
    /// Who wrote it.
    #[anytable(index)]
    pub process: String,
    /// The payload.
    pub number: i64,
    /// Optional note.
    pub note: Option<String>,
}

impl SimpleRow {
    /// A row to insert.
    pub fn new(process: &str, number: i64) -> Self {
        SimpleRow {
            id: 0,
            added: DateTime::UNIX_EPOCH,
            updated: DateTime::UNIX_EPOCH,
            process: process.to_owned(),
            number,
            note: None,
        }
    }
}

/// A keyed row for upserts and unique violations.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "keyed", unique(group_name, rank))]
pub struct Keyed {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Unique key.
    #[anytable(unique)]
    pub key: String,
    /// Part of a two-column unique constraint.
    pub group_name: String,
    /// Part of a two-column unique constraint.
    pub rank: i32,
    /// Value that upserts overwrite.
    #[anytable(default = 0)]
    pub value: i64,
}

impl Keyed {
    /// A row to insert.
    pub fn new(key: &str, group: &str, rank: i32, value: i64) -> Self {
        Keyed {
            id: 0,
            key: key.to_owned(),
            group_name: group.to_owned(),
            rank,
            value,
        }
    }
}

/// One column of every type, plus nullable twins.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "all_types")]
pub struct AllTypes {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// i16.
    pub small: i16,
    /// i32.
    pub medium: i32,
    /// i64.
    pub big: i64,
    /// f64.
    pub real: f64,
    /// bool.
    pub flag: bool,
    /// text.
    pub text: String,
    /// bytes.
    pub bytes: Vec<u8>,
    /// timestamp.
    pub at: DateTime<Utc>,
    /// date.
    pub day: NaiveDate,
    /// json.
    pub doc: serde_json::Value,
    /// uuid.
    pub uid: Uuid,
    /// Nullable i64.
    pub maybe_big: Option<i64>,
    /// Nullable f64.
    pub maybe_real: Option<f64>,
    /// Nullable text.
    pub maybe_text: Option<String>,
    /// Nullable timestamp.
    pub maybe_at: Option<DateTime<Utc>>,
    /// Nullable json.
    pub maybe_doc: Option<serde_json::Value>,
    /// Nullable uuid.
    pub maybe_uid: Option<Uuid>,
}

/// A row of the DuckDB seed: which thread wrote it, when (filled by the database).
#[derive(Record, Debug, Clone)]
#[anytable(table = "my_inserts")]
pub struct ThreadInsert {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Thread name.
    pub thread_name: String,
    /// Set by the database on insert.
    #[anytable(added)]
    pub insert_time: DateTime<Utc>,
}

/// Declares the same table as [`SimpleRow`] with drifted columns, to provoke a mismatch.
#[derive(Record, Debug, Clone)]
#[anytable(table = "simple_rows")]
pub struct SimpleRowDrifted {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Same as SimpleRow.
    #[anytable(added)]
    pub added: DateTime<Utc>,
    /// Same as SimpleRow.
    #[anytable(updated)]
    pub updated: DateTime<Utc>,
    /// Nullable here, NOT NULL in SimpleRow (and not indexed).
    pub process: Option<String>,
    /// Text here, i64 in SimpleRow.
    pub number: String,
    /// Not in SimpleRow (and SimpleRow's `note` is missing here).
    pub extra: bool,
}

/// Names full of quotes and SQL keywords, which must be quoted, never spliced.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "we\"ird 'table' select")]
pub struct Awkward {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// A keyword as a column name.
    #[anytable(rename = "order", index)]
    pub order: String,
    /// Quotes in a column name.
    #[anytable(rename = "col\"quote'd")]
    pub quoted: String,
    /// Another keyword.
    #[anytable(rename = "from", unique)]
    pub from: i64,
}

/// A named counter, for concurrent read-modify-write updates.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "counters")]
pub struct Counter {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Its name.
    #[anytable(unique)]
    pub name: String,
    /// Its value.
    pub value: i64,
}

/// A row with no id column, for operations that need one.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "log_lines")]
pub struct LogLine {
    /// The text.
    pub message: String,
    /// How loud.
    pub level: i32,
}

/// Text with an optional rank, for the cases on matching, ordering and NULLs.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "words")]
pub struct Word {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// The text matched and sorted.
    #[anytable(index)]
    pub text: String,
    /// A nullable key for NULL ordering.
    pub rank: Option<i64>,
}

impl Word {
    /// A word to insert.
    pub fn new(text: &str, rank: Option<i64>) -> Self {
        Word {
            id: 0,
            text: text.to_owned(),
            rank,
        }
    }
}

/// Table `a_b` indexing `c`: its generated index name must not collide with [`CollideA`]'s.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "a_b")]
pub struct CollideAB {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Indexed.
    #[anytable(index)]
    pub c: i64,
}

/// Table `a` indexing `b_c`: `ix_` + table + column spells the same as [`CollideAB`]'s.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "a")]
pub struct CollideA {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Indexed.
    #[anytable(index)]
    pub b_c: i64,
}

/// A child row whose parent is checked only at COMMIT (the table is created by hand with a
/// deferred foreign key), to make a commit fail on purpose.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "deferred_child")]
pub struct DeferredChild {
    /// References `deferred_parent(id)`, checked at commit.
    pub parent: i64,
}

/// Rows to aggregate: text keys that sort differently by code point and by locale, NULLs in
/// every nullable column.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "sales")]
pub struct Sale {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Group key; NULL for some rows.
    pub region: Option<String>,
    /// Product name.
    pub product: String,
    /// Units sold.
    pub units: i64,
    /// A small integer, summed to i64.
    pub small: Option<i32>,
    /// Price; NULL for some rows.
    pub price: Option<f64>,
    /// Day of the sale.
    pub day: NaiveDate,
    /// When it was paid, if it was.
    pub paid: Option<DateTime<Utc>>,
}

impl Sale {
    /// A sale with no `small`, `price` or `paid`.
    pub fn new(region: Option<&str>, product: &str, units: i64, day: NaiveDate) -> Self {
        Sale {
            id: 0,
            region: region.map(str::to_owned),
            product: product.to_owned(),
            units,
            small: None,
            price: None,
            day,
            paid: None,
        }
    }
}

/// One integer per row, for sums at the edge of `i64`.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "ledger")]
pub struct Ledger {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Which sum the row belongs to.
    pub book: String,
    /// The amount.
    pub amount: i64,
}

/// One float and one integer per row, for sums and averages at their edges.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "samples")]
pub struct Sample {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Which sum the row belongs to.
    pub batch: String,
    /// The float.
    pub x: f64,
    /// The integer.
    pub n: i64,
}

/// The referenced side of the join cases.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "customers")]
pub struct Customer {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Name, sorted by code point.
    pub name: String,
    /// Nullable, to filter the partner on.
    pub city: Option<String>,
}

/// A purchase, with a foreign key to its customer (NULL for none).
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "purchases")]
pub struct Purchase {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// The buyer, if known.
    #[anytable(references = Customer, index)]
    pub customer: Option<i64>,
    /// What was bought.
    pub item: String,
    /// How much.
    pub amount: i64,
}

/// A record whose foreign key references its own table.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "employees")]
pub struct Employee {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Name.
    pub name: String,
    /// The manager, another employee.
    #[anytable(references = Employee)]
    pub manager: Option<i64>,
}

/// A referenced record with a unique and an indexed column, for updates of referenced rows.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "teams")]
pub struct Team {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Unique.
    #[anytable(unique)]
    pub code: String,
    /// Indexed.
    #[anytable(index)]
    pub league: String,
    /// Neither.
    pub motto: String,
}

/// A record referencing a [`Team`].
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "players")]
pub struct Player {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// The team.
    #[anytable(references = Team)]
    pub team: Option<i64>,
}

/// Version 1 of a record whose table the `migrations` cases evolve.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "journal")]
pub struct JournalV1 {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// A title.
    pub title: String,
}

/// Version 2: five new fields (nullable, defaulted, indexed, unique, JSON).
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "journal", index(mood))]
pub struct JournalV2 {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// As in version 1.
    pub title: String,
    /// New, nullable.
    pub body: Option<String>,
    /// New, NOT NULL with a default the old rows read.
    #[anytable(default = 3)]
    pub stars: i64,
    /// New, nullable and indexed.
    pub mood: Option<String>,
    /// New, nullable and unique.
    #[anytable(unique)]
    pub slug: Option<String>,
    /// New, nullable JSON.
    pub doc: Option<serde_json::Value>,
}

/// A version that only a lossy change could reach: `title` removed, `stars` retyped, and a new
/// NOT NULL column without a default.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "journal")]
pub struct JournalLossy {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Text now, an integer before.
    pub stars: String,
    /// New, NOT NULL, no default.
    pub must: i64,
}

/// Version 1 with a unique title: a constraint the data may not allow.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "journal")]
pub struct JournalUniqueTitle {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Unique now.
    #[anytable(unique)]
    pub title: String,
}

/// A table with a NOT NULL column without a default.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "strict_rows")]
pub struct StrictRow {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// A title.
    pub title: String,
    /// NOT NULL, no default: a record that leaves it out cannot insert.
    pub must: i64,
}

/// `StrictRow` without `must`.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "strict_rows")]
pub struct StrictRowLess {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// A title.
    pub title: String,
}

/// A record without an id for a table made by hand with a narrower integer column.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "legacy_rows")]
pub struct LegacyRow {
    /// `INTEGER` in the table: 32 bits on PostgreSQL and DuckDB.
    pub n: i64,
    /// Text.
    pub label: Option<String>,
}

/// A record for a hand-made table whose integer columns are narrower than its fields.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "narrow_rows")]
pub struct NarrowRow {
    /// `SMALLINT NOT NULL` in the table.
    pub small: i64,
    /// `SMALLINT` in the table.
    pub maybe: Option<i64>,
    /// Text.
    pub label: String,
}

/// A record for a hand-made table whose timestamp column has no time zone.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "naive_rows")]
pub struct NaiveRow {
    /// `TIMESTAMP` (without time zone) in the table.
    pub at: DateTime<Utc>,
    /// Text.
    pub label: String,
}

/// Version 3: one more field on a table that now has indexes and a unique constraint.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "journal", index(mood))]
pub struct JournalV3 {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// As before.
    pub title: String,
    /// As before.
    pub body: Option<String>,
    /// As before.
    #[anytable(default = 3)]
    pub stars: i64,
    /// As before.
    pub mood: Option<String>,
    /// As before.
    #[anytable(unique)]
    pub slug: Option<String>,
    /// As before.
    pub doc: Option<serde_json::Value>,
    /// New in version 3.
    pub archived: Option<bool>,
}

/// Every integer width and `f32`, stored in the next wider type every engine has.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "counters")]
pub struct Counters {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// i8, in a SMALLINT.
    pub tiny: i8,
    /// u8, in a SMALLINT.
    pub byte: u8,
    /// u16, in an INTEGER.
    pub word: u16,
    /// u32, in a BIGINT.
    pub dword: u32,
    /// u64, in a BIGINT (refused above i64::MAX).
    pub count: u64,
    /// f32, in a DOUBLE PRECISION.
    pub ratio: f32,
    /// Nullable u64.
    pub maybe_count: Option<u64>,
    /// Nullable f32.
    pub maybe_ratio: Option<f32>,
}

/// The same table seen with the stored types, to write what the narrow fields refuse.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "counters")]
pub struct CountersStored {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// What `tiny` is stored as.
    pub tiny: i16,
    /// What `byte` is stored as.
    pub byte: i16,
    /// What `word` is stored as.
    pub word: i32,
    /// What `dword` is stored as.
    pub dword: i64,
    /// What `count` is stored as.
    pub count: i64,
    /// What `ratio` is stored as.
    pub ratio: f64,
    /// What `maybe_count` is stored as.
    pub maybe_count: Option<i64>,
    /// What `maybe_ratio` is stored as.
    pub maybe_ratio: Option<f64>,
}

/// A fieldless enum stored as text.
#[derive(anytable::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Stored as "Open".
    Open,
    /// Stored as "on hold".
    #[anytable(rename = "on hold")]
    OnHold,
    /// Stored as "Ünïcødé ✓".
    #[anytable(rename = "Ünïcødé ✓")]
    Closed,
}

/// A document stored through serde.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    /// Text with quotes and non-ASCII letters.
    pub theme: String,
    /// The largest integer JSON keeps exactly on every engine.
    pub width: u64,
    /// A float.
    pub scale: f64,
    /// A nested list, possibly empty.
    pub tags: Vec<String>,
    /// An absent or present nested document.
    pub parent: Option<Box<Settings>>,
}

/// Money in cents: a user's own type, stored as a BIGINT through a hand-written `ColumnValue`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Cents(pub i64);

impl anytable::ColumnValue for Cents {
    const TYPE: anytable::ValueType = anytable::ValueType::I64;
    fn to_value(&self) -> anytable::Value {
        anytable::Value::I64(self.0)
    }
    fn from_value(value: anytable::Value) -> anytable::Result<Self> {
        match value {
            anytable::Value::I64(cents) => Ok(Cents(cents)),
            other => Err(anytable::Error::type_mismatch(format!(
                "expected cents, got {}",
                other.type_name()
            ))),
        }
    }
}

/// Enums, typed JSON and a user's own type in one table.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "tickets")]
pub struct Ticket {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// An enum.
    pub status: Status,
    /// A nullable enum.
    pub previous: Option<Status>,
    /// A typed JSON document.
    pub settings: anytable::Json<Settings>,
    /// A nullable typed JSON document.
    pub extra: Option<anytable::Json<Vec<u32>>>,
    /// A user's own type.
    pub price: Cents,
}

/// The same table seen with the stored types, to write what the typed fields would refuse.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "tickets")]
pub struct TicketStored {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Text.
    pub status: String,
    /// Nullable text.
    pub previous: Option<String>,
    /// Any document.
    pub settings: serde_json::Value,
    /// Any document.
    pub extra: Option<serde_json::Value>,
    /// A BIGINT.
    pub price: i64,
}

/// A document serde_json cannot write: a map with non-text keys.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "byte_keyed")]
pub struct ByteKeyed {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// The map.
    pub doc: anytable::Json<std::collections::BTreeMap<Vec<u8>, u8>>,
}

/// An enum column in a table created without its CHECK (by [`FlaggedStored`]), to read back
/// a text no variant has.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "flagged")]
pub struct Flagged {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// The enum.
    pub status: Status,
}

/// [`Flagged`]'s table with plain text, which creates it without a CHECK.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "flagged")]
pub struct FlaggedStored {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Any text.
    pub status: String,
}

/// Dates and times of day without a time zone.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "clocks")]
pub struct Clock {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// A date and time without a zone.
    pub local: anytable::chrono::NaiveDateTime,
    /// A time of day.
    pub time: anytable::chrono::NaiveTime,
    /// Nullable date and time.
    pub maybe_local: Option<anytable::chrono::NaiveDateTime>,
    /// Nullable time of day.
    pub maybe_time: Option<anytable::chrono::NaiveTime>,
}

/// Exact decimals at three scales.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "decimals", index(amount))]
pub struct Decimals {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// Four digits after the point.
    #[anytable(scale = 4)]
    pub amount: anytable::rust_decimal::Decimal,
    /// Whole numbers.
    #[anytable(scale = 0)]
    pub whole: anytable::rust_decimal::Decimal,
    /// As many digits after the point as a Decimal has.
    #[anytable(scale = 28)]
    pub tiny: anytable::rust_decimal::Decimal,
    /// Nullable, two digits after the point.
    #[anytable(scale = 2)]
    pub maybe: Option<anytable::rust_decimal::Decimal>,
}

/// The time crate's types as fields (anytable's `time` feature).
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "time_crate")]
pub struct TimeCrate {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// An instant.
    pub at: anytable::time::OffsetDateTime,
    /// A date and time without a zone.
    pub local: anytable::time::PrimitiveDateTime,
    /// A date.
    pub day: anytable::time::Date,
    /// A time of day.
    pub time: anytable::time::Time,
    /// A nullable instant.
    pub maybe_at: Option<anytable::time::OffsetDateTime>,
}

/// [`TimeCrate`]'s table seen through chrono's types.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "time_crate")]
pub struct TimeCrateAsChrono {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// As chrono's instant.
    pub at: DateTime<Utc>,
    /// As chrono's date and time.
    pub local: anytable::chrono::NaiveDateTime,
    /// As chrono's date.
    pub day: NaiveDate,
    /// As chrono's time of day.
    pub time: anytable::chrono::NaiveTime,
    /// As chrono's nullable instant.
    pub maybe_at: Option<DateTime<Utc>>,
}

/// A decimal at every scale anytable offers, 0 to 28.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "every_scale")]
pub struct EveryScale {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// 0 digits after the point.
    #[anytable(scale = 0)]
    pub d0: anytable::rust_decimal::Decimal,
    /// 1 digits after the point.
    #[anytable(scale = 1)]
    pub d1: anytable::rust_decimal::Decimal,
    /// 2 digits after the point.
    #[anytable(scale = 2)]
    pub d2: anytable::rust_decimal::Decimal,
    /// 3 digits after the point.
    #[anytable(scale = 3)]
    pub d3: anytable::rust_decimal::Decimal,
    /// 4 digits after the point.
    #[anytable(scale = 4)]
    pub d4: anytable::rust_decimal::Decimal,
    /// 5 digits after the point.
    #[anytable(scale = 5)]
    pub d5: anytable::rust_decimal::Decimal,
    /// 6 digits after the point.
    #[anytable(scale = 6)]
    pub d6: anytable::rust_decimal::Decimal,
    /// 7 digits after the point.
    #[anytable(scale = 7)]
    pub d7: anytable::rust_decimal::Decimal,
    /// 8 digits after the point.
    #[anytable(scale = 8)]
    pub d8: anytable::rust_decimal::Decimal,
    /// 9 digits after the point.
    #[anytable(scale = 9)]
    pub d9: anytable::rust_decimal::Decimal,
    /// 10 digits after the point.
    #[anytable(scale = 10)]
    pub d10: anytable::rust_decimal::Decimal,
    /// 11 digits after the point.
    #[anytable(scale = 11)]
    pub d11: anytable::rust_decimal::Decimal,
    /// 12 digits after the point.
    #[anytable(scale = 12)]
    pub d12: anytable::rust_decimal::Decimal,
    /// 13 digits after the point.
    #[anytable(scale = 13)]
    pub d13: anytable::rust_decimal::Decimal,
    /// 14 digits after the point.
    #[anytable(scale = 14)]
    pub d14: anytable::rust_decimal::Decimal,
    /// 15 digits after the point.
    #[anytable(scale = 15)]
    pub d15: anytable::rust_decimal::Decimal,
    /// 16 digits after the point.
    #[anytable(scale = 16)]
    pub d16: anytable::rust_decimal::Decimal,
    /// 17 digits after the point.
    #[anytable(scale = 17)]
    pub d17: anytable::rust_decimal::Decimal,
    /// 18 digits after the point.
    #[anytable(scale = 18)]
    pub d18: anytable::rust_decimal::Decimal,
    /// 19 digits after the point.
    #[anytable(scale = 19)]
    pub d19: anytable::rust_decimal::Decimal,
    /// 20 digits after the point.
    #[anytable(scale = 20)]
    pub d20: anytable::rust_decimal::Decimal,
    /// 21 digits after the point.
    #[anytable(scale = 21)]
    pub d21: anytable::rust_decimal::Decimal,
    /// 22 digits after the point.
    #[anytable(scale = 22)]
    pub d22: anytable::rust_decimal::Decimal,
    /// 23 digits after the point.
    #[anytable(scale = 23)]
    pub d23: anytable::rust_decimal::Decimal,
    /// 24 digits after the point.
    #[anytable(scale = 24)]
    pub d24: anytable::rust_decimal::Decimal,
    /// 25 digits after the point.
    #[anytable(scale = 25)]
    pub d25: anytable::rust_decimal::Decimal,
    /// 26 digits after the point.
    #[anytable(scale = 26)]
    pub d26: anytable::rust_decimal::Decimal,
    /// 27 digits after the point.
    #[anytable(scale = 27)]
    pub d27: anytable::rust_decimal::Decimal,
    /// 28 digits after the point.
    #[anytable(scale = 28)]
    pub d28: anytable::rust_decimal::Decimal,
}

impl EveryScale {
    /// The record's decimals, by scale.
    pub fn decimals(&self) -> [anytable::rust_decimal::Decimal; 29] {
        [
            self.d0, self.d1, self.d2, self.d3, self.d4, self.d5, self.d6, self.d7, self.d8,
            self.d9, self.d10, self.d11, self.d12, self.d13, self.d14, self.d15, self.d16,
            self.d17, self.d18, self.d19, self.d20, self.d21, self.d22, self.d23, self.d24,
            self.d25, self.d26, self.d27, self.d28,
        ]
    }

    /// A row holding `value(scale)` at each scale.
    pub fn with(value: impl Fn(u32) -> anytable::rust_decimal::Decimal) -> EveryScale {
        EveryScale {
            id: 0,
            d0: value(0),
            d1: value(1),
            d2: value(2),
            d3: value(3),
            d4: value(4),
            d5: value(5),
            d6: value(6),
            d7: value(7),
            d8: value(8),
            d9: value(9),
            d10: value(10),
            d11: value(11),
            d12: value(12),
            d13: value(13),
            d14: value(14),
            d15: value(15),
            d16: value(16),
            d17: value(17),
            d18: value(18),
            d19: value(19),
            d20: value(20),
            d21: value(21),
            d22: value(22),
            d23: value(23),
            d24: value(24),
            d25: value(25),
            d26: value(26),
            d27: value(27),
            d28: value(28),
        }
    }
}

/// An enum as version 1 of [`PhasedV1`] knows it.
#[derive(anytable::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseV1 {
    /// Stored as "Draft".
    Draft,
    /// Stored as "Live".
    Live,
}

/// The same enum grown by one variant, with a name that needs quoting care.
#[derive(anytable::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseV2 {
    /// Stored as "Draft".
    Draft,
    /// Stored as "Live".
    Live,
    /// Stored as "retired 'old' ✓".
    #[anytable(rename = "retired 'old' ✓")]
    Retired,
}

/// The same enum shrunk to one variant (rows may still hold the other).
#[derive(anytable::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseShrunk {
    /// Stored as "Draft".
    Draft,
}

/// Version 1 of a record whose enum field gains a variant.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "phased")]
pub struct PhasedV1 {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// The enum as it was.
    pub phase: PhaseV1,
}

/// Version 2: the enum has one variant more.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "phased")]
pub struct PhasedV2 {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// The grown enum.
    pub phase: PhaseV2,
}

/// A version whose enum lost a variant the table's rows may hold.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "phased")]
pub struct PhasedShrunk {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// The shrunk enum.
    pub phase: PhaseShrunk,
}

/// Version 1 of a table that later gains a unique column `a_b` and a unique pair `(a, b)`.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "ux_pairs")]
pub struct PairsV1 {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// One half of the pair.
    pub a: i64,
    /// The other half.
    pub b: i64,
    /// A column whose name joins the pair's names with `_`.
    pub a_b: i64,
}

/// Version 2: `a_b` unique, `(a, b)` unique together; `ux_` + table + columns spells both the
/// same.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "ux_pairs", unique(a, b))]
pub struct PairsV2 {
    /// Auto id.
    #[anytable(id)]
    pub id: i64,
    /// One half of the pair.
    pub a: i64,
    /// The other half.
    pub b: i64,
    /// Unique on its own.
    #[anytable(unique)]
    pub a_b: i64,
}
