//! PostgreSQL's binary NUMERIC, read as `i64` (when it is a whole number in range) or as the
//! nearest `f64` (what `SUM` and `AVG` of integer columns return in hand-written SQL), and
//! written and read exactly as a `Decimal`.
//!
//! The wire form is `ndigits`, `weight`, `sign`, `dscale` (each 16 bits) and `ndigits` base-10000
//! digits, the first worth `10000^weight`.

use std::fmt::Write;

use anytable_core::rust_decimal::Decimal;

const POSITIVE: u16 = 0x0000;
const NEGATIVE: u16 = 0x4000;

/// The parts of a finite NUMERIC.
struct Numeric {
    negative: bool,
    weight: i32,
    digits: Vec<u16>,
}

fn parse(raw: &[u8]) -> Result<Numeric, String> {
    let word = |i: usize| -> Result<u16, String> {
        raw.get(2 * i..2 * i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "a truncated NUMERIC".to_owned())
    };
    let ndigits = usize::from(word(0)?);
    let weight = i32::from(word(1)? as i16);
    let negative = match word(2)? {
        POSITIVE => false,
        NEGATIVE => true,
        _ => return Err("NaN or infinity cannot be read as a number of this type".to_owned()),
    };
    let digits = (0..ndigits)
        .map(|i| word(4 + i))
        .collect::<Result<_, _>>()?;
    Ok(Numeric {
        negative,
        weight,
        digits,
    })
}

/// The NUMERIC as an `i64`; an error when it has a fraction or does not fit.
pub(crate) fn to_i64(raw: &[u8]) -> Result<i64, String> {
    let n = parse(raw)?;
    let mut total: i128 = 0;
    for (i, digit) in n.digits.iter().enumerate() {
        let power = n.weight - i as i32;
        if power < 0 {
            if *digit != 0 {
                return Err("a NUMERIC with a fraction cannot be read as an integer".to_owned());
            }
            continue;
        }
        total = total
            .checked_mul(10_000)
            .and_then(|t| t.checked_add(i128::from(*digit)))
            .ok_or_else(too_big)?;
    }
    // Trailing zero digits are not sent: scale by the powers of 10000 they stood for.
    let last_power = n.weight - n.digits.len() as i32 + 1;
    for _ in 0..last_power.max(0) {
        total = total.checked_mul(10_000).ok_or_else(too_big)?;
    }
    if n.negative {
        total = -total;
    }
    i64::try_from(total).map_err(|_| too_big())
}

fn too_big() -> String {
    "the NUMERIC does not fit in i64".to_owned()
}

/// The `f64` nearest to the NUMERIC (through its decimal text, which Rust rounds correctly).
pub(crate) fn to_f64(raw: &[u8]) -> Result<f64, String> {
    let n = parse(raw)?;
    let mut text = String::with_capacity(8 + 4 * n.digits.len());
    if n.negative {
        text.push('-');
    }
    text.push('0');
    // Writing to a String cannot fail.
    for digit in &n.digits {
        let _ = write!(text, "{digit:04}");
    }
    // The decimal point sits after the digit of power 0: `weight + 1` base-10000 digits in.
    let exponent = 4 * (n.weight + 1 - n.digits.len() as i32);
    let _ = write!(text, "e{exponent}");
    text.parse::<f64>().map_err(|e| e.to_string())
}

/// The NUMERIC as a `Decimal`, trailing zeros dropped (as every backend reads decimals back).
pub(crate) fn to_decimal(raw: &[u8]) -> Result<Decimal, String> {
    let n = parse(raw)?;
    let too_big = || "the NUMERIC does not fit in a Decimal (28 digits)".to_owned();
    let mut mantissa: i128 = 0;
    for digit in &n.digits {
        mantissa = mantissa
            .checked_mul(10_000)
            .and_then(|m| m.checked_add(i128::from(*digit)))
            .ok_or_else(too_big)?;
    }
    // The last digit is worth 10000^power.
    let power = n.weight + 1 - n.digits.len() as i32;
    let mut scale = 0u32;
    if power >= 0 {
        for _ in 0..power {
            mantissa = mantissa.checked_mul(10_000).ok_or_else(too_big)?;
        }
    } else {
        scale = 4 * power.unsigned_abs();
        // The last base-10000 digit pads the fraction with up to three zeros a Decimal of 28
        // digits may have no room for.
        while scale > 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            scale -= 1;
        }
    }
    if n.negative {
        mantissa = -mantissa;
    }
    Decimal::try_from_i128_with_scale(mantissa, scale)
        .map(|d| d.normalize())
        .map_err(|_| too_big())
}

