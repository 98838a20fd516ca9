use anytable::Record;

#[derive(Record)]
struct Tag {
    name: String,
}

#[derive(Record)]
struct Post {
    #[anytable(id)]
    id: i64,
    #[anytable(references = Tag)]
    tag: i64,
}

fn main() {}
