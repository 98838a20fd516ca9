//! Queries beyond whole records: aggregates, groups, projections and `distinct` with one
//! answer on every backend (text by code point, NULLs ignored or grouped, exact integer sums,
//! averages as floats), and hand-written SQL with typed results and one placeholder syntax.

use anytable::chrono::{DateTime, NaiveDate, TimeZone, Utc};
use anytable::{count_all, ErrorKind, Row, TableHandle, Value};

use crate::cases::errors::expect_kind;
use crate::records::{Customer, Employee, Ledger, Purchase, Sale, SimpleRow};
use crate::{ensure, CaseResult, TestDb};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn paid(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, hour, 0, 0).unwrap()
}

/// Six sales: regions `north`, `North`, `süd` and NULL (twice), products whose code-point
/// order (`B` < `Z` < `a` < `b` < `é`) differs from any locale's.
pub(crate) fn sales(t: &TestDb) -> Result<TableHandle<'static, Sale>, anytable::Error> {
    let table = t.db.table::<Sale>()?;
    let mut rows = vec![
        Sale::new(Some("north"), "b", 5, day(2026, 1, 3)),
        Sale::new(Some("north"), "a", 3, day(2026, 1, 1)),
        Sale::new(Some("North"), "B", 7, day(2026, 2, 1)),
        Sale::new(Some("süd"), "é", 1, day(2025, 12, 31)),
        Sale::new(None, "Z", 4, day(2026, 3, 1)),
        Sale::new(None, "a", 7, day(2026, 1, 2)),
    ];
    for (row, small) in rows
        .iter_mut()
        .zip([Some(1), None, Some(2), Some(3), None, Some(-1)])
    {
        row.small = small;
    }
    for (row, price) in
        rows.iter_mut()
            .zip([Some(0.5), Some(0.25), None, Some(2.0), None, Some(1.0)])
    {
        row.price = price;
    }
    rows[0].paid = Some(paid(9));
    rows[2].paid = Some(paid(17));
    table.insert_many(&rows)?;
    Ok(table)
}

/// Count, sum, mean and least product of a set of sales.
type Totals = (i64, Option<i64>, Option<f64>, Option<String>);

/// A region's key, count, sum, mean and greatest product.
type RegionRow = (
    Option<String>,
    i64,
    Option<i64>,
    Option<f64>,
    Option<String>,
);

/// Sales per region as a `#[derive(Row)]` struct.
#[derive(Row, Debug, PartialEq)]
struct RegionTotal {
    region: Option<String>,
    sales: i64,
    units: Option<i64>,
}

