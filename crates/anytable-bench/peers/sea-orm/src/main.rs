//! SeaORM as its docs show: a `DeriveEntityModel` entity, `ActiveModel::insert` (which hands the
//! row back through RETURNING), `insert_many` for bulk (in slices under the engine's limit of
//! bound parameters, in one transaction), `find().all()`, `find_by_id().one()`, one pooled
//! `DatabaseConnection` shared by every task, statement logging off.

use std::time::Duration;

use peer_kit::{async_run, check_created, name, number, score, unsupported, Args, Backend};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ActiveModelTrait, ConnectOptions, Database, DatabaseConnection, EntityTrait, PaginatorTrait,
    Set, TransactionTrait,
};

mod peer_row {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "peer_rows")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub number: i64,
        pub score: f64,
        pub created: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use peer_row::{ActiveModel, Entity};

fn active(i: usize) -> ActiveModel {
    ActiveModel {
        name: Set(name(i)),
        number: Set(number(i)),
        score: Set(score(i)),
        ..Default::default()
    }
}

/// The pool every task shares, and the rows one bulk statement may carry.
struct Client {
    db: DatabaseConnection,
    rows_per_insert: usize,
}

impl async_run::Client for Client {
    type Row = ActiveModel;

    fn make(i: usize) -> ActiveModel {
        active(i)
    }

    async fn single_inserts(&mut self, rows: usize) -> i64 {
        let txn = self.db.begin().await.expect("begins");
        let mut ids = 0;
        for i in 0..rows {
            let model = active(i).insert(&txn).await.expect("inserts");
            check_created(model.created.timestamp());
            ids += model.id;
        }
        txn.commit().await.expect("commits");
        ids
    }

    async fn bulk_insert(&mut self, rows: &[ActiveModel]) {
        let txn = self.db.begin().await.expect("begins");
        for chunk in rows.chunks(self.rows_per_insert) {
            Entity::insert_many(chunk.iter().cloned())
                .exec(&txn)
                .await
                .expect("inserts");
        }
        txn.commit().await.expect("commits");
    }

    async fn read_all(&mut self) -> (usize, i64) {
        let rows = Entity::find().all(&self.db).await.expect("reads");
        (rows.len(), rows.iter().map(|r| r.number).sum())
    }

    async fn get(&mut self, id: i64) -> i64 {
        let r = Entity::find_by_id(id)
            .one(&self.db)
            .await
            .expect("reads")
            .expect("found");
        std::hint::black_box((&r.name, r.score, r.created, r.id));
        r.number
    }

    async fn insert(&mut self, i: usize) {
        Entity::insert(active(i))
            .exec(&self.db)
            .await
            .expect("inserts");
    }

    async fn count(&mut self) -> i64 {
        Entity::find().count(&self.db).await.expect("counts") as i64
    }
}

fn main() {
    let args = Args::from_env();
    let threads = (args.writers + args.readers).max(1) as u32;
    let (url, rows_per_insert) = match args.backend {
        Backend::Sqlite => (format!("sqlite://{}", args.target), 32766 / 3),
        Backend::Postgres => (args.target.clone(), 65535 / 3),
        Backend::Duckdb => unsupported("SeaORM has no DuckDB backend"),
    };
    let outcome = async_run::runtime().block_on(async {
        let mut options = ConnectOptions::new(url);
        options
            .max_connections(threads)
            .min_connections(threads)
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(30))
            });
        let db = Database::connect(options).await.expect("connects");
        async_run::run(&args, || {
            let db = db.clone();
            async move {
                Client {
                    db,
                    rows_per_insert,
                }
            }
        })
        .await
    });
    outcome.report();
}
