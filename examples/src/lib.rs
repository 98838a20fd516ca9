//! Runnable examples live beside this crate; see the [[example]] entries.