/// Every aggregate on an empty table (counts 0, the rest `None`), then over rows with NULLs
/// (ignored), text (by code point), dates and timestamps; integer averages are floats; a
/// filter that matches nothing gives the empty answers again.
pub fn aggregates_on_edge_data(t: &TestDb) -> CaseResult {
    let empty = t.db.table::<Sale>()?;
    ensure!(
        empty.select().aggregate(count_all())? == 0,
        "count(*) of nothing is 0"
    );
    ensure!(
        empty.select().count_distinct(Sale::region())? == 0,
        "count_distinct of nothing"
    );
    ensure!(
        empty.select().aggregate(Sale::price().count())? == 0,
        "count of nothing"
    );
    ensure!(
        empty.select().sum(Sale::units())?.is_none(),
        "sum of nothing is None"
    );
    ensure!(
        empty.select().sum(Sale::price())?.is_none(),
        "float sum of nothing"
    );
    ensure!(
        empty.select().avg(Sale::units())?.is_none(),
        "avg of nothing is None"
    );
    ensure!(
        empty.select().min(Sale::product())?.is_none(),
        "min of nothing is None"
    );
    ensure!(
        empty.select().max(Sale::day())?.is_none(),
        "max of nothing is None"
    );

    let table = sales(t)?;
    let all = || table.select();
    ensure!(all().aggregate(count_all())? == 6, "count(*)");
    ensure!(
        all().aggregate(Sale::region().count())? == 4,
        "count skips NULLs"
    );
    ensure!(
        all().count_distinct(Sale::region())? == 3,
        "north and North are distinct"
    );
    ensure!(
        all().count_distinct(Sale::product())? == 5,
        "distinct products"
    );
    ensure!(all().sum(Sale::units())? == Some(27), "sum of i64");
    ensure!(
        all().sum(Sale::small())? == Some(5),
        "sum of i32 is an i64, NULLs skipped"
    );
    ensure!(all().sum(Sale::price())? == Some(3.75), "sum of f64");
    ensure!(
        all().avg(Sale::units())? == Some(4.5),
        "avg of integers is a float"
    );
    ensure!(all().avg(Sale::small())? == Some(1.25), "avg skips NULLs");
    let (min, max) = (all().min(Sale::product())?, all().max(Sale::product())?);
    ensure!(
        min.as_deref() == Some("B") && max.as_deref() == Some("é"),
        "text min/max by code point: {min:?} {max:?}"
    );
    let (min, max) = (all().min(Sale::region())?, all().max(Sale::region())?);
    ensure!(
        min.as_deref() == Some("North") && max.as_deref() == Some("süd"),
        "nullable text min/max: {min:?} {max:?}"
    );
    ensure!(
        all().min(Sale::day())? == Some(day(2025, 12, 31)),
        "min date"
    );
    ensure!(all().max(Sale::day())? == Some(day(2026, 3, 1)), "max date");
    ensure!(all().min(Sale::paid())? == Some(paid(9)), "min timestamp");
    ensure!(all().max(Sale::paid())? == Some(paid(17)), "max timestamp");
    ensure!(all().min(Sale::small())? == Some(-1), "min of i32");
    ensure!(all().max(Sale::price())? == Some(2.0), "max of f64");

    let north = || table.filter(Sale::region().eq("north"));
    ensure!(north().sum(Sale::units())? == Some(8), "filtered sum");
    ensure!(north().avg(Sale::price())? == Some(0.375), "filtered avg");
    let none = || table.filter(Sale::units().gt(100));
    ensure!(
        none().aggregate(count_all())? == 0,
        "filtered count of nothing"
    );
    ensure!(
        none().sum(Sale::units())?.is_none(),
        "filtered sum of nothing"
    );
    ensure!(
        none().max(Sale::product())?.is_none(),
        "filtered max of nothing"
    );
    let nulls = || table.filter(Sale::region().is_null());
    ensure!(
        nulls().sum(Sale::price())? == Some(1.0),
        "a group of some NULLs"
    );
    ensure!(
        table
            .filter(Sale::price().is_null())
            .sum(Sale::price())?
            .is_none(),
        "a sum over NULLs only is None"
    );

    let row: Option<Totals> = all()
        .columns((
            count_all(),
            Sale::units().sum(),
            Sale::units().avg(),
            Sale::product().min(),
        ))
        .first()?;
    ensure!(
        row == Some((6, Some(27), Some(4.5), Some("B".into()))),
        "several aggregates in one row: {row:?}"
    );
    Ok(())
}

