//! Reading an existing table's columns, constraints and indexes from DuckDB's catalog functions.

use anytable_core::sql::DUCKDB_JSON_COMMENT;
use anytable_core::{ColumnInfo, Dialect, IndexInfo, Result, TableInfo, ValueType};
use duckdb::types::ValueRef;

use crate::error::map_err;

const SCOPE: &str =
    "table_name = ?1 AND schema_name = current_schema() AND database_name = current_database()";

fn text(row: &duckdb::Row<'_>, i: usize) -> duckdb::Result<String> {
    Ok(match row.get_ref(i)? {
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        _ => String::new(),
    })
}

/// Describes table `name` in the current schema, or `None` if it does not exist.
pub(crate) fn introspect(conn: &duckdb::Connection, name: &str) -> Result<Option<TableInfo>> {
    let sql = format!(
        "SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() WHERE {SCOPE} ORDER BY column_index"
    );
    let mut columns = query(conn, &sql, name, |row| {
        let declared = text(row, 1)?;
        let json = text(row, 3)? == DUCKDB_JSON_COMMENT;
        Ok(ColumnInfo {
            name: text(row, 0)?,
            ty: if json {
                Some(ValueType::Json)
            } else {
                Dialect::DuckDb.value_type_of(&declared)
            },
            declared_type: if json {
                format!("{declared} ({DUCKDB_JSON_COMMENT})")
            } else {
                declared
            },
            nullable: row.get::<_, bool>(2)?,
            primary_key: false,
        })
    })?;
    if columns.is_empty() {
        return Ok(None);
    }
    // Column lists joined with the unit separator, which no sane column name contains.
    let sql = format!(
        "SELECT constraint_type, constraint_name, array_to_string(constraint_column_names, chr(31)) \
         FROM duckdb_constraints() WHERE {SCOPE} AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
    );
    let constraints = query(conn, &sql, name, |row| {
        Ok((text(row, 0)?, text(row, 1)?, text(row, 2)?))
    })?;
    let mut indexes = Vec::new();
    for (kind, constraint, joined) in constraints {
        let names: Vec<String> = joined.split('\u{1f}').map(str::to_owned).collect();
        if kind == "PRIMARY KEY" {
            for column in columns.iter_mut().filter(|c| names.contains(&c.name)) {
                column.primary_key = true;
            }
        } else {
            indexes.push(IndexInfo {
                name: constraint,
                columns: names,
                unique: true,
            });
        }
    }
    let sql =
        format!("SELECT index_name, is_unique, expressions FROM duckdb_indexes() WHERE {SCOPE}");
    let listed = query(conn, &sql, name, |row| {
        Ok((text(row, 0)?, row.get::<_, bool>(1)?, text(row, 2)?))
    })?;
    for (index, unique, expressions) in listed {
        indexes.push(IndexInfo {
            name: index,
            columns: parse_expressions(&expressions),
            unique,
        });
    }
    Ok(Some(TableInfo {
        name: name.to_owned(),
        columns,
        indexes,
    }))
}

fn query<T>(
    conn: &duckdb::Connection,
    sql: &str,
    name: &str,
    f: impl FnMut(&duckdb::Row<'_>) -> duckdb::Result<T>,
) -> Result<Vec<T>> {
    let mut statement = conn.prepare_cached(sql).map_err(map_err)?;
    let rows = statement.query_map([name], f).map_err(map_err)?;
    rows.collect::<duckdb::Result<Vec<T>>>().map_err(map_err)
}

/// `[a, "b c", "d""e"]` -> `a`, `b c`, `d"e`.
fn parse_expressions(text: &str) -> Vec<String> {
    let inner = text.trim().trim_start_matches('[').trim_end_matches(']');
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut current).trim().to_owned()),
            c => current.push(c),
        }
    }
    if !current.trim().is_empty() || !out.is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse_expressions;

    #[test]
    fn index_expressions_are_split_and_unquoted() {
        assert_eq!(parse_expressions("[n, m]"), ["n", "m"]);
        assert_eq!(
            parse_expressions(r#"["a,b", "d""e", x]"#),
            ["a,b", "d\"e", "x"]
        );
        assert_eq!(parse_expressions("[]"), Vec::<String>::new());
    }
}
