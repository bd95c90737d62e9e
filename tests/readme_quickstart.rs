//! The README's quick start must be `examples/quickstart.rs` byte for byte: the example is
//! compiled (and run by `cargo run --example quickstart`), so the README never shows code that
//! does not build.

const README: &str = include_str!("../README.md");
const QUICKSTART: &str = include_str!("../examples/quickstart.rs");

/// The first ```` ```rust ```` block after the `## Quick start` heading.
fn readme_quick_start() -> Option<&'static str> {
    let section = README.split("\n## Quick start\n").nth(1)?;
    let block = section.split("```rust\n").nth(1)?;
    block.split("\n```").next().map(|code| code.trim_end())
}

#[test]
fn readme_quick_start_is_examples_quickstart() {
    let shown = readme_quick_start().expect("README.md has a ```rust block under ## Quick start");
    assert_eq!(
        shown,
        QUICKSTART.trim_end(),
        "README.md's quick start and examples/quickstart.rs differ: copy the example into the README"
    );
}

#[test]
fn readme_quick_start_stays_short() {
    let lines = QUICKSTART.trim_end().lines().count();
    assert!(
        lines <= 20,
        "the quick start has {lines} lines; keep it to 20"
    );
}