/// Sums at the edge of `i64`: exact up to `i64::MAX` and down to `i64::MIN`, exact when the
/// running total leaves the range midway but the total fits (SQLite's own SUM would fail),
/// and a `TypeMismatch` when the total does not fit, grouped or not, in or out of a
/// transaction, read at once or through `iter`.
pub fn integer_sums_near_overflow(t: &TestDb) -> CaseResult {
    let ledger = t.db.table::<Ledger>()?;
    let entry = |book: &str, amount: i64| Ledger {
        id: 0,
        book: book.into(),
        amount,
    };
    ledger.insert_many(&[
        entry("max", i64::MAX - 1),
        entry("max", 1),
        entry("midway", i64::MAX),
        entry("midway", 1),
        entry("midway", -1),
        entry("min", i64::MIN),
        entry("over", i64::MAX),
        entry("over", 1),
        entry("under", i64::MIN),
        entry("under", -1),
        entry("huge", i64::MAX),
        entry("huge", i64::MAX),
    ])?;
    let book = |name: &str| ledger.filter(Ledger::book().eq(name));
    ensure!(
        book("max").sum(Ledger::amount())? == Some(i64::MAX),
        "a sum of exactly i64::MAX"
    );
    ensure!(
        book("min").sum(Ledger::amount())? == Some(i64::MIN),
        "a sum of exactly i64::MIN"
    );
    let midway = book("midway").sum(Ledger::amount())?;
    ensure!(
        midway == Some(i64::MAX),
        "a running total past i64::MAX that ends inside: {midway:?}"
    );
    expect_kind(book("over").sum(Ledger::amount()), ErrorKind::TypeMismatch)?;
    expect_kind(book("under").sum(Ledger::amount()), ErrorKind::TypeMismatch)?;
    let avg = book("huge").avg(Ledger::amount())?;
    ensure!(
        avg == Some(i64::MAX as f64),
        "the average of two i64::MAX: {avg:?}"
    );

    let fitting = || {
        ledger
            .filter(Ledger::book().is_in(["max", "midway", "min"]))
            .columns((Ledger::book(), Ledger::amount().sum()))
            .group_by(Ledger::book())
            .order_by(Ledger::book().asc())
    };
    let want = vec![
        ("max".to_owned(), Some(i64::MAX)),
        ("midway".to_owned(), Some(i64::MAX)),
        ("min".to_owned(), Some(i64::MIN)),
    ];
    let grouped = fitting().all()?;
    ensure!(grouped == want, "grouped sums: {grouped:?}");
    let streamed = fitting().iter()?.collect::<anytable::Result<Vec<_>>>()?;
    ensure!(streamed == want, "grouped sums through iter: {streamed:?}");
    let having = ledger
        .select()
        .columns((Ledger::book(),))
        .group_by(Ledger::book())
        .having(Ledger::book().is_in(["max", "midway", "min"]))
        .having(Ledger::amount().sum().eq(i64::MAX))
        .order_by(Ledger::book().asc())
        .all()?;
    ensure!(
        having == [("max".to_owned(),), ("midway".to_owned(),)],
        "having on an exact sum: {having:?}"
    );
    expect_kind(
        ledger
            .select()
            .columns((Ledger::book(), Ledger::amount().sum()))
            .group_by(Ledger::book())
            .all(),
        ErrorKind::TypeMismatch,
    )?;

    // The retry with the exact sum happens inside the transaction without aborting it.
    let in_tx = t.db.transaction(|tx| {
        let ledger = tx.table::<Ledger>()?;
        let midway = ledger
            .filter(Ledger::book().eq("midway"))
            .sum(Ledger::amount())?;
        ledger.insert(&mut entry("tx", 5))?;
        Ok(midway)
    })?;
    ensure!(
        in_tx == Some(i64::MAX),
        "the exact sum in a transaction: {in_tx:?}"
    );
    ensure!(
        book("tx").sum(Ledger::amount())? == Some(5),
        "the transaction committed after its sum was retried"
    );
    Ok(())
}

