//! What the example tests share: finding the example programs `cargo test` has built.

use std::path::PathBuf;

/// The example program `name`, built next to this test binary (`cargo test` builds the
/// examples of the package before running its tests).
pub fn example(name: &str) -> PathBuf {
    let test_exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/<test> -> target/<profile>/examples/<name>
    let profile_dir = test_exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary is in target/<profile>/deps");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is not built: run the tests with `cargo test` (which builds the examples), or \
         `cargo build --examples` first",
        path.display()
    );
    path
}
