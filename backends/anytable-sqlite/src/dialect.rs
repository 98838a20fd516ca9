//! [`SqliteDialect`]: how SQLite spells what differs from standard SQL, and the text forms in
//! which it stores what it has no type for.

use anytable_core::sea_query::{ColumnDef, Expr, ExprTrait};
use anytable_core::sql::{sea_value, Dialect, Syntax};
use anytable_core::{ColumnCheck, ColumnSchema, TableSchema, Value, ValueType, LIKE_ESCAPE};

/// The text format of timestamps in SQLite: fixed width, so text order is time order.
pub const TIMESTAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.6f";

/// The text format of dates in SQLite.
pub const DATE_FORMAT: &str = "%Y-%m-%d";

pub use crate::functions::{EXACT_SUM_FUNCTION, FINITE_FUNCTION, LOWER_FUNCTION};

/// Lists longer than this reach SQLite as one `rarray` parameter instead of a placeholder each
/// (SQLite takes at most 32,766 parameters per statement).
const LIST_PARAMETER_FROM: usize = 32;

/// SQLite's spelling.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteDialect;

impl Dialect for SqliteDialect {
    fn name(&self) -> &'static str {
        "sqlite"
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
        // SQLite alters no constraint (only a rebuild, or editing sqlite_schema by hand, changes one).
        let _ = (schema, column, found);
        None
    }

    fn syntax(&self) -> Syntax {
        Syntax::Sqlite
    }

    fn column_type(&self, ty: ValueType) -> &'static str {
        use ValueType::*;
        // Names chosen so SQLite's type affinity never rewrites the stored text (a declared
        // "JSON" would get NUMERIC affinity and turn '12' into 12).
        match ty {
            I16 => "SMALLINT",
            I32 => "INT",
            I64 => "BIGINT",
            F64 => "REAL",
            Bool => "BOOLEAN",
            Text => "TEXT",
            Bytes => "BLOB",
            Timestamp => "TIMESTAMP_TEXT",
            Date => "DATE_TEXT",
            DateTime => "DATETIME_TEXT",
            Time => "TIME_TEXT",
            // Text in an order-preserving form (see `decimal.rs`).
            Decimal => "DECIMAL_TEXT",
            Json => "JSON_TEXT",
            Uuid => "UUID_TEXT",
            _ => "BLOB",
        }
    }

    fn id_column_type(&self) -> &'static str {
        // Exactly "INTEGER" makes the column an alias of SQLite's rowid.
        "INTEGER"
    }

    fn id_default(&self, _: &TableSchema, _: &ColumnSchema, def: &mut ColumnDef) {
        // AUTOINCREMENT: ids are never reused after a delete, as on the other engines.
        def.auto_increment();
    }

    fn type_aliases(&self) -> &'static [(&'static str, ValueType)] {
        &[("INTEGER", ValueType::I64)]
    }

    fn default_now_sql(&self) -> &'static str {
        // SQLite's clock has millisecond resolution; pad to the fixed six-digit format.
        "(strftime('%Y-%m-%d %H:%M:%f000', 'now'))"
    }

    fn in_list(&self, column: Expr, values: &[Value]) -> Expr {
        if values.len() > LIST_PARAMETER_FROM {
            let list = Expr::val(sea_value(Value::List(values.to_vec())));
            return Expr::cust_with_exprs("? IN rarray(?)", [column, list]);
        }
        column.is_in(values.iter().map(|v| Expr::val(sea_value(v.clone()))))
    }

    fn is_naive_timestamp(&self, _: &str) -> bool {
        // SQLite has no timestamp type: a hand-made column's text may be in any format.
        false
    }

    fn continue_ids(&self, _: &TableSchema, _: &ColumnSchema) -> Vec<String> {
        // AUTOINCREMENT records the largest id written, explicit ones included.
        Vec::new()
    }

    fn finite_float(&self, aggregate: Expr, _column: Expr) -> Expr {
        Expr::cust_with_exprs(format!("{FINITE_FUNCTION}(?)"), [aggregate])
    }

    fn exact_sum(&self, column: Expr) -> Option<Expr> {
        Some(Expr::cust_with_exprs(
            format!("{EXACT_SUM_FUNCTION}(?)"),
            [column],
        ))
    }

    /// SQLite's LIKE ignores ASCII case, so this is GLOB with the pattern translated; `fold`
    /// lowercases both sides with `fold_case` (Unicode's mapping) first.
    fn like(&self, column: Expr, pattern: &str, fold: bool) -> Expr {
        let (text, glob) = if fold {
            (
                format!("{LOWER_FUNCTION}(?) GLOB ?"),
                like_to_glob(&fold_case(pattern)),
            )
        } else {
            ("? GLOB ?".to_owned(), like_to_glob(pattern))
        };
        Expr::cust_with_exprs(text, [column, Expr::val(glob)])
    }
}

/// Lowercases `text` letter by letter with Unicode's mapping: what `ilike` compares on SQLite,
/// close to what DuckDB's and ICU's `lower` do.
pub fn fold_case(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// A LIKE pattern (with `\` escapes) as the GLOB pattern that matches the same texts.
fn like_to_glob(pattern: &str) -> String {
    let mut glob = String::with_capacity(pattern.len() + 2);
    let literal = |glob: &mut String, c: char| {
        if matches!(c, '*' | '?' | '[') {
            glob.push('[');
            glob.push(c);
            glob.push(']');
        } else {
            glob.push(c);
        }
    };
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            // A lone escape at the end was refused before any SQL was built.
            LIKE_ESCAPE => literal(&mut glob, chars.next().unwrap_or(LIKE_ESCAPE)),
            '%' => glob.push('*'),
            '_' => glob.push('?'),
            other => literal(&mut glob, other),
        }
    }
    glob
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_become_equivalent_globs() {
        assert_eq!(like_to_glob("a%b_c"), "a*b?c");
        assert_eq!(like_to_glob("100\\%"), "100%");
        assert_eq!(like_to_glob("a\\_b"), "a_b");
        assert_eq!(like_to_glob("a\\\\b"), "a\\b");
        assert_eq!(like_to_glob("*?[x]"), "[*][?][[]x]");
        assert_eq!(fold_case("ÄPFEL Привет"), "äpfel привет");
    }

    #[test]
    fn declared_types_read_back_as_themselves() {
        use anytable_core::sql::ALL_TYPES;
        for ty in ALL_TYPES {
            assert_eq!(
                SqliteDialect.value_type_of(SqliteDialect.column_type(ty)),
                Some(ty)
            );
        }
        assert_eq!(SqliteDialect.value_type_of("integer"), Some(ValueType::I64));
    }
}
