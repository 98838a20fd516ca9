//! Query results written to Parquet files and Parquet files loaded into tables (feature
//! `parquet`), through the Arrow batches of [`Select::arrow`] and [`TableHandle::insert_arrow`]:
//! the same file from every backend, and any backend loads it.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use anytable_core::{Error, ErrorKind, Record, Result};

use super::arrow::DEFAULT_BATCH_ROWS;
use super::{Select, TableHandle};
use crate::arrow::build::arrow_error;

fn io_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    let kind = match e.kind() {
        std::io::ErrorKind::NotFound => ErrorKind::NotFound,
        _ => ErrorKind::Other,
    };
    Error::new(kind, format!("cannot {what} {}: {e}", path.display()))
}

fn parquet_error(path: &Path, e: parquet::errors::ParquetError) -> Error {
    Error::invalid_input(format!("parquet file {}: {e}", path.display()))
}

/// A new file next to `path` for the rows until they are complete, under a name no other
/// write uses (this process's or another's) and nobody can guess to plant a link at first:
/// a random part, and created only if nothing is there (`create_new` never follows a
/// symbolic link), trying again under another name if something is.
fn create_partial(path: &Path) -> Result<(std::path::PathBuf, File)> {
    use std::hash::{BuildHasher, Hasher};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map_or_else(|| std::ffi::OsString::from("parquet"), |n| n.to_os_string());
    let mut last = None;
    for _ in 0..16 {
        // RandomState draws its keys from the operating system's randomness.
        let mut random = std::collections::hash_map::RandomState::new().build_hasher();
        random.write_u64(NEXT.fetch_add(1, Ordering::Relaxed));
        let mut partial = std::ffi::OsString::from(".");
        partial.push(&name);
        partial.push(format!(
            ".{}.{:016x}.partial",
            std::process::id(),
            random.finish()
        ));
        let partial = path.with_file_name(partial);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&partial)
        {
            Ok(file) => return Ok((partial, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some((partial, e)),
            Err(e) => return Err(io_error("create", &partial, e)),
        }
    }
    let (partial, e) = last.expect("sixteen attempts were made");
    Err(io_error("create", &partial, e))
}

impl<R: Record> Select<'_, R> {
    /// Writes the rows to a Parquet file at `path` (replaced if it exists), Snappy-compressed,
    /// with the record's Arrow schema embedded; returns how many rows were written. The rows
    /// stream through: memory stays flat however many there are. The file appears only once
    /// complete (it is written next to `path` under a name of its own and renamed), so a failed
    /// call leaves no half file, and of calls writing the same file at once the last to finish
    /// wins with a whole file.
    pub fn write_parquet(self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let (partial, file) = create_partial(path)?;
        let written = (|| {
            let properties = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .build();
            let schema = crate::arrow::schema(R::schema());
            let mut writer = ArrowWriter::try_new(file, schema, Some(properties))
                .map_err(|e| parquet_error(&partial, e))?;
            let mut rows = 0u64;
            for batch in self.arrow()? {
                let batch = batch?;
                rows += batch.num_rows() as u64;
                writer
                    .write(&batch)
                    .map_err(|e| parquet_error(&partial, e))?;
            }
            writer.close().map_err(|e| parquet_error(&partial, e))?;
            Ok(rows)
        })();
        match written {
            Ok(rows) => {
                std::fs::rename(&partial, path).map_err(|e| io_error("write", path, e))?;
                Ok(rows)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                Err(e)
            }
        }
    }
}

/// The most bytes one batch read from a Parquet file may take in memory (a file may be
/// anyone's, and a few MB of dictionary- or run-length-encoded data can stand for gigabytes).
pub const MAX_PARQUET_BATCH_BYTES: usize = 256 << 20;

/// The bytes a batch is aimed at when its rows are chosen from the file's metadata.
const PARQUET_BATCH_BYTES: u64 = 32 << 20;

/// The file's Arrow schema with text and binary columns read as views (`Utf8View`,
/// `BinaryView`): a value the file stores once (a dictionary entry) is then held once per
/// batch, not copied into every row that refers to it.
fn view_schema(file: &arrow::datatypes::Schema) -> arrow::datatypes::Schema {
    use arrow::datatypes::{DataType, Field};
    let fields: Vec<Field> = file
        .fields()
        .iter()
        .map(|field| {
            let value_type = match field.data_type() {
                DataType::Dictionary(_, value) => value.as_ref(),
                other => other,
            };
            let read_as = match value_type {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8View,
                DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
                    DataType::BinaryView
                }
                _ => field.data_type().clone(),
            };
            field.as_ref().clone().with_data_type(read_as)
        })
        .collect();
    arrow::datatypes::Schema::new_with_metadata(fields, file.metadata().clone())
}

