#[derive(anytable::Record)]
#[anytable(index(nope))]
struct Row {
    name: String,
}
fn main() {}
