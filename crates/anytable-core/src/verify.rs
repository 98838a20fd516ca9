//! Compares a declared [`TableSchema`] with the table a database actually has.

use crate::error::{Error, ErrorKind, Result};
use crate::schema::{ColumnInfo, ColumnRole, ColumnSchema, TableInfo, TableSchema};
use crate::sql::Dialect;
use crate::value::ValueType;

/// How strictly a table must match its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Fit {
    /// Exactly: every column of the table is one of the record's.
    #[default]
    Exact,
    /// The table may have more columns than the record names, if each is nullable or filled
    /// by a default (inserts leave them out): a table another program made, or a newer version.
    /// A narrower integer column may back a wider integer field (reads widen; a write that does
    /// not fit is a `TypeMismatch`).
    Adopted,
    /// [`Adopted`](Self::Adopted), and a `timestamp without time zone` column may back a
    /// `DateTime<Utc>` field: its values are taken as UTC, and UTC is written.
    AdoptedNaiveUtc,
}

/// Checks that `info` matches `schema`; otherwise a `SchemaMismatch` listing every difference.
pub fn verify(
    dialect: &dyn Dialect,
    schema: &TableSchema,
    info: &TableInfo,
    record: &str,
) -> Result<()> {
    verify_fit(dialect, schema, info, record, Fit::Exact)
}

/// [`verify`] with a choice of how strictly.
pub fn verify_fit(
    dialect: &dyn Dialect,
    schema: &TableSchema,
    info: &TableInfo,
    record: &str,
    fit: Fit,
) -> Result<()> {
    let differences = differences_fit(dialect, schema, info, fit);
    if differences.is_empty() {
        return Ok(());
    }
    let list: String = differences.iter().map(|d| format!("\n  - {d}")).collect();
    let short = record.rsplit("::").next().unwrap_or(record);
    Err(Error::new(
        ErrorKind::SchemaMismatch,
        format!(
            "table {:?} exists but does not match {record} ({} difference{}):{list}\n\
             db.migrate::<{short}>() adds what is missing where no data is lost (new \
             nullable or defaulted columns, indexes, unique constraints) and lists what it will \
             not do; anytable alters a table only when asked",
            schema.name,
            differences.len(),
            if differences.len() == 1 { "" } else { "s" },
        ),
    ))
}

/// Whether a column of type `stored` reads into a field of type `field` without loss, with
/// writes checked to fit (an adopted PostgreSQL `integer` column for an `i64` field).
fn widens(stored: Option<ValueType>, field: ValueType) -> bool {
    matches!(
        (stored, field),
        (Some(ValueType::I16 | ValueType::I32), ValueType::I64)
            | (Some(ValueType::I16), ValueType::I32)
    )
}

/// Every way `info` differs from `schema`, one readable line each.
pub fn differences(dialect: &dyn Dialect, schema: &TableSchema, info: &TableInfo) -> Vec<String> {
    differences_fit(dialect, schema, info, Fit::Exact)
}

