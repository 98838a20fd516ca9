use anytable::Record;
use anytable_conformance::records::Employee;

#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "parents")]
pub struct Parent {
    #[anytable(id)]
    pub id: i64,
    #[anytable(unique)]
    pub code: String,
    #[anytable(index)]
    pub tag: String,
    pub note: String,
}

#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "children")]
pub struct Child {
    #[anytable(id)]
    pub id: i64,
    #[anytable(references = Parent)]
    pub parent: Option<i64>,
}

fn probe(url: &str) {
    let db = anytable::Database::open(url).unwrap();
    let name = db.backend_name();
    let k = |e: anytable::Error| {
        (
            e.kind(),
            e.to_string().chars().take(120).collect::<String>(),
        )
    };
    let p = db.table::<Parent>().unwrap();
    let c = db.table::<Child>().unwrap();
    let mut a = Parent {
        id: 0,
        code: "a".into(),
        tag: "t".into(),
        note: "n".into(),
    };
    p.insert(&mut a).unwrap();
    let mut b = Parent {
        id: 0,
        code: "b".into(),
        tag: "t".into(),
        note: "n".into(),
    };
    p.insert(&mut b).unwrap();
    c.insert(&mut Child {
        id: 0,
        parent: Some(a.id),
    })
    .unwrap();
    println!(
        "{name} referenced: note {:?}",
        p.update(Parent::id().eq(a.id), vec![Parent::note().set("m")])
            .map_err(k)
    );
    println!(
        "{name} referenced: code {:?}",
        p.update(Parent::id().eq(a.id), vec![Parent::code().set("c")])
            .map_err(k)
    );
    println!(
        "{name} referenced: tag {:?}",
        p.update(Parent::id().eq(a.id), vec![Parent::tag().set("u")])
            .map_err(k)
    );
    println!(
        "{name} unreferenced: code {:?}",
        p.update(Parent::id().eq(b.id), vec![Parent::code().set("d")])
            .map_err(k)
    );
    println!(
        "{name} referenced: delete {:?}",
        p.delete(Parent::id().eq(a.id)).map_err(k)
    );
    println!(
        "{name} child: repoint {:?}",
        c.update(
            Child::parent().eq(a.id),
            vec![Child::parent().set(Some(b.id))]
        )
        .map_err(k)
    );
    println!(
        "{name} referenced (in tx) code {:?}",
        db.transaction(|tx| tx
            .table::<Parent>()?
            .update(Parent::id().eq(b.id), vec![Parent::code().set("e")]))
            .map_err(k)
    );
    let e = db.table::<Employee>().unwrap();
    let mut boss = Employee {
        id: 0,
        name: "b".into(),
        manager: None,
    };
    e.insert(&mut boss).unwrap();
    let mut w = Employee {
        id: 0,
        name: "w".into(),
        manager: Some(boss.id),
    };
    e.insert(&mut w).unwrap();
    println!(
        "{name} emp: name of referenced {:?}",
        e.update(Employee::id().eq(boss.id), vec![Employee::name().set("bb")])
            .map_err(k)
    );
    println!(
        "{name} emp: manager of referenced to other {:?}",
        e.update(
            Employee::id().eq(boss.id),
            vec![Employee::manager().set(Some(w.id))]
        )
        .map_err(k)
    );
    println!(
        "{name} emp: manager of w to self {:?}",
        e.update(
            Employee::id().eq(w.id),
            vec![Employee::manager().set(Some(w.id))]
        )
        .map_err(k)
    );
    println!(
        "{name} emp: manager of w to null {:?}",
        e.update(Employee::id().eq(w.id), vec![Employee::manager().set(None)])
            .map_err(k)
    );
    println!(
        "{name} emp: manager of w to boss {:?}",
        e.update(
            Employee::id().eq(w.id),
            vec![Employee::manager().set(Some(boss.id))]
        )
        .map_err(k)
    );
}

#[test]
fn scratch() {
    probe("sqlite::memory:");
    probe("duckdb::memory:");
    let url = std::env::var("ANYTABLE_POSTGRES_URL").unwrap();
    let t = anytable_conformance::fixtures::postgres_schema_on(&url).unwrap();
    probe(&t.url);
}
