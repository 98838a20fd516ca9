//! TLS to PostgreSQL with libpq's `sslmode` meanings, against the throwaway servers
//! scripts/test starts: one with TLS on (`ANYTABLE_POSTGRES_TLS_URL`; `ANYTABLE_POSTGRES_TLS_DIR`
//! holds its authority's `ca.crt`, and `other-ca.crt`, which signed nothing of the server's; its
//! certificate names `localhost` only) and one without (`ANYTABLE_POSTGRES_PLAIN_URL`).
#![cfg(feature = "postgres")]

use anytable::{Database, ErrorKind};

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run through scripts/test, which starts the servers")
    })
}

/// The TLS server's port, read from its URL (`...:PORT/db?...`).
fn port() -> String {
    let url = var("ANYTABLE_POSTGRES_TLS_URL");
    let url = url.split('?').next().unwrap();
    let after_host = url.rsplit_once(':').expect("the URL has a port").1;
    after_host
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .to_owned()
}

/// A URL to the TLS server as `user@host` with `query`, where `{dir}` stands for the
/// directory of its certificates.
fn tls_url(user_host: &str, query: &str) -> String {
    let query = query.replace("{dir}", &var("ANYTABLE_POSTGRES_TLS_DIR"));
    format!("postgres://{user_host}:{}/postgres?{query}", port())
}

/// Whether the session is encrypted, and with which protocol, as the server sees it.
fn encryption(db: &Database) -> (bool, Option<String>) {
    db.query_one::<(bool, Option<String>)>(
        "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        &[],
    )
    .unwrap()
    .expect("every session has a row")
}

fn open(url: &str) -> Database {
    Database::open(url).unwrap_or_else(|e| panic!("{url}: {e}"))
}

#[test]
fn tls_verify_full_encrypts_and_checks_the_name() {
    let db = open(&tls_url(
        "anytable@localhost",
        "sslmode=verify-full&sslrootcert={dir}/ca.crt",
    ));
    assert_eq!(encryption(&db), (true, Some("TLSv1.3".to_owned())));
    // Every pooled connection is encrypted, not just the first.
    let other = db.transaction(|tx| {
        tx.query_scalar::<bool>(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
    });
    assert_eq!(other.unwrap(), Some(true));
}

#[test]
fn tls_verify_full_refuses_a_certificate_issued_for_another_name() {
    // The certificate names localhost, not 127.0.0.1.
    let err = Database::open(&tls_url(
        "anytable@127.0.0.1",
        "sslmode=verify-full&sslrootcert={dir}/ca.crt",
    ))
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert!(err.message().contains("certificate"), "{err}");
}

#[test]
fn tls_verify_ca_checks_the_issuer_but_not_the_name() {
    let db = open(&tls_url(
        "anytable@127.0.0.1",
        "sslmode=verify-ca&sslrootcert={dir}/ca.crt",
    ));
    assert!(encryption(&db).0);
    for mode in ["verify-ca", "verify-full"] {
        let err = Database::open(&tls_url(
            "anytable@localhost",
            &format!("sslmode={mode}&sslrootcert={{dir}}/other-ca.crt"),
        ))
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Connection, "{mode}: {err}");
        assert!(err.message().contains("certificate"), "{mode}: {err}");
    }
}

#[test]
fn tls_require_encrypts_without_checking_unless_given_roots() {
    let db = open(&tls_url("anytable@127.0.0.1", "sslmode=require"));
    assert!(encryption(&db).0);
    // As libpq: with a root file, require checks the issuer (verify-ca).
    let err = Database::open(&tls_url(
        "anytable@127.0.0.1",
        "sslmode=require&sslrootcert={dir}/other-ca.crt",
    ))
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
}

#[test]
fn tls_prefer_is_the_default_and_encrypts_when_the_server_offers_tls() {
    assert!(encryption(&open(&tls_url("anytable@127.0.0.1", ""))).0);
    assert!(encryption(&open(&tls_url("anytable@127.0.0.1", "sslmode=prefer"))).0);
    assert!(!encryption(&open(&tls_url("anytable@127.0.0.1", "sslmode=disable"))).0);
}