/// GROUP BY with HAVING and ORDER BY on group keys and aggregates: NULL keys form one group,
/// sorted last ascending and first descending; text keys and text aggregates by code point;
/// `limit` and `offset` count groups; rows as tuples or a `#[derive(Row)]` struct; a column
/// neither grouped nor aggregated, an aggregate in a row filter, and a row type that does not
/// match are typed errors everywhere.
pub fn group_by_with_having_and_order(t: &TestDb) -> CaseResult {
    let table = sales(t)?;
    let per_region = || {
        table
            .select()
            .columns((
                Sale::region(),
                count_all(),
                Sale::units().sum(),
                Sale::units().avg(),
                Sale::product().max(),
            ))
            .group_by(Sale::region())
    };
    let s = |v: &str| Some(v.to_owned());
    let rows = per_region().order_by(Sale::region().asc()).all()?;
    let want = vec![
        (s("North"), 1, Some(7), Some(7.0), s("B")),
        (s("north"), 2, Some(8), Some(4.0), s("b")),
        (s("süd"), 1, Some(1), Some(1.0), s("é")),
        (None, 2, Some(11), Some(5.5), s("a")),
    ];
    ensure!(rows == want, "groups by code point, NULL last: {rows:?}");
    let rows = per_region().order_by(Sale::region().desc()).all()?;
    let reversed: Vec<_> = want.iter().rev().cloned().collect();
    ensure!(rows == reversed, "descending, NULL first: {rows:?}");

    let keys = |rows: Vec<RegionRow>| rows.into_iter().map(|r| r.0).collect::<Vec<_>>();
    let busy = per_region()
        .having(count_all().gt(1))
        .order_by(Sale::units().sum().desc())
        .all()?;
    ensure!(
        keys(busy.clone()) == [None, s("north")],
        "having count > 1, by sum: {busy:?}"
    );
    let page = per_region()
        .order_by(Sale::units().sum().desc())
        .offset(1)
        .limit(2)
        .all()?;
    ensure!(
        keys(page.clone()) == [s("north"), s("North")],
        "limit/offset count groups: {page:?}"
    );
    let low_min = per_region()
        .having(Sale::product().min().lt("a"))
        .order_by(Sale::product().min().asc())
        .all()?;
    ensure!(
        keys(low_min.clone()) == [s("North"), None],
        "having and order on a text aggregate, by code point: {low_min:?}"
    );
    let one = per_region()
        .having(Sale::region().eq("north") | Sale::region().is_null())
        .having(Sale::units().sum().ge(9))
        .all()?;
    ensure!(
        keys(one.clone()) == [None],
        "having on the group key and a sum: {one:?}"
    );

    let pairs: Vec<(Option<String>, String, i64)> = table
        .filter(Sale::units().lt(7))
        .columns((Sale::region(), Sale::product(), count_all()))
        .group_by(Sale::region())
        .group_by(Sale::product())
        .order_by(Sale::region().asc())
        .order_by(Sale::product().desc())
        .all()?;
    ensure!(
        pairs
            == [
                (s("north"), "b".to_owned(), 1),
                (s("north"), "a".to_owned(), 1),
                (s("süd"), "é".to_owned(), 1),
                (None, "Z".to_owned(), 1),
            ],
        "two group keys after a row filter: {pairs:?}"
    );

    let totals: Vec<RegionTotal> = table
        .select()
        .columns((Sale::region(), count_all(), Sale::units().sum()))
        .group_by(Sale::region())
        .order_by(count_all().desc())
        .order_by(Sale::region().asc())
        .rows_as::<RegionTotal>()
        .all()?;
    ensure!(
        totals.first()
            == Some(&RegionTotal {
                region: s("north"),
                sales: 2,
                units: Some(8)
            })
            && totals.len() == 4,
        "rows as a derived struct: {totals:?}"
    );
    expect_kind(
        table
            .select()
            .columns((Sale::region(), count_all()))
            .group_by(Sale::region())
            .rows_as::<(i64, i64)>()
            .all(),
        ErrorKind::TypeMismatch,
    )?;
    let err = expect_kind(
        table
            .select()
            .columns((Sale::product(), Sale::units().sum()))
            .group_by(Sale::region())
            .all(),
        ErrorKind::InvalidInput,
    )?;
    ensure!(
        err.message().contains("product"),
        "the error names the column: {err}"
    );
    expect_kind(
        per_region().order_by(Sale::product().asc()).all(),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        per_region().having(Sale::product().eq("a")).all(),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        table.filter(Sale::units().sum().gt(1)).all(),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        table.count_matching(count_all().gt(1)),
        ErrorKind::InvalidInput,
    )?;
    Ok(())
}

