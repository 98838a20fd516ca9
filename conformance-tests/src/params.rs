//! Sizes of the concurrency and multi-process cases: small by default so `scripts/test` stays
//! quick, raised for a stress run through environment variables (which worker processes inherit)
//! or the runner's flags of the same names.

/// A positive whole number from `var`, else `default`.
fn setting(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// Multiplier for the seed scenarios' thread counts (`ANYTABLE_CONFORMANCE_SCALE`, default 1).
pub fn scale() -> usize {
    setting("ANYTABLE_CONFORMANCE_SCALE", 1)
}

/// Writer threads in the scaled concurrency cases (`ANYTABLE_CONFORMANCE_THREADS`, default 16).
pub fn threads() -> usize {
    setting("ANYTABLE_CONFORMANCE_THREADS", 16)
}

/// Rows each writer thread inserts (`ANYTABLE_CONFORMANCE_ROWS`, default 100); writer processes
/// insert five times as many.
pub fn rows() -> usize {
    setting("ANYTABLE_CONFORMANCE_ROWS", 100)
}

/// Writer processes in the scaled multi-process case (`ANYTABLE_CONFORMANCE_PROCESSES`,
/// default 4).
pub fn processes() -> usize {
    setting("ANYTABLE_CONFORMANCE_PROCESSES", 4)
}
