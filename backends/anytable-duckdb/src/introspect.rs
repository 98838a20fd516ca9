//! Reading an existing table's columns, constraints and indexes from DuckDB's catalog functions.

use anytable_core::{ColumnCheck, ColumnInfo, Dialect, IndexInfo, Result, TableInfo, ValueType};

use crate::dialect::{DuckDbDialect, JSON_COMMENT};
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
        "SELECT column_name, data_type, is_nullable, comment, column_default IS NOT NULL FROM duckdb_columns() WHERE {SCOPE} ORDER BY column_index"
    );
    let mut columns = query(conn, &sql, name, |row| {
        let declared = text(row, 1)?;
        let json = text(row, 3)? == JSON_COMMENT;
        Ok(ColumnInfo {
            name: text(row, 0)?,
            ty: if json {
                Some(ValueType::Json)
            } else {
                DuckDbDialect.value_type_of(&declared)
            },
            declared_type: if json {
                format!("{declared} ({JSON_COMMENT})")
            } else {
                declared
            },
            nullable: row.get::<_, bool>(2)?,
            primary_key: false,
            has_default: row.get::<_, bool>(4)?,
            check: None,
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
    // A one-column CHECK that lists values (an enum's variants), as DuckDB prints it back.
    let sql = format!(
        "SELECT array_to_string(constraint_column_names, chr(31)), constraint_name, expression \
         FROM duckdb_constraints() WHERE {SCOPE} AND constraint_type = 'CHECK' \
         AND len(constraint_column_names) = 1 ORDER BY constraint_name"
    );
    let checks = query(conn, &sql, name, |row| {
        Ok((text(row, 0)?, text(row, 1)?, text(row, 2)?))
    })?;
    for (column, constraint, expression) in checks {
        if let Some(found) = columns.iter_mut().find(|c| c.name == column) {
            if found.check.is_none() {
                found.check = ColumnCheck::from_expression(Some(constraint), &expression);
            }
        }
    }
    let sql =
        format!("SELECT index_name, is_unique, expressions FROM duckdb_indexes() WHERE {SCOPE}");
    let listed = query(conn, &sql, name, |row| {
        Ok((text(row, 0)?, row.get::<_, bool>(1)?, text(row, 2)?))
    })?;
    for (index, unique, expressions) in listed {
        let indexed = parse_expressions(&expressions);
        // An index over an expression is no record's index (PostgreSQL and SQLite leave
        // such indexes out too).
        if !indexed.iter().all(|e| columns.iter().any(|c| &c.name == e)) {
            continue;
        }
        indexes.push(IndexInfo {
            name: index,
            columns: indexed,
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

/// Column names from `duckdb_indexes().expressions`, a list printed as text in which a name that
/// needs quoting is a single-quoted string holding the double-quoted identifier:
/// `['"order"', c, '"it\'s"']` -> `order`, `c`, `it's`.
fn parse_expressions(text: &str) -> Vec<String> {
    let inner = text.trim().trim_start_matches('[').trim_end_matches(']');
    let mut elements = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // DuckDB escapes a quote inside the string with a backslash.
            '\\' if quoted => current.extend(chars.next()),
            '\'' => quoted = !quoted,
            ',' if !quoted => elements.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    if !current.trim().is_empty() || !elements.is_empty() {
        elements.push(current);
    }
    elements
        .iter()
        .map(|e| unquote_identifier(e.trim()))
        .collect()
}

/// `"d""e"` -> `d"e`; a bare identifier is returned as it is.
fn unquote_identifier(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_expressions;

    #[test]
    fn index_expressions_are_split_and_unquoted() {
        assert_eq!(parse_expressions("[n, m]"), ["n", "m"]);
        assert_eq!(
            parse_expressions(r#"['"order"', c, '"a""b"', '"it\'s, x"']"#),
            ["order", "c", "a\"b", "it's, x"]
        );
        assert_eq!(parse_expressions("[]"), Vec::<String>::new());
    }

    #[test]
    fn index_on_keyword_and_quoted_columns_is_read_back() {
        let conn = duckdb::Connection::open_in_memory().expect("in-memory DuckDB opens");
        conn.execute_batch(
            r#"CREATE TABLE t ("order" TEXT, "it's ""x""" TEXT, c TEXT);
               CREATE INDEX i1 ON t ("order");
               CREATE UNIQUE INDEX i2 ON t ("it's ""x""", c);"#,
        )
        .expect("schema is created");
        let info = super::introspect(&conn, "t")
            .expect("introspection works")
            .expect("table exists");
        let mut indexes: Vec<_> = info
            .indexes
            .iter()
            .map(|i| (i.name.as_str(), i.columns.clone(), i.unique))
            .collect();
        indexes.sort();
        assert_eq!(
            indexes,
            [
                ("i1", vec!["order".to_owned()], false),
                ("i2", vec!["it's \"x\"".to_owned(), "c".to_owned()], true)
            ]
        );
    }
}
