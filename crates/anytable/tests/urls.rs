//! Careless and hostile URLs: SQLite URI parameters smuggled through the path, and passwords in
//! every message about a URL.

use anytable::{Database, ErrorKind};

/// Every file in the working directory whose name starts with `prefix`, removed when dropped.
struct Cleanup(&'static str);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for entry in std::fs::read_dir(".").into_iter().flatten().flatten() {
            if entry.file_name().to_string_lossy().starts_with(self.0) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// `sqlite://file:x.db%3Fmode=memory` names a file called `file:x.db?mode=memory`: SQLite's URI
/// parameters (`mode=memory`, `nolock=1`, `immutable=1`) never come in through the path.
#[cfg(feature = "sqlite")]
#[test]
fn sqlite_uri_parameters_cannot_be_smuggled_through_the_path() {
    #[derive(anytable::Record)]
    struct Note {
        #[anytable(id)]
        id: i64,
        text: String,
    }
    let _cleanup = Cleanup("file:anytable-smuggled");
    let name = format!("file:anytable-smuggled-{}.db", std::process::id());
    let url = format!("sqlite://{name}%3Fmode=memory&cache=shared");
    let db = Database::open(&url).expect("opens as a plain file");
    db.table::<Note>()
        .unwrap()
        .insert(&mut Note {
            id: 0,
            text: "kept".into(),
        })
        .unwrap();
    drop(db);
    let on_disk = format!("{name}?mode=memory&cache=shared");
    assert!(
        std::path::Path::new(&on_disk).is_file(),
        "the whole path is the file's name"
    );
    let again = Database::open(&url).unwrap();
    assert_eq!(
        again.table::<Note>().unwrap().count().unwrap(),
        1,
        "a file, not a memory database"
    );
}

/// No error about a URL shows its password: malformed URLs, bad options, unknown options,
/// servers that do not answer.
#[test]
fn passwords_never_appear_in_errors() {
    let mut urls = vec![
        "postgres://ann:s3cret@db/app?timeout=soon".to_owned(),
        "postgres://ann:s3cret@db/app?pool_size=0".to_owned(),
        "postgres://ann:s3cret@db/app?password=s3cret&bogus=1".to_owned(),
        "postgres://ann:s3%zzcret@db/app".to_owned(),
        "postgres://ann:s3cret@db:notaport/app".to_owned(),
        "postgres://ann:s3cret@127.0.0.1:1/app".to_owned(),
        "nosuch://ann:s3cret@db/app".to_owned(),
        // Passwords the parser splits elsewhere: without //, holding an unencoded / or ?.
        "postgres:ann:s3cret@127.0.0.1:1/app".to_owned(),
        "postgres://ann:s3/cret@127.0.0.1:1/app".to_owned(),
        "postgres://ann:s3?cret@127.0.0.1:1/app".to_owned(),
        "postgres://ann:s3?c=ret@127.0.0.1:1/app".to_owned(),
        "postgres://ann:s3cret@127.0.0.1:1/app?replicas=r1:x".to_owned(),
        "postgres://ann:s3cret@127.0.0.1:1/app?sslmode=verify-full&sslrootcert=/nonexistent"
            .to_owned(),
    ];
    if cfg!(feature = "sqlite") {
        urls.push("sqlite://ann:s3cret@host/x.db?timeout=soon".to_owned());
    }
    for url in &urls {
        let Err(err) = Database::open(url) else {
            panic!("{url} must not open");
        };
        let shown = format!("{err} {err:?}");
        for piece in ["s3cret", "s3", "cret"] {
            assert!(!shown.contains(piece), "{url} shows {piece:?}: {shown}");
        }
        assert!(
            matches!(
                err.kind(),
                ErrorKind::InvalidInput | ErrorKind::Connection | ErrorKind::Unsupported
            ),
            "{url}: {err}"
        );
    }
}
