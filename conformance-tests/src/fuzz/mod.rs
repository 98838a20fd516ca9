//! A differential fuzzer: the same generated operations on every backend, in lockstep, with
//! every answer compared.
//!
//! [`run`] generates sequences of operations ([`ops::Op`]: inserts, bulk inserts, upserts,
//! updates and deletes by random filters, selects with orders, limits and offsets, counts,
//! aggregates, groups with HAVING, distinct projections, hand-written typed SQL, Arrow round
//! trips) over values biased to the edges of every field type ([`values`]), runs each
//! operation on every backend given, and compares what came back: the rows and values as
//! Rust prints them, an error by its [`ErrorKind`](anytable::ErrorKind). After every write
//! the whole table is compared too. A difference, or a panic anywhere, fails the sequence;
//! proptest then shrinks it to a minimal one, which the error prints with the seed that
//! reproduces it (`ANYTABLE_FUZZ_SEED`).
//!
//! The fuzzer's own test (`tests/fuzz.rs`) runs it over SQLite, DuckDB and PostgreSQL for a
//! fixed time in `scripts/test`; `scripts/fuzz --minutes N` runs it for longer.

pub mod exec;
pub mod model;
pub mod ops;
pub mod regressions;
pub mod scope;
pub mod values;

/// Every name a regression case built from a printed minimal sequence needs.
pub mod prelude {
    pub use super::model::{CmpOp, Col, FuzzRow, Lit};
    pub use super::ops::{Agg, CmpCol, Conflict, GroupCol, Op, Pred, ReadAs, Row, SumCol, TextCol};
    pub use super::{replay, Target};
    pub use anytable::chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
    pub use anytable::rust_decimal::Decimal;
    pub use anytable::uuid::Uuid;
}

/// Runs `ops` on fresh databases of every target and compares them as the fuzzer does: the
/// check of a regression case made from a printed minimal sequence.
pub fn replay(targets: &[Target], ops: &[Op]) -> Result<(), String> {
    check(targets, ops, &Tally::default())
}

use std::cell::Cell;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anytable::Database;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use exec::Outcome;
use model::FuzzRow;
use ops::Op;

/// One backend the fuzzer runs on: how to open a fresh, empty database of it (one per
/// sequence, so that a printed minimal sequence reproduces from nothing), with the name its
/// answers are reported under.
pub struct Target {
    /// A name for reports (`sqlite`, `postgres C.UTF-8`, ...).
    pub name: String,
    /// Opens a fresh, empty database; what it returns is kept until the sequence ends (a
    /// [`TestDb`](crate::TestDb) drops its PostgreSQL schema then).
    pub open: Box<dyn Fn() -> anytable::Result<crate::TestDb>>,
}

/// A target's database for one sequence.
struct Opened<'t> {
    name: &'t str,
    db: crate::TestDb,
}

/// How long and how the fuzzer runs.
#[derive(Debug, Clone)]
pub struct FuzzConfig {
    /// Stop starting new sequences after this long.
    pub budget: Duration,
    /// Run the one batch of this seed (as printed by a failure) instead of random ones.
    pub seed: Option<[u8; 32]>,
    /// Sequences per seed.
    pub cases_per_batch: u32,
    /// The longest sequence.
    pub max_ops: usize,
    /// Let the sequences of a seed share their databases (the table emptied between them),
    /// for differences that need a history; the operations are logged to a file.
    pub history: bool,
}

impl Default for FuzzConfig {
    fn default() -> Self {
        FuzzConfig {
            budget: Duration::from_secs(60),
            seed: None,
            cases_per_batch: 32,
            max_ops: 24,
            history: false,
        }
    }
}

