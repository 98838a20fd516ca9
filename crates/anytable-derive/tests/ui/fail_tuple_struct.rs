#[derive(anytable::Record)]
struct Row(i64, String);
fn main() {}
