//! Compile-time behaviour of the derives, checked with trybuild against the `.stderr` files in
//! `ui-tests/`. The files are blessed on the toolchain pinned in `rust-toolchain.toml`; after an
//! intended change, re-bless with `TRYBUILD=overwrite cargo test --test ui` and read every diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui-tests/pass/*.rs");
    for category in [
        "size",
        "repr",
        "shape",
        "attr",
        "pod",
        "message_set",
        "message",
        "api",
    ] {
        cases.compile_fail(format!("ui-tests/{category}/*.rs"));
    }
}

/// The zerocopy and validated forms, which need the `zerocopy` feature.
#[cfg(feature = "zerocopy")]
#[test]
fn ui_zerocopy() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui-tests/zerocopy-pass/*.rs");
    cases.compile_fail("ui-tests/zerocopy/*.rs");
}
