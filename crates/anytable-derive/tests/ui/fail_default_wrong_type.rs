#[derive(anytable::Record)]
struct Row {
    #[anytable(default = "zero")]
    number: i64,
}
fn main() {}
