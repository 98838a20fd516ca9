//! The doctable seed scenario: five workers insert the numbers 0..100, split into chunks,
//! each tagging its rows with a random two-letter process id; then the first ten rows print.
//!
//! ```text
//! cargo run -p anytable-examples --example quickstart            # embedded SQLite file
//! cargo run -p anytable-examples --example quickstart -- URL     # any backend compiled in
//! ```
//!
//! Workers are real OS processes (this program re-executes itself) when the backend lets
//! several processes write one database, and threads otherwise (e.g. `sqlite::memory:`).
//!
//! `RUST_LOG=anytable=debug` prints one line per SQL statement (its span closing), with the
//! backend, the SQL, the rows and the duration in microseconds.

use std::process::Command;
use std::time::Duration;

use anytable::chrono::{DateTime, Utc};
use anytable::url::redact;
use anytable::{Database, Record};
use rand::Rng;

/// One inserted number, tagged with the worker that inserted it.
#[derive(Record, Debug, Clone)]
struct SimpleRow {
    #[anytable(id)]
    id: i64,
    #[anytable(added)]
    added: DateTime<Utc>,
    process: String,
    number: i64,
}

const WORKERS: usize = 5;

/// How the parent hands the database URL to its worker processes.
const URL_ENV: &str = "ANYTABLE_QUICKSTART_URL";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    anytable_examples::init_tracing();
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--worker") {
        let numbers = args[2]
            .split(',')
            .map(str::parse)
            .collect::<Result<Vec<i64>, _>>()?;
        // The URL comes in the environment, not on the command line, where `ps` would show
        // its password to every user of the machine.
        let url = std::env::var(URL_ENV)?;
        return Ok(worker(&Database::open(&url)?, &numbers)?);
    }

    let dir = tempfile::tempdir()?;
    let url = match args.get(1) {
        Some(url) => url.clone(),
        None => format!(
            "sqlite://{}?timeout=15",
            dir.path().join("tmp_concurrent.db").display()
        ),
    };
    let db = Database::open(&url)?;
    let rows = db.table::<SimpleRow>()?;
    rows.delete_all()?;

    let numbers: Vec<i64> = (0..100).collect();
    let chunks: Vec<Vec<i64>> = numbers
        .chunks(numbers.len().div_ceil(WORKERS))
        .map(<[i64]>::to_vec)
        .collect();
    if db.capabilities().multi_process_writers {
        println!("{WORKERS} worker processes writing to {}", redact(&url));
        let exe = std::env::current_exe()?;
        let children = chunks
            .iter()
            .map(|chunk| {
                let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
                Command::new(&exe)
                    .args(["--worker", &list.join(",")])
                    .env(URL_ENV, &url)
                    .spawn()
            })
            .collect::<Result<Vec<_>, _>>()?;
        for mut child in children {
            let status = child.wait()?;
            if !status.success() {
                return Err(format!("a worker process failed: {status}").into());
            }
        }
    } else {
        println!(
            "{WORKERS} worker threads writing to {} (this backend is single-process)",
            redact(&url)
        );
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunks
                .iter()
                .map(|chunk| scope.spawn(|| worker(&db, chunk)))
                .collect();
            handles
                .into_iter()
                .try_for_each(|h| h.join().expect("worker thread panicked"))
        })?;
    }

    let mut seen: Vec<i64> = rows.select().all()?.iter().map(|r| r.number).collect();
    seen.sort_unstable();
    assert_eq!(seen, numbers, "every number exactly once");
    println!("{} rows, each number 0..100 exactly once\n", seen.len());
    print_table(&rows.head(10)?);
    Ok(())
}

/// What each seed process did: open its own connections, insert its numbers one at a time.
fn worker(db: &Database, numbers: &[i64]) -> anytable::Result<()> {
    let mut rng = rand::rng();
    let process: String = (0..2)
        .map(|_| rng.random_range(b'A'..=b'Z') as char)
        .collect();
    println!("starting process {process}");
    let rows = db.table::<SimpleRow>()?;
    for &number in numbers {
        let mut row = SimpleRow {
            id: 0,
            added: Utc::now(),
            process: process.clone(),
            number,
        };
        rows.insert(&mut row)?;
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

fn print_table(rows: &[SimpleRow]) {
    println!(
        "{:>4}  {:<26}  {:<7}  {:>6}",
        "id", "added (UTC)", "process", "number"
    );
    for r in rows {
        println!(
            "{:>4}  {:<26}  {:<7}  {:>6}",
            r.id,
            r.added.format("%Y-%m-%d %H:%M:%S%.6f"),
            r.process,
            r.number
        );
    }
}
