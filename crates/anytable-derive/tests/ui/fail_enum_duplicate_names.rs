#[derive(anytable::Enum)]
enum Level {
    Low,
    #[anytable(rename = "Low")]
    Lowest,
}
fn main() {}