/// The binary NUMERIC of `d`, keeping its scale as the NUMERIC's display scale.
pub(crate) fn from_decimal(d: &Decimal, out: &mut bytes::BytesMut) {
    let scale = d.scale();
    // Align the point on a base-10000 boundary.
    let pad = (4 - scale % 4) % 4;
    let mut m = d.mantissa().unsigned_abs() * 10u128.pow(pad);
    let fraction_groups = ((scale + pad) / 4) as i32;
    let mut groups = Vec::new();
    while m > 0 {
        groups.push((m % 10_000) as u16);
        m /= 10_000;
    }
    // Now least significant first; the weight counts from the most significant group.
    let weight = groups.len() as i32 - 1 - fraction_groups;
    let trailing = groups.iter().take_while(|g| **g == 0).count();
    let digits: Vec<u16> = groups[trailing..].iter().rev().copied().collect();
    let sign = if d.is_sign_negative() && !digits.is_empty() {
        NEGATIVE
    } else {
        POSITIVE
    };
    let weight = if digits.is_empty() { 0 } else { weight };
    for word in [
        digits.len() as u16,
        weight as i16 as u16,
        sign,
        scale as u16,
    ]
    .into_iter()
    .chain(digits)
    {
        out.extend_from_slice(&word.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(negative: bool, weight: i16, dscale: u16, digits: &[u16]) -> Vec<u8> {
        let mut raw = Vec::new();
        for word in [
            digits.len() as u16,
            weight as u16,
            if negative { NEGATIVE } else { POSITIVE },
            dscale,
        ]
        .into_iter()
        .chain(digits.iter().copied())
        {
            raw.extend_from_slice(&word.to_be_bytes());
        }
        raw
    }

    #[test]
    fn decimals_round_trip_through_the_wire_form() {
        use std::str::FromStr;
        for text in [
            "0",
            "1",
            "-1",
            "10000",
            "120000",
            "4.5",
            "-0.25",
            "0.0001",
            "12345.6789",
            "0.0000000000000000000000000001",
            "-79228162514264337593543950335",
            "7922816251426433759354395033.5",
            "99999999999999999999999999.99",
        ] {
            let d = Decimal::from_str(text).unwrap();
            let mut raw = bytes::BytesMut::new();
            from_decimal(&d, &mut raw);
            assert_eq!(to_decimal(&raw), Ok(d.normalize()), "{text}");
        }
        // 4.5 = [4, 5000] at weight 0.
        assert_eq!(
            to_decimal(&numeric(false, 0, 1, &[4, 5000])),
            Ok(Decimal::from_str("4.5").unwrap())
        );
        assert_eq!(
            to_decimal(&numeric(false, 1, 0, &[12])),
            Ok(Decimal::from(120_000))
        );
    }

    #[test]
    fn whole_numbers_fractions_and_limits() {
        // 27 = [27] at weight 0; 120000 = [12] at weight 1 (trailing zero digit not sent).
        assert_eq!(to_i64(&numeric(false, 0, 0, &[27])), Ok(27));
        assert_eq!(to_i64(&numeric(false, 1, 0, &[12])), Ok(120_000));
        assert_eq!(to_i64(&numeric(true, 0, 0, &[5])), Ok(-5));
        assert_eq!(to_i64(&numeric(false, 0, 0, &[])), Ok(0));
        // i64::MAX = 922 3372 0368 5477 5807
        let max = numeric(false, 4, 0, &[922, 3372, 368, 5477, 5807]);
        assert_eq!(to_i64(&max), Ok(i64::MAX));
        let past = numeric(false, 4, 0, &[922, 3372, 368, 5477, 5808]);
        assert!(to_i64(&past).is_err());
        let min = numeric(true, 4, 0, &[922, 3372, 368, 5477, 5808]);
        assert_eq!(to_i64(&min), Ok(i64::MIN));
        // 4.5 = [4, 5000] at weight 0.
        assert!(to_i64(&numeric(false, 0, 1, &[4, 5000])).is_err());
        assert_eq!(to_i64(&numeric(false, 0, 4, &[4, 0])), Ok(4));
        assert_eq!(to_f64(&numeric(false, 0, 1, &[4, 5000])), Ok(4.5));
        assert_eq!(to_f64(&numeric(true, -1, 4, &[2500])), Ok(-0.25));
        assert_eq!(to_f64(&numeric(false, 1, 0, &[12])), Ok(120_000.0));
        assert!(to_f64(&numeric(false, 0, 0, &[])).unwrap() == 0.0);
    }
}
