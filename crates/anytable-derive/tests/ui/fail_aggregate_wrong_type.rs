use anytable::Record;

#[derive(Record)]
struct Flag {
    #[anytable(id)]
    id: i64,
    on: bool,
}

fn main() {
    // `sum` takes numbers and `min` ordered types; bool is neither on every engine.
    let _ = Flag::on().sum();
    let _ = Flag::on().min();
}
