//! Results as Arrow record batches and tables written from them: one type mapping and the
//! same batches on every backend, batch by batch for large results, all or nothing on write.

use std::sync::Arc;

use anytable::arrow::array::{
    Array, ArrayRef, AsArray, Decimal128Array, FixedSizeBinaryArray, Float64Array, Int32Array,
    Int64Array, StringArray,
};
use anytable::arrow::datatypes::{DataType, Field, Int64Type, Schema, TimestampMicrosecondType};
use anytable::arrow::record_batch::RecordBatch;
use anytable::{ErrorKind, Record};

use crate::cases::errors::expect_kind;
use crate::cases::types::edge_rows;
use crate::records::{AllTypes, Decimals, EveryScale, SimpleRow};
use crate::{ensure, CaseResult, TestDb};

/// Every type's edge values come back as batches of the record's Arrow schema (the cells as
/// the mapping says: UTC microseconds, Decimal128 at the column's scale, JSON as text, UUIDs
/// as 16 bytes), and `insert_arrow` of those batches writes the very same rows back, ids kept.
pub fn batches_carry_every_type_and_round_trip(t: &TestDb) -> CaseResult {
    let table = t.db.table::<AllTypes>()?;
    let mut rows = edge_rows();
    for row in &mut rows {
        table.insert(row)?;
    }
    let batches = table
        .select()
        .order_by(AllTypes::id().asc())
        .arrow_batches(2)?
        .collect::<anytable::Result<Vec<_>>>()?;
    let sizes: Vec<usize> = batches.iter().map(RecordBatch::num_rows).collect();
    ensure!(sizes == [2, 1], "batches of two rows: {sizes:?}");
    let want = anytable::arrow::schema(AllTypes::schema());
    ensure!(
        batches.iter().all(|b| b.schema() == want),
        "every batch has the record's schema:\n{:?}",
        batches[0].schema()
    );
    let first = &batches[0];
    let at = first
        .column_by_name("at")
        .ok_or("no at column")?
        .as_primitive::<TimestampMicrosecondType>();
    ensure!(
        at.value(1) == rows[1].at.timestamp_micros() && at.timezone() == Some(anytable::arrow::UTC),
        "timestamps are UTC microseconds"
    );
    let uid = first
        .column_by_name("uid")
        .ok_or("no uid column")?
        .as_any()
        .downcast_ref::<FixedSizeBinaryArray>()
        .ok_or("uid is FixedSizeBinary")?;
    ensure!(
        uid.value(1) == rows[1].uid.as_bytes(),
        "UUIDs are their 16 bytes"
    );
    let doc = first
        .column_by_name("doc")
        .ok_or("no doc column")?
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or("doc is Utf8")?;
    let parsed: anytable::serde_json::Value = anytable::serde_json::from_str(doc.value(1))?;
    ensure!(parsed == rows[1].doc, "JSON is its text: {}", doc.value(1));
    let maybe_big = first
        .column_by_name("maybe_big")
        .ok_or("no maybe_big")?
        .as_primitive::<Int64Type>();
    ensure!(
        maybe_big.is_null(0) && maybe_big.value(1) == i64::MAX,
        "NULLs are Arrow nulls"
    );

    table.delete_all()?;
    let written = table.insert_arrow(batches)?;
    ensure!(written == 3, "three rows written, not {written}");
    let back = table.select().order_by(AllTypes::id().asc()).all()?;
    ensure!(
        back == rows,
        "the rows are back as they were, ids included:\n{back:?}"
    );
    let mut next = rows[0].clone();
    let id = table.insert(&mut next)?;
    ensure!(
        id > rows[2].id,
        "new ids continue after the copied ones: {id}"
    );

    let decimals = t.db.table::<Decimals>()?;
    let amount = anytable::rust_decimal::Decimal::new(-15, 1);
    decimals.insert(&mut Decimals {
        id: 0,
        amount,
        whole: amount.trunc(),
        tiny: amount,
        maybe: None,
    })?;
    let batch = decimals.select().arrow()?.next().ok_or("one batch")??;
    let cells = batch
        .column_by_name("amount")
        .ok_or("no amount")?
        .as_any()
        .downcast_ref::<Decimal128Array>()
        .ok_or("amount is Decimal128")?;
    ensure!(
        cells.data_type() == &DataType::Decimal128(38, 4) && cells.value(0) == -15_000,
        "decimals are Decimal128 at the column's scale: {:?} {}",
        cells.data_type(),
        cells.value(0)
    );
    Ok(())
}

