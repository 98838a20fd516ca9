//! What the generators may produce for the backends compared: NaN and the infinities only
//! where every one of them stores them.

use std::cell::Cell;

thread_local! {
    static NAN_STORED: Cell<bool> = const { Cell::new(false) };
}

/// Whether every backend compared stores NaN and the infinities (`stores_nan`), so that
/// written rows may hold them.
pub fn nan_stored() -> bool {
    NAN_STORED.with(Cell::get)
}

/// Sets [`nan_stored`] for the generators built on this thread from now on.
pub fn set_nan_stored(stored: bool) {
    NAN_STORED.with(|w| w.set(stored));
}
