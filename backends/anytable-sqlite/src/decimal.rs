//! Decimals as text whose byte order is numeric order, so `=`, `<`, `ORDER BY`, `MIN` and
//! `MAX` agree with PostgreSQL's and DuckDB's; SQLite has no exact decimal type.
//!
//! The form: `P` and the number's digits for zero and above, `N` for below; the integer part
//! padded to 29 digits (the most a `Decimal` has); `.` and the fraction without trailing
//! zeros, if any. Below zero every digit is replaced by nine minus it and `~` ends the text,
//! so a larger magnitude sorts first and a shorter fraction after a longer one that extends
//! it. `12.5` is `P00000000000000000000000000012.5`; `-12.5` is
//! `N99999999999999999999999999987.4~`. Equal numbers (`1.5`, `1.50`) have one form, so a
//! filter's value matches whatever scale it was written with.

use anytable_core::rust_decimal::Decimal;

/// Digits before the point of the largest `Decimal` (about 7.9 × 10^28).
const INTEGER_DIGITS: usize = 29;

/// The stored form of `d`.
pub(crate) fn encode(d: &Decimal) -> String {
    let d = d.normalize();
    let negative = d.is_sign_negative() && !d.is_zero();
    let plain = d.abs().to_string();
    let (integer, fraction) = plain.split_once('.').unwrap_or((&plain, ""));
    let mut out = String::with_capacity(INTEGER_DIGITS + fraction.len() + 3);
    out.push(if negative { 'N' } else { 'P' });
    let digit = |c: char| if negative { flip(c) } else { c };
    out.extend(std::iter::repeat_n(
        digit('0'),
        INTEGER_DIGITS - integer.len(),
    ));
    out.extend(integer.chars().map(digit));
    if !fraction.is_empty() {
        out.push('.');
        out.extend(fraction.chars().map(digit));
    }
    if negative {
        out.push('~');
    }
    out
}

/// Reads the stored form back; plain decimal text (`12.50`, `-3`), as another program may
/// write, is read too.
pub(crate) fn decode(text: &str) -> Option<Decimal> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'P') => (false, &text[1..]),
        Some(b'N') => (true, text[1..].strip_suffix('~')?),
        _ => return text.trim().parse().ok(),
    };
    let mut plain = String::with_capacity(digits.len() + 1);
    if negative {
        plain.push('-');
    }
    plain.extend(digits.chars().map(|c| if negative { flip(c) } else { c }));
    if !plain
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return None;
    }
    plain.parse::<Decimal>().ok().map(|d| d.normalize())
}

/// Nine minus a digit; anything else unchanged.
fn flip(c: char) -> char {
    match c {
        '0'..='9' => char::from(b'9' - (c as u8 - b'0')),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn text_order_is_numeric_order() {
        let numbers = [
            Decimal::MIN,
            d("-1000"),
            d("-5.2"),
            d("-5.12"),
            d("-5.1"),
            d("-5"),
            d("-0.0000000000000000000000000001"),
            Decimal::ZERO,
            d("0.0000000000000000000000000001"),
            d("0.5"),
            d("5"),
            d("5.1"),
            d("5.12"),
            d("5.2"),
            d("1000"),
            Decimal::MAX,
        ];
        let encoded: Vec<String> = numbers.iter().map(encode).collect();
        for pair in encoded.windows(2) {
            assert!(pair[0] < pair[1], "{} < {}", pair[0], pair[1]);
        }
        for (n, e) in numbers.iter().zip(&encoded) {
            assert_eq!(decode(e), Some(*n), "{e}");
        }
    }

    #[test]
    fn equal_numbers_have_one_form() {
        assert_eq!(encode(&d("1.50")), encode(&d("1.5")));
        assert_eq!(encode(&d("-0.00")), encode(&Decimal::ZERO));
        assert_eq!(encode(&d("12.5")), "P00000000000000000000000000012.5");
        assert_eq!(encode(&d("-12.5")), "N99999999999999999999999999987.4~");
    }

    #[test]
    fn plain_text_reads_and_junk_does_not() {
        assert_eq!(decode("12.50"), Some(d("12.5")));
        assert_eq!(decode("-3"), Some(d("-3")));
        assert_eq!(decode("P12x"), None);
        assert_eq!(decode("N12"), None);
        assert_eq!(decode("twelve"), None);
    }
}