/// A result larger than one batch streams as full batches and a last short one, and every
/// row arrives once, also through Arrow's C stream interface (`into_reader`).
pub fn large_results_stream_in_batches(t: &TestDb) -> CaseResult {
    let table = t.db.table::<SimpleRow>()?;
    let rows: Vec<SimpleRow> = (0..20_000).map(|i| SimpleRow::new("AR", i)).collect();
    table.insert_many(&rows)?;
    let mut sizes = Vec::new();
    let mut total: i64 = 0;
    for batch in table.select().arrow()? {
        let batch = batch?;
        sizes.push(batch.num_rows());
        let numbers = batch
            .column_by_name("number")
            .ok_or("no number column")?
            .as_primitive::<Int64Type>();
        total += numbers.iter().flatten().sum::<i64>();
    }
    let full = anytable::arrow::DEFAULT_BATCH_ROWS;
    let mut want = vec![full; 20_000 / full];
    want.push(20_000 % full);
    ensure!(
        sizes == want,
        "batches of DEFAULT_BATCH_ROWS and the rest: {sizes:?}"
    );
    let sizes: Vec<usize> = table
        .select()
        .filter(SimpleRow::number().lt(7_000))
        .arrow_batches(3_000)?
        .map(|b| b.map(|b| b.num_rows()))
        .collect::<anytable::Result<_>>()?;
    ensure!(
        sizes == [3_000, 3_000, 1_000],
        "batches of the size asked for: {sizes:?}"
    );
    ensure!(total == (0..20_000).sum::<i64>(), "every row once: {total}");

    // Through Arrow's C stream interface, as another engine or language would take them.
    use anytable::arrow::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
    use anytable::arrow::record_batch::RecordBatchReader;
    let reader = table.select().arrow()?.into_reader();
    ensure!(
        reader.schema() == anytable::arrow::schema(SimpleRow::schema()),
        "the reader's schema is the record's"
    );
    let exported = FFI_ArrowArrayStream::new(Box::new(reader));
    let imported = RecordBatchStreamReader::try_new(exported)?;
    let mut rows = 0;
    for batch in imported {
        rows += batch?.num_rows();
    }
    ensure!(rows == 20_000, "every row through the C interface: {rows}");
    Ok(())
}

fn simple_batch(columns: Vec<(&str, ArrayRef)>) -> Result<RecordBatch, String> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, a)| Field::new(*name, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .map_err(|e| e.to_string())
}

