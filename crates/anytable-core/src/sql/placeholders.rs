//! One placeholder syntax for hand-written SQL on every backend: `?`, rewritten to the engine's
//! own (`$1`, `$2`, ... where the syntax numbers them) outside string literals, quoted
//! identifiers, comments and dollar-quoted strings, which are copied as they are.

use std::borrow::Cow;

use super::Dialect;
#[cfg(test)]
use super::Syntax;
use crate::error::{Error, Result};

/// `sql` with each `?` placeholder in the form of `dialect`'s syntax, and how many there are.
///
/// `??` stands for a literal `?` where the engine has a `?` operator (PostgreSQL's jsonb
/// operator); elsewhere (SQLite, DuckDB) it is refused rather than sent as a placeholder.
///
/// # Errors
/// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a literal, identifier or
/// comment left open at the end, and for `??` where the engine has no `?` operator.
pub fn portable_placeholders<'s>(
    sql: &'s str,
    dialect: &dyn Dialect,
) -> Result<(Cow<'s, str>, usize)> {
    if !sql.contains('?') {
        return Ok((Cow::Borrowed(sql), 0));
    }
    let syntax = dialect.syntax();
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut count = 0;
    let mut i = 0;
    while i < bytes.len() {
        let rest = &sql[i..];
        if let Some(len) = not_code(sql, i)? {
            out.push_str(&rest[..len]);
            i += len;
            continue;
        }
        if bytes[i] == b'?' {
            if rest.starts_with("??") {
                if !dialect.question_mark_operator() {
                    return Err(Error::invalid_input(format!(
                        "?? (a literal ?) in SQL for {}, which has no ? operator",
                        dialect.name()
                    )));
                }
                out.push('?');
                i += 2;
                continue;
            }
            count += 1;
            out.push_str(&syntax.placeholder(count));
            i += 1;
            continue;
        }
        let c = rest.chars().next().expect("i is on a char boundary");
        out.push(c);
        i += c.len_utf8();
    }
    Ok((Cow::Owned(out), count))
}