/// Projections into tuples, `distinct` (NULL once, sorted like any key), `limit`/`offset` on
/// them, `iter`, and the same inside a transaction, which sees its own writes.
pub fn projections_and_distinct(t: &TestDb) -> CaseResult {
    let table = sales(t)?;
    let s = |v: &str| Some(v.to_owned());
    let north: Vec<(String, i64)> = table
        .filter(Sale::region().eq("north"))
        .order_by(Sale::units().asc())
        .columns((Sale::product(), Sale::units()))
        .all()?;
    ensure!(
        north == [("a".to_owned(), 3), ("b".to_owned(), 5)],
        "a projection keeps the filter and order: {north:?}"
    );
    let regions: Vec<(Option<String>,)> = table
        .select()
        .columns((Sale::region(),))
        .distinct()
        .order_by(Sale::region().asc())
        .all()?;
    ensure!(
        regions == [(s("North"),), (s("north"),), (s("süd"),), (None,)],
        "distinct regions, NULL once and last: {regions:?}"
    );
    let products = || {
        table
            .select()
            .columns((Sale::product(),))
            .distinct()
            .order_by(Sale::product().desc())
    };
    let names: Vec<String> = products().all()?.into_iter().map(|(p,)| p).collect();
    ensure!(
        names == ["é", "b", "a", "Z", "B"],
        "distinct, descending: {names:?}"
    );
    let page: Vec<String> = products()
        .offset(1)
        .limit(2)
        .all()?
        .into_iter()
        .map(|(p,)| p)
        .collect();
    ensure!(
        page == ["b", "a"],
        "distinct with offset and limit: {page:?}"
    );
    let streamed = products().iter()?.count();
    ensure!(streamed == 5, "distinct through iter: {streamed}");
    let first = products().first()?;
    ensure!(first == Some(("é".to_owned(),)), "first: {first:?}");
    let pairs = table
        .select()
        .columns((Sale::region(), Sale::product()))
        .distinct()
        .all()?;
    ensure!(pairs.len() == 6, "distinct pairs: {pairs:?}");
    expect_kind(
        products().order_by(Sale::units().asc()).all(),
        ErrorKind::InvalidInput,
    )?;
    expect_kind(
        table.select().columns((count_all(),)).distinct().all(),
        ErrorKind::InvalidInput,
    )?;

    let inside = t.db.transaction(|tx| {
        let table = tx.table::<Sale>()?;
        table.insert(&mut Sale::new(Some("west"), "c", 2, day(2026, 4, 1)))?;
        let regions = table
            .select()
            .columns((Sale::region(),))
            .distinct()
            .order_by(Sale::region().asc())
            .all()?;
        let mut streamed = 0;
        for row in table
            .filter(Sale::region().eq("west"))
            .columns((Sale::units(),))
            .iter()?
        {
            streamed += row?.0;
        }
        Ok((regions.len(), streamed))
    })?;
    ensure!(
        inside == (5, 2),
        "a projection in a transaction sees its writes: {inside:?}"
    );
    Ok(())
}