/// `insert_arrow` matches columns by name, lets the database fill in what the batches lack
/// (id, `added`, `updated`, a nullable column as NULL), and refuses with `InvalidInput`, writing nothing, a missing data
/// column, an unknown column, a column of another Arrow type, a later batch of another schema,
/// and a value no backend stores the same way (NUL in text) in any batch; a NULL in a NOT NULL
/// column or among given ids is `NotNullViolation` naming the column.
pub fn insert_arrow_checks_columns_types_and_values(t: &TestDb) -> CaseResult {
    let table = t.db.table::<SimpleRow>()?;
    let good = |from: i64, n: i64| {
        simple_batch(vec![
            (
                "number",
                Arc::new(Int64Array::from_iter_values(from..from + n)) as ArrayRef,
            ),
            (
                "process",
                Arc::new(StringArray::from_iter_values(
                    (0..n).map(|i| format!("P{i}")),
                )),
            ),
        ])
    };
    let written = table.insert_arrow([good(0, 3)?, good(3, 2)?])?;
    ensure!(written == 5, "five rows from two batches: {written}");
    let rows = table.select().order_by(SimpleRow::number().asc()).all()?;
    ensure!(
        rows.len() == 5
            && rows
                .iter()
                .all(|r| r.id > 0 && r.added > anytable::chrono::DateTime::UNIX_EPOCH),
        "ids and stamps filled in by the database: {rows:?}"
    );

    let cases: Vec<(&str, Vec<RecordBatch>)> = vec![
        (
            "a missing NOT NULL column",
            vec![simple_batch(vec![(
                "number",
                Arc::new(Int64Array::from(vec![1])) as ArrayRef,
            )])?],
        ),
        (
            "an unknown column",
            vec![simple_batch(vec![
                ("number", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
                ("process", Arc::new(StringArray::from(vec!["x"]))),
                ("colour", Arc::new(StringArray::from(vec!["red"]))),
            ])?],
        ),
        (
            "a column of another kind",
            vec![simple_batch(vec![
                ("number", Arc::new(StringArray::from(vec!["1"])) as ArrayRef),
                ("process", Arc::new(StringArray::from(vec!["x"]))),
            ])?],
        ),
        (
            "a later batch of another schema",
            vec![
                good(100, 2)?,
                simple_batch(vec![
                    (
                        "process",
                        Arc::new(StringArray::from(vec!["x"])) as ArrayRef,
                    ),
                    ("number", Arc::new(Int64Array::from(vec![1]))),
                ])?,
            ],
        ),
        (
            "a NUL character in the second batch",
            vec![
                good(100, 2)?,
                simple_batch(vec![
                    ("number", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
                    ("process", Arc::new(StringArray::from(vec!["a\0b"]))),
                ])?,
            ],
        ),
    ];
    for (what, batches) in cases {
        let err = expect_kind(table.insert_arrow(batches), ErrorKind::InvalidInput)
            .map_err(|e| format!("{what}: {e}"))?;
        ensure!(table.count()? == 5, "{what}: nothing written ({err})");
    }
    // NULL where the table has NOT NULL: in a data column and in given ids (which SQLite
    // alone would otherwise fill in).
    let nulls: Vec<(&str, RecordBatch)> = vec![
        (
            "number",
            simple_batch(vec![
                (
                    "number",
                    Arc::new(Int64Array::from(vec![Some(1), None])) as ArrayRef,
                ),
                ("process", Arc::new(StringArray::from(vec!["x", "y"]))),
            ])?,
        ),
        (
            "id",
            simple_batch(vec![
                (
                    "id",
                    Arc::new(Int64Array::from(vec![Some(500), None])) as ArrayRef,
                ),
                ("number", Arc::new(Int64Array::from(vec![1, 2]))),
                ("process", Arc::new(StringArray::from(vec!["x", "y"]))),
            ])?,
        ),
    ];
    for (column, batch) in nulls {
        let err = expect_kind(table.insert_arrow([batch]), ErrorKind::NotNullViolation)?;
        ensure!(
            err.column() == Some(column) && table.count()? == 5,
            "a NULL {column} is refused, nothing written: {err}"
        );
    }

    // Another width of the same kind is cast, and a value that does not fit is refused.
    let narrow = simple_batch(vec![
        (
            "number",
            Arc::new(Int32Array::from(vec![7, -7])) as ArrayRef,
        ),
        ("process", Arc::new(StringArray::from(vec!["n", "n"]))),
    ])?;
    ensure!(
        table.insert_arrow([narrow])? == 2,
        "Int32 into a BIGINT column"
    );
    ensure!(
        table.filter(SimpleRow::process().eq("n")).count()? == 2,
        "both cast rows written"
    );
    let counters = t.db.table::<crate::records::Counters>()?;
    let wide = simple_batch(vec![
        (
            "tiny",
            Arc::new(Int64Array::from(vec![1, 40_000])) as ArrayRef,
        ),
        ("byte", Arc::new(Int64Array::from(vec![1, 1]))),
        ("word", Arc::new(Int64Array::from(vec![1, 1]))),
        ("dword", Arc::new(Int64Array::from(vec![1, 1]))),
        ("count", Arc::new(Int64Array::from(vec![1, 1]))),
        (
            "ratio",
            Arc::new(anytable::arrow::array::Float32Array::from(vec![0.5, 0.5])),
        ),
    ])?;
    let err = expect_kind(counters.insert_arrow([wide]), ErrorKind::InvalidInput)?;
    ensure!(
        err.to_string().contains("tiny") && counters.count()? == 0,
        "40000 does not fit a SMALLINT, and nothing is written: {err}"
    );
    Ok(())
}

/// One `Decimals` batch of `amount` (scale 4) and `whole` (scale 0) columns of any decimal type.
fn decimal_batch(amount: ArrayRef, whole: ArrayRef) -> Result<RecordBatch, String> {
    let tiny = Arc::new(
        Decimal128Array::from(vec![0i128; amount.len()])
            .with_precision_and_scale(38, 28)
            .map_err(|e| e.to_string())?,
    );
    simple_batch(vec![("amount", amount), ("whole", whole), ("tiny", tiny)])
}

fn decimals(values: Vec<i128>, precision: u8, scale: i8) -> Result<ArrayRef, String> {
    Ok(Arc::new(
        Decimal128Array::from(values)
            .with_precision_and_scale(precision, scale)
            .map_err(|e| e.to_string())?,
    ))
}

/// What other programs' files hold: decimals of any precision and scale are read at their own
/// scale and checked as every write is (zeros past the column's scale are the same number; a
/// digit past it is refused with `InvalidInput`, never rounded; a negative scale is a multiple
/// of a power of ten; `Decimal256` too), and dictionary-encoded text is written as its values.
pub fn insert_arrow_reads_other_producers_types(t: &TestDb) -> CaseResult {
    use anytable::arrow::array::{Decimal256Array, DictionaryArray};
    use anytable::arrow::datatypes::{i256, Int32Type};
    use anytable::rust_decimal::Decimal;

    let table = t.db.table::<Decimals>()?;
    // Decimal(10, 2) 12.34 and -0.05 into scale 4; Decimal(38, 6) 1.500000 and 7 into scale 0
    // reads as 1.5, a digit past scale 0, so that batch is refused whole.
    let fits = decimal_batch(
        decimals(vec![1234, -5], 10, 2)?,
        decimals(vec![-3_000_000, 7_000_000], 38, 6)?,
    )?;
    ensure!(table.insert_arrow([fits])? == 2, "two rows");
    let finer = decimal_batch(
        decimals(vec![1, 2], 10, 2)?,
        decimals(vec![1_500_000, 7_000_000], 38, 6)?,
    )?;
    let err = expect_kind(table.insert_arrow([finer]), ErrorKind::InvalidInput)?;
    ensure!(
        err.to_string().contains("whole") && table.count()? == 2,
        "1.5 in a whole-number column is refused, nothing written: {err}"
    );
    // A negative scale counts in hundreds; Decimal256 reads as the same numbers.
    let scaled = decimal_batch(
        decimals(vec![12], 5, -2)?,
        Arc::new(
            Decimal256Array::from(vec![i256::from_i128(-42_000)])
                .with_precision_and_scale(50, 3)
                .map_err(|e| e.to_string())?,
        ),
    )?;
    ensure!(table.insert_arrow([scaled])? == 1, "one row");
    let mut back: Vec<(Decimal, Decimal)> = table
        .select()
        .all()?
        .iter()
        .map(|r| (r.amount, r.whole))
        .collect();
    back.sort();
    let want = [
        (Decimal::new(-5, 2), Decimal::from(7)),
        (Decimal::new(1234, 2), Decimal::from(-3)),
        (Decimal::from(1200), Decimal::from(-42)),
    ];
    ensure!(back == want, "the numbers as written: {back:?}");

    let rows = t.db.table::<SimpleRow>()?;
    let keys = anytable::arrow::array::Int32Array::from(vec![0, 1, 0, 1]);
    let values = StringArray::from(vec!["left", "right"]);
    let process =
        DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values)).map_err(|e| e.to_string())?;
    let batch = simple_batch(vec![
        (
            "number",
            Arc::new(Int64Array::from(vec![1, 2, 3, 4])) as ArrayRef,
        ),
        ("process", Arc::new(process)),
    ])?;
    ensure!(rows.insert_arrow([batch])? == 4, "four rows");
    ensure!(
        rows.filter(SimpleRow::process().eq("right")).count()? == 2,
        "dictionary values written as text"
    );
    Ok(())
}

