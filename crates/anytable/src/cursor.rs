//! [`Cursor`]: a query's rows, pulled on the caller's thread from the connection it runs on,
//! which the cursor holds for as long as it lives: a pooled connection of its own, or the
//! connection of the transaction it reads in.

use std::ptr::NonNull;

use crate::database::{Database, Transaction};
use crate::exclusive::ExclusiveGuard;
use crate::trace::TracedConnection;
use anytable_core::Result;
use anytable_core::{Connection, Rows};
use anytable_core::{Value, ValueType};

/// A running query and the connection it borrows.
pub(crate) struct Cursor<'tx> {
    /// Borrows the connection in `held`; always dropped before it (see `Drop`).
    rows: Option<Box<dyn Rows + 'tx>>,
    /// The engine's own record batches instead of rows (`open_arrow` on a columnar engine);
    /// borrows the connection as `rows` does.
    #[cfg(feature = "arrow")]
    batches: Option<Box<dyn anytable_core::BatchRows + 'tx>>,
    held: Held<'tx>,
    /// A row failed to read or to decode: the transaction it ran in is aborted when the cursor
    /// is dropped (with the rows, since they borrow its connection).
    failed: bool,
}

/// Where the cursor's connection comes from.
enum Held<'tx> {
    /// From the pool, boxed so its address stays put; freed (and checked in) on drop.
    Pooled(NonNull<TracedConnection>),
    /// The transaction's, which no other call of it may use meanwhile.
    Transaction(&'tx Transaction, ExclusiveGuard<'tx, TracedConnection>),
}

// SAFETY: a `Pooled` cursor owns its boxed connection (`TracedConnection: Send`) and the rows
// borrowing it, and they move together; a `Transaction` cursor holds a guard, which is `Send`,
// and a shared reference to a `Sync` transaction. Nothing else reaches the connection while
// the cursor lives.
unsafe impl Send for Held<'_> {}

impl<'tx> Cursor<'tx> {
    /// Runs the query in `tx` if given, else on a pooled connection of `db`.
    pub(crate) fn open(
        db: &Database,
        tx: Option<&'tx Transaction>,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
    ) -> Result<Cursor<'tx>> {
        Cursor::start(db, tx, sql, params, types, false)
    }

    /// [`open`](Self::open), reading the engine's own record batches where it has them
    /// ([`Connection::query_arrow`]); [`next_batch`](Self::next_batch) then yields them.
    #[cfg(feature = "arrow")]
    pub(crate) fn open_arrow(
        db: &Database,
        tx: Option<&'tx Transaction>,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
    ) -> Result<Cursor<'tx>> {
        Cursor::start(db, tx, sql, params, types, true)
    }

    fn start(
        db: &Database,
        tx: Option<&'tx Transaction>,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
        columnar: bool,
    ) -> Result<Cursor<'tx>> {
        let (conn, held) = match tx {
            None => {
                let conn = NonNull::from(Box::leak(Box::new(db.read_connection()?)));
                (conn, Held::Pooled(conn))
            }
            Some(tx) => {
                let mut guard = tx.lock()?;
                (NonNull::from(&mut *guard), Held::Transaction(tx, guard))
            }
        };
        #[cfg_attr(not(feature = "arrow"), allow(unused_mut))]
        let mut cursor = Cursor {
            rows: None,
            #[cfg(feature = "arrow")]
            batches: None,
            held,
            failed: false,
        };
        // SAFETY: the connection stays where it is until `held` is dropped, after `rows`; the
        // cursor keeps the only path to it (a box it owns, or the transaction's one guard).
        let pointer = conn;
        let conn: &'tx mut TracedConnection = unsafe { &mut *pointer.as_ptr() };
        #[cfg(feature = "arrow")]
        if columnar && conn.has_query_arrow() {
            match conn.query_arrow(sql, params) {
                Ok(Some(batches)) => {
                    cursor.batches = Some(batches);
                    return Ok(cursor);
                }
                Ok(None) => {
                    // Not columnar after all: rows, on the same connection.
                    // SAFETY: as above; the call that borrowed it returned nothing borrowing it.
                    let conn: &'tx mut TracedConnection = unsafe { &mut *pointer.as_ptr() };
                    return Cursor::rows_on(cursor, conn, sql, params, types);
                }
                Err(e) => {
                    cursor.failed = true;
                    return Err(e);
                }
            }
        }
        let _ = columnar;
        Cursor::rows_on(cursor, conn, sql, params, types)
    }

    /// Starts the row query on `conn`, the connection `cursor` holds.
    fn rows_on(
        mut cursor: Cursor<'tx>,
        conn: &'tx mut TracedConnection,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
    ) -> Result<Cursor<'tx>> {
        match conn.query(sql, params, types) {
            Ok(rows) => cursor.rows = Some(rows),
            Err(e) => {
                cursor.failed = true;
                return Err(e);
            }
        }
        Ok(cursor)
    }

    /// Whether the rows come as the engine's record batches ([`next_batch`](Self::next_batch))
    /// rather than one at a time.
    #[cfg(feature = "arrow")]
    pub(crate) fn is_columnar(&self) -> bool {
        self.batches.is_some()
    }

    /// The engine's next record batch, or `None` after the last (or after an error).
    #[cfg(feature = "arrow")]
    pub(crate) fn next_batch(
        &mut self,
    ) -> Result<Option<anytable_core::arrow::record_batch::RecordBatch>> {
        if self.failed {
            return Ok(None);
        }
        let Some(batches) = self.batches.as_mut() else {
            return Ok(None);
        };
        let next = batches.next_batch();
        if next.is_err() {
            self.failed = true;
        }
        next
    }

    /// The next row, or `None` after the last (or after an error).
    pub(crate) fn next(&mut self) -> Result<Option<&mut [Value]>> {
        if self.failed {
            return Ok(None);
        }
        let Some(rows) = self.rows.as_mut() else {
            return Ok(None);
        };
        let next = rows.next();
        if next.is_err() {
            self.failed = true;
        }
        next
    }

    /// The next row decoded by `decode`, for an `Iterator`: `None` after the last, and a row
    /// that does not decode fails the query like a read error.
    pub(crate) fn next_decoded<T>(
        &mut self,
        decode: impl FnOnce(&mut [Value]) -> Result<T>,
    ) -> Option<Result<T>> {
        let decoded = match self.next() {
            Ok(Some(values)) => decode(values),
            Ok(None) => return None,
            Err(e) => return Some(Err(e)),
        };
        if decoded.is_err() {
            self.fail();
        }
        Some(decoded)
    }

    /// Marks the query as failed (a row did not decode, a callback failed): it yields no more
    /// rows, and a transaction it runs in is rolled back when it is dropped.
    pub(crate) fn fail(&mut self) {
        self.failed = true;
    }
}

impl Drop for Cursor<'_> {
    fn drop(&mut self) {
        drop(self.rows.take());
        #[cfg(feature = "arrow")]
        drop(self.batches.take());
        match &mut self.held {
            Held::Pooled(conn) => {
                // SAFETY: leaked from a box in `open`; the rows borrowing it are gone.
                drop(unsafe { Box::from_raw(conn.as_ptr()) });
            }
            Held::Transaction(tx, guard) => {
                if self.failed {
                    tx.abort(guard);
                }
            }
        }
    }
}
