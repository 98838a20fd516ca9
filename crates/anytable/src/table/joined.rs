//! [`Joined`]: the records of one table with the records their foreign key references,
//! inner (`(R, P)`) or left (`(R, Option<P>)`).

use std::marker::PhantomData;

use anytable_core::sql::{self, JoinKind, JoinSide};
use anytable_core::{Column, Filter, Order, OrderKey, Record, Result, Value, ValueType};

use super::TableHandle;
use crate::cursor::Cursor;
use crate::database::Transaction;

/// What a join returns for the referenced record: `P` in an inner join, `Option<P>` in a left
/// join (`None` where the row has no partner).
pub trait JoinedRecord<P: Record>: Sized {
    /// The join that returns this.
    const KIND: JoinKind;
    /// Builds it from the referenced record's columns; `id_at` is the position of its id.
    fn read(values: &mut [Value], id_at: usize) -> Result<Self>;
}

impl<P: Record> JoinedRecord<P> for P {
    const KIND: JoinKind = JoinKind::Inner;
    fn read(values: &mut [Value], _: usize) -> Result<Self> {
        P::read_values(values)
    }
}

impl<P: Record> JoinedRecord<P> for Option<P> {
    const KIND: JoinKind = JoinKind::Left;
    fn read(values: &mut [Value], id_at: usize) -> Result<Self> {
        // The id is never NULL in a stored row: NULL there means no partner.
        if values.get(id_at).is_none_or(Value::is_null) {
            return Ok(None);
        }
        P::read_values(values).map(Some)
    }
}

/// A query of record `R` joined with record `P` through a foreign key of `R`
/// (`#[anytable(references = P)]`); from [`Select::join`](crate::Select::join) (rows as
/// `(R, P)`, only those with a partner) or [`Select::left_join`](crate::Select::left_join)
/// (`(R, Option<P>)`, every row of `R`).
///
/// ```
/// use anytable::{Database, Record};
///
/// #[derive(Record, Debug)]
/// struct Author { #[anytable(id)] id: i64, name: String }
///
/// #[derive(Record, Debug)]
/// struct Book {
///     #[anytable(id)]
///     id: i64,
///     title: String,
///     #[anytable(references = Author)]
///     author: Option<i64>,
/// }
///
/// let db = Database::open("sqlite::memory:")?;
/// let authors = db.table::<Author>()?;
/// let books = db.table::<Book>()?;
/// let le_guin = authors.insert(&mut Author { id: 0, name: "Le Guin".into() })?;
/// books.insert(&mut Book { id: 0, title: "The Dispossessed".into(), author: Some(le_guin) })?;
/// books.insert(&mut Book { id: 0, title: "Beowulf".into(), author: None })?;
/// let shelf = books.select().left_join::<Author, _>(Book::author())
///     .order_by(Book::title().asc())
///     .all()?;
/// let names: Vec<Option<String>> = shelf.into_iter().map(|(_, a)| a.map(|a| a.name)).collect();
/// assert_eq!(names, [None, Some("Le Guin".to_string())]);
/// # Ok::<(), anytable::Error>(())
/// ```
pub struct Joined<'tx, R, P, J> {
    table: TableHandle<'tx, R>,
    via: &'static str,
    left: Option<Filter<R>>,
    right: Option<Filter<P>>,
    order: Vec<(JoinSide, OrderKey)>,
    limit: Option<u64>,
    offset: Option<u64>,
    _joined: PhantomData<fn() -> J>,
}

impl<'tx, R: Record, P: Record, J: JoinedRecord<P>> Joined<'tx, R, P, J> {
    /// The database it reads (the async API queues for its pool).
    #[cfg(feature = "async")]
    pub(crate) fn database(&self) -> &crate::Database {
        self.table.database()
    }

    pub(super) fn new<C>(
        table: TableHandle<'tx, R>,
        query: super::Query<R>,
        via: Column<R, C>,
    ) -> Self {
        Joined {
            table,
            via: via.name(),
            left: query.filter,
            right: None,
            order: query
                .order
                .into_iter()
                .map(|k| (JoinSide::Left, k))
                .collect(),
            limit: query.limit,
            offset: query.offset,
            _joined: PhantomData,
        }
    }