/// A query result written to a Parquet file loads back into the table as the same rows (ids
/// kept), every type's edge values included; a missing file is `NotFound` and a file that is
/// not Parquet is `InvalidInput`, neither writing anything.
pub fn parquet_files_round_trip(t: &TestDb) -> CaseResult {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("all_types.parquet");
    let table = t.db.table::<AllTypes>()?;
    let mut rows = edge_rows();
    for row in &mut rows {
        table.insert(row)?;
    }
    let written = table
        .select()
        .order_by(AllTypes::id().asc())
        .write_parquet(&file)?;
    ensure!(written == 3 && file.exists(), "three rows in the file");
    ensure!(
        std::fs::read_dir(dir.path())?.count() == 1,
        "no partial file is left"
    );
    table.delete_all()?;
    ensure!(table.insert_parquet(&file)? == 3, "three rows loaded");
    let back = table.select().order_by(AllTypes::id().asc()).all()?;
    ensure!(back == rows, "the rows are back as they were:\n{back:?}");

    // Writers of the same file at once: it is always one whole result, never a mix.
    let shared = dir.path().join("shared.parquet");
    std::thread::scope(|scope| -> CaseResult {
        let writers: Vec<_> = [AllTypes::id().le(rows[0].id), AllTypes::id().ge(rows[1].id)]
            .into_iter()
            .map(|filter| {
                let (table, shared) = (&table, &shared);
                scope.spawn(move || -> anytable::Result<Vec<u64>> {
                    (0..5)
                        .map(|_| table.select().filter(filter.clone()).write_parquet(shared))
                        .collect()
                })
            })
            .collect();
        for writer in writers {
            let counts = writer.join().map_err(|_| "a writer panicked")??;
            ensure!(
                counts.iter().all(|n| *n == 1 || *n == 2),
                "each write wrote its rows: {counts:?}"
            );
        }
        Ok(())
    })?;
    let scratch = t.db.table::<AllTypes>()?;
    scratch.delete_all()?;
    let loaded = scratch.insert_parquet(&shared)?;
    ensure!(
        loaded == 1 || loaded == 2,
        "the file holds one writer's whole result: {loaded} rows"
    );
    scratch.delete_all()?;
    ensure!(table.insert_parquet(&file)? == 3, "three rows loaded again");
    ensure!(
        std::fs::read_dir(dir.path())?.count() == 2,
        "no partial file is left by the writers"
    );

    let missing = dir.path().join("missing.parquet");
    expect_kind(table.insert_parquet(&missing), ErrorKind::NotFound)?;
    let junk = dir.path().join("junk.parquet");
    std::fs::write(&junk, b"not a parquet file")?;
    expect_kind(table.insert_parquet(&junk), ErrorKind::InvalidInput)?;
    ensure!(table.count()? == 3, "the failed loads wrote nothing");
    Ok(())
}