/// Whether `c` may continue a name (PostgreSQL's rule: letters of any script, digits, `_`
/// and `$`).
fn in_name(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// The length of the string literal, quoted identifier, comment or dollar-quoted string that
/// starts at byte `at` of `sql`, if one does: text that is no SQL code.
fn not_code(sql: &str, at: usize) -> Result<Option<usize>> {
    let rest = &sql[at..];
    let unclosed =
        |what: &str| Error::invalid_input(format!("SQL text ends inside {what}: {}", excerpt(sql)));
    let after_name = sql[..at].chars().next_back().is_some_and(in_name);
    Ok(match rest.as_bytes()[0] {
        b'\'' => Some(quoted(rest, b'\'').ok_or_else(|| unclosed("a string literal"))?),
        b'"' => Some(quoted(rest, b'"').ok_or_else(|| unclosed("a quoted identifier"))?),
        // E'...': a string whose backslash escapes the next character (PostgreSQL, DuckDB).
        b'E' | b'e' if !after_name && rest[1..].starts_with('\'') => {
            Some(1 + escaped(&rest[1..]).ok_or_else(|| unclosed("an E'' string literal"))?)
        }
        b'-' if rest.starts_with("--") => Some(rest.find('\n').map_or(rest.len(), |n| n + 1)),
        b'/' if rest.starts_with("/*") => {
            Some(nested_comment(rest).ok_or_else(|| unclosed("a comment"))?)
        }
        // A `$` inside a name (`a$b`) starts no dollar quote.
        b'$' if !after_name => dollar_quoted(rest).map_err(|()| unclosed("a $$ string"))?,
        _ => None,
    })
}

/// The length of the `/* ... */` comment at the start of `text`, comments inside it nesting
/// as in PostgreSQL and DuckDB; `None` if it never closes.
fn nested_comment(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The length of the `'...'` string at the start of `text` in which a backslash escapes the
/// next character (and `''` is a quote too), closing quote included; `None` if it never
/// closes.
fn escaped(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\'' if bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Refuses SQL text of more than one statement, and statements that begin, end or mark a
/// transaction (BEGIN, START TRANSACTION, COMMIT, END, ABORT, ROLLBACK, SAVEPOINT, RELEASE):
/// engines ran several statements of one call, refused them, or ran only the first, and a
/// transaction opened as text escaped `Database::transaction`'s bookkeeping. A trailing `;`
/// is fine. Returns what the statement's text tells of it.
///
/// # Errors
/// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) naming what to do instead.
pub fn one_plain_statement(sql: &str) -> Result<PlainStatement> {
    let bytes = sql.as_bytes();
    let mut i = 0;
    let mut ended = false;
    while i < bytes.len() {
        let rest = &sql[i..];
        if let Some(len) = not_code(sql, i)? {
            let comment = rest.starts_with("--") || rest.starts_with("/*");
            if ended && !comment {
                return Err(several(sql));
            }
            i += len;
            continue;
        }
        match bytes[i] {
            b';' => ended = true,
            b if b.is_ascii_whitespace() => {}
            _ if ended => return Err(several(sql)),
            _ => {}
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    let words = code_words(sql)?;
    let first = words.first().map_or("", |(w, _)| w.as_str());
    if matches!(
        first,
        "BEGIN" | "START" | "COMMIT" | "END" | "ABORT" | "ROLLBACK" | "SAVEPOINT" | "RELEASE"
    ) {
        return Err(Error::invalid_input(format!(
            "{first} sent as SQL: transactions go through Database::transaction (or begin, \
             commit and rollback), the same on every backend, and savepoints are not offered: \
             {}",
            excerpt(sql)
        )));
    }
    Ok(PlainStatement {
        returns_rows: returns_rows(&words),
    })
}

/// What [`one_plain_statement`] read of a statement's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlainStatement {
    /// Whether it returns rows: a query (`SELECT`, `VALUES`, `TABLE`, `SHOW`, `EXPLAIN`,
    /// `DESCRIBE`, DuckDB's `FROM` first, a `WITH` whose statement is one of them) or a write
    /// with `RETURNING`. `execute` counts the rows they return on every backend (SQLite refused
    /// them, DuckDB answered 0, PostgreSQL counted).
    pub returns_rows: bool,
}

/// [`PlainStatement::returns_rows`] of a statement whose code is `words` (see [`code_words`]).
fn returns_rows(words: &[(String, u32)]) -> bool {
    const QUERIES: [&str; 8] = [
        "SELECT",
        "VALUES",
        "TABLE",
        "SHOW",
        "EXPLAIN",
        "DESCRIBE",
        "SUMMARIZE",
        "FROM",
    ];
    let mut top = words.iter().filter(|(_, depth)| *depth == 0);
    let statement = match words.first() {
        // The statement after the common table expressions: its first keyword outside them.
        Some((first, 0)) if first == "WITH" => top.clone().map(|(w, _)| w.as_str()).find(|w| {
            QUERIES.contains(w) || matches!(*w, "INSERT" | "UPDATE" | "DELETE" | "MERGE")
        }),
        Some((first, _)) => Some(first.as_str()),
        None => None,
    };
    statement.is_some_and(|w| QUERIES.contains(&w)) || top.any(|(w, _)| w == "RETURNING")
}

/// The words of `sql`'s code (outside literals, quoted identifiers and comments), upper-cased,
/// each with its depth of parentheses.
fn code_words(sql: &str) -> Result<Vec<(String, u32)>> {
    let bytes = sql.as_bytes();
    let mut words = Vec::new();
    let mut depth = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        let rest = &sql[i..];
        if let Some(len) = not_code(sql, i)? {
            i += len;
            continue;
        }
        let c = rest.chars().next().expect("i is on a char boundary");
        if c.is_alphabetic() || c == '_' {
            let len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(rest.len());
            words.push((rest[..len].to_uppercase(), depth));
            i += len;
            continue;
        }
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += c.len_utf8();
    }
    Ok(words)
}

fn several(sql: &str) -> Error {
    Error::invalid_input(format!(
        "one statement per call: the SQL text holds more after a `;` (engines disagree on \
         running several): {}",
        excerpt(sql)
    ))
}

/// The length of the quoted run at the start of `text` (closing quote included; a doubled
/// quote inside is an escaped one), or `None` if it never closes.
fn quoted(text: &str, quote: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// The length of a `$tag$ ... $tag$` string at the start of `text`: `Ok(None)` when `text`
/// does not start one (`$1`, a lone `$`), `Err` when it never closes.
fn dollar_quoted(text: &str) -> std::result::Result<Option<usize>, ()> {
    // A tag is a name without `$`: letters of any script, digits (not first) and `_`.
    let tag_len = text[1..]
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map(|n| n + 1);
    let Some(end) = tag_len else {
        return Ok(None);
    };
    if text.as_bytes().get(end) != Some(&b'$') || text[1..end].starts_with(|c: char| c.is_numeric())
    {
        return Ok(None);
    }
    let tag = &text[..=end];
    match text[tag.len()..].find(tag) {
        Some(n) => Ok(Some(tag.len() + n + tag.len())),
        None => Err(()),
    }
}

fn excerpt(sql: &str) -> String {
    let short: String = sql.chars().take(80).collect();
    if short.len() < sql.len() {
        format!("{short:?}...")
    } else {
        format!("{short:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(sql: &str) -> (String, usize) {
        let (out, n) = portable_placeholders(sql, &super::super::StandardSql).unwrap();
        (out.into_owned(), n)
    }

    #[test]
    fn one_plain_statement_per_call() {
        for fine in [
            "SELECT 1",
            "SELECT 1;",
            "SELECT 1 ;  -- done\n",
            "SELECT ';' AS a, \"b;c\" FROM t /* ; */",
            "SELECT $$ ; $$",
            "UPDATE t SET a = 1; /* trailing */",
            "BEGINNING",
        ] {
            assert!(one_plain_statement(fine).is_ok(), "{fine:?}");
        }
        for refused in [
            "SELECT 1; SELECT 2",
            "DELETE FROM t;DROP TABLE t",
            "SELECT 1;;x",
            "BEGIN",
            "begin transaction",
            "START TRANSACTION",
            "COMMIT",
            "rollback",
            "ROLLBACK TO SAVEPOINT a",
            "SAVEPOINT a",
            "RELEASE a",
            "END",
            "  abort;",
            "SELECT 'unclosed",
            "/* why */ BEGIN",
            "-- first\nCOMMIT",
        ] {
            let err = one_plain_statement(refused).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{refused:?}");
        }
    }

    #[test]
    fn statements_that_return_rows_are_told_apart() {
        for rows in [
            "SELECT 1",
            "  select 1;",
            "(SELECT 1) UNION (SELECT 2)",
            "/* a */ VALUES (1)",
            "WITH a AS (SELECT 1) SELECT * FROM a",
            "WITH RECURSIVE a(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM a) TABLE a",
            "INSERT INTO t (a) VALUES (1) RETURNING id",
            "with a as (delete from t returning *) insert into u select * from a returning 1",
            "FROM t",
            "EXPLAIN DELETE FROM t",
            "SHOW TABLES",
        ] {
            assert!(one_plain_statement(rows).unwrap().returns_rows, "{rows:?}");
        }
        for none in [
            "INSERT INTO t (a) VALUES (1)",
            "INSERT INTO t (a) SELECT b FROM u",
            "UPDATE t SET a = (SELECT 1)",
            "DELETE FROM t WHERE a IN (SELECT b FROM u)",
            "WITH a AS (SELECT 1) DELETE FROM t WHERE b IN (SELECT * FROM a)",
            "CREATE TABLE selected (a INT)",
            "INSERT INTO t (a) VALUES ('RETURNING')",
            "UPDATE \"returning\" SET a = 1",
            "",
        ] {
            assert!(!one_plain_statement(none).unwrap().returns_rows, "{none:?}");
        }
    }

    #[test]
    fn placeholders_are_numbered_outside_quotes_and_comments() {
        assert_eq!(
            pg("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"),
            (
                "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)".to_owned(),
                3
            )
        );
        assert_eq!(
            pg("SELECT '?', 'it''s ?', \"a?b\" -- why?\n, ? /* ? */ FROM t WHERE x = ?"),
            (
                "SELECT '?', 'it''s ?', \"a?b\" -- why?\n, $1 /* ? */ FROM t WHERE x = $2"
                    .to_owned(),
                2
            )
        );
        assert_eq!(
            pg("SELECT $q$ ? $q$, $$?$$, ?"),
            ("SELECT $q$ ? $q$, $$?$$, $1".to_owned(), 1)
        );
        assert_eq!(
            pg("SELECT doc ?? 'k' FROM t WHERE id = ?"),
            ("SELECT doc ? 'k' FROM t WHERE id = $1".to_owned(), 1)
        );
        assert_eq!(
            pg("SELECT 'Ünïcödé ?' || ?"),
            ("SELECT 'Ünïcödé ?' || $1".to_owned(), 1)
        );
        assert_eq!(pg("SELECT $1"), ("SELECT $1".to_owned(), 0));
    }

    #[test]
    fn postgres_lexical_forms_are_skipped_whole() {
        // An E'' string escapes its quote with a backslash.
        assert_eq!(
            pg(r"SELECT E'it\'s ?', ?"),
            (r"SELECT E'it\'s ?', $1".to_owned(), 1)
        );
        assert_eq!(pg(r"SELECT e'\\', ?"), (r"SELECT e'\\', $1".to_owned(), 1));
        // Not an E string: a name ending in e, then a plain string.
        assert_eq!(
            pg(r"SELECT some'x\', ?"),
            (r"SELECT some'x\', $1".to_owned(), 1)
        );
        // Comments nest.
        assert_eq!(
            pg("SELECT /* a /* b ? */ c ? */ ?"),
            ("SELECT /* a /* b ? */ c ? */ $1".to_owned(), 1)
        );
        // A dollar quote's tag may hold any letter.
        assert_eq!(
            pg("SELECT $ü$ ? $ü$, ?"),
            ("SELECT $ü$ ? $ü$, $1".to_owned(), 1)
        );
        // A $ inside a name starts no dollar quote.
        assert_eq!(
            pg("SELECT a$b$c, ? FROM t$1$"),
            ("SELECT a$b$c, $1 FROM t$1$".to_owned(), 1)
        );
    }

    #[test]
    fn a_literal_question_mark_only_where_the_engine_has_one() {
        let duck = QuestionMarks(Syntax::Postgres, false);
        for dialect in [&duck as &dyn Dialect, &QuestionMarks(Syntax::Sqlite, false)] {
            let err = portable_placeholders("SELECT a ?? b", dialect).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        }
        let (out, n) = portable_placeholders("SELECT ?", &duck).unwrap();
        assert_eq!((out.as_ref(), n), ("SELECT $1", 1));
    }

    /// A dialect of `syntax`, with or without a `?` operator.
    #[derive(Debug)]
    struct QuestionMarks(Syntax, bool);

    impl Dialect for QuestionMarks {
        fn name(&self) -> &'static str {
            "test"
        }
        fn syntax(&self) -> Syntax {
            self.0
        }
        fn question_mark_operator(&self) -> bool {
            self.1
        }
    }

    #[test]
    fn sqlite_keeps_question_marks() {
        let sqlite = QuestionMarks(Syntax::Sqlite, false);
        let (out, n) = portable_placeholders("SELECT ? , '?'", &sqlite).unwrap();
        assert_eq!((out.as_ref(), n), ("SELECT ? , '?'", 1));
        assert!(portable_placeholders("SELECT a ?? b", &sqlite).is_err());
    }

    #[test]
    fn unclosed_quotes_are_refused() {
        for sql in [
            "SELECT '?",
            "SELECT \"?",
            "SELECT /* ?",
            "SELECT $x$ ?",
            "SELECT /* /* */ ?",
            r"SELECT E'\' ?",
        ] {
            let err = portable_placeholders(sql, &super::super::StandardSql).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{sql}");
        }
    }
}