impl FuzzConfig {
    /// The defaults, changed by `ANYTABLE_FUZZ_SECONDS`, `ANYTABLE_FUZZ_SEED` (64 hex digits),
    /// `ANYTABLE_FUZZ_CASES` (per seed), `ANYTABLE_FUZZ_OPS` and
    /// `ANYTABLE_FUZZ_HISTORY=1`. (`ANYTABLE_FUZZ_TRACE=1` prints each operation to stderr
    /// before it runs, to find one that aborts the process.)
    pub fn from_env() -> Result<FuzzConfig, String> {
        let mut config = FuzzConfig::default();
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(s) = var("ANYTABLE_FUZZ_SECONDS") {
            let secs: f64 = s
                .parse()
                .map_err(|_| format!("ANYTABLE_FUZZ_SECONDS={s} is no number"))?;
            config.budget = Duration::from_secs_f64(secs.max(0.0));
        }
        if let Some(s) = var("ANYTABLE_FUZZ_SEED") {
            config.seed = Some(parse_seed(&s)?);
        }
        if let Some(s) = var("ANYTABLE_FUZZ_CASES") {
            config.cases_per_batch = s
                .parse()
                .map_err(|_| format!("ANYTABLE_FUZZ_CASES={s} is no count"))?;
        }
        if let Some(s) = var("ANYTABLE_FUZZ_OPS") {
            config.max_ops = s
                .parse()
                .map_err(|_| format!("ANYTABLE_FUZZ_OPS={s} is no count"))?;
        }
        config.history = var("ANYTABLE_FUZZ_HISTORY").is_some_and(|v| v == "1");
        Ok(config)
    }
}

/// A seed as 64 hex digits.
pub fn parse_seed(text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    let bad = || format!("a fuzz seed is 64 hex digits, not {text:?}");
    if text.len() != 64 {
        return Err(bad());
    }
    let mut seed = [0u8; 32];
    for (i, byte) in seed.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(seed)
}

fn hex(seed: &[u8; 32]) -> String {
    seed.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct FuzzReport {
    /// Sequences run (shrinking steps not counted).
    pub sequences: u64,
    /// Operations run on each backend, shrinking included.
    pub operations: u64,
    /// Seeds used.
    pub batches: u64,
    /// Writes that succeeded on the first backend (and so on every one).
    pub writes_ok: u64,
    /// Writes refused (the same way on every backend).
    pub writes_refused: u64,
    /// Reads that succeeded.
    pub reads_ok: u64,
    /// Reads refused.
    pub reads_refused: u64,
    /// How long it ran.
    pub elapsed: Duration,
}

impl std::fmt::Display for FuzzReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let minutes = self.elapsed.as_secs_f64() / 60.0;
        write!(
            f,
            "{} sequences ({:.0} a minute), {} operations on each backend (writes {} done, {} refused; reads {} answered, {} refused), {} seeds, {:.1} s",
            self.sequences,
            self.sequences as f64 / minutes.max(1e-9),
            self.operations,
            self.writes_ok,
            self.writes_refused,
            self.reads_ok,
            self.reads_refused,
            self.batches,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Whether `op` may change the table, so that the states are compared after it.
fn writes(op: &Op) -> bool {
    matches!(
        op,
        Op::Insert(_)
            | Op::InsertMany(_)
            | Op::Upsert(..)
            | Op::Update(..)
            | Op::Delete(_)
            | Op::DeleteAll
            | Op::ArrowRoundTrip
            | Op::Transaction(..)
    )
}

/// Runs `ops` on every target from an empty table; the first difference or panic is an error
/// naming the operation and each target's answer.
pub fn check(targets: &[Target], ops: &[Op], tally: &Tally) -> Result<(), String> {
    let opened = open_all(targets)?;
    run_sequence(&opened, ops, tally)
}

/// A fresh database of every target, with the fuzz table created.
fn open_all(targets: &[Target]) -> Result<Vec<Opened<'_>>, String> {
    let mut opened = Vec::with_capacity(targets.len());
    for target in targets {
        let db = (target.open)()
            .map_err(|e| format!("{}: cannot open a fresh database: {e}", target.name))?;
        db.db
            .table::<FuzzRow>()
            .map_err(|e| format!("{}: cannot create the fuzz table: {e}", target.name))?;
        opened.push(Opened {
            name: &target.name,
            db,
        });
    }
    Ok(opened)
}

/// The databases a seed's sequences share in history mode, and every operation run on them.
struct History<'t> {
    opened: Vec<Opened<'t>>,
    log: Vec<Op>,
}

