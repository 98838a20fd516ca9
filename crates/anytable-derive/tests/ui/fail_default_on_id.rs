#[derive(anytable::Record)]
struct Row {
    #[anytable(id, default = 1)]
    id: i64,
}
fn main() {}
