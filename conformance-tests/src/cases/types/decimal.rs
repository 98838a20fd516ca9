//! Exact decimals: `rust_decimal::Decimal` with the scale its field declares.

use std::str::FromStr;

use anytable::rust_decimal::Decimal;
use anytable::{ErrorKind, Filter};

use super::extended::written_both_ways_and_found;
use crate::cases::errors::expect_kind;
use crate::records::Decimals;
use crate::{ensure, CaseResult, TestDb};

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).expect("a decimal literal")
}

fn ledger_edges() -> Vec<Decimals> {
    vec![
        Decimals {
            id: 0,
            amount: Decimal::ZERO,
            whole: Decimal::ZERO,
            tiny: Decimal::ZERO,
            maybe: None,
        },
        Decimals {
            id: 0,
            amount: d("-0.0001"),
            whole: Decimal::MAX,
            tiny: d("0.0000000000000000000000000001"),
            maybe: Some(d("-12.34")),
        },
        Decimals {
            id: 0,
            amount: d("7922816251426433759354395.0335"),
            whole: Decimal::MIN,
            tiny: d("-7.9228162514264337593543950335"),
            // Zeros past the column's scale: the same number, so stored.
            maybe: Some(d("0.1000")),
        },
        Decimals {
            id: 0,
            amount: d("1.5000"),
            whole: d("-1.000"),
            tiny: d("0.9999999999999999999999999999"),
            maybe: Some(d("99999999999999999999999999.99")),
        },
    ]
}

fn ledger_matching(r: &Decimals) -> Filter<Decimals> {
    Decimals::amount().eq(r.amount)
        & Decimals::whole().eq(r.whole)
        & Decimals::tiny().eq(r.tiny)
        & match r.maybe {
            Some(v) => Decimals::maybe().eq(v),
            None => Decimals::maybe().is_null(),
        }
}

/// Decimals at scales 0, 2, 4 and 28, from the smallest to the largest `Decimal`, through
/// single and bulk insert, filter, order, min/max and update, exact on every backend and read
/// back without trailing zeros (`1.5000` reads as `1.5`); a value with more digits after the
/// point than its column keeps, or more before it than the precision leaves, is refused with
/// `InvalidInput` (nothing written) rather than rounded.
pub fn decimals_are_exact_at_their_scale(t: &TestDb) -> CaseResult {
    let table = t.db.table::<Decimals>()?;
    let rows = ledger_edges();
    written_both_ways_and_found(
        &table,
        &rows,
        |r, id| Decimals { id, ..r.clone() },
        ledger_matching,
    )?;

    let shown: Vec<String> = table
        .select()
        .order_by(Decimals::id().asc())
        .limit(4)
        .all()?
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r.amount,
                r.whole,
                r.maybe.map(|m| m.to_string()).unwrap_or_default()
            )
        })
        .collect();
    ensure!(
        shown
            == [
                "0 0 ",
                "-0.0001 79228162514264337593543950335 -12.34",
                "7922816251426433759354395.0335 -79228162514264337593543950335 0.1",
                "1.5 -1 99999999999999999999999999.99",
            ],
        "decimals read back exactly, without trailing zeros: {shown:?}"
    );

    let amounts: Vec<Decimal> = table
        .select()
        .order_by(Decimals::amount().desc())
        .all()?
        .iter()
        .map(|r| r.amount)
        .collect();
    let mut sorted = amounts.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    ensure!(amounts == sorted, "decimals sort as numbers: {amounts:?}");
    let positive = table.filter(Decimals::tiny().gt(Decimal::ZERO)).count()?;
    ensure!(positive == 4, "comparisons are numeric: {positive}");
    let scaled = table.filter(Decimals::amount().eq(d("1.5"))).count()?;
    ensure!(
        scaled == 2,
        "1.5 finds the rows written as 1.5000: {scaled}"
    );
    let listed = table
        .filter(Decimals::maybe().is_in([d("0.1"), d("-12.340")]))
        .count()?;
    ensure!(listed == 4, "is_in matches by value: {listed}");
    let finer = table.filter(Decimals::amount().eq(d("1.50001"))).count()?;
    ensure!(
        finer == 0,
        "a filter value finer than the column matches nothing: {finer}"
    );
    ensure!(
        table.select().min(Decimals::tiny())? == Some(d("-7.9228162514264337593543950335"))
            && table.select().max(Decimals::whole())? == Some(Decimal::MAX),
        "min and max are exact"
    );

    let target = table.head(1)?.remove(0);
    table.update(
        Decimals::id().eq(target.id),
        [
            Decimals::amount().set(d("-3.25")),
            Decimals::maybe().set(d("0.01")),
        ],
    )?;
    let updated = table.get(target.id)?.ok_or("row")?;
    ensure!(
        updated.amount == d("-3.25") && updated.maybe == Some(d("0.01")),
        "update round trip: {updated:?}"
    );

    let before = table.count()?;
    for (bad, why) in [
        (
            Decimals {
                amount: d("1.23456"),
                ..rows[0].clone()
            },
            "5 digits after the point",
        ),
        (
            Decimals {
                maybe: Some(d("0.001")),
                ..rows[0].clone()
            },
            "3 digits after the point",
        ),
        (
            Decimals {
                tiny: d("12345678901.5"),
                ..rows[0].clone()
            },
            "11 digits before the point",
        ),
    ] {
        let err = expect_kind(table.insert(&mut bad.clone()), ErrorKind::InvalidInput)?;
        ensure!(err.to_string().contains("digits"), "{why}: says why: {err}");
        expect_kind(table.insert_many([&rows[1], &bad]), ErrorKind::InvalidInput)?;
    }
    expect_kind(
        table.update(
            Decimals::id().eq(target.id),
            [Decimals::amount().set(d("0.00001"))],
        ),
        ErrorKind::InvalidInput,
    )?;
    ensure!(
        table.count()? == before,
        "nothing was written by the refused calls"
    );
    ensure!(
        table.get(target.id)? == Some(updated),
        "the refused update changed nothing"
    );
    Ok(())
}