#[test]
fn tls_allow_retries_with_tls_when_a_plain_session_is_refused() {
    // The server refuses anytable_tls_only on plain connections (pg_hba.conf: hostnossl).
    let err =
        Database::open(&tls_url("anytable_tls_only@127.0.0.1", "sslmode=disable")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert!(err.message().contains("no encryption"), "{err}");
    let db = open(&tls_url("anytable_tls_only@127.0.0.1", "sslmode=allow"));
    assert!(encryption(&db).0);
    // And a role that may log in plainly gets a plain session, as libpq's allow gives.
    assert!(!encryption(&open(&tls_url("anytable@127.0.0.1", "sslmode=allow"))).0);
}

#[test]
fn tls_require_against_a_server_without_tls_is_a_connection_error() {
    let plain = var("ANYTABLE_POSTGRES_PLAIN_URL");
    let separator = if plain.contains('?') { '&' } else { '?' };
    let err = Database::open(&format!("{plain}{separator}sslmode=require")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert!(err.message().contains("does not support TLS"), "{err}");
    // prefer, the default, falls back to a plain session there.
    let db = open(&format!("{plain}{separator}sslmode=prefer"));
    assert!(!encryption(&db).0);
}

#[test]
fn tls_client_certificates_say_they_are_not_supported() {
    for option in ["sslcert", "sslkey"] {
        let err = Database::open(&tls_url(
            "anytable@localhost",
            &format!("sslmode=require&{option}=/tmp/client.pem"),
        ))
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{option}: {err}");
    }
}

/// TLS is decided for each host: a primary reached through its Unix socket (never TLS, as with
/// libpq) does not take TLS away from a replica reached over TCP, which is encrypted and
/// checked as the URL asks.
#[test]
fn tls_replicas_keep_tls_when_the_primary_is_a_unix_socket() {
    let dir = var("ANYTABLE_POSTGRES_TLS_DIR");
    let url = format!(
        "postgres://anytable@/postgres?host={dir}&port={port}&sslmode=verify-full\
         &sslrootcert={dir}/ca.crt&replicas=localhost:{port}",
        port = port()
    );
    let db = open(&url);
    let session = |db: &Database| {
        db.query_one::<(bool, bool)>(
            "SELECT ssl, inet_server_addr() IS NOT NULL FROM pg_stat_ssl \
             WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .expect("every session has a row")
    };
    assert_eq!(
        session(&db),
        (true, true),
        "a read, served by the replica over TCP, is encrypted"
    );
    assert_eq!(
        session(&db.on_primary()),
        (false, false),
        "the primary is reached through its socket, without TLS"
    );
}

/// `sslmode=allow` tries TLS only after the server refused a plain session for being plain,
/// not after any failure: a login that fails for another reason (here an unknown role) is
/// reported as it is, not as the TLS attempt's failure against a server without TLS.
#[test]
fn tls_allow_retries_only_a_session_refused_for_being_plain() {
    let plain = var("ANYTABLE_POSTGRES_PLAIN_URL");
    let url = plain.replacen("anytable@", "anytable_nobody@", 1);
    let joiner = if url.contains('?') { '&' } else { '?' };
    let err = Database::open(&format!("{url}{joiner}sslmode=allow")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert!(
        err.message().contains("anytable_nobody") && !err.message().contains("TLS"),
        "the login's own failure: {err}"
    );
}

/// `sslmode=prefer`, as libpq's, tries a plain session when the TLS session fails (here a
/// root file that vouches for nothing of the server's), since prefer allows plain text
/// anyway; `require` with the same file fails.
#[test]
fn tls_prefer_falls_back_to_plain_when_tls_fails() {
    let db = open(&tls_url(
        "anytable@localhost",
        "sslmode=prefer&sslrootcert={dir}/other-ca.crt",
    ));
    assert!(!encryption(&db).0, "a plain session");
    let err = Database::open(&tls_url(
        "anytable@localhost",
        "sslmode=require&sslrootcert={dir}/other-ca.crt",
    ))
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
}

/// `sslcrl=FILE` (libpq's, default `~/.postgresql/root.crl`): a server certificate the list
/// revokes is refused; a list that revokes nothing changes nothing.
#[test]
fn tls_revoked_certificates_are_refused() {
    let err = Database::open(&tls_url(
        "anytable@localhost",
        "sslmode=verify-full&sslrootcert={dir}/ca.crt&sslcrl={dir}/revoked.crl",
    ))
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert!(err.message().to_lowercase().contains("revoked"), "{err}");
    let db = open(&tls_url(
        "anytable@localhost",
        "sslmode=verify-full&sslrootcert={dir}/ca.crt&sslcrl={dir}/empty.crl",
    ));
    assert!(encryption(&db).0);
}
