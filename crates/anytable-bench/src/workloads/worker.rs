//! Worker processes: the bench re-executes itself as
//! `anytable-bench --worker ENGINE SIDE KIND ARGS...` for work that must run in a process of its
//! own (several writer processes, a clean peak-memory reading).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::workloads::{memory, seeds, Engine};

/// Which side a worker runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Through anytable.
    Anytable = 0,
    /// Through hand-written code on the raw driver.
    Raw = 1,
}

impl Side {
    fn as_arg(self) -> &'static str {
        match self {
            Side::Anytable => "anytable",
            Side::Raw => "raw",
        }
    }

    /// The side named `arg` on a worker's command line.
    pub fn from_arg(arg: &str) -> Option<Side> {
        match arg {
            "anytable" => Some(Side::Anytable),
            "raw" => Some(Side::Raw),
            _ => None,
        }
    }
}

/// The bench executable: `ANYTABLE_BENCH_EXE` if set (tests set it: their own executable is a
/// test harness), else this process's own.
fn exe() -> PathBuf {
    match std::env::var_os("ANYTABLE_BENCH_EXE") {
        Some(path) => PathBuf::from(path),
        None => std::env::current_exe().expect("the bench knows its own executable"),
    }
}

/// Starts a worker process of `engine` on `who`'s side with `args` (the kind first).
pub(crate) fn start<E: Engine>(engine: &E, who: Side, args: &[&str]) -> Child {
    Command::new(exe())
        .args(["--worker", engine.name(), who.as_arg()])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the bench starts a worker process")
}

/// Waits for a worker; its last line of output, or why it failed.
pub(crate) fn finish(child: Child) -> Result<String, String> {
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("worker failed ({}): {text}", output.status));
    }
    Ok(text.lines().last().unwrap_or_default().to_owned())
}

/// Runs one worker to its end.
pub(crate) fn spawn<E: Engine>(engine: &E, who: Side, args: &[&str]) -> Result<String, String> {
    finish(start(engine, who, args))
}

/// A worker process's work: `args` are what follows the side on its command line; the returned
/// line goes to standard output for the parent to read.
pub fn run<E: Engine>(engine: &E, who: Side, args: &[String]) -> Result<String, String> {
    let number = |i: usize| -> Result<usize, String> {
        args.get(i)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("worker argument {i} must be a number: {args:?}"))
    };
    match args.first().map(String::as_str) {
        Some("stream") => {
            let api = args
                .get(3)
                .and_then(|a| memory::Api::from_arg(a))
                .ok_or_else(|| format!("stream worker needs iter, for_each or raw: {args:?}"))?;
            if (api == memory::Api::Raw) != (who == Side::Raw) {
                return Err(format!("{api:?} is not a way to read on the {who:?} side"));
            }
            Ok(memory::stream_worker(engine, api, &args[1], number(2)?))
        }
        Some("insert") => seeds::insert_worker(engine, who, &args[1], number(2)?, number(3)?),
        _ => Err(format!("unknown worker {args:?}")),
    }
}
