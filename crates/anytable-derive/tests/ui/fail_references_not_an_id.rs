use anytable::Record;

#[derive(Record)]
struct Author {
    #[anytable(id)]
    id: i64,
}

#[derive(Record)]
struct Book {
    #[anytable(id)]
    id: i64,
    #[anytable(references = Author)]
    author: String,
}

fn main() {}
