//! The `Table` trait as an application uses it: code written once against `&dyn Table<R>`
//! runs on a real table and on an in-memory fake; and the async twin keeps the same list of
//! operations as the sync trait.

use std::sync::Mutex;

use anytable::{Assignment, Database, Filter, OnConflict, Query, Record, RecordId, Result, Table};

#[derive(Record, Debug, Clone, PartialEq)]
struct Note {
    #[anytable(id)]
    id: i64,
    text: String,
}

/// The application code under test: it only knows the trait.
fn add_and_count(notes: &dyn Table<Note>, texts: &[&str]) -> Result<u64> {
    for text in texts {
        notes.insert(&mut Note {
            id: 0,
            text: (*text).to_owned(),
        })?;
    }
    notes.count()
}

/// A fake that keeps notes in memory and ignores filters: what a unit test of
/// `add_and_count` would hand it instead of a database.
#[derive(Default)]
struct FakeNotes(Mutex<Vec<Note>>);

impl Table<Note> for FakeNotes {
    fn name(&self) -> &str {
        "fake_notes"
    }
    fn insert(&self, record: &mut Note) -> Result<i64> {
        let mut notes = self.0.lock().unwrap();
        record.id = notes.len() as i64 + 1;
        notes.push(record.clone());
        <i64 as RecordId>::from_new_row(Some(record.id))
    }
    fn insert_many(&self, records: &[Note]) -> Result<u64> {
        self.0.lock().unwrap().extend_from_slice(records);
        Ok(records.len() as u64)
    }
    fn get(&self, id: i64) -> Result<Option<Note>> {
        Ok(self.0.lock().unwrap().iter().find(|n| n.id == id).cloned())
    }
    fn find(&self, _: Query<Note>) -> Result<Vec<Note>> {
        Ok(self.0.lock().unwrap().clone())
    }
    fn find_first(&self, _: Query<Note>) -> Result<Option<Note>> {
        Ok(self.0.lock().unwrap().first().cloned())
    }
    fn for_each_while(
        &self,
        _: Query<Note>,
        f: &mut dyn FnMut(Note) -> Result<bool>,
    ) -> Result<()> {
        for note in self.0.lock().unwrap().clone() {
            if !f(note)? {
                break;
            }
        }
        Ok(())
    }
    fn count(&self) -> Result<u64> {
        Ok(self.0.lock().unwrap().len() as u64)
    }
    fn count_matching(&self, _: Filter<Note>) -> Result<u64> {
        self.count()
    }
    fn head(&self, n: u64) -> Result<Vec<Note>> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .iter()
            .take(n as usize)
            .cloned()
            .collect())
    }
    fn update(&self, _: Filter<Note>, _: Vec<Assignment<Note>>) -> Result<u64> {
        Ok(0)
    }
    fn delete(&self, _: Filter<Note>) -> Result<u64> {
        Ok(0)
    }
    fn delete_all(&self) -> Result<u64> {
        let mut notes = self.0.lock().unwrap();
        let n = notes.len() as u64;
        notes.clear();
        Ok(n)
    }
    fn upsert(&self, record: &mut Note, _: OnConflict<Note>) -> Result<Option<i64>> {
        self.insert(record).map(Some)
    }
}

#[test]
fn the_same_code_runs_on_a_real_table_and_on_a_fake() {
    let db = Database::open("sqlite::memory:").unwrap();
    let real = db.table::<Note>().unwrap();
    let fake = FakeNotes::default();
    let tables: [&dyn Table<Note>; 2] = [&real, &fake];
    for table in tables {
        assert_eq!(
            add_and_count(table, &["a", "b"]).unwrap(),
            2,
            "{}",
            table.name()
        );
        let texts: Vec<String> = table
            .find(Query::new())
            .unwrap()
            .into_iter()
            .map(|n| n.text)
            .collect();
        assert_eq!(texts, ["a", "b"], "{}", table.name());
    }
}

/// The operations a trait declares, in order, read from its source file.
fn operations(source: &str, trait_start: &str) -> Vec<String> {
    let start = source.find(trait_start).expect("the trait is declared");
    let body = &source[start..];
    let end = body.find("\n}\n").expect("the trait ends");
    body[..end]
        .lines()
        .filter_map(|line| {
            let line = line
                .trim_start()
                .strip_prefix("async ")
                .unwrap_or(line.trim_start());
            let name = line.strip_prefix("fn ")?;
            Some(name[..name.find('(')?].to_owned())
        })
        .collect()
}

#[test]
fn the_async_twin_has_the_same_operations_in_the_same_order() {
    let root = env!("CARGO_MANIFEST_DIR");
    let sync = std::fs::read_to_string(format!("{root}/src/table/mod.rs")).unwrap();
    let asynchronous =
        std::fs::read_to_string(format!("{root}/src/asynchronous/table.rs")).unwrap();
    let sync_ops = operations(&sync, "pub trait Table<R: Record>");
    // The one operation whose shape differs: a pull stream stands where a callback is.
    let expected: Vec<String> = sync_ops
        .iter()
        .map(|op| {
            if op == "for_each_while" {
                "stream".to_owned()
            } else {
                op.clone()
            }
        })
        .collect();
    let async_ops = operations(&asynchronous, "pub trait AsyncTable<R: Record>");
    assert!(sync_ops.len() >= 14, "{sync_ops:?}");
    assert_eq!(async_ops, expected);
}
