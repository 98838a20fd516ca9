#[derive(anytable::Record)]
struct Row {
    #[anytable(id)]
    a: i64,
    #[anytable(id)]
    b: i64,
}
fn main() {}