/// Joins through foreign keys: inner (only rows with a partner) and left (every row, `None`
/// for a missing partner), filters and sort keys on either side, limit, a record joined with
/// itself, the same inside a transaction; the foreign key is enforced where the capability
/// says so, a table referencing a missing table is `NotFound`, and joining through a column
/// that is no foreign key is `InvalidInput`.
pub fn joins_through_foreign_keys(t: &TestDb) -> CaseResult {
    expect_kind(t.db.table::<Purchase>().map(drop), ErrorKind::NotFound)?;
    let customers = t.db.table::<Customer>()?;
    let purchases = t.db.table::<Purchase>()?;
    let customer = |name: &str, city: Option<&str>| Customer {
        id: 0,
        name: name.into(),
        city: city.map(str::to_owned),
    };
    let ada = customers.insert(&mut customer("Ada", Some("Zürich")))?;
    let bob = customers.insert(&mut customer("bob", None))?;
    let _carl = customers.insert(&mut customer("Carl", Some("Oslo")))?;
    let purchase = |customer: Option<i64>, item: &str, amount: i64| Purchase {
        id: 0,
        customer,
        item: item.into(),
        amount,
    };
    for mut p in [
        purchase(Some(ada), "apple", 3),
        purchase(Some(bob), "pear", 5),
        purchase(Some(ada), "fig", 7),
        purchase(None, "plum", 1),
    ] {
        purchases.insert(&mut p)?;
    }

    let inner = purchases
        .select()
        .join::<Customer, _>(Purchase::customer())
        .order_by(Purchase::amount().asc())
        .all()?;
    let pairs: Vec<(&str, &str)> = inner
        .iter()
        .map(|(p, c)| (p.item.as_str(), c.name.as_str()))
        .collect();
    ensure!(
        pairs == [("apple", "Ada"), ("pear", "bob"), ("fig", "Ada")],
        "inner join leaves out the purchase without a customer: {pairs:?}"
    );
    ensure!(
        inner.iter().all(|(p, c)| p.customer == Some(c.id)),
        "each partner is the referenced row"
    );
    let left = purchases
        .select()
        .left_join::<Customer, _>(Purchase::customer())
        .order_by_joined(Customer::name().asc())
        .order_by(Purchase::item().asc())
        .all()?;
    let names: Vec<(String, Option<String>)> = left
        .into_iter()
        .map(|(p, c)| (p.item, c.map(|c| c.name)))
        .collect();
    let s = |v: &str| Some(v.to_owned());
    ensure!(
        names
            == [
                ("apple".to_owned(), s("Ada")),
                ("fig".to_owned(), s("Ada")),
                ("pear".to_owned(), s("bob")),
                ("plum".to_owned(), None),
            ],
        "left join keeps every purchase, sorted on the partner by code point, NULL last: {names:?}"
    );
    let in_zurich = purchases
        .filter(Purchase::amount().gt(4))
        .join::<Customer, _>(Purchase::customer())
        .filter_joined(Customer::city().eq("Zürich"))
        .all()?;
    ensure!(
        in_zurich.len() == 1 && in_zurich[0].0.item == "fig",
        "filters on both sides: {in_zurich:?}"
    );
    let lonely = purchases
        .select()
        .left_join::<Customer, _>(Purchase::customer())
        .filter_joined(Customer::id().is_null())
        .all()?;
    ensure!(
        lonely.len() == 1 && lonely[0].1.is_none() && lonely[0].0.item == "plum",
        "a left join filtered on a missing partner: {lonely:?}"
    );
    let page = purchases
        .select()
        .left_join::<Customer, _>(Purchase::customer())
        .order_by(Purchase::amount().desc())
        .offset(1)
        .limit(2)
        .iter()?
        .map(|row| row.map(|(p, _)| p.amount))
        .collect::<anytable::Result<Vec<_>>>()?;
    ensure!(page == [5, 3], "limit and offset, through iter: {page:?}");
    let first = purchases
        .filter(Purchase::item().eq("pear"))
        .join::<Customer, _>(Purchase::customer())
        .first()?;
    ensure!(first.map(|(_, c)| c.id) == Some(bob), "first of a join");

    if t.db.capabilities().foreign_keys {
        let err = expect_kind(
            purchases.insert(&mut purchase(Some(bob + 1000), "ghost", 1)),
            ErrorKind::ForeignKeyViolation,
        )?;
        ensure!(!err.message().is_empty(), "the violation says why");
    } else {
        purchases.insert(&mut purchase(Some(bob + 1000), "ghost", 1))?;
    }
    expect_kind(
        purchases
            .select()
            .join::<Customer, _>(Purchase::amount())
            .all(),
        ErrorKind::InvalidInput,
    )?;

    let staff = t.db.table::<Employee>()?;
    let boss = staff.insert(&mut Employee {
        id: 0,
        name: "Grace".into(),
        manager: None,
    })?;
    staff.insert(&mut Employee {
        id: 0,
        name: "Alan".into(),
        manager: Some(boss),
    })?;
    let reports = staff
        .select()
        .left_join::<Employee, _>(Employee::manager())
        .order_by(Employee::name().asc())
        .all()?;
    let chain: Vec<(String, Option<String>)> = reports
        .into_iter()
        .map(|(e, m)| (e.name, m.map(|m| m.name)))
        .collect();
    ensure!(
        chain == [("Alan".to_owned(), s("Grace")), ("Grace".to_owned(), None)],
        "a record joined with itself: {chain:?}"
    );

    let seen = t.db.transaction(|tx| {
        let customers = tx.table::<Customer>()?;
        let dora = customers.insert(&mut customer("Dora", None))?;
        let purchases = tx.table::<Purchase>()?;
        purchases.insert(&mut purchase(Some(dora), "kiwi", 2))?;
        let joined = purchases
            .filter(Purchase::item().eq("kiwi"))
            .join::<Customer, _>(Purchase::customer())
            .all()?;
        Ok(joined.into_iter().map(|(_, c)| c.name).collect::<Vec<_>>())
    })?;
    ensure!(
        seen == ["Dora"],
        "a join in a transaction sees its writes: {seen:?}"
    );
    Ok(())
}

