//! Runs the async_service example and drives it with concurrent HTTP requests from many
//! threads: creates, reads, lists (a streamed body), counts, deletes and bad input.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// The service, killed when the test ends however it ends.
struct Service {
    child: Child,
    address: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Service {
    let mut child = Command::new(common::example("async_service"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the example prints its address");
    let address = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Service { child, address }
}

/// One HTTP/1.1 request; the status and the body (chunked bodies decoded).
fn request(address: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connects");
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("sends");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("reads");
    let (head, body) = response.split_once("\r\n\r\n").expect("a header block");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    (
        status,
        if chunked {
            dechunk(body)
        } else {
            body.to_owned()
        },
    )
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n").expect("a chunk size");
        let size = usize::from_str_radix(size.trim(), 16).expect("a hex chunk size");
        if size == 0 {
            return out;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

#[test]
fn serves_concurrent_requests() {
    const THREADS: usize = 16;
    const PER_THREAD: usize = 25;
    let service = start();
    let address = service.address.as_str();

    let created: Vec<Vec<i64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                scope.spawn(move || {
                    (0..PER_THREAD)
                        .map(|i| {
                            let body = format!(r#"{{"author": "t{t}", "text": "note {i}"}}"#);
                            let (status, reply) = request(address, "POST", "/notes", Some(&body));
                            assert_eq!(status, 201, "{reply}");
                            let note = json(&reply);
                            assert_eq!(note["author"], format!("t{t}"));
                            let id = note["id"].as_i64().expect("an id");
                            let (status, reply) =
                                request(address, "GET", &format!("/notes/{id}"), None);
                            assert_eq!(status, 200, "{reply}");
                            assert_eq!(json(&reply)["text"], format!("note {i}"));
                            id
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut ids: Vec<i64> = created.concat();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), THREADS * PER_THREAD, "every note got its own id");

    let (status, reply) = request(address, "GET", "/notes/count", None);
    assert_eq!((status, json(&reply)["count"].as_u64()), (200, Some(400)));

    // Lists from many threads at once, each a streamed body.
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            scope.spawn(move || {
                let (status, reply) = request(address, "GET", &format!("/notes?author=t{t}"), None);
                assert_eq!(status, 200);
                let notes = json(&reply);
                let notes = notes.as_array().expect("an array");
                assert_eq!(notes.len(), PER_THREAD, "t{t} has {PER_THREAD} notes");
                assert!(notes.iter().all(|n| n["author"] == format!("t{t}")));
            });
        }
    });
    let (status, reply) = request(address, "GET", "/notes", None);
    assert_eq!(status, 200);
    assert_eq!(json(&reply).as_array().map(Vec::len), Some(400));
    let (_, reply) = request(address, "GET", "/notes?author=nobody", None);
    assert_eq!(reply, "[]", "an empty list is still an array");

    std::thread::scope(|scope| {
        for chunk in created.iter() {
            scope.spawn(move || {
                for id in chunk.iter().take(5) {
                    let (status, _) = request(address, "DELETE", &format!("/notes/{id}"), None);
                    assert_eq!(status, 204);
                }
            });
        }
    });
    let (status, reply) = request(address, "GET", "/notes/count", None);
    assert_eq!((status, json(&reply)["count"].as_u64()), (200, Some(320)));
    let gone = created[0][0];
    assert_eq!(
        request(address, "GET", &format!("/notes/{gone}"), None).0,
        404
    );
    assert_eq!(
        request(address, "DELETE", &format!("/notes/{gone}"), None).0,
        404
    );

    let (status, reply) = request(address, "POST", "/notes", Some("not json"));
    assert_eq!(status, 400, "{reply}");
    let (status, reply) = request(address, "POST", "/notes", Some(r#"{"author": 5}"#));
    assert_eq!(status, 400, "{reply}");
    let message = json(&reply)["error"].as_str().map(str::to_owned);
    assert!(
        message.as_deref().is_some_and(|m| m.contains("author")),
        "the parser's message names the field: {reply}"
    );
}

/// An author whose name needs percent-encoding in a query string, and a duplicate note.
#[test]
fn decodes_query_strings_and_refuses_duplicates() {
    let service = start();
    let address = service.address.as_str();
    let body = r#"{"author": "Ann Lee", "text": "héllo & goodbye"}"#;
    let (status, reply) = request(address, "POST", "/notes", Some(body));
    assert_eq!(status, 201, "{reply}");
    let (status, reply) = request(address, "POST", "/notes", Some(body));
    assert_eq!(status, 409, "the same note again is a conflict: {reply}");
    assert!(json(&reply)["error"].as_str().is_some(), "{reply}");
    for query in ["author=Ann%20Lee", "author=Ann+Lee"] {
        let (status, reply) = request(address, "GET", &format!("/notes?{query}"), None);
        assert_eq!(status, 200, "{reply}");
        let notes = json(&reply);
        let notes = notes.as_array().expect("an array");
        assert_eq!(notes.len(), 1, "?{query} finds Ann Lee's note: {reply}");
        assert_eq!(notes[0]["text"], "héllo & goodbye");
    }
    let (status, reply) = request(address, "GET", "/notes/count", None);
    assert_eq!((status, json(&reply)["count"].as_u64()), (200, Some(1)));
}
