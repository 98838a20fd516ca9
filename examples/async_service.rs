//! A tiny JSON API over one table, served by axum on 127.0.0.1 with the async API.
//!
//! ```text
//! cargo run -p anytable-examples --example async_service                 # SQLite file, any free port
//! cargo run -p anytable-examples --example async_service -- URL --port 8080
//! ```
//!
//! It prints `listening on http://127.0.0.1:PORT` once it accepts requests:
//!
//! | request | answer |
//! |---|---|
//! | `POST /notes` `{"author": "ann", "text": "hi"}` | `201` and the note with its id and time |
//! | `GET /notes/{id}` | `200` and the note, or `404` |
//! | `GET /notes?author=ann` | `200` and a JSON array, streamed from the database as rows arrive |
//! | `GET /notes/count` | `200` and `{"count": n}` |
//! | `DELETE /notes/{id}` | `204`, or `404` |
//!
//! Handlers hold the table as `Arc<dyn AsyncTableOps<Note>>`: the object-safe trait, which a
//! test could fill with an in-memory fake. `RUST_LOG=anytable=debug` shows each statement.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anytable::chrono::{DateTime, Utc};
use anytable::{AsyncDatabase, AsyncTableOps, ErrorKind, Record};
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::{stream, StreamExt};
use serde_json::json;

/// One note of the API.
#[derive(Record, Debug, Clone)]
#[anytable(table = "notes")]
struct Note {
    #[anytable(id)]
    id: i64,
    #[anytable(added)]
    added: DateTime<Utc>,
    #[anytable(index)]
    author: String,
    text: String,
}

impl Note {
    fn to_json(&self) -> serde_json::Value {
        json!({ "id": self.id, "added": self.added.to_rfc3339(), "author": self.author, "text": self.text })
    }
}

/// What every handler shares.
#[derive(Clone)]
struct App {
    notes: Arc<dyn AsyncTableOps<Note>>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    anytable_examples::init_tracing();
    let mut args = std::env::args().skip(1);
    let (mut url, mut port) = (None, 0u16);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().ok_or("--port needs a number")?.parse()?,
            _ => url = Some(arg),
        }
    }
    let dir = tempfile::tempdir()?;
    let url = url.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("notes.db").display()));
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve(&url, port))
}

async fn serve(url: &str, port: u16) -> Result<(), Box<dyn std::error::Error>> {
    let db = AsyncDatabase::open(url).await?;
    let notes = db.table::<Note>().await?;
    let app = App {
        notes: Arc::new(notes),
    };
    let router = Router::new()
        .route("/notes", get(list).post(create))
        .route("/notes/count", get(count))
        .route("/notes/{id}", get(read).delete(remove))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    use std::io::Write;
    std::io::stdout().flush()?;
    axum::serve(listener, router).await?;
    Ok(())
}

/// A JSON response.
fn reply(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A failed call: the client's fault (400) or the server's (500), with the message.
fn failure(e: anytable::Error) -> Response {
    let status = match e.kind() {
        ErrorKind::InvalidInput | ErrorKind::NotNullViolation | ErrorKind::CheckViolation => {
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    reply(status, json!({ "error": e.to_string() }))
}

fn bad_request(message: &str) -> Response {
    reply(StatusCode::BAD_REQUEST, json!({ "error": message }))
}

async fn create(State(app): State<App>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return bad_request("the body must be JSON");
    };
    let field = |name: &str| body.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let (Some(author), Some(text)) = (field("author"), field("text")) else {
        return bad_request("author and text must be strings");
    };
    let note = Note {
        id: 0,
        added: Utc::now(),
        author,
        text,
    };
    match app.notes.insert(note).await {
        Ok((_, note)) => reply(StatusCode::CREATED, note.to_json()),
        Err(e) => failure(e),
    }
}

async fn read(State(app): State<App>, Path(id): Path<i64>) -> Response {
    match app.notes.get(id).await {
        Ok(Some(note)) => reply(StatusCode::OK, note.to_json()),
        Ok(None) => reply(StatusCode::NOT_FOUND, json!({ "error": "no such note" })),
        Err(e) => failure(e),
    }
}

async fn remove(State(app): State<App>, Path(id): Path<i64>) -> Response {
    match app.notes.delete(Note::id().eq(id)).await {
        Ok(0) => reply(StatusCode::NOT_FOUND, json!({ "error": "no such note" })),
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => failure(e),
    }
}

async fn count(State(app): State<App>) -> Response {
    match app.notes.count().await {
        Ok(n) => reply(StatusCode::OK, json!({ "count": n })),
        Err(e) => failure(e),
    }
}

/// Notes of one author (`?author=NAME`, taken as written) or all, as a JSON array written while
/// the rows stream in: memory stays flat however many there are.
async fn list(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    let author = query.as_deref().and_then(|q| {
        q.split('&')
            .find_map(|pair| pair.strip_prefix("author="))
            .map(str::to_owned)
    });
    let filter = match author {
        Some(author) => Note::author().eq(author),
        None => anytable::Filter::all(),
    };
    let opened = Arc::new(AtomicBool::new(false));
    let seen = opened.clone();
    let items = app.notes.stream(filter).map(move |note| {
        note.map(|note| {
            let prefix = if seen.swap(true, Ordering::Relaxed) {
                ","
            } else {
                "["
            };
            format!("{prefix}{}", note.to_json())
        })
    });
    let end = stream::once(async move {
        Ok(if opened.load(Ordering::Relaxed) {
            "]"
        } else {
            "[]"
        }
        .to_owned())
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(items.chain(end)))
        .unwrap_or_else(|e| {
            reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "error": e.to_string() }),
            )
        })
}
