//! The backend-neutral core of anytable.
//!
//! Data flows one way: a [`Record`] becomes [`Value`] rows, [`sql`] turns operations into
//! sea-query statements for the backend's [`Dialect`], a [`Backend`] runs them, and rows come
//! back as records. This crate is the model and the implementor API; the user API (`Database`,
//! the `Table` trait, transactions, cursors, tracing) is in the `anytable` facade, which
//! applications depend on. Backend crates depend on this crate alone.
#![warn(missing_docs)]

mod aggregate;
mod backend;
pub mod check;
mod error;
mod filter;
mod json;
pub mod migrate;
pub mod pool;
pub mod reading;
mod record;
mod row;
mod schema;
pub mod sql;
#[cfg(feature = "time")]
pub mod time_types;
pub mod url;
mod value;
pub mod verify;
pub mod widened;

pub use aggregate::{
    count_all, Aggregate, AggregateFn, Comparable, SelectExpr, Selectable, Selection, Summable,
};
pub use backend::returned_id;
#[cfg(feature = "arrow")]
pub use backend::BatchRows;
pub use backend::{
    atomically, bind_params, bulk_insert, check_count, check_in, decode_row, insert_one_by_one,
    AsyncStatements, Backend, BoxFuture, BulkInsert, Capabilities, Connection, Interrupt, ReadFrom,
    RowSource, Rows,
};
pub use check::YEARS;
pub use error::{panic_message, Error, ErrorKind, Result};
pub use filter::{
    Assignment, CmpOp, Column, Condition, Filter, Order, OrderKey, LIKE_ESCAPE, MAX_FILTER_DEPTH,
    MAX_FILTER_TERMS,
};
pub use json::Json;
pub use record::{derive_support, Record, RecordId};
pub use row::FromRow;
pub use schema::{
    ColumnCheck, ColumnInfo, ColumnRole, ColumnSchema, IndexInfo, IndexSchema, Reference,
    TableInfo, TableSchema,
};
pub use sql::Dialect;
pub use url::{DatabaseUrl, ServerAddress};
pub use value::{
    exact_decimal, truncate_to_micros, ColumnValue, TextColumn, Value, ValueFor, ValueType,
};
pub use verify::differences as schema_differences;

/// Arrow, whose record batches `Connection::query_arrow` returns (feature `arrow`).
#[cfg(feature = "arrow")]
pub use arrow;
pub use chrono;
/// Exact decimals, the Rust side of `Decimal` columns.
pub use rust_decimal;
/// The SQL builder core and the dialects build statements with.
pub use sea_query;
pub use serde_json;
/// The time crate, whose date and time types are field types with the `time` feature.
#[cfg(feature = "time")]
pub use time;
pub use uuid;