/// `query`, `query_one`, `query_scalar`, `query_iter` and `execute` with `?` placeholders:
/// the same typed answer on every backend; a `?` inside a string literal, a quoted identifier
/// or a comment stays text; wrong counts and wrong types are typed errors; inside a
/// transaction the queries see its writes.
pub fn typed_raw_sql_with_portable_placeholders(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    let mut batch: Vec<SimpleRow> = (1..=5).map(|i| SimpleRow::new("AB", i)).collect();
    batch[4].note = Some("five".into());
    batch.push(SimpleRow::new("CD", 10));
    rows.insert_many(&batch)?;

    let pairs: Vec<(i64, String)> = t.db.query(
        "SELECT number, process FROM simple_rows WHERE process = ? AND number >= ? \
         ORDER BY number",
        &["AB".into(), Value::I64(3)],
    )?;
    let want: Vec<(i64, String)> = (3..=5).map(|n| (n, "AB".to_owned())).collect();
    ensure!(pairs == want, "typed rows: {pairs:?}");

    let text: Vec<(String, Option<String>, i64)> = t.db.query(
        "SELECT '?' || process AS \"what?\", note, number -- is this a ? placeholder\n\
         FROM simple_rows /* nor ? this */ WHERE number = ? OR number = ? ORDER BY number",
        &[Value::I64(5), Value::I64(10)],
    )?;
    ensure!(
        text == [
            ("?AB".to_owned(), Some("five".to_owned()), 5),
            ("?CD".to_owned(), None, 10)
        ],
        "placeholders inside literals, identifiers and comments stay text: {text:?}"
    );

    let count: Option<i64> = t.db.query_scalar(
        "SELECT COUNT(*) FROM simple_rows WHERE process = ?",
        &["AB".into()],
    )?;
    ensure!(count == Some(5), "query_scalar: {count:?}");
    // Each engine's own SUM and AVG types (PostgreSQL's NUMERIC, DuckDB's HUGEINT) read as
    // the same i64 and f64.
    let totals: Option<(Option<i64>, Option<f64>)> = t.db.query_one(
        "SELECT SUM(number), AVG(number) FROM simple_rows WHERE process = ?",
        &["AB".into()],
    )?;
    ensure!(
        totals == Some((Some(15), Some(3.0))),
        "raw SUM and AVG: {totals:?}"
    );
    let none: Option<(i64,)> = t.db.query_one(
        "SELECT number FROM simple_rows WHERE number > ?",
        &[Value::I64(99)],
    )?;
    ensure!(none.is_none(), "query_one with no row is None");
    let mut streamed = 0;
    for row in t.db.query_iter::<(i64, String)>(
        "SELECT number, process FROM simple_rows ORDER BY number",
        &[],
    )? {
        let (number, _) = row?;
        streamed += number;
    }
    ensure!(streamed == 25, "query_iter reads every row: {streamed}");

    let changed = t.db.execute(
        "UPDATE simple_rows SET note = ? WHERE number < ?",
        &["low".into(), Value::I64(3)],
    )?;
    ensure!(
        changed == 2,
        "execute with ? placeholders changed {changed} rows"
    );

    expect_kind(
        t.db.query::<(i64,)>("SELECT number FROM simple_rows WHERE number = ?", &[]),
        ErrorKind::InvalidInput,
    )?;
    let err = expect_kind(
        t.db.query::<(i64, i64)>("SELECT number, process FROM simple_rows", &[]),
        ErrorKind::TypeMismatch,
    )?;
    ensure!(!err.message().is_empty(), "a type mismatch says why");
    expect_kind(
        t.db.query::<(i64,)>("SELECT 'unclosed ? FROM simple_rows", &[]),
        ErrorKind::InvalidInput,
    )?;

    t.db.transaction(|tx| {
        tx.execute(
            "INSERT INTO simple_rows (process, number, added, updated) VALUES (?, ?, ?, ?)",
            &[
                "TX".into(),
                Value::I64(7),
                Value::timestamp(anytable::chrono::Utc::now()),
                Value::timestamp(anytable::chrono::Utc::now()),
            ],
        )?;
        let seen: Option<i64> = tx.query_scalar(
            "SELECT COUNT(*) FROM simple_rows WHERE process = ?",
            &["TX".into()],
        )?;
        if seen != Some(1) {
            return Err(anytable::Error::invalid_input(format!(
                "the transaction sees its own insert: {seen:?}"
            )));
        }
        let mut iter = tx.query_iter::<(i64,)>("SELECT number FROM simple_rows", &[])?;
        let first = iter.next().transpose()?;
        drop(iter);
        if first.is_none() {
            return Err(anytable::Error::invalid_input(
                "query_iter inside a transaction",
            ));
        }
        Ok(())
    })?;
    ensure!(rows.count()? == 7, "the transaction's insert is committed");
    Ok(())
}

