//! Arrow record batches of a table's rows, the same on every backend (feature `arrow`):
//! [`Select::arrow`](crate::Select::arrow) reads query results as batches,
//! [`TableHandle::insert_arrow`](crate::TableHandle::insert_arrow) writes batches through the
//! backend's bulk path, and [`Select::pretty`](crate::Select::pretty) prints a result as a
//! table. [`schema`] and [`data_type`] are the one type mapping both directions use.

pub(crate) mod build;
pub(crate) mod conform;
pub(crate) mod read;
pub(crate) mod schema;

pub use ::arrow::*;
pub use schema::{data_type, field, schema, EXTENSION_NAME, UTC};

#[cfg(feature = "parquet")]
pub use crate::table::MAX_PARQUET_BATCH_BYTES;
pub use crate::table::{ArrowBatches, ArrowReader, DEFAULT_BATCH_ROWS};
