//! [`Exclusive`]: a value that one caller at a time may use, where a second caller gets an
//! error at once instead of waiting (a transaction's connection).
//!
//! A `Mutex` with `try_lock` would do, except that its guard may not move to another thread,
//! and a transaction's open cursor (which holds the guard) must be able to move with the async
//! stream that reads it.

use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};

/// A value with a try-only lock whose guard is `Send`.
pub(crate) struct Exclusive<T> {
    busy: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the value is only reached through a guard, and `busy` lets at most one guard exist
// (acquire/release order the accesses of successive holders), so sharing the cell hands the
// value from thread to thread but never to two at once: exactly what `T: Send` allows.
unsafe impl<T: Send> Sync for Exclusive<T> {}

impl<T> Exclusive<T> {
    pub(crate) fn new(value: T) -> Self {
        Exclusive {
            busy: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// The value, unless a guard on it exists already.
    pub(crate) fn try_lock(&self) -> Option<ExclusiveGuard<'_, T>> {
        self.busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| ExclusiveGuard { cell: self })
    }

    /// The value, through an exclusive borrow of the cell (no guard can exist then).
    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }
}

/// The one way to the value of an [`Exclusive`] while it lives.
pub(crate) struct ExclusiveGuard<'a, T> {
    cell: &'a Exclusive<T>,
}

impl<T> Deref for ExclusiveGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard is the only one (see `try_lock`) and lends the value only as long
        // as it is borrowed itself.
        unsafe { &*self.cell.value.get() }
    }
}

impl<T> DerefMut for ExclusiveGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this borrow the only one.
        unsafe { &mut *self.cell.value.get() }
    }
}

impl<T> Drop for ExclusiveGuard<'_, T> {
    fn drop(&mut self) {
        self.cell.busy.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::Exclusive;

    #[test]
    fn a_second_guard_is_refused_until_the_first_is_dropped() {
        let cell = Exclusive::new(1);
        let mut first = cell.try_lock().expect("free");
        *first += 1;
        assert!(cell.try_lock().is_none());
        let moved = std::thread::scope(|s| s.spawn(move || *first).join().unwrap());
        assert_eq!(moved, 2);
        assert_eq!(*cell.try_lock().expect("free again"), 2);
    }
}