/// `pretty(n)` prints the first `n` rows under a header of the column names, a projection's
/// under its expressions.
pub fn pretty_prints_the_first_rows(t: &TestDb) -> CaseResult {
    let table = t.db.table::<SimpleRow>()?;
    for i in 0..5 {
        table.insert(&mut SimpleRow::new("PRETTY", i))?;
    }
    let text = table
        .select()
        .order_by(SimpleRow::number().asc())
        .pretty(2)?;
    let lines: Vec<&str> = text.lines().collect();
    ensure!(
        lines.len() == 6
            && lines[1].contains("process")
            && lines[1].contains("number")
            && lines[3].contains("PRETTY")
            && lines[4].contains("| 1 "),
        "a header and two rows:\n{text}"
    );
    let text = table
        .select()
        .columns((SimpleRow::process(), SimpleRow::number().sum()))
        .group_by(SimpleRow::process())
        .pretty(10)?;
    let lines: Vec<&str> = text.lines().collect();
    ensure!(
        lines.len() == 5
            && lines[1].contains("sum(number)")
            && lines[3].contains("PRETTY")
            && lines[3].contains("| 10 "),
        "a projection under its expressions:\n{text}"
    );
    Ok(())
}

/// A projection's batches have one field per selected expression, named as it reads and typed
/// by its output type, with the same values as its rows.
pub fn projections_as_batches(t: &TestDb) -> CaseResult {
    use anytable::count_all;
    let table = t.db.table::<SimpleRow>()?;
    for (process, number) in [("b", 2), ("a", 1), ("b", 5), ("a", 10), ("c", 7)] {
        table.insert(&mut SimpleRow::new(process, number))?;
    }
    let batches = table
        .select()
        .columns((SimpleRow::process(), count_all(), SimpleRow::number().sum()))
        .group_by(SimpleRow::process())
        .order_by(SimpleRow::process().asc())
        .arrow()?
        .collect::<anytable::Result<Vec<_>>>()?;
    ensure!(batches.len() == 1, "one batch: {}", batches.len());
    let batch = &batches[0];
    let schema = batch.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let types: Vec<&DataType> = schema.fields().iter().map(|f| f.data_type()).collect();
    ensure!(
        names == ["process", "count(*)", "sum(number)"]
            && types == [&DataType::Utf8, &DataType::Int64, &DataType::Int64],
        "fields named and typed by the selection: {schema:?}"
    );
    let process = batch
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or("Utf8")?;
    let counts = batch.column(1).as_primitive::<Int64Type>();
    let sums = batch.column(2).as_primitive::<Int64Type>();
    let rows: Vec<(String, i64, i64)> = (0..batch.num_rows())
        .map(|i| (process.value(i).to_owned(), counts.value(i), sums.value(i)))
        .collect();
    ensure!(
        rows == [("a".into(), 2, 11), ("b".into(), 2, 7), ("c".into(), 1, 7)],
        "the groups' values: {rows:?}"
    );
    Ok(())
}

