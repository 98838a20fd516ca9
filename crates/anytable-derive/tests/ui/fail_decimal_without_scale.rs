#[derive(anytable::Record)]
struct Price {
    amount: anytable::rust_decimal::Decimal,
}
fn main() {
    let _ = <Price as anytable::Record>::schema();
}
