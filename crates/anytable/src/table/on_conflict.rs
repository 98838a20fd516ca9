//! [`OnConflict`]: what an upsert does when the row it writes collides with another.

use std::marker::PhantomData;

use anytable_core::sql::{Conflict, ConflictAction};
use anytable_core::{Column, Record};

/// What [`Table::upsert`](crate::Table::upsert) does when the row conflicts with an existing one.
pub struct OnConflict<R> {
    conflict: Conflict,
    _record: PhantomData<fn() -> R>,
}

impl<R> OnConflict<R> {
    pub(crate) fn conflict(&self) -> &Conflict {
        &self.conflict
    }

    /// Conflicts are detected on this unique column (add more with [`and`](Self::and)).
    /// The default action is to do nothing.
    pub fn column<T>(column: Column<R, T>) -> Self {
        OnConflict {
            conflict: Conflict {
                target: vec![column.name()],
                action: ConflictAction::DoNothing,
            },
            _record: PhantomData,
        }
    }

    /// Adds a column to a multi-column unique target.
    pub fn and<T>(mut self, column: Column<R, T>) -> Self {
        self.conflict.target.push(column.name());
        self
    }

    /// Keep the existing row untouched.
    pub fn do_nothing(mut self) -> Self {
        self.conflict.action = ConflictAction::DoNothing;
        self
    }

    /// Overwrite this column of the existing row with the new value (call once per column).
    pub fn update<T>(mut self, column: Column<R, T>) -> Self {
        match &mut self.conflict.action {
            ConflictAction::Update(columns) => columns.push(column.name()),
            action => *action = ConflictAction::Update(vec![column.name()]),
        }
        self
    }
}

impl<R: Record> OnConflict<R> {
    /// Overwrite every data column that is not part of the conflict target.
    pub fn update_all(mut self) -> Self {
        let target = &self.conflict.target;
        let columns = R::schema()
            .data_columns()
            .filter(|c| !target.iter().any(|t| *t == c.name))
            .map(|c| c.name.as_str())
            .collect();
        self.conflict.action = ConflictAction::Update(columns);
        self
    }
}
