#[derive(anytable::Record)]
struct Row {
    #[anytable(added)]
    added: i64,
}
fn main() {}
