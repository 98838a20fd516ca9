//! Parquet files from elsewhere are untrusted input: a file of a few MB must not make
//! `insert_parquet` decode gigabytes at once, and a file the parquet crate chokes on is
//! `InvalidInput`, never a panic. One test per binary: it measures this process's peak memory.
#![cfg(all(feature = "parquet", feature = "sqlite"))]

use std::sync::Arc;

use anytable::{Database, ErrorKind, Record};
use arrow::array::{DictionaryArray, Int32Array, StringArray};
use arrow::datatypes::{DataType, Field, Int32Type, Schema};
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::arrow::ArrowWriter;

#[derive(Record, Debug)]
#[anytable(table = "untrusted")]
struct Untrusted {
    #[anytable(id)]
    id: i64,
    t: String,
    /// Not in the file: the load is refused once the first batch is read, so nothing is
    /// stored and the memory measured is the reader's.
    must: i64,
}

/// The process's peak resident memory so far, in bytes (Linux's VmHWM).
fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

#[test]
fn untrusted_parquet_is_decoded_within_a_bound() {
    // 2,048 rows of one 1 MiB text, dictionary-encoded: a file of about 1 MiB that stands for
    // 2 GiB of text, all of it in the first batch if each value is decoded on its own.
    const VALUE: usize = 1 << 20;
    const ROWS: usize = 2048;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.parquet");
    let values = StringArray::from(vec!["x".repeat(VALUE)]);
    let keys = Int32Array::from(vec![0; ROWS]);
    let column = DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values)).unwrap();
    let schema = Arc::new(Schema::new(vec![Field::new(
        "t",
        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
        false,
    )]));
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(column)]).unwrap();
    // No Arrow schema in the file: a reader sees plain text columns, as from another writer.
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_dictionary_enabled(true)
        .set_dictionary_page_size_limit(4 * VALUE)
        .build();
    let options = ArrowWriterOptions::new()
        .with_skip_arrow_metadata(true)
        .with_properties(properties);
    let mut writer =
        ArrowWriter::try_new_with_options(std::fs::File::create(&path).unwrap(), schema, options)
            .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < 4 * VALUE as u64, "a small file: {size} bytes");

    let db = Database::open("sqlite::memory:").unwrap();
    let table = db.table::<Untrusted>().unwrap();
    let before = peak_memory();
    let err = table
        .insert_parquet(&path)
        .expect_err("the file lacks column must");
    let grown = peak_memory().saturating_sub(before);
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(
        grown < 256 << 20,
        "reading the first batch grew peak memory by {} MiB: each value was decoded on its own",
        grown >> 20
    );
}
