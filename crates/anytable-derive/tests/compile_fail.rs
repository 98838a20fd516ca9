//! Misuse of `#[derive(Record)]` and of typed filters is a compile error with a clear message.

#[test]
fn derive_errors() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass_full_declaration.rs");
    t.compile_fail("tests/ui/fail_*.rs");
}
