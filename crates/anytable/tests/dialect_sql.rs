//! The SQL each backend's dialect renders for one table with every column type, filter and
//! statement, compared with `golden/dialect_sql.txt`: a change in what any engine is sent shows
//! up here as a diff to review (regenerate with `ANYTABLE_UPDATE_GOLDEN=1`).
#![cfg(all(feature = "sqlite", feature = "duckdb", feature = "postgres"))]

use anytable::backend::sql::*;
use anytable::backend::{CmpOp, Condition, OrderKey};
use anytable::{AggregateFn, ColumnRole, ColumnSchema, SelectExpr, TableSchema, Value, ValueType};
use anytable_duckdb::DuckDbDialect;
use anytable_postgres::PostgresDialect;
use anytable_sqlite::SqliteDialect;
use std::fmt::Write;

fn schema() -> TableSchema {
    let c = ColumnSchema::new;
    TableSchema::new(
        "t",
        vec![
            c("id", ValueType::I64, false).role(ColumnRole::Id),
            c("added", ValueType::Timestamp, false).role(ColumnRole::Added),
            c("updated", ValueType::Timestamp, false).role(ColumnRole::Updated),
            c("a", ValueType::I16, false),
            c("b", ValueType::I32, true),
            c("n", ValueType::I64, false).default_value(Value::I64(3)),
            c("f", ValueType::F64, true),
            c("ok", ValueType::Bool, false),
            c("name", ValueType::Text, true).unique(),
            c("raw", ValueType::Bytes, true),
            c("day", ValueType::Date, true),
            c("doc", ValueType::Json, true),
            c("u", ValueType::Uuid, true),
        ],
    )
    .index(&["name", "n"])
    .unique_together(&["a", "b"])
}

