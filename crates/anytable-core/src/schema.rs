//! The table model a record type declares, and what a backend reads back from a database.

use crate::value::{Value, ValueType};

/// What a column is for, which decides who fills it in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnRole {
    /// An ordinary column written from the record.
    Data,
    /// The auto-increment primary key, assigned by the database on insert.
    Id,
    /// A UTC timestamp the database sets once, on insert.
    Added,
    /// A UTC timestamp the database sets on insert and on every update.
    Updated,
}

impl ColumnRole {
    /// Whether the database, not the record, provides this column's value.
    pub fn is_generated(self) -> bool {
        !matches!(self, ColumnRole::Data)
    }
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSchema {
    /// The column name in the database.
    pub name: String,
    /// The Rust field it comes from.
    pub field: String,
    /// Its type.
    pub ty: ValueType,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// Who fills it in.
    pub role: ColumnRole,
    /// Whether the column alone must be unique.
    pub unique: bool,
    /// A constant the database uses when an insert leaves the column out.
    pub default: Option<Value>,
    /// The table and column this one's values must exist in (a foreign key), if any.
    pub references: Option<Reference>,
    /// The only texts the column may hold (an enum's stored names), a CHECK constraint in the
    /// table's DDL; empty for any value of its type.
    pub variants: Vec<String>,
    /// How many digits a decimal column keeps after the point (`None` for other types).
    pub scale: Option<u32>,
}

/// The target of a foreign key: another table's id column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The referenced table.
    pub table: String,
    /// Its referenced column (its id).
    pub column: String,
}

impl ColumnSchema {
    /// A data column of `ty` named `name`, filled from the field of the same name.
    pub fn new(name: impl Into<String>, ty: ValueType, nullable: bool) -> Self {
        let name = name.into();
        ColumnSchema {
            field: name.clone(),
            name,
            ty,
            nullable,
            role: ColumnRole::Data,
            unique: false,
            default: None,
            references: None,
            variants: Vec::new(),
            scale: None,
        }
    }

    /// Sets how many digits a decimal column keeps after the point.
    pub fn scale(mut self, scale: u32) -> Self {
        self.scale = Some(scale);
        self
    }

    /// Limits the column to these texts (an enum's stored names); nothing changes when empty.
    pub fn variants(mut self, variants: &[&str]) -> Self {
        self.variants = variants.iter().map(|v| v.to_string()).collect();
        self
    }

    /// Makes the column a foreign key to `column` of `table`.
    pub fn references(mut self, table: impl Into<String>, column: impl Into<String>) -> Self {
        self.references = Some(Reference {
            table: table.into(),
            column: column.into(),
        });
        self
    }

    /// Sets the Rust field name, when it differs from the column name.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// Sets who fills the column in.
    pub fn role(mut self, role: ColumnRole) -> Self {
        self.role = role;
        self
    }

    /// Makes the column unique.
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// Gives the column a database-side default.
    pub fn default_value(mut self, value: Value) -> Self {
        self.default = Some(value);
        self
    }
}

/// A secondary index over one or more columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSchema {
    /// The index name in the database.
    pub name: String,
    /// The indexed columns, in order.
    pub columns: Vec<String>,
}

/// The full description of a table, as a record type declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSchema {
    /// The table name.
    pub name: String,
    /// The columns, in record field order.
    pub columns: Vec<ColumnSchema>,
    /// Non-unique indexes.
    pub indexes: Vec<IndexSchema>,
    /// Multi-column UNIQUE constraints (single-column ones are on [`ColumnSchema::unique`]).
    pub unique: Vec<Vec<String>>,
}

impl TableSchema {
    /// A table with the given name and columns and no indexes.
    pub fn new(name: impl Into<String>, columns: Vec<ColumnSchema>) -> Self {
        TableSchema {
            name: name.into(),
            columns,
            indexes: Vec::new(),
            unique: Vec::new(),
        }
    }

    /// Adds a non-unique index over `columns`, named after the table and columns.
    pub fn index(mut self, columns: &[&str]) -> Self {
        let name = index_name(&self.name, columns);
        self.indexes.push(IndexSchema {
            name,
            columns: columns.iter().map(|c| c.to_string()).collect(),
        });
        self
    }

    /// Adds a UNIQUE constraint over `columns` together.
    pub fn unique_together(mut self, columns: &[&str]) -> Self {
        self.unique
            .push(columns.iter().map(|c| c.to_string()).collect());
        self
    }

    /// The auto-increment id column, if the table has one.
    pub fn id_column(&self) -> Option<&ColumnSchema> {
        self.columns.iter().find(|c| c.role == ColumnRole::Id)
    }

    /// The position of the column named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The same table without its foreign keys, for engines that do not enforce them.
    pub fn without_references(&self) -> TableSchema {
        let mut schema = self.clone();
        for column in &mut schema.columns {
            column.references = None;
        }
        schema
    }

    /// The other tables this one's foreign keys reference (not itself), once each.
    pub fn referenced_tables(&self) -> Vec<&str> {
        let mut tables: Vec<&str> = Vec::new();
        for reference in self.columns.iter().filter_map(|c| c.references.as_ref()) {
            if reference.table != self.name && !tables.contains(&reference.table.as_str()) {
                tables.push(&reference.table);
            }
        }
        tables
    }

    /// Columns the record provides on insert, in order.
    pub fn data_columns(&self) -> impl Iterator<Item = &ColumnSchema> {
        self.columns.iter().filter(|c| !c.role.is_generated())
    }