/// Rows per batch so that a batch takes about [`PARQUET_BATCH_BYTES`] by the file's own
/// account of its widest row group (uncompressed bytes per row), at most the default.
fn batch_rows(metadata: &parquet::file::metadata::ParquetMetaData) -> usize {
    let widest = metadata
        .row_groups()
        .iter()
        .map(|group| {
            let bytes = u64::try_from(group.total_byte_size()).unwrap_or(0);
            let rows = u64::try_from(group.num_rows()).unwrap_or(0).max(1);
            bytes.div_ceil(rows)
        })
        .max()
        .unwrap_or(0)
        .max(1);
    let rows = (PARQUET_BATCH_BYTES / widest).max(1);
    usize::try_from(rows)
        .unwrap_or(usize::MAX)
        .min(DEFAULT_BATCH_ROWS)
}

/// `f`, with a panic inside the parquet crate (a malformed file it did not foresee) turned
/// into `InvalidInput` naming the file.
fn unpanicked<T>(path: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        Err(Error::invalid_input(format!(
            "parquet file {}: the reader failed on it ({})",
            path.display(),
            anytable_core::panic_message(panic.as_ref())
        )))
    })
}

/// The batches of a Parquet file, each read under [`unpanicked`] and refused past
/// [`MAX_PARQUET_BATCH_BYTES`].
struct BoundedBatches<'p> {
    path: &'p Path,
    reader: parquet::arrow::arrow_reader::ParquetRecordBatchReader,
}

impl Iterator for BoundedBatches<'_> {
    type Item = Result<arrow::record_batch::RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        let path = self.path;
        let reader = &mut self.reader;
        unpanicked(path, || reader.next().transpose().map_err(arrow_error))
            .and_then(|batch| match batch {
                Some(batch) if batch.get_array_memory_size() > MAX_PARQUET_BATCH_BYTES => {
                    Err(Error::invalid_input(format!(
                        "parquet file {}: a batch of {} rows takes {} MiB in memory, over the \
                         bound of {} MiB",
                        path.display(),
                        batch.num_rows(),
                        batch.get_array_memory_size() >> 20,
                        MAX_PARQUET_BATCH_BYTES >> 20
                    )))
                }
                other => Ok(other),
            })
            .transpose()
    }
}

impl<R: Record> TableHandle<'_, R> {
    /// Loads the rows of the Parquet file at `path` into the table, as
    /// [`insert_arrow`](Self::insert_arrow) writes batches (columns by name, casts within a
    /// kind, ids kept when the file has them), all or nothing; returns how many rows were
    /// written. The file streams in batches: memory stays flat however large it is.
    ///
    /// The file may come from anyone: each batch is sized from the file's metadata to about
    /// 32 MiB, text and binary values are read as views (a value the file stores once is held
    /// once, however many rows refer to it), a batch that still takes more than
    /// [`MAX_PARQUET_BATCH_BYTES`] is refused, and a panic in the parquet crate is an error.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] for a missing file, [`ErrorKind::InvalidInput`] for a file that
    /// is not Parquet, whose columns do not fit the table (as for `insert_arrow`), or that
    /// breaks the bounds above.
    pub fn insert_parquet(&self, path: impl AsRef<Path>) -> Result<u64> {
        use parquet::arrow::arrow_reader::ArrowReaderOptions;
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| io_error("open", path, e))?;
        let reader = unpanicked(path, || {
            let plain = ParquetRecordBatchReaderBuilder::try_new(
                file.try_clone().map_err(|e| io_error("open", path, e))?,
            )
            .map_err(|e| parquet_error(path, e))?;
            let rows = batch_rows(plain.metadata());
            let views = std::sync::Arc::new(view_schema(plain.schema()));
            let options = ArrowReaderOptions::new().with_schema(views);
            ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)
                .and_then(|b| b.with_batch_size(rows).build())
                .map_err(|e| parquet_error(path, e))
        })?;
        self.insert_arrow_results(BoundedBatches { path, reader })
    }
}
