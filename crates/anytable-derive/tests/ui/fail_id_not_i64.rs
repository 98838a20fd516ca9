#[derive(anytable::Record)]
struct Row {
    #[anytable(id)]
    id: String,
}
fn main() {}
