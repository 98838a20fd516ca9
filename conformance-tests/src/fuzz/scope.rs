//! Which generators are on: the default scope leaves out the neighbourhoods of differences
//! not yet resolved (listed in [`GAPS`]); the wide scope turns every generator on, to look at
//! them.

use std::cell::Cell;

/// What the default scope leaves out, and why: each is an open difference between engines.
pub const GAPS: &[&str] = &[
    "sum and avg of f64 and f32 columns, and avg of i64 columns past 2^53: each engine rounds \
     its own way (compensated or naive summation, f32 accumulation, the sum rounded before \
     the division); the default scope sums and averages only the narrow integer columns",
];

thread_local! {
    static WIDE: Cell<bool> = const { Cell::new(false) };
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

/// Whether generators built on this thread include the neighbourhoods in [`GAPS`].
pub fn wide() -> bool {
    WIDE.with(Cell::get)
}

/// Sets the scope for the generators built on this thread from now on.
pub fn set_wide(wide: bool) {
    WIDE.with(|w| w.set(wide));
}