/// `??` is a literal `?` only where the engine has a `?` operator (PostgreSQL's jsonb key
/// test); SQLite and DuckDB refuse it with `InvalidInput` (DuckDB read the `?` left as a
/// placeholder). Where the syntax is PostgreSQL's, `E''` strings (a backslash escapes the
/// quote) and nested comments hide a `?` whole.
pub fn question_marks_follow_the_engines_lexical_rules(t: &TestDb) -> CaseResult {
    let dialect = t.db.dialect();
    if dialect.question_mark_operator() {
        let has: Option<bool> =
            t.db.query_scalar("SELECT CAST('{\"a\": 1}' AS jsonb) ?? 'a'", &[])?;
        ensure!(has == Some(true), "?? is the ? operator: {has:?}");
    } else {
        let err = crate::cases::errors::expect_kind(
            t.db.query_scalar::<bool>("SELECT ?? = ?", &[Value::I64(1)]),
            anytable::ErrorKind::InvalidInput,
        )?;
        ensure!(err.message().contains("??"), "the error names ??: {err}");
    }
    if dialect.syntax() == anytable::backend::sql::Syntax::Postgres {
        let text: Option<(String, i64)> = t.db.query_one(
            r"SELECT E'it\'s ? /* ' /* a /* b ? */ c ? */, ?",
            &[Value::I64(7)],
        )?;
        ensure!(
            text == Some(("it's ? /* ".to_owned(), 7)),
            "one placeholder, the rest text: {text:?}"
        );
    }
    Ok(())
}
