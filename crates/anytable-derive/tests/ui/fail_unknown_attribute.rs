#[derive(anytable::Record)]
struct Row {
    #[anytable(primary)]
    id: i64,
}
fn main() {}
