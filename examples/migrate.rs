//! Changing a record: version 1 of `Task` writes rows; version 2 adds a nullable field, a
//! field with a default and an index. Opening the old table with the new record is a
//! `SchemaMismatch`; `migration_plan` shows what `migrate` will do, `migrate` does it, and the
//! old rows read the new fields' NULL and default.
//!
//! ```text
//! cargo run -p anytable-examples --example migrate               # embedded SQLite file
//! cargo run -p anytable-examples --example migrate -- URL        # any backend's URL
//! ```

use anytable::{Database, ErrorKind};

mod v1 {
    use anytable::Record;

    /// The first version of the record.
    #[derive(Record, Debug)]
    #[anytable(table = "tasks")]
    pub struct Task {
        #[anytable(id)]
        pub id: i64,
        pub title: String,
    }
}

mod v2 {
    use anytable::Record;

    /// The second version: two new fields and an index.
    #[derive(Record, Debug)]
    #[anytable(table = "tasks", index(owner))]
    pub struct Task {
        #[anytable(id)]
        pub id: i64,
        pub title: String,
        /// New and nullable: old rows read `None`.
        pub owner: Option<String>,
        /// New with a default: old rows read 2.
        #[anytable(default = 2)]
        pub priority: i64,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    anytable_examples::init_tracing();
    let dir = tempfile::tempdir()?;
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("tasks.db").display()));
    let db = Database::open(&url)?;

    let tasks = db.table::<v1::Task>()?;
    for title in ["write the plan", "review it"] {
        tasks.insert(&mut v1::Task {
            id: 0,
            title: title.into(),
        })?;
    }
    println!("version 1: {} tasks", tasks.count()?);

    // The new binary meets the old table.
    match db.table::<v2::Task>() {
        Err(e) if e.kind() == ErrorKind::SchemaMismatch => println!("as expected: {e}\n"),
        other => {
            return Err(format!("expected a schema mismatch, got {:?}", other.map(drop)).into())
        }
    }

    let plan = db.migration_plan::<v2::Task>()?;
    println!("the plan for {:?} on {}:", plan.table, db.backend_name());
    for change in &plan.changes {
        println!("  - {}", change.description);
        for sql in &change.sql {
            println!("      {sql}");
        }
    }
    let applied = db.migrate::<v2::Task>()?;
    assert_eq!(applied, plan, "migrate applies the plan it showed");

    let tasks = db.table::<v2::Task>()?;
    let mut new = v2::Task {
        id: 0,
        title: "ship it".into(),
        owner: Some("ada".into()),
        priority: 1,
    };
    tasks.insert(&mut new)?;
    println!("\nversion 2:");
    for task in tasks.select().order_by(v2::Task::id().asc()).all()? {
        println!("  {task:?}");
    }
    let old = tasks.filter(v2::Task::owner().is_null()).all()?;
    assert!(old.len() == 2 && old.iter().all(|t| t.priority == 2));
    assert!(
        db.migrate::<v2::Task>()?.is_empty(),
        "a second migrate has nothing to do"
    );
    Ok(())
}
