//! A6: the axum example (`examples/async_service.rs`) under load, as a service runs: 64 HTTP
//! clients on keep-alive connections, each creating a note (`POST /notes`) and reading it back
//! (`GET /notes/{id}`) in a loop for the load's seconds; requests per second, p50 and p99.
//!
//! It runs on PostgreSQL, where the ratio says what the native async path gives a service: the
//! `anytable` side is the example on the URL as it is, the `raw` side the same example with
//! `async_sessions=0`, every call the pooled way (`block_in_place`). The example binary comes
//! from `ANYTABLE_SERVICE_BIN`, which scripts/bench builds and sets.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::report::{percentile, Measurement, Side};
use crate::workloads::{Engine, Mode, Settings};

/// HTTP clients at once.
const CLIENTS: usize = 64;

/// A6 on `engine`, if it is PostgreSQL and the example binary is there.
pub fn service<E: Engine>(engine: &E, s: &Settings) -> Option<Measurement> {
    if engine.name() != "postgres" {
        eprintln!("  A6 runs on PostgreSQL only (its ratio is the native async path against the pooled one)");
        return None;
    }
    let Ok(binary) = std::env::var("ANYTABLE_SERVICE_BIN") else {
        eprintln!(
            "  A6 needs ANYTABLE_SERVICE_BIN (the async_service example, built by scripts/bench)"
        );
        return None;
    };
    let target = engine.fresh();
    let url = engine.url(&target, Mode::Threads(16));
    let pooled = format!("{url}&async_sessions=0");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let seconds = Duration::from_secs_f64(s.mixed_seconds);
    let (mut native, mut blocking) = (Vec::new(), Vec::new());
    for rep in 0..s.reps {
        // Alternating which goes first, as `alternate` does.
        for first in [rep % 2 == 0, rep % 2 == 1] {
            let (url, out, side) = match first {
                true => (&url, &mut native, "native"),
                false => (&pooled, &mut blocking, "pooled"),
            };
            let service = Service::start(&binary, url);
            let authors = format!("{side} {rep}");
            out.push(runtime.block_on(load(&service.address, seconds, &authors)));
        }
    }
    engine.remove(&target);
    Some(Measurement {
        workload: format!("A6 service, {CLIENTS} clients (native/pooled)"),
        backend: engine.label().to_owned(),
        anytable: side(native),
        raw: side(blocking),
    })
}

/// The median run's rate, with the latencies of every run.
fn side(mut runs: Vec<Load>) -> Side {
    runs.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
    let rate = runs[runs.len() / 2].rate();
    let mut latencies: Vec<Duration> = runs.iter().flat_map(|r| r.latencies.clone()).collect();
    let us = |d: Option<Duration>| d.map(|d| d.as_secs_f64() * 1e6);
    Side {
        rows_per_s: rate,
        p50_us: us(percentile(&mut latencies, 0.5)),
        p99_us: us(percentile(&mut latencies, 0.99)),
        errors: runs.iter().map(|r| r.errors).sum(),
        ..Side::default()
    }
}

/// One run's requests.
struct Load {
    latencies: Vec<Duration>,
    errors: u64,
    took: Duration,
}

impl Load {
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.took.as_secs_f64()
    }
}

/// [`CLIENTS`] clients against `address` for `seconds`.
async fn load(address: &str, seconds: Duration, authors: &str) -> Load {
    let started = Instant::now();
    let until = started + seconds;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|k| tokio::spawn(client(address.to_owned(), until, format!("{authors} {k}"))))
        .collect();
    let mut out = Load {
        latencies: Vec::new(),
        errors: 0,
        took: Duration::ZERO,
    };
    for client in clients {
        let (latencies, errors) = client.await.expect("a client task");
        out.latencies.extend(latencies);
        out.errors += errors;
    }
    out.took = started.elapsed();
    out
}

/// Creates and reads back notes by `author` until `until`; each request's latency, and the
/// requests that failed.
async fn client(address: String, until: Instant, author: String) -> (Vec<Duration>, u64) {
    let stream = TcpStream::connect(&address).await.expect("connects");
    let mut stream = BufReader::new(stream);
    let (mut latencies, mut errors) = (Vec::new(), 0);
    let mut n = 0u64;
    while Instant::now() < until {
        let body = format!(r#"{{"author":"{author}","text":"note {n}"}}"#);
        n += 1;
        let began = Instant::now();
        let (status, created) = request(&mut stream, &address, "POST", "/notes", &body).await;
        if status != 201 {
            errors += 1;
            continue;
        }
        latencies.push(began.elapsed());
        let Some(id) = id_of(&created) else {
            errors += 1;
            continue;
        };
        let began = Instant::now();
        let (status, _) = request(&mut stream, &address, "GET", &format!("/notes/{id}"), "").await;
        match status {
            200 => latencies.push(began.elapsed()),
            _ => errors += 1,
        }
    }
    (latencies, errors)
}

/// The `"id"` of a note's JSON.
fn id_of(json: &str) -> Option<i64> {
    let rest = &json[json.find("\"id\":")? + 5..];
    let end = rest.find(|c: char| !c.is_ascii_digit())?;
    rest[..end].parse().ok()
}

/// One HTTP/1.1 request on a kept-alive connection; the status and the body (the example
/// answers these with a Content-Length).
async fn request(
    stream: &mut BufReader<TcpStream>,
    address: &str,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, String) {
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .get_mut()
        .write_all(head.as_bytes())
        .await
        .expect("sends");
    let mut line = String::new();
    stream.read_line(&mut line).await.expect("a status line");
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = 0;
    loop {
        line.clear();
        stream.read_line(&mut line).await.expect("a header");
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut answer = vec![0; length];
    stream.read_exact(&mut answer).await.expect("a body");
    (status, String::from_utf8_lossy(&answer).into_owned())
}

/// The example, serving `url`, killed when dropped.
struct Service {
    child: Child,
    address: String,
}

impl Service {
    fn start(binary: &str, url: &str) -> Service {
        let mut child = Command::new(binary)
            .arg(url)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
            &mut line,
        )
        .expect("the example prints its address");
        let address = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Service { child, address }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