    /// Columns the database provides on insert, in order.
    pub fn generated_columns(&self) -> impl Iterator<Item = &ColumnSchema> {
        self.columns.iter().filter(|c| c.role.is_generated())
    }
}

/// `ix_<table>_<columns>_<hash>`: see [`hashed_index_name`].
fn index_name(table: &str, columns: &[&str]) -> String {
    hashed_index_name("ix", table, columns)
}

/// `<prefix>_<table>_<columns>_<hash>`, made safe with [`crate::sql::safe_name`] (sea-query
/// writes index names without escaping quotes). The hash is of the table and column names kept
/// apart, so table `a_b` indexing `c` and table `a` indexing `b_c` (both `ix_a_b_c`), or a
/// column `a_b` and the pair `(a, b)` of one table, get different names: index names share one
/// namespace per schema.
pub(crate) fn hashed_index_name(prefix: &str, table: &str, columns: &[&str]) -> String {
    let mut key = table.to_owned();
    for column in columns {
        key.push('\0');
        key.push_str(column);
    }
    let readable = format!("{prefix}_{table}_{}", columns.join("_"));
    let suffix = format!("_{:08x}", crate::sql::fnv1a(&key) as u32);
    let head = crate::sql::safe_name(&readable);
    let keep = head
        .len()
        .min(crate::sql::MAX_IDENTIFIER_LEN - suffix.len());
    format!("{}{suffix}", &head[..keep])
}

/// A column as the database reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    /// The column name.
    pub name: String,
    /// The type as declared in the database, verbatim.
    pub declared_type: String,
    /// The anytable type that declaration maps to, if any.
    pub ty: Option<ValueType>,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// Whether it is (part of) the primary key.
    pub primary_key: bool,
    /// Whether the database fills it in when an insert leaves it out (a default, an identity,
    /// a sequence): a column a record may leave unnamed when it adopts the table.
    pub has_default: bool,
    /// The CHECK that limits it to a list of text values (an enum field's variants), if the
    /// table has one.
    pub check: Option<ColumnCheck>,
}

/// A CHECK constraint `column IN ('a', 'b', ...)` as the database reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnCheck {
    /// The constraint's name, where the engine names it (PostgreSQL: `<table>_<column>_check`).
    pub name: Option<String>,
    /// The values it allows, in the order written.
    pub allowed: Vec<String>,
}

impl ColumnCheck {
    /// Reads the text values of a CHECK expression as the engine prints it back
    /// (`"k" IN ('a', 'b')`, `((k = ANY (ARRAY['a'::text, 'b'::text])))`): every single-quoted
    /// literal, `''` read as one quote. `None` when it holds none, or anything but one
    /// comparison of a column with a list or a value (an `AND`, an `OR`, a function call).
    pub fn from_expression(name: Option<String>, expression: &str) -> Option<ColumnCheck> {
        let mut allowed = Vec::new();
        let mut rest = String::new();
        let mut chars = expression.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '\'' {
                rest.push(c);
                continue;
            }
            let mut literal = String::new();
            loop {
                match chars.next() {
                    Some('\'') if chars.peek() == Some(&'\'') => {
                        chars.next();
                        literal.push('\'');
                    }
                    Some('\'') => break,
                    Some(other) => literal.push(other),
                    None => return None,
                }
            }
            allowed.push(literal);
            rest.push('?');
        }
        let words = rest.to_ascii_uppercase();
        let other_logic = [
            " AND ", " OR ", "NOT ", "NOT(", "LIKE", "BETWEEN", "<", ">", "!",
        ]
        .iter()
        .any(|w| words.contains(w));
        let compares = words.contains(" IN ") || words.contains("ANY") || words.contains('=');
        (!allowed.is_empty() && compares && !other_logic).then_some(ColumnCheck { name, allowed })
    }
}

/// An index as the database reports it (unique constraints show up as unique indexes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexInfo {
    /// The index name.
    pub name: String,
    /// The indexed columns, in order.
    pub columns: Vec<String>,
    /// Whether it enforces uniqueness.
    pub unique: bool,
}

/// An existing table as the database reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    /// The table name.
    pub name: String,
    /// Its columns, in table order.
    pub columns: Vec<ColumnInfo>,
    /// Its indexes, including those backing UNIQUE constraints.
    pub indexes: Vec<IndexInfo>,
}

#[cfg(test)]
mod tests {
    use super::ColumnCheck;

    fn allowed(expression: &str) -> Option<Vec<String>> {
        ColumnCheck::from_expression(None, expression).map(|c| c.allowed)
    }

    #[test]
    fn value_lists_are_read_as_each_engine_prints_them() {
        let two = Some(vec!["a".to_owned(), "it's".to_owned()]);
        assert_eq!(allowed(r#""k" IN ('a', 'it''s')"#), two);
        assert_eq!(allowed("(k = ANY (ARRAY['a'::text, 'it''s'::text]))"), two);
        assert_eq!(
            allowed("((k)::text = 'x'::text)"),
            Some(vec!["x".to_owned()])
        );
        assert_eq!(allowed("(k IN ('x'))"), Some(vec!["x".to_owned()]));
        for not_a_list in [
            "k > 0",
            "k <> 'a'",
            "k IN ('a') OR k IS NULL",
            "k NOT IN ('a')",
            "k LIKE 'a%'",
            "k IN ('a",
        ] {
            assert_eq!(allowed(not_a_list), None, "{not_a_list}");
        }
    }
}
