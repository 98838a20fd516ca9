#[derive(anytable::Record)]
struct Row {
    number: i64,
}
fn main() {
    let _ = Row::number().eq("seven");
}