/// [`differences`] with a choice of how strictly.
pub fn differences_fit(
    dialect: &dyn Dialect,
    schema: &TableSchema,
    info: &TableInfo,
    fit: Fit,
) -> Vec<String> {
    let mut out = Vec::new();
    for column in &schema.columns {
        let Some(found) = info.columns.iter().find(|c| c.name == column.name) else {
            out.push(format!(
                "column {:?} ({}) is missing from the table",
                column.name, column.ty
            ));
            continue;
        };
        let adopted = matches!(fit, Fit::Adopted | Fit::AdoptedNaiveUtc);
        let naive_utc = fit == Fit::AdoptedNaiveUtc
            && column.ty == ValueType::Timestamp
            && dialect.is_naive_timestamp(&found.declared_type);
        if found.ty != Some(column.ty) && !(adopted && widens(found.ty, column.ty)) && !naive_utc {
            out.push(format!(
                "column {:?} is declared {} ({}) but the table has type {:?}",
                column.name,
                column.ty,
                dialect.column_type(column.ty),
                found.declared_type
            ));
        }
        let is_id = column.role == ColumnRole::Id;
        if is_id && !found.primary_key {
            out.push(format!(
                "column {:?} is the record's id but not the table's primary key",
                column.name
            ));
        }
        if let Some(difference) = variant_difference(column, found) {
            out.push(difference);
        }
        if !is_id && column.nullable != found.nullable {
            out.push(if column.nullable {
                format!(
                    "column {:?} is declared nullable (Option) but the table has NOT NULL",
                    column.name
                )
            } else {
                format!(
                    "column {:?} is declared NOT NULL but the table allows NULL",
                    column.name
                )
            });
        }
    }
    for found in &info.columns {
        if schema.columns.iter().any(|c| c.name == found.name) {
            continue;
        }
        let omissible = found.nullable || found.has_default;
        match fit {
            Fit::Adopted | Fit::AdoptedNaiveUtc if omissible => {}
            Fit::Adopted | Fit::AdoptedNaiveUtc => out.push(format!(
                "column {:?} ({}) is in the table but not in the record, and is NOT NULL \
                 without a default: every insert of the record would fail",
                found.name, found.declared_type
            )),
            Fit::Exact => out.push(format!(
                "column {:?} ({}) is in the table but not in the record",
                found.name, found.declared_type
            )),
        }
    }
    let has_index = |columns: &[String], unique: bool| {
        info.indexes
            .iter()
            .any(|i| i.columns == columns && (i.unique || !unique))
    };
    for column in schema.columns.iter().filter(|c| c.unique) {
        if !has_index(std::slice::from_ref(&column.name), true) {
            out.push(format!(
                "column {:?} is declared unique but the table has no unique constraint on it",
                column.name
            ));
        }
    }
    for columns in &schema.unique {
        if !has_index(columns, true) {
            out.push(format!(
                "unique constraint on ({}) is missing from the table",
                columns.join(", ")
            ));
        }
    }
    for index in &schema.indexes {
        if !has_index(&index.columns, false) {
            out.push(format!(
                "index {:?} on ({}) is missing from the table",
                index.name,
                index.columns.join(", ")
            ));
        }
    }
    out
}

/// The variants of an enum field the table's CHECK does not allow, and those it allows that
/// the enum no longer has; `None` when they agree, or the field is no enum, or the table has no
/// such CHECK (an adopted table may leave the values unchecked).
pub(crate) fn variant_changes(
    column: &ColumnSchema,
    found: &ColumnInfo,
) -> Option<(Vec<String>, Vec<String>)> {
    let check = found.check.as_ref()?;
    if column.variants.is_empty() {
        return None;
    }
    let added: Vec<String> = column
        .variants
        .iter()
        .filter(|v| !check.allowed.contains(v))
        .cloned()
        .collect();
    let lost: Vec<String> = check
        .allowed
        .iter()
        .filter(|v| !column.variants.contains(v))
        .cloned()
        .collect();
    (!added.is_empty() || !lost.is_empty()).then_some((added, lost))
}

/// One line saying how an enum field's variants and the table's CHECK differ.
fn variant_difference(column: &ColumnSchema, found: &ColumnInfo) -> Option<String> {
    let (added, lost) = variant_changes(column, found)?;
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!(
            "the record's enum has {}, which the table's CHECK refuses (every insert of it would \
             fail)",
            quoted(&added)
        ));
    }
    if !lost.is_empty() {
        parts.push(format!(
            "the table allows {}, which the record's enum does not have (rows holding it would \
             not read)",
            quoted(&lost)
        ));
    }
    Some(format!("column {:?}: {}", column.name, parts.join("; ")))
}

/// Values as a person reads them in a message: `"a", "b"`.
pub(crate) fn quoted(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("{v:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}