/// An empty result keeps its schema: no batches, but `schema()` is the record's (or the
/// projection's); `pretty` prints the header alone; `write_parquet` writes a file of that
/// schema and no rows, which loads as nothing; `insert_arrow` of no batches or of an empty one
/// writes nothing and succeeds.
pub fn empty_results_keep_their_schema(t: &TestDb) -> CaseResult {
    let table = t.db.table::<SimpleRow>()?;
    let none = || SimpleRow::number().lt(0);
    let batches = table.select().filter(none()).arrow()?;
    let schema = batches.schema();
    ensure!(
        schema == anytable::arrow::schema(SimpleRow::schema()),
        "the record's schema: {schema:?}"
    );
    let batches = batches.collect::<anytable::Result<Vec<_>>>()?;
    ensure!(batches.is_empty(), "no batches: {}", batches.len());

    let projected = table
        .select()
        .filter(none())
        .columns((SimpleRow::process(), SimpleRow::number().max()))
        .group_by(SimpleRow::process())
        .arrow()?;
    let names: Vec<String> = projected
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    ensure!(
        names == ["process", "max(number)"],
        "the projection's fields: {names:?}"
    );
    ensure!(projected.count() == 0, "no batches for an empty projection");

    let text = table.select().filter(none()).pretty(5)?;
    let lines: Vec<&str> = text.lines().collect();
    ensure!(
        lines.len() == 4 && lines[1].contains("process") && lines[1].contains("number"),
        "the header alone:\n{text}"
    );

    let dir = tempfile::tempdir()?;
    let file = dir.path().join("empty.parquet");
    ensure!(
        table.select().filter(none()).write_parquet(&file)? == 0 && file.exists(),
        "an empty file is written"
    );
    ensure!(table.insert_parquet(&file)? == 0, "it loads as nothing");

    ensure!(
        table.insert_arrow(Vec::<RecordBatch>::new())? == 0,
        "no batches"
    );
    let empty = RecordBatch::new_empty(anytable::arrow::schema(SimpleRow::schema()));
    ensure!(table.insert_arrow([empty])? == 0, "an empty batch");
    ensure!(table.count()? == 0, "nothing was written");
    Ok(())
}

/// One `Counters` batch of 1s, but `value` in column `column`, given as `Int64`.
fn counters_batch(column: &str, value: i64) -> Result<RecordBatch, String> {
    let mut columns: Vec<(&str, ArrayRef)> = ["tiny", "byte", "word", "dword", "count"]
        .into_iter()
        .map(|name| {
            let v = if name == column { value } else { 1 };
            (name, Arc::new(Int64Array::from(vec![v])) as ArrayRef)
        })
        .collect();
    let ratio = if column == "ratio" { 0.1 } else { 0.5 };
    columns.push(("ratio", Arc::new(Float64Array::from(vec![ratio]))));
    simple_batch(columns)
}

