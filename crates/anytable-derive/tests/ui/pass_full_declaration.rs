use anytable::chrono::{DateTime, Utc};
use anytable::{Record, TableHandle};

#[derive(Record)]
#[anytable(table = "things", index(kind, size), unique(kind, name))]
struct Thing {
    #[anytable(id)]
    id: i64,
    #[anytable(added)]
    added: DateTime<Utc>,
    #[anytable(updated)]
    updated: Option<DateTime<Utc>>,
    #[anytable(unique)]
    name: String,
    #[anytable(index)]
    kind: String,
    #[anytable(rename = "sz", default = 3)]
    size: i32,
    note: Option<String>,
}

fn filters(t: &TableHandle<'_, Thing>) -> anytable::Result<Vec<Thing>> {
    t.filter(Thing::size().gt(2) & Thing::name().like("a%") | Thing::note().eq("x")).all()
}

fn main() {
    let schema = <Thing as Record>::schema();
    assert_eq!(schema.columns[5].name, "sz");
    assert_eq!(schema.indexes.len(), 2);
    let _ = filters;
}