fn render() -> String {
    let mut out = String::new();
    let s = schema();
    let long: Vec<Value> = (0..40).map(Value::I64).collect();
    let cond = Condition::And(vec![
        Condition::Like("name", "a\\%b_*".into()),
        Condition::ILike("name", "Ä%".into()),
        Condition::In("n", vec![Value::I64(1), Value::I64(2)]),
        Condition::In("n", long),
        Condition::Cmp("name", CmpOp::Gt, Value::Text("m".into())),
        Condition::Cmp("n", CmpOp::Le, Value::I64(9)),
        Condition::Not(Box::new(Condition::IsNull("f"))),
    ]);
    let ds: [(&str, &dyn Dialect); 3] = [
        ("Sqlite", &SqliteDialect),
        ("Postgres", &PostgresDialect),
        ("DuckDb", &DuckDbDialect),
    ];
    for (name, d) in ds {
        writeln!(out, "== {name}").unwrap();
        for st in create_table_statements(d, &s).unwrap() {
            writeln!(out, "{st}").unwrap();
        }
        let t = TableStatements::new(d, &s).unwrap();
        writeln!(
            out,
            "{}\n{}\n{}\n{:?}\n{}\n{}",
            t.insert, t.insert_plain, t.select_all, t.get_by_id, t.count_all, t.delete_all
        )
        .unwrap();
        let spec = SelectSpec {
            condition: Some(&cond),
            order: vec![OrderKey::new("name", true), OrderKey::new("n", false)],
            limit: None,
            offset: Some(5),
        };
        writeln!(out, "{:?}", select(d, &s, &spec).unwrap()).unwrap();
        writeln!(out, "{:?}", count(d, &s, &cond).unwrap()).unwrap();
        writeln!(out, "{:?}", delete(d, &s, &cond).unwrap()).unwrap();
        let now = Value::I64(0);
        writeln!(
            out,
            "{:?}",
            update(d, &s, &cond, vec![("n", Value::I64(1))], &now)
                .unwrap()
                .0
        )
        .unwrap();
        let nv = t.bound_columns.len();
        writeln!(
            out,
            "{:?}",
            upsert(
                d,
                &s,
                vec![Value::Null; nv],
                &Conflict {
                    target: vec!["name"],
                    action: ConflictAction::Update(vec!["n"])
                },
                &now
            )
            .unwrap()
            .0
        )
        .unwrap();
        writeln!(
            out,
            "{:?}",
            insert_sql(d, &s, &["a".into(), "n".into()]).unwrap()
        )
        .unwrap();
        writeln!(
            out,
            "{:?}",
            ALL.iter().map(|n| d.value_type_of(n)).collect::<Vec<_>>()
        )
        .unwrap();
        let outputs = [
            SelectExpr::column("name"),
            SelectExpr::aggregate(AggregateFn::CountRows, ""),
            SelectExpr::aggregate(AggregateFn::Sum, "n"),
            SelectExpr::aggregate(AggregateFn::Avg, "a"),
            SelectExpr::aggregate(AggregateFn::Min, "name"),
            SelectExpr::aggregate(AggregateFn::CountDistinct, "day"),
        ];
        let having = Condition::Aggregate(outputs[2], CmpOp::Gt, Value::I64(1));
        let order = [OrderKey::of(outputs[4], true)];
        let grouped = projection(
            d,
            &s,
            &ProjectionSpec {
                select: &outputs,
                condition: Some(&cond),
                group_by: &["name"],
                having: Some(&having),
                order: &order,
                limit: Some(3),
                ..Default::default()
            },
        )
        .unwrap();
        writeln!(
            out,
            "{}\n{:?}\n{:?}",
            grouped.sql, grouped.params, grouped.exact
        )
        .unwrap();
        let k = child();
        for st in create_table_statements(d, &k).unwrap() {
            writeln!(out, "{st}").unwrap();
        }
        let joined = join(
            d,
            &k,
            &s,
            &JoinSpec {
                kind: JoinKind::Left,
                via: "t_id",
                left: Some(&Condition::IsNotNull("t_id")),
                right: Some(&Condition::Cmp("name", CmpOp::Lt, Value::Text("m".into()))),
                order: &[(JoinSide::Right, OrderKey::new("name", false))],
                limit: None,
                offset: None,
            },
        )
        .unwrap();
        writeln!(out, "{joined:?}").unwrap();
    }
    out
}

/// A table with a foreign key to `t`.
fn child() -> TableSchema {
    TableSchema::new(
        "k",
        vec![
            ColumnSchema::new("id", ValueType::I64, false).role(ColumnRole::Id),
            ColumnSchema::new("t_id", ValueType::I64, true).references("t", "id"),
        ],
    )
}

const ALL: &[&str] = &[
    "INTEGER",
    "INT",
    "SMALLINT",
    "BIGINT",
    "REAL",
    "DOUBLE",
    "DOUBLE PRECISION",
    "BOOLEAN",
    "TEXT",
    "VARCHAR",
    "BLOB",
    "BYTEA",
    "TIMESTAMP_TEXT",
    "TIMESTAMPTZ",
    "TIMESTAMP WITH TIME ZONE",
    "DATE",
    "DATE_TEXT",
    "JSONB",
    "JSON_TEXT",
    "UUID",
    "UUID_TEXT",
    "INT8",
    "INT4",
    "INT2",
    "FLOAT8",
    "BOOL",
    "CHARACTER VARYING",
    "nonsense",
];

#[test]
fn every_dialect_renders_the_golden_sql() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/dialect_sql.txt");
    let rendered = render();
    if std::env::var_os("ANYTABLE_UPDATE_GOLDEN").is_some() {
        std::fs::write(path, &rendered).unwrap();
    }
    let golden = std::fs::read_to_string(path).unwrap();
    for (i, (got, want)) in rendered.lines().zip(golden.lines()).enumerate() {
        assert_eq!(got, want, "line {} of {path}", i + 1);
    }
    assert_eq!(rendered.lines().count(), golden.lines().count(), "{path}");
}
