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

impl<R: Record> TableHandle<'_, R> {
    /// Loads the rows of the Parquet file at `path` into the table, as
    /// [`insert_arrow`](Self::insert_arrow) writes batches (columns by name, casts within a
    /// kind, ids kept when the file has them), all or nothing; returns how many rows were
    /// written. The file streams in batches: memory stays flat however large it is.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] for a missing file, [`ErrorKind::InvalidInput`] for a file that
    /// is not Parquet or whose columns do not fit the table, as for `insert_arrow`.
    pub fn insert_parquet(&self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| io_error("open", path, e))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .and_then(|b| b.with_batch_size(DEFAULT_BATCH_ROWS).build())
            .map_err(|e| parquet_error(path, e))?;
        self.insert_arrow_results(reader.map(|batch| batch.map_err(arrow_error)))
    }
}