/// Runs `ops` on databases that earlier sequences of the seed used too (the table emptied
/// with `delete_all` first), so that differences that need a history show; every operation
/// is logged.
fn check_with_history(history: &mut History<'_>, ops: &[Op], tally: &Tally) -> Result<(), String> {
    for target in &history.opened {
        let table = target.db.db.table::<FuzzRow>().map_err(|e| e.to_string())?;
        table.delete_all().map_err(|e| e.to_string())?;
    }
    history.log.push(Op::DeleteAll);
    history.log.extend(ops.iter().cloned());
    run_sequence(&history.opened, ops, tally)
}

fn run_sequence(targets: &[Opened<'_>], ops: &[Op], tally: &Tally) -> Result<(), String> {
    for (index, op) in ops.iter().enumerate() {
        let answer = compare(targets, index, op, "answer", |db| exec::run(db, op))?;
        tally.count(writes(op), matches!(answer, Outcome::Ok(_)));
        if writes(op) {
            compare(targets, index, op, "table after it", exec::state)?;
        }
    }
    Ok(())
}

fn compare(
    targets: &[Opened<'_>],
    index: usize,
    op: &Op,
    what: &str,
    run: impl Fn(&Database) -> Outcome,
) -> Result<Outcome, String> {
    let outcomes: Vec<Outcome> = targets
        .iter()
        .map(|t| {
            if std::env::var_os("ANYTABLE_FUZZ_TRACE").is_some() {
                eprintln!("TRACE {} {what} {op:?}", t.name);
            }
            let started = Instant::now();
            let outcome = run(&t.db.db);
            if std::env::var_os("ANYTABLE_FUZZ_PROFILE").is_some() {
                let kind = format!("{op:?}");
                let kind = kind.split(['(', ' ', '{']).next().unwrap_or("");
                eprintln!("PROFILE {} {what} {kind} {:?}", t.name, started.elapsed());
            }
            outcome
        })
        .collect();
    let panicked = outcomes.iter().any(|o| matches!(o, Outcome::Panic(_)));
    if panicked || outcomes.iter().any(|o| *o != outcomes[0]) {
        let mut message = format!(
            "{} at operation {index}: {op:?}\n",
            if panicked {
                "a panic"
            } else {
                "backends differ"
            }
        );
        for (target, outcome) in targets.iter().zip(&outcomes) {
            let _ = writeln!(message, "  {what} on {}: {outcome:?}", target.name);
            // A read asked again shows an engine whose answer changes from one call to the next.
            if !writes(op) || what != "answer" {
                let again = run(&target.db.db);
                if again != *outcome {
                    let _ = writeln!(message, "    asked again, it answered: {again:?}");
                }
            }
        }
        return Err(message);
    }
    Ok(outcomes
        .into_iter()
        .next()
        .unwrap_or(Outcome::Ok(String::new())))
}

/// Counts of operations by kind and result, for the report.
#[derive(Default)]
pub struct Tally {
    operations: Cell<u64>,
    writes_ok: Cell<u64>,
    writes_refused: Cell<u64>,
    reads_ok: Cell<u64>,
    reads_refused: Cell<u64>,
}

impl Tally {
    fn count(&self, write: bool, ok: bool) {
        let cell = match (write, ok) {
            (true, true) => &self.writes_ok,
            (true, false) => &self.writes_refused,
            (false, true) => &self.reads_ok,
            (false, false) => &self.reads_refused,
        };
        for c in [cell, &self.operations] {
            c.set(c.get() + 1);
        }
    }

    fn add_to(&self, report: &mut FuzzReport) {
        report.operations += self.operations.get();
        report.writes_ok += self.writes_ok.get();
        report.writes_refused += self.writes_refused.get();
        report.reads_ok += self.reads_ok.get();
        report.reads_refused += self.reads_refused.get();
    }
}

/// Runs generated sequences on every target until the budget is spent (or the one batch of
/// `config.seed`); the first difference, shrunk to a minimal sequence, is the error.
pub fn run(targets: &[Target], config: &FuzzConfig) -> Result<FuzzReport, String> {
    if targets.len() < 2 && std::env::var_os("ANYTABLE_FUZZ_ALONE").is_none() {
        return Err(format!(
            "the fuzzer compares backends and was given {} (set ANYTABLE_FUZZ_ALONE=1 to look for panics on one)",
            targets.len()
        ));
    }
    let mut nan_stored = true;
    for target in targets {
        let db = (target.open)().map_err(|e| format!("{}: cannot open: {e}", target.name))?;
        nan_stored &= db.db.capabilities().stores_nan;
    }
    scope::set_nan_stored(nan_stored);
    let started = Instant::now();
    let mut report = FuzzReport::default();
    loop {
        let seed = config.seed.unwrap_or_else(rand::random);
        let tally = Tally::default();
        let sequences = Cell::new(0u64);
        let shrinking = Cell::new(false);
        let mut runner = TestRunner::new_with_rng(
            Config {
                cases: config.cases_per_batch,
                failure_persistence: None,
                max_shrink_iters: 4096,
                max_shrink_time: 300_000,
                ..Config::default()
            },
            TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
        );
        let history = match config.history {
            true => Some(std::cell::RefCell::new(History {
                opened: open_all(targets)?,
                log: Vec::new(),
            })),
            false => None,
        };
        let result = runner.run(&ops::sequence(config.max_ops), |ops| {
            if !shrinking.get() {
                // Past the budget the batch's remaining sequences are generated but not run.
                if config.seed.is_none() && started.elapsed() >= config.budget {
                    return Ok(());
                }
                sequences.set(sequences.get() + 1);
            }
            let checked = match &history {
                Some(history) if !shrinking.get() => {
                    check_with_history(&mut history.borrow_mut(), &ops, &tally)
                }
                _ => check(targets, &ops, &tally),
            };
            checked.map_err(|e| {
                if let Some(history) = &history {
                    let path = std::env::temp_dir()
                        .join(format!("anytable-fuzz-history-{}.txt", hex(&seed)));
                    let log = history
                        .borrow()
                        .log
                        .iter()
                        .map(|op| format!("    {},\n", op.rust()))
                        .collect::<String>();
                    if std::fs::write(&path, log).is_ok() {
                        eprintln!(
                            "fuzz: every operation up to the difference is in {}",
                            path.display()
                        );
                    }
                }
                shrinking.set(true);
                TestCaseError::fail(e)
            })
        });
        report.batches += 1;
        report.sequences += sequences.get();
        tally.add_to(&mut report);
        report.elapsed = started.elapsed();
        match result {
            Ok(()) => {}
            Err(TestError::Fail(why, ops)) => {
                return Err(format!(
                    "the backends ({}) differ; minimal sequence of {} operations:\n{}\n{why}\nreproduce with ANYTABLE_FUZZ_SEED={} ({report})\nas a regression case (fuzz::replay):\nvec![\n{}\n]",
                    targets.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", "),
                    ops.len(),
                    ops.iter().map(|op| format!("  {op:?}")).collect::<Vec<_>>().join("\n"),
                    hex(&seed),
                    ops.iter().map(|op| format!("    {},", op.rust())).collect::<Vec<_>>().join("\n"),
                ))
            }
            Err(TestError::Abort(why)) => return Err(format!("the fuzzer gave up: {why}")),
        }
        if config.seed.is_some() || started.elapsed() >= config.budget {
            return Ok(report);
        }
    }
}
