//! The DuckDB seed scenario: 50 writer threads and 5 reader threads, started in a shuffled
//! order, share one database; each writer inserts one row whose timestamp the database fills
//! in, each reader counts rows. Then every row prints, ordered by insert time.
//!
//! ```text
//! cargo run -p anytable-examples --example threads                 # embedded SQLite file
//! cargo run -p anytable-examples --example threads -- URL          # e.g. duckdb::memory: (feature duckdb)
//! ```

use anytable::chrono::{DateTime, Utc};
use anytable::{Database, Record};
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// One insert: which thread made it, and when (set by the database).
#[derive(Record, Debug, Clone)]
#[anytable(table = "my_inserts")]
struct MyInsert {
    #[anytable(id)]
    id: i64,
    thread_name: String,
    #[anytable(added)]
    insert_time: DateTime<Utc>,
}

enum Job {
    Write(String),
    Read(String),
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    anytable_examples::init_tracing();
    let dir = tempfile::tempdir()?;
    let url = std::env::args().nth(1).unwrap_or_else(|| {
        format!(
            "sqlite://{}",
            dir.path().join("my_persistent_db.db").display()
        )
    });
    let db = Database::open(&url)?;
    let inserts = db.table::<MyInsert>()?;
    inserts.delete_all()?;

    let mut jobs: Vec<Job> = (0..50)
        .map(|i| Job::Write(format!("write_thread_{i}")))
        .chain((0..5).map(|j| Job::Read(format!("read_thread_{j}"))))
        .collect();
    // Seeded like the original, so the start order is the same every run.
    jobs.shuffle(&mut rand::rngs::StdRng::seed_from_u64(6));

    let start = std::sync::Barrier::new(jobs.len());
    std::thread::scope(|scope| -> anytable::Result<()> {
        let handles: Vec<_> = jobs
            .iter()
            .map(|job| {
                let (inserts, start) = (&inserts, &start);
                scope.spawn(move || -> anytable::Result<()> {
                    start.wait();
                    match job {
                        Job::Write(name) => {
                            let mut row = MyInsert {
                                id: 0,
                                thread_name: name.clone(),
                                insert_time: Utc::now(),
                            };
                            inserts.insert(&mut row)?;
                        }
                        Job::Read(name) => {
                            println!("[{name}, row_counter={}, {}]", inserts.count()?, Utc::now());
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().expect("thread panicked"))
    })?;

    println!("\n{:>3}  {:<16}  insert_time (UTC)", "id", "thread_name");
    for row in inserts
        .select()
        .order_by(MyInsert::insert_time().asc())
        .order_by(MyInsert::id().asc())
        .all()?
    {
        println!(
            "{:>3}  {:<16}  {}",
            row.id,
            row.thread_name,
            row.insert_time.format("%Y-%m-%d %H:%M:%S%.6f")
        );
    }
    Ok(())
}
