#[derive(anytable::Record)]
struct Price {
    #[anytable(scale = 2)]
    amount: f64,
}
fn main() {
    let _ = <Price as anytable::Record>::schema();
}
