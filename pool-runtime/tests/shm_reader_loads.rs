//! Readers may map a shared-memory ring read-only (`ShmRing::open_read_only`), and Rust defines
//! atomic accesses to read-only memory only for `Relaxed` loads of at most the pointer size
//! (`core::sync::atomic`, "Atomic accesses to read-only memory"). So every atomic load in the
//! reader-side code must be `Relaxed` (an Acquire load is spelled `region::load_acquire`: a
//! `Relaxed` load and an `Acquire` fence). This test reads that code and checks it.
#![cfg(not(loom))]

/// The shm sources a reader of a read-only mapping executes (the writer's `writer.rs` and the
/// loom tests are left out).
const READER_SIDE: [(&str, &str); 5] = [
    ("reader.rs", include_str!("../src/shm/reader.rs")),
    ("bulk.rs", include_str!("../src/shm/bulk.rs")),
    ("copy.rs", include_str!("../src/shm/copy.rs")),
    ("liveness.rs", include_str!("../src/shm/liveness.rs")),
    ("region.rs", include_str!("../src/shm/region.rs")),
];

#[test]
fn every_atomic_load_a_reader_makes_is_relaxed() {
    let mut offending = Vec::new();
    for (file, source) in READER_SIDE {
        for (number, line) in source.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for (at, _) in code.match_indices(".load(Ordering::") {
                let ordering = &code[at + ".load(Ordering::".len()..];
                if !ordering.starts_with("Relaxed") {
                    offending.push(format!("{file}:{}: {}", number + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offending.is_empty(),
        "non-Relaxed atomic loads on a possibly read-only mapping (use `load_acquire`):\n{}",
        offending.join("\n")
    );
}
