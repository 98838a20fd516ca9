#[derive(anytable::Record)]
struct Row {
    tags: std::collections::HashMap<String, String>,
}
fn main() {}
