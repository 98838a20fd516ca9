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
//! | `POST /notes` `{"author": "ann", "text": "hi"}` | `201` and the note with its id and time; `409` if that author has that text already; `400` with the parser's message for a body that is not such JSON |
//! | `GET /notes/{id}` | `200` and the note, or `404` |
//! | `GET /notes?author=Ann%20Lee` | `200` and a JSON array, streamed from the database as rows arrive |
//! | `GET /notes/count` | `200` and `{"count": n}` |
//! | `DELETE /notes/{id}` | `204`, or `404` |
//!
//! Handlers hold the table as `Arc<dyn AsyncTable<Note>>`: the object-safe trait, which a
//! test could fill with an in-memory fake. `RUST_LOG=anytable=debug` shows each statement.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anytable::chrono::{DateTime, Utc};
use anytable::{AsyncDatabase, AsyncTable, ErrorKind, Record};
use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::{stream, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// One note of the API; an author writes each text once.
#[derive(Record, Debug, Clone)]
#[anytable(table = "notes", unique(author, text))]
struct Note {
    #[anytable(id)]
    id: i64,
    #[anytable(added)]
    added: DateTime<Utc>,
    #[anytable(index)]
    author: String,
    text: String,
}

/// A note as the API shows it.
#[derive(Serialize)]
struct NoteView<'a> {
    id: i64,
    added: String,
    author: &'a str,
    text: &'a str,
}

impl Note {
    fn view(&self) -> NoteView<'_> {
        NoteView {
            id: self.id,
            added: self.added.to_rfc3339(),
            author: &self.author,
            text: &self.text,
        }
    }
}

/// The body of `POST /notes`.
#[derive(Deserialize)]
struct NewNote {
    author: String,
    text: String,
}

/// The query of `GET /notes`: `?author=NAME` (percent-decoded), or nothing for every note.
#[derive(Deserialize)]
struct ListQuery {
    author: Option<String>,
}

/// What every handler shares.
#[derive(Clone)]
struct App {
    notes: Arc<dyn AsyncTable<Note>>,
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

/// An error answer with its message.
fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

/// A failed call: the client's fault (400, or 409 for a note that exists already) or the
/// server's (500), with the message.
fn failure(e: anytable::Error) -> Response {
    let status = match e.kind() {
        ErrorKind::UniqueViolation => StatusCode::CONFLICT,
        ErrorKind::InvalidInput | ErrorKind::NotNullViolation | ErrorKind::CheckViolation => {
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error(status, e)
}

async fn create(State(app): State<App>, body: Result<Json<NewNote>, JsonRejection>) -> Response {
    // Any body that is not a NewNote is the client's fault: 400 with the parser's words.
    let Json(new) = match body {
        Ok(body) => body,
        Err(rejection) => return error(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    let note = Note {
        id: 0,
        added: Utc::now(),
        author: new.author,
        text: new.text,
    };
    match app.notes.insert(note).await {
        Ok((_, note)) => (StatusCode::CREATED, Json(note.view())).into_response(),
        Err(e) => failure(e),
    }
}

async fn read(State(app): State<App>, Path(id): Path<i64>) -> Response {
    match app.notes.get(id).await {
        Ok(Some(note)) => Json(note.view()).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "no such note"),
        Err(e) => failure(e),
    }
}

async fn remove(State(app): State<App>, Path(id): Path<i64>) -> Response {
    match app.notes.delete(Note::id().eq(id)).await {
        Ok(0) => error(StatusCode::NOT_FOUND, "no such note"),
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => failure(e),
    }
}

async fn count(State(app): State<App>) -> Response {
    match app.notes.count().await {
        Ok(n) => Json(json!({ "count": n })).into_response(),
        Err(e) => failure(e),
    }
}

/// Notes of one author (`?author=NAME`) or all, as a JSON array written while the rows stream
/// in: memory stays flat however many there are.
async fn list(State(app): State<App>, Query(query): Query<ListQuery>) -> Response {
    let filter = match query.author {
        Some(author) => Note::author().eq(author),
        None => anytable::Filter::all(),
    };
    let opened = Arc::new(AtomicBool::new(false));
    let seen = opened.clone();
    let items = app.notes.stream(filter.into()).map(move |note| {
        let note = note?;
        let prefix = if seen.swap(true, Ordering::Relaxed) {
            ","
        } else {
            "["
        };
        let item = serde_json::to_string(&note.view())
            .map_err(|e| anytable::Error::new(ErrorKind::Other, e.to_string()))?;
        Ok::<_, anytable::Error>(format!("{prefix}{item}"))
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
        .unwrap_or_else(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e))
}
