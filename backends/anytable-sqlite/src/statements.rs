//! A rusqlite connection that keeps its prepared statements with it in the pool.
//!
//! rusqlite's own `prepare_cached` moves a statement out of an LRU map and back on every use
//! (two hashes of the SQL, a list relink, clearing the bindings): about 1,300 instructions, more
//! than half of what anytable added to a single-row insert (measured with callgrind). Here a
//! statement stays where it is and is found by comparing the SQL text; a table's few statements
//! are found in a handful of comparisons.

use rusqlite::Statement;
use self_cell::self_cell;

use anytable_core::Result;

use crate::error::map_err;

/// Statements kept per connection; the oldest goes when a new one would exceed this.
const CAPACITY: usize = 64;

type Statements<'conn> = Vec<(Box<str>, Statement<'conn>)>;

self_cell!(
    /// A connection and the statements prepared on it, which borrow it.
    pub(crate) struct CachedConnection {
        owner: rusqlite::Connection,
        #[covariant]
        dependent: Statements,
    }
);

// SAFETY: the statements borrow only the connection they are stored with, so the two always
// move between threads together, and both are used by one thread at a time (`&mut self` for
// statements; the connection is `Send`). Nothing else can hold a reference to either.
unsafe impl Send for CachedConnection {}

impl CachedConnection {
    /// Wraps `conn` with an empty statement cache.
    pub(crate) fn wrap(conn: rusqlite::Connection) -> Self {
        CachedConnection::new(conn, |_| Vec::new())
    }

    /// The connection, for everything but cached statements.
    pub(crate) fn conn(&self) -> &rusqlite::Connection {
        self.borrow_owner()
    }

    /// Runs `f` on the statement for `sql`, prepared on first use and kept for the next; what
    /// `f` returns may go on borrowing the statement (a running query's rows).
    ///
    /// The statement comes reset from its last use (rusqlite resets after `execute` and when
    /// `Rows` drop), with its old bindings: callers bind every parameter.
    pub(crate) fn with_statement<'s, T>(
        &'s mut self,
        sql: &str,
        f: impl for<'conn> FnOnce(&'s mut Statement<'conn>) -> Result<T>,
    ) -> Result<T> {
        self.with_dependent_mut(|conn, statements| {
            let index = match statements.iter().position(|(text, _)| **text == *sql) {
                Some(index) => index,
                None => {
                    let statement = conn.prepare(sql).map_err(map_err)?;
                    if statements.len() >= CAPACITY {
                        statements.remove(0);
                    }
                    statements.push((sql.into(), statement));
                    statements.len() - 1
                }
            };
            f(&mut statements[index].1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_prepared_once_and_reused() {
        let mut conn = CachedConnection::wrap(rusqlite::Connection::open_in_memory().unwrap());
        conn.conn()
            .execute_batch("CREATE TABLE t (x INTEGER)")
            .unwrap();
        for x in 0..3 {
            conn.with_statement("INSERT INTO t VALUES (?1)", |st| {
                st.raw_bind_parameter(1, x).unwrap();
                st.raw_execute().map_err(map_err)
            })
            .unwrap();
        }
        let cached = conn.with_dependent(|_, statements| statements.len());
        assert_eq!(cached, 1);
        let sum: i64 = conn
            .conn()
            .query_row("SELECT sum(x) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sum, 3);
    }

    #[test]
    fn a_statement_that_fails_to_prepare_is_not_kept_and_the_oldest_goes_first() {
        let mut conn = CachedConnection::wrap(rusqlite::Connection::open_in_memory().unwrap());
        assert!(conn.with_statement("SELEC 1", |_| Ok(())).is_err());
        for i in 0..CAPACITY + 1 {
            conn.with_statement(&format!("SELECT {i}"), |_| Ok(()))
                .unwrap();
        }
        let (len, first) = conn.with_dependent(|_, s| (s.len(), s[0].0.to_string()));
        assert_eq!((len, first.as_str()), (CAPACITY, "SELECT 1"));
    }

    #[test]
    fn tables_can_be_dropped_while_their_statements_are_cached() {
        let mut conn = CachedConnection::wrap(rusqlite::Connection::open_in_memory().unwrap());
        conn.conn()
            .execute_batch("CREATE TABLE t (x INTEGER)")
            .unwrap();
        let read = |conn: &mut CachedConnection| {
            conn.with_statement("SELECT count(*) FROM t", |st| {
                let mut rows = st.raw_query();
                let row = rows.next().map_err(map_err)?.expect("a row");
                Ok(row.get::<_, i64>(0).unwrap())
            })
        };
        assert_eq!(read(&mut conn).unwrap(), 0);
        conn.conn().execute_batch("DROP TABLE t").unwrap();
        assert!(read(&mut conn).is_err());
        conn.conn()
            .execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)")
            .unwrap();
        assert_eq!(read(&mut conn).unwrap(), 1);
    }
}
