//! Memory is committed as it is used: a thread's first `allocate_from_pool` and a large class's
//! first message cost kilobytes of resident memory, not the class's capacity. Reads `VmRSS` from
//! `/proc/self/status` (Linux only; skipped elsewhere). One test function, so no other test thread
//! of this binary allocates while it measures.
#![cfg(not(loom))]

use pool_runtime::bytemuck::{Pod, Zeroable};
use pool_runtime::{LocalPools, PoolConfig, PooledMessage, Pools, SizeClass, allocate_from_pool};

#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Tick {
    price: u64,
}

/// Whether resident memory measures our pages: not under a sanitizer (shadow memory) or valgrind
/// (its own heap), which the CI scripts run these tests under too.
fn rss_is_ours() -> bool {
    let under_valgrind = std::env::var("LD_PRELOAD").is_ok_and(|p| p.contains("vgpreload"));
    !(cfg!(ringpool_asan) || cfg!(ringpool_tsan) || under_valgrind)
}

/// The process's resident set in bytes, where `/proc/self/status` has it.
fn resident_bytes() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

const KIB: usize = 1024;

#[test]
fn memory_is_committed_as_slots_are_used() {
    if resident_bytes().is_none() || !rss_is_ours() {
        eprintln!("skipped: no /proc/self/status VmRSS here, or it counts a tool's memory");
        return;
    }

    // Warm-up on a throwaway thread: the global config, the process's membarrier registration,
    // the allocator's per-thread arenas and the thread machinery itself are set up once per
    // process, not per thread.
    std::thread::spawn(|| drop(allocate_from_pool(Tick { price: 0 }).unwrap()))
        .join()
        .unwrap();

    // A fresh thread's first allocate_from_pool (default configuration: 2.25 MiB of payload
    // reserved across the classes).
    let growth = std::thread::spawn(|| {
        let before = resident_bytes().unwrap();
        let tick = allocate_from_pool(Tick { price: 1 }).unwrap();
        let after = resident_bytes().unwrap();
        assert_eq!(tick.price, 1);
        after.saturating_sub(before)
    })
    .join()
    .unwrap();
    eprintln!(
        "first allocate_from_pool on a fresh thread: +{} KiB resident",
        growth / KIB
    );
    assert!(
        growth <= 64 * KIB,
        "a thread's first message costs {} KiB resident (limit 64 KiB)",
        growth / KIB
    );

    // A class reserved for a million messages (64 MiB of payload, 8 MiB of state words) costs
    // only the pages its first messages touch.
    let big = PoolConfig::empty().with_capacity(SizeClass::XS, 1 << 20);
    let before = resident_bytes().unwrap();
    let mut local = LocalPools::new(big);
    let shared = Pools::new(big);
    let held: Vec<_> = (0..100)
        .flat_map(|price| {
            [
                local.allocate(Tick { price }).unwrap(),
                shared.allocate(Tick { price }).unwrap(),
            ]
        })
        .collect();
    let growth = resident_bytes().unwrap().saturating_sub(before);
    eprintln!(
        "two 1 Mi-slot classes with 100 messages each: +{} KiB resident",
        growth / KIB
    );
    assert!(
        growth <= 1024 * KIB,
        "two classes of 72 MiB each cost {} KiB resident after 100 messages each (limit 1 MiB)",
        growth / KIB
    );
    drop(held);
}
