//! [`DuckDbDialect`]: how DuckDB spells what differs from standard SQL: its type names, ids from
//! a sequence, and JSON as text marked by a column comment.

use anytable_core::sea_query::{ColumnDef, Expr};
use anytable_core::sql::{quote_identifier, safe_name, Dialect, FLOAT_OVERFLOW};
use anytable_core::{ColumnCheck, ColumnSchema, TableSchema, ValueType};

/// The column comment that marks a DuckDB `VARCHAR` column as holding JSON: the JSON type lives
/// in the json extension, which is not compiled in (and never downloaded).
pub const JSON_COMMENT: &str = "anytable:json";

/// DuckDB's spelling: PostgreSQL's grammar for DML, its own DDL.
#[derive(Debug, Clone, Copy, Default)]
pub struct DuckDbDialect;

impl Dialect for DuckDbDialect {
    fn name(&self) -> &'static str {
        "duckdb"
    }

    fn question_mark_operator(&self) -> bool {
        // No `?` operator: `??` would reach the engine as `?`, which it reads as a placeholder.
        false
    }

    fn replace_check(
        &self,
        schema: &TableSchema,
        column: &ColumnSchema,
        found: &ColumnCheck,
    ) -> Option<Vec<String>> {
        // DuckDB 2.0 has no ALTER TABLE ... ADD/DROP CONSTRAINT.
        let _ = (schema, column, found);
        None
    }

    /// DuckDB's sum turns into an infinity where PostgreSQL's fails: an infinite result from
    /// values that hold no infinity is made the same error.
    fn integer_sum_as_float(&self, sum: Expr) -> Expr {
        // SUM of integers is a HUGEINT, whose cast to DOUBLE rounds its two 64-bit halves
        // separately: -22858747472048171 became -22858747472048168, not the nearest
        // -22858747472048172. Its decimal text is parsed with one correct rounding.
        Expr::cust_with_exprs("CAST(CAST($1 AS VARCHAR) AS DOUBLE)", [sum])
    }

    fn finite_float(&self, aggregate: Expr, column: Expr) -> Expr {
        Expr::cust_with_exprs(
            format!(
                "CASE WHEN isinf($1) AND NOT isinf(max(abs($2))) \
                 THEN error('{FLOAT_OVERFLOW}') ELSE $1 END"
            ),
            [aggregate, column],
        )
    }

    fn column_type(&self, ty: ValueType) -> &'static str {
        use ValueType::*;
        match ty {
            I16 => "SMALLINT",
            I32 => "INTEGER",
            I64 => "BIGINT",
            F64 => "DOUBLE",
            Bool => "BOOLEAN",
            Text => "VARCHAR",
            Bytes => "BLOB",
            Timestamp => "TIMESTAMPTZ",
            Date => "DATE",
            DateTime => "TIMESTAMP",
            Time => "TIME",
            Decimal => "DECIMAL",
            // Text marked by a column comment (see `JSON_COMMENT`).
            Json => "VARCHAR",
            Uuid => "UUID",
            _ => "BLOB",
        }
    }

    fn id_default(&self, schema: &TableSchema, column: &ColumnSchema, def: &mut ColumnDef) {
        // No identity columns: the id defaults to the next value of a sequence.
        def.default(Expr::cust(format!(
            "nextval('{}')",
            id_sequence(schema, &column.name)
        )));
    }

    fn before_create_table(&self, schema: &TableSchema) -> Vec<String> {
        schema
            .id_column()
            .map(|id| {
                format!(
                    "CREATE SEQUENCE IF NOT EXISTS {}",
                    quote_identifier(&id_sequence(schema, &id.name))
                )
            })
            .into_iter()
            .collect()
    }

    fn after_create_table(&self, schema: &TableSchema) -> Vec<String> {
        schema
            .columns
            .iter()
            .flat_map(|column| self.after_add_column(schema, column))
            .collect()
    }

    fn after_add_column(&self, schema: &TableSchema, column: &ColumnSchema) -> Vec<String> {
        if column.ty != ValueType::Json {
            return Vec::new();
        }
        vec![format!(
            "COMMENT ON COLUMN {}.{} IS '{JSON_COMMENT}'",
            quote_identifier(&schema.name),
            quote_identifier(&column.name)
        )]
    }

    fn continue_ids(&self, schema: &TableSchema, id: &ColumnSchema) -> Vec<String> {
        // One setval to the largest id, in one step however large it is (drawing the sequence
        // forward value by value took as many draws as the id), and only forward: a sequence
        // already past the largest id (rows deleted since) keeps its place.
        let sequence = id_sequence(schema, &id.name);
        vec![format!(
            "SELECT setval('{sequence}', m) FROM (SELECT MAX({}) AS m FROM {}) AS ids \
             WHERE m > (SELECT COALESCE(last_value, start_value - 1) FROM duckdb_sequences() \
             WHERE sequence_name = '{sequence}' AND schema_name = current_schema())",
            quote_identifier(&id.name),
            quote_identifier(&schema.name)
        )]
    }

    fn type_aliases(&self) -> &'static [(&'static str, ValueType)] {
        &[("TIMESTAMP WITH TIME ZONE", ValueType::Timestamp)]
    }
}

/// The sequence behind an id column: a safe name, since it also appears in a string literal.
pub fn id_sequence(schema: &TableSchema, column: &str) -> String {
    safe_name(&format!("seq_{}_{column}", schema.name))
}
