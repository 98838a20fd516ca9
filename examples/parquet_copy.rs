//! A query result written to a Parquet file on one backend and loaded into another: orders
//! with an enum, an exact decimal, a typed JSON document and unsigned counters, printed as a
//! table on both sides, and checked to be the same rows (ids included).
//!
//! ```text
//! cargo run -p anytable-examples --example parquet_copy                    # SQLite file -> SQLite memory
//! cargo run -p anytable-examples --example parquet_copy -- FROM_URL TO_URL  # any two backends
//! ```

use anytable::rust_decimal::Decimal;
use anytable::{Database, Enum, Json, Record};

/// Where an order is.
#[derive(Enum, Debug, Clone, Copy, PartialEq)]
enum Status {
    Placed,
    Shipped,
    #[anytable(rename = "returned")]
    Returned,
}

/// One line of an order, kept inside the order as JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Line {
    sku: String,
    quantity: u32,
}

/// An order.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "orders", index(status))]
struct Order {
    #[anytable(id)]
    id: i64,
    customer: String,
    status: Status,
    #[anytable(scale = 2)]
    total: Decimal,
    lines: Json<Vec<Line>>,
    items: u32,
    placed_on: anytable::chrono::NaiveDate,
}

fn order(i: u32) -> Order {
    let lines: Vec<Line> = (0..1 + i % 3)
        .map(|n| Line {
            sku: format!("SKU-{:04}", (i * 7 + n) % 500),
            quantity: 1 + n,
        })
        .collect();
    Order {
        id: 0,
        customer: format!("customer {}", i % 97),
        status: [Status::Placed, Status::Shipped, Status::Returned][(i % 3) as usize],
        // Cents, exactly: 19.99, 20.98, ...
        total: Decimal::new(1_999 + i64::from(i) * 99, 2),
        items: lines.iter().map(|l| l.quantity).sum(),
        lines: Json(lines),
        placed_on: anytable::chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date")
            + anytable::chrono::Duration::days(i64::from(i % 365)),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    anytable_examples::init_tracing();
    let dir = tempfile::tempdir()?;
    let mut args = std::env::args().skip(1);
    let from_url = args
        .next()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("orders.db").display()));
    let to_url = args.next().unwrap_or_else(|| "sqlite::memory:".to_owned());

    let from = Database::open(&from_url)?;
    let orders = from.table::<Order>()?;
    let written: Vec<Order> = (0..1_000).map(order).collect();
    orders.insert_many(&written)?;
    println!("{} orders on {}:", orders.count()?, from.dialect().name());
    println!("{}", orders.select().order_by(Order::id().asc()).pretty(5)?);

    let file = dir.path().join("orders.parquet");
    let rows = orders
        .select()
        .filter(Order::status().is_in([Status::Placed, Status::Shipped]))
        .order_by(Order::id().asc())
        .write_parquet(&file)?;
    println!(
        "wrote {rows} placed or shipped orders to {} ({} bytes)",
        file.display(),
        std::fs::metadata(&file)?.len()
    );

    let to = Database::open(&to_url)?;
    let copies = to.table::<Order>()?;
    let loaded = copies.insert_parquet(&file)?;
    println!("loaded {loaded} orders into {}:", to.dialect().name());
    println!("{}", copies.select().order_by(Order::id().asc()).pretty(3)?);

    let want = orders
        .select()
        .filter(Order::status().ne(Status::Returned))
        .order_by(Order::id().asc())
        .all()?;
    let got = copies.select().order_by(Order::id().asc()).all()?;
    if got != want {
        return Err("the loaded orders differ from the ones written".into());
    }
    let total = |rows: &[Order]| rows.iter().map(|o| o.total).sum::<Decimal>();
    println!(
        "same {} orders on both sides, ids included; total {} = {}",
        got.len(),
        total(&want),
        total(&got)
    );
    Ok(())
}
