//! Diesel on PostgreSQL.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use peer_kit::{check_created, name, number, score, sync_run};

mod schema {
    diesel::table! {
        peer_rows (id) {
            id -> BigInt,
            name -> Text,
            number -> BigInt,
            score -> Double,
            created -> Timestamptz,
        }
    }
}

use schema::peer_rows;

/// PostgreSQL's limit of bound parameters per statement, over three per row.
const ROWS_PER_INSERT: usize = 65535 / 3;

/// A row as Diesel reads it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = peer_rows)]
pub struct Row {
    pub id: i64,
    pub name: String,
    pub number: i64,
    pub score: f64,
    pub created: DateTime<Utc>,
}

/// A row as Diesel inserts it (the id and the timestamp are the database's).
#[derive(Insertable)]
#[diesel(table_name = peer_rows)]
pub struct NewRow {
    pub name: String,
    pub number: i64,
    pub score: f64,
}

fn new_row(i: usize) -> NewRow {
    NewRow {
        name: name(i),
        number: number(i),
        score: score(i),
    }
}

/// One connection.
pub struct Client(PgConnection);

impl Client {
    /// Connects.
    pub fn open(url: &str) -> Client {
        Client(PgConnection::establish(url).expect("connects"))
    }
}

impl sync_run::Client for Client {
    type Row = NewRow;

    fn make(i: usize) -> NewRow {
        new_row(i)
    }

    fn single_inserts(&mut self, rows: usize) -> i64 {
        self.0
            .transaction(|conn| {
                let mut ids = 0;
                for i in 0..rows {
                    let (id, created): (i64, DateTime<Utc>) = diesel::insert_into(peer_rows::table)
                        .values(&new_row(i))
                        .returning((peer_rows::id, peer_rows::created))
                        .get_result(conn)?;
                    check_created(created.timestamp());
                    ids += id;
                }
                QueryResult::Ok(ids)
            })
            .expect("inserts")
    }

    fn bulk_insert(&mut self, rows: &[NewRow]) {
        self.0
            .transaction(|conn| {
                for chunk in rows.chunks(ROWS_PER_INSERT) {
                    diesel::insert_into(peer_rows::table)
                        .values(chunk)
                        .execute(conn)?;
                }
                QueryResult::Ok(())
            })
            .expect("inserts")
    }

    fn read_all(&mut self) -> (usize, i64) {
        let rows: Vec<Row> = peer_rows::table
            .select(Row::as_select())
            .load(&mut self.0)
            .expect("reads");
        (rows.len(), rows.iter().map(|r| r.number).sum())
    }

    fn get(&mut self, id: i64) -> i64 {
        let r: Row = peer_rows::table
            .find(id)
            .select(Row::as_select())
            .first(&mut self.0)
            .expect("found");
        std::hint::black_box((&r.name, r.score, r.created, r.id));
        r.number
    }

    fn insert(&mut self, i: usize) {
        diesel::insert_into(peer_rows::table)
            .values(&new_row(i))
            .execute(&mut self.0)
            .expect("inserts");
    }

    fn count(&mut self) -> i64 {
        peer_rows::table
            .count()
            .get_result(&mut self.0)
            .expect("counts")
    }
}
