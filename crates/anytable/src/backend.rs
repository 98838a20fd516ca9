//! The implementor API: what a backend crate implements (or calls) so that [`Database`]
//! can run on its engine. Applications rarely need it, except [`Connection`] for the raw
//! statements of [`Database::connection`].
//!
//! A backend implements [`Backend`] (open, capabilities, a pool of [`Connection`]s) and
//! [`Connection`] (run a statement, pull rows through a [`Rows`] cursor, introspect a
//! table), and hands itself to [`Database::from_backend`]. The conformance crate's suite
//! tells it whether it answers the way every other backend does.
//!
//! [`Database`]: crate::Database
//! [`Database::connection`]: crate::Database::connection
//! [`Database::from_backend`]: crate::Database::from_backend

pub use anytable_core::check;
pub use anytable_core::pool;
pub use anytable_core::sea_query;
pub use anytable_core::sql;
pub use anytable_core::verify;
pub use anytable_core::{
    atomically, bind_params, bulk_insert, check_count, check_in, decode_row, insert_one_by_one,
    schema_differences, truncate_to_micros, AsyncStatements, Backend, BoxFuture, BulkInsert, CmpOp,
    ColumnCheck, ColumnInfo, Condition, Connection, DatabaseUrl, Dialect, IndexInfo, Interrupt,
    OrderKey, ReadFrom, RowSource, Rows, ServerAddress, TableInfo,
};
