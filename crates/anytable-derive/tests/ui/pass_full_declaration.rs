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
    #[anytable(references = Thing)]
    parent: Option<i64>,
}

/// A query result: fields read by position.
#[derive(anytable::Row, Debug)]
struct KindCount {
    kind: String,
    things: i64,
    biggest: Option<i32>,
}

fn grouped(t: &TableHandle<'_, Thing>) -> anytable::Result<Vec<KindCount>> {
    t.select()
        .columns((Thing::kind(), anytable::count_all(), Thing::size().max()))
        .group_by(Thing::kind())
        .rows_as::<KindCount>()
        .all()
}

fn filters(t: &TableHandle<'_, Thing>) -> anytable::Result<Vec<Thing>> {
    t.filter(Thing::size().gt(2) & Thing::name().like("a%") | Thing::note().eq("x")).all()
}

fn main() {
    let schema = <Thing as Record>::schema();
    assert_eq!(schema.columns[5].name, "sz");
    assert_eq!(schema.indexes.len(), 2);
    let parent = schema.columns[7].references.as_ref().unwrap();
    assert_eq!((parent.table.as_str(), parent.column.as_str()), ("things", "id"));
    assert_eq!(<Thing as Record>::TABLE, "things");
    let _ = (filters, grouped);
}
