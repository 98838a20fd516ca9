//! The column CHECK constraints of a `CREATE TABLE` statement as SQLite stores it in
//! `sqlite_schema`: SQLite has no catalog of constraints, so the statement's text is read.

/// Each column definition's CHECK, as (column name, the expression inside `CHECK (...)`).
/// Table constraints (`CONSTRAINT ... CHECK`, `CHECK` after the columns) are left out: a
/// record's enum is checked on its column.
pub(crate) fn column_checks(create_table: &str) -> Vec<(String, String)> {
    let Some(open) = create_table.find('(') else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for definition in top_level_items(&create_table[open + 1..]) {
        let tokens = tokens(definition);
        let Some((first, _)) = tokens.first() else {
            continue;
        };
        let keyword = first.to_ascii_uppercase();
        if ["CONSTRAINT", "CHECK", "PRIMARY", "UNIQUE", "FOREIGN"].contains(&keyword.as_str()) {
            continue;
        }
        let column = unquote(first);
        for (i, (token, _)) in tokens.iter().enumerate() {
            if !token.eq_ignore_ascii_case("CHECK") {
                continue;
            }
            if let Some((body, true)) = tokens.get(i + 1) {
                out.push((column.clone(), body[1..body.len() - 1].to_owned()));
            }
        }
    }
    out
}

/// The comma-separated items of a parenthesised list, up to its closing parenthesis.
fn top_level_items(list: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    let mut chars = list.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' | '"' | '`' | '[' => skip_quoted(&mut chars, c),
            '(' => depth += 1,
            ')' if depth == 0 => {
                items.push(&list[start..i]);
                return items;
            }
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&list[start..]);
    items
}

/// Moves past a quoted name or string opened by `open` (a doubled quote stays inside).
fn skip_quoted(chars: &mut std::str::CharIndices<'_>, open: char) {
    let close = if open == '[' { ']' } else { open };
    let mut rest = chars.clone();
    while let Some((_, c)) = rest.next() {
        if c == close {
            let mut after = rest.clone();
            if close != ']' && after.next().map(|(_, c)| c) == Some(close) {
                rest = after;
                continue;
            }
            *chars = rest;
            return;
        }
    }
    *chars = rest;
}

/// The definition's tokens: words, quoted names and strings, and whole parenthesised groups
/// (flagged `true`), with the text each covers.
fn tokens(definition: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut chars = definition.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut inner = definition[start..].char_indices();
        inner.next();
        let end = match c {
            '\'' | '"' | '`' | '[' => {
                skip_quoted(&mut inner, c);
                inner.offset()
            }
            '(' => {
                let mut depth = 1;
                while depth > 0 {
                    match inner.next() {
                        Some((_, q @ ('\'' | '"' | '`' | '['))) => skip_quoted(&mut inner, q),
                        Some((_, '(')) => depth += 1,
                        Some((_, ')')) => depth -= 1,
                        Some(_) => {}
                        None => break,
                    }
                }
                inner.offset()
            }
            _ => {
                let mut end = definition.len() - start;
                for (i, c) in inner.by_ref() {
                    if c.is_whitespace() || "()'\"`[,".contains(c) {
                        end = i;
                        break;
                    }
                }
                end
            }
        };
        let end = start + end;
        let text = &definition[start..end];
        out.push((text, c == '(' && text.ends_with(')')));
        while chars.peek().is_some_and(|&(i, _)| i < end) {
            chars.next();
        }
    }
    out
}

/// A name without its quotes.
fn unquote(name: &str) -> String {
    let mut chars = name.chars();
    match (chars.next(), name.chars().last()) {
        (Some(open @ ('"' | '`')), Some(close)) if open == close && name.len() > 1 => {
            name[1..name.len() - 1].replace(&format!("{open}{open}"), &open.to_string())
        }
        (Some('['), Some(']')) => name[1..name.len() - 1].to_owned(),
        _ => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::column_checks;

    #[test]
    fn checks_are_found_on_their_columns() {
        let sql = r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a,b" text NOT NULL CHECK ("a,b" IN ('x', 'y''s (z)')), [q] text CHECK (q IN ('1')) DEFAULT 'CHECK (no)', CONSTRAINT c CHECK (id > 0), CHECK (length(q) < 9) )"#;
        assert_eq!(
            column_checks(sql),
            [
                ("a,b".to_owned(), r#""a,b" IN ('x', 'y''s (z)')"#.to_owned()),
                ("q".to_owned(), "q IN ('1')".to_owned()),
            ]
        );
    }
}