    /// Keeps rows of `R` matching `filter` (and any filter given before).
    pub fn filter(mut self, filter: Filter<R>) -> Self {
        self.left = Some(match self.left.take() {
            Some(f) => f.and(filter),
            None => filter,
        });
        self
    }

    /// Keeps rows whose partner matches `filter`. In a left join it applies after the join:
    /// a row without a partner has NULL in every column of `P`, so only `is_null` filters keep
    /// it.
    pub fn filter_joined(mut self, filter: Filter<P>) -> Self {
        self.right = Some(match self.right.take() {
            Some(f) => f.and(filter),
            None => filter,
        });
        self
    }

    /// Sorts by a column of `R`, after any key given before.
    pub fn order_by(mut self, order: Order<R>) -> Self {
        self.order.push((JoinSide::Left, order.key()));
        self
    }

    /// Sorts by a column of the partner, after any key given before (in a left join, rows
    /// without one sort as NULLs do).
    pub fn order_by_joined(mut self, order: Order<P>) -> Self {
        self.order.push((JoinSide::Right, order.key()));
        self
    }

    /// Returns at most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// This query inside `tx`, a transaction of the same database.
    pub fn within<'t>(self, tx: &'t Transaction) -> Result<Joined<'t, R, P, J>> {
        Ok(Joined {
            table: self.table.within(tx)?,
            via: self.via,
            left: self.left,
            right: self.right,
            order: self.order,
            limit: self.limit,
            offset: self.offset,
            _joined: PhantomData,
        })
    }

    /// The SQL, its parameters, and how to decode its rows.
    fn build(&self) -> Result<(String, Vec<Value>, Layout)> {
        let partner = self.table.sibling::<P>()?;
        if let Some(filter) = &self.left {
            self.table.check_filter(filter)?;
        }
        if let Some(filter) = &self.right {
            partner.check_filter(filter)?;
        }
        let left_schema = self.table.state().schema;
        let right_schema = partner.state().schema;
        let spec = sql::JoinSpec {
            kind: J::KIND,
            via: self.via,
            left: self.left.as_ref().map(Filter::condition),
            right: self.right.as_ref().map(Filter::condition),
            order: &self.order,
            limit: self.limit,
            offset: self.offset,
        };
        let (sql, params) = sql::join(self.table.dialect(), left_schema, right_schema, &spec)?;
        let mut types = self.table.state().statements.column_types.clone();
        types.extend_from_slice(&partner.state().statements.column_types);
        let layout = Layout {
            types,
            split: left_schema.columns.len(),
            id_at: right_schema
                .id_column()
                .and_then(|id| right_schema.position(&id.name))
                .unwrap_or(0),
        };
        Ok((sql, params, layout))
    }

    /// Runs the query and collects every row.
    pub fn all(self) -> Result<Vec<(R, J)>> {
        self.iter()?.collect()
    }

    /// The first row, if any.
    pub fn first(self) -> Result<Option<(R, J)>> {
        self.limit(1).iter()?.next().transpose()
    }

    /// The rows as an iterator read as it is advanced (flat memory), as
    /// [`Select::iter`](crate::Select::iter).
    pub fn iter(self) -> Result<JoinIter<'tx, R, P, J>> {
        let (sql, params, layout) = self.build()?;
        Ok(JoinIter {
            cursor: self.table.open_cursor(&sql, &params, &layout.types)?,
            layout,
            _rows: PhantomData,
        })
    }
}

/// Where one side's columns end and where the partner's id is.
struct Layout {
    types: Vec<ValueType>,
    split: usize,
    id_at: usize,
}

/// What a [`JoinIter`] yields, as a marker.
type JoinRows<R, P, J> = fn() -> (R, P, J);

/// The rows of a [`Joined`] query, read as it is advanced.
pub struct JoinIter<'tx, R, P, J> {
    cursor: Cursor<'tx>,
    layout: Layout,
    _rows: PhantomData<JoinRows<R, P, J>>,
}

impl<R: Record, P: Record, J: JoinedRecord<P>> Iterator for JoinIter<'_, R, P, J> {
    type Item = Result<(R, J)>;

    fn next(&mut self) -> Option<Result<(R, J)>> {
        let (split, id_at) = (self.layout.split, self.layout.id_at);
        self.cursor.next_decoded(|values| {
            let (left, right) = values.split_at_mut(split);
            Ok((R::read_values(left)?, J::read(right, id_at)?))
        })
    }
}