/// `insert_arrow` refuses with `InvalidInput` naming the column, writing nothing, what the
/// record could not read back: integers outside a narrow or unsigned field's range, a float
/// with no exact `f32` form, a JSON document that is no `T` of its `Json<T>`, a text no enum
/// variant has; the same rows in range are written.
pub fn insert_arrow_refuses_what_the_record_cannot_read(t: &TestDb) -> CaseResult {
    use crate::records::{Counters, Ticket};

    let counters = t.db.table::<Counters>()?;
    let out_of_range = [
        ("tiny", 200),
        ("tiny", -129),
        ("byte", 256),
        ("byte", -1),
        ("word", 70_000),
        ("dword", -1),
        ("dword", 1 << 32),
        ("count", -1),
        ("ratio", 0),
    ];
    for (column, value) in out_of_range {
        let batch = counters_batch(column, value)?;
        let err = expect_kind(counters.insert_arrow([batch]), ErrorKind::InvalidInput)?;
        ensure!(
            err.column() == Some(column) && counters.count()? == 0,
            "{column} = {value} is refused, naming the column, nothing written: {err}"
        );
    }
    ensure!(
        counters.insert_arrow([
            counters_batch("byte", 255)?,
            counters_batch("word", 65_535)?
        ])? == 2,
        "the edges of the ranges are written"
    );

    let tickets = t.db.table::<Ticket>()?;
    let ticket = |status: &str, settings: &str| {
        simple_batch(vec![
            (
                "status",
                Arc::new(StringArray::from(vec![status])) as ArrayRef,
            ),
            ("settings", Arc::new(StringArray::from(vec![settings]))),
            ("price", Arc::new(Int64Array::from(vec![1]))),
        ])
    };
    let fits = r#"{"theme":"x","width":1,"scale":1.0,"tags":[],"parent":null}"#;
    for (column, batch) in [
        ("status", ticket("Bogus", fits)?),
        ("settings", ticket("Open", r#"{"theme":"x"}"#)?),
    ] {
        let err = expect_kind(tickets.insert_arrow([batch]), ErrorKind::InvalidInput)?;
        ensure!(
            err.column() == Some(column) && tickets.count()? == 0,
            "a {column} the record cannot read is refused, nothing written: {err}"
        );
    }
    ensure!(
        tickets.insert_arrow([ticket("on hold", fits)?])? == 1,
        "a ticket that fits is written"
    );
    Ok(())
}

/// Decimals at every scale, 0 to 28, leave exactly as stored: the largest value a column of
/// each scale takes (all 96 bits of a `Decimal`), its negative, and values whose digits at the
/// column's scale need more than 96 bits (100000000000 at scale 18, 10.5 at scale 28), through
/// `arrow()` (the Decimal128 mantissa at the column's scale), `pretty` and a Parquet round
/// trip. `Decimal::rescale` settles on a lower scale when the digits do not fit, which read at
/// the column's scale was off by powers of ten.
pub fn decimals_at_every_scale_leave_exactly(t: &TestDb) -> CaseResult {
    use anytable::arrow::datatypes::Decimal128Type;
    use anytable::rust_decimal::Decimal;
    let max = |scale: u32| Decimal::from_i128_with_scale((1i128 << 96) - 1, scale);
    let tenth = |scale: u32| Decimal::new(105, scale.min(1));
    let wide = |scale: u32| {
        if scale <= 26 {
            Decimal::from(100_000_000_000_i64)
        } else {
            tenth(scale)
        }
    };
    let mut rows = vec![
        EveryScale::with(max),
        EveryScale::with(|s| -max(s)),
        EveryScale::with(wide),
        EveryScale::with(tenth),
    ];
    let table = t.db.table::<EveryScale>()?;
    for row in &mut rows {
        table.insert(row)?;
    }
    // `d` written with exactly `scale` places, zeros added from its own text (no rescaling;
    // rust_decimal's own padding panics past 28 digits).
    let padded = |d: &Decimal, scale: usize| -> String {
        let text = d.to_string();
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        if scale == 0 {
            return whole.to_owned();
        }
        format!("{whole}.{fraction:0<scale$}")
    };
    let digits = |d: &Decimal, scale: u32| -> Option<i128> {
        padded(d, scale as usize).replace('.', "").parse().ok()
    };
    let batches = table
        .select()
        .order_by(EveryScale::id().asc())
        .arrow()?
        .collect::<anytable::Result<Vec<_>>>()?;
    let batch = batches.first().ok_or("one batch")?;
    for scale in 0..29u32 {
        let column = batch
            .column_by_name(&format!("d{scale}"))
            .ok_or("a column per scale")?
            .as_primitive::<Decimal128Type>();
        for (i, row) in rows.iter().enumerate() {
            let want = digits(&row.decimals()[scale as usize], scale).ok_or("digits")?;
            ensure!(
                column.value(i) == want,
                "scale {scale}, row {i}: Arrow holds {} for {}",
                column.value(i),
                row.decimals()[scale as usize]
            );
        }
    }
    let text = table.select().order_by(EveryScale::id().asc()).pretty(4)?;
    for (i, row) in rows.iter().enumerate() {
        for (scale, d) in row.decimals().iter().enumerate() {
            let shown = padded(d, scale);
            ensure!(
                text.contains(&format!(" {shown} ")),
                "pretty shows {shown} (row {i}, scale {scale}):\n{text}"
            );
        }
    }
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("every_scale.parquet");
    table
        .select()
        .order_by(EveryScale::id().asc())
        .write_parquet(&file)?;
    table.delete_all()?;
    ensure!(table.insert_parquet(&file)? == 4, "four rows loaded");
    let back = table.select().order_by(EveryScale::id().asc()).all()?;
    ensure!(
        back == rows,
        "the Parquet round trip changed a value:\n{back:?}"
    );
    Ok(())
}

/// Integers written into a float field by `insert_arrow` are refused where the float would
/// not hold them exactly (past 2^53), naming the column, and nothing is written; those that
/// fit (2^53 itself, and every 32-bit integer) are written. Before, 2^53 + 1 was rounded to
/// 2^53 although the documentation says inexact values are refused.
pub fn insert_arrow_refuses_integers_a_float_cannot_hold(t: &TestDb) -> CaseResult {
    use anytable::arrow::array::UInt64Array;
    let table = t.db.table::<crate::records::Sample>()?;
    let batch = |x: ArrayRef| {
        simple_batch(vec![
            (
                "batch",
                Arc::new(StringArray::from(vec!["arrow"; x.len()])) as ArrayRef,
            ),
            ("x", x.clone()),
            (
                "n",
                Arc::new(Int64Array::from(vec![0; x.len()])) as ArrayRef,
            ),
        ])
    };
    let exact = 1_i64 << 53;
    let fits = batch(Arc::new(Int64Array::from(vec![
        exact,
        -exact,
        i64::from(i32::MAX),
    ])))?;
    ensure!(
        table.insert_arrow([fits])? == 3,
        "integers a float holds are written"
    );
    for (name, x) in [
        (
            "i64",
            Arc::new(Int64Array::from(vec![1, exact + 1])) as ArrayRef,
        ),
        (
            "u64",
            Arc::new(UInt64Array::from(vec![u64::MAX])) as ArrayRef,
        ),
        (
            "negative",
            Arc::new(Int64Array::from(vec![-exact - 1])) as ArrayRef,
        ),
    ] {
        let err = expect_kind(table.insert_arrow([batch(x)?]), ErrorKind::InvalidInput)
            .map_err(|e| format!("{name}: {e}"))?;
        ensure!(
            err.to_string().contains("\"x\""),
            "{name}: the error names the column: {err}"
        );
    }
    ensure!(
        table.count()? == 3,
        "nothing of the refused batches was written"
    );
    let xs: Vec<f64> = table.select().all()?.into_iter().map(|r| r.x).collect();
    ensure!(
        xs.contains(&(exact as f64)) && xs.contains(&-(exact as f64)),
        "written exactly: {xs:?}"
    );
    Ok(())
}

/// `write_parquet` writes its partial file under a name nobody can plant a link at first: it
/// creates the file only if nothing is there (never following a symbolic link), under a name
/// with a random part. Before, the name was `.<file>.<pid>.<n>.partial`, opened with
/// `File::create`, which followed a link planted there and truncated its target.
pub fn write_parquet_follows_no_planted_link(t: &TestDb) -> CaseResult {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("out.parquet");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious")?;
    let mut planted = 0;
    #[cfg(unix)]
    for n in 0..1_000 {
        let name = format!(".out.parquet.{}.{n}.partial", std::process::id());
        std::os::unix::fs::symlink(&victim, dir.path().join(name))?;
        planted += 1;
    }
    let table = t.db.table::<AllTypes>()?;
    for row in &mut edge_rows() {
        table.insert(row)?;
    }
    ensure!(
        table.select().write_parquet(&file)? == 3,
        "three rows written"
    );
    ensure!(
        std::fs::read_to_string(&victim)? == "precious",
        "the file a planted link points at is untouched"
    );
    table.delete_all()?;
    ensure!(table.insert_parquet(&file)? == 3, "the file is whole");
    ensure!(
        std::fs::read_dir(dir.path())?.count() == planted + 2,
        "no partial file is left, and no planted link was replaced"
    );
    Ok(())
}

/// `arrow_batches(n)` takes any `n`: `usize::MAX` means one batch for the whole result (it
/// panicked, reserving room for that many rows up front), 0 means batches of one row.
pub fn arrow_batches_of_any_size(t: &TestDb) -> CaseResult {
    let table = t.db.table::<AllTypes>()?;
    for row in &mut edge_rows() {
        table.insert(row)?;
    }
    let sizes = |rows: usize| -> anytable::Result<Vec<usize>> {
        table
            .select()
            .arrow_batches(rows)?
            .map(|batch| batch.map(|b| b.num_rows()))
            .collect()
    };
    ensure!(
        sizes(usize::MAX)? == [3],
        "one batch: {:?}",
        sizes(usize::MAX)?
    );
    ensure!(
        sizes(0)? == [1, 1, 1],
        "batches of one row: {:?}",
        sizes(0)?
    );
    Ok(())
}
