//! Instructions per allocate + drop of a 64-byte message, for callgrind (not a benchmark: see
//! `scripts/alloc-instructions`, which runs each mode for N and 2N iterations and prints the
//! difference over N, so that setup and teardown cancel out).
//!
//! `alloc_instructions <mode> <iterations>`; modes: `local`, `shared`, `mimalloc` (allocate, write,
//! drop), `clone_local`, `clone_shared` (allocate, clone, drop both), `local_k16`, `shared_k16`,
//! `mimalloc_k16` (allocate 16, then drop them; the count is per 16), `orphan_local`,
//! `orphan_shared` (allocate every message first, drop the pools, then the messages: their
//! orphaned drops and the pools' scan; at most 32768 iterations), `cross_local`, `cross_shared`
//! (allocate batches of 64 on this thread, drop them on another, which never allocates; the
//! hand-off is a `std::sync::mpsc` channel, whose cost is in the count).
//!
//! `Box` with mimalloc is `MiMalloc` used as a plain allocator, as in `benches/alloc.rs`.

use std::alloc::{GlobalAlloc, Layout};
use std::hint::black_box;

use mimalloc::MiMalloc;
use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::{LocalPools, PoolConfig, PooledMessage, Pools, RingPtr, SizeClass};

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Msg64 {
    words: [u64; 8],
}

const HELD: usize = 16;
/// Iterations run before the measured ones (arenas created, magazines filled, heaps warm).
const WARM_UP: u64 = 1000;

fn config() -> PoolConfig {
    PoolConfig::empty().with_capacity(SizeClass::XS, 1024)
}

#[inline(never)]
fn local(pools: &mut LocalPools, n: u64) {
    for i in 0..n {
        let p = pools.allocate(Msg64 { words: [i; 8] }).unwrap();
        black_box(&*p);
    }
}

#[inline(never)]
fn shared(pools: &Pools, n: u64) {
    for i in 0..n {
        let p = pools.allocate(Msg64 { words: [i; 8] }).unwrap();
        black_box(&*p);
    }
}

#[inline(never)]
fn clone_local(pools: &mut LocalPools, n: u64) {
    for i in 0..n {
        let p = pools.allocate(Msg64 { words: [i; 8] }).unwrap();
        let q = black_box(RingPtr::clone(&p));
        drop(p);
        black_box(&*q);
    }
}

#[inline(never)]
fn clone_shared(pools: &Pools, n: u64) {
    for i in 0..n {
        let p = pools.allocate(Msg64 { words: [i; 8] }).unwrap();
        let q = black_box(RingPtr::clone(&p));
        drop(p);
        black_box(&*q);
    }
}

#[inline(never)]
fn local_k(pools: &mut LocalPools, n: u64, held: &mut Vec<RingPtr<Msg64>>) {
    for i in 0..n {
        for _ in 0..HELD {
            held.push(pools.allocate(Msg64 { words: [i; 8] }).unwrap());
        }
        black_box(&*held);
        held.clear();
    }
}

#[inline(never)]
fn shared_k(pools: &Pools, n: u64, held: &mut Vec<RingPtr<Msg64>>) {
    for i in 0..n {
        for _ in 0..HELD {
            held.push(pools.allocate(Msg64 { words: [i; 8] }).unwrap());
        }
        black_box(&*held);
        held.clear();
    }
}

/// One `Box::new` of a `Msg64` through mimalloc, written: the pointer, never null.
#[inline(always)]
fn mimalloc_box(i: u64) -> *mut Msg64 {
    // SAFETY: a non-zero-sized layout.
    let p = unsafe { MiMalloc.alloc(Layout::new::<Msg64>()) }.cast::<Msg64>();
    assert!(!p.is_null());
    // SAFETY: `p` is a fresh allocation of a `Msg64`'s layout.
    unsafe { p.write(Msg64 { words: [i; 8] }) };
    p
}

/// Frees a pointer from `mimalloc_box`.
#[inline(always)]
fn mimalloc_free(p: *mut Msg64) {
    // SAFETY: allocated by `mimalloc_box` with this layout, freed once.
    unsafe { MiMalloc.dealloc(p.cast(), Layout::new::<Msg64>()) };
}

#[inline(never)]
fn mimalloc(n: u64) {
    for i in 0..n {
        let p = mimalloc_box(i);
        // SAFETY: written by `mimalloc_box`, not freed yet.
        black_box(unsafe { &*p });
        mimalloc_free(p);
    }
}

#[inline(never)]
fn mimalloc_k(n: u64, held: &mut Vec<*mut Msg64>) {
    for i in 0..n {
        for _ in 0..HELD {
            held.push(mimalloc_box(i));
        }
        black_box(&*held);
        held.drain(..).for_each(mimalloc_free);
    }
}

/// Capacity of the orphan modes' pools (their iterations are all alive at once).
const ORPHAN_CAPACITY: usize = 65536;

#[inline(never)]
fn orphan_local(n: u64) {
    let mut pools =
        LocalPools::new(PoolConfig::empty().with_capacity(SizeClass::XS, ORPHAN_CAPACITY));
    let messages: Vec<_> = (0..n)
        .map(|i| pools.allocate(Msg64 { words: [i; 8] }).unwrap())
        .collect();
    drop(pools);
    drop(black_box(messages));
}

#[inline(never)]
fn orphan_shared(n: u64) {
    let pools = Pools::new(PoolConfig::empty().with_capacity(SizeClass::XS, ORPHAN_CAPACITY));
    let messages: Vec<_> = (0..n)
        .map(|i| pools.allocate(Msg64 { words: [i; 8] }).unwrap())
        .collect();
    drop(pools);
    drop(black_box(messages));
}

/// Batches of 64 allocated here and dropped by a second thread (see the module docs).
fn cross(n: u64, mut allocate: impl FnMut(u64) -> RingPtr<Msg64>) {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<RingPtr<Msg64>>>(4);
        scope.spawn(move || rx.into_iter().for_each(drop));
        for batch in 0..n / 64 {
            tx.send((0..64).map(|i| allocate(batch * 64 + i)).collect())
                .unwrap();
        }
    });
}

#[inline(never)]
fn cross_local(pools: &mut LocalPools, n: u64) {
    cross(n, |i| {
        loop {
            if let Ok(p) = pools.allocate(Msg64 { words: [i; 8] }) {
                break p;
            }
            std::thread::yield_now();
        }
    });
}

#[inline(never)]
fn cross_shared(pools: &Pools, n: u64) {
    cross(n, |i| {
        loop {
            if let Ok(p) = pools.allocate(Msg64 { words: [i; 8] }) {
                break p;
            }
            std::thread::yield_now();
        }
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(Ok(n))) = (args.get(1), args.get(2).map(|n| n.parse::<u64>())) else {
        eprintln!("usage: alloc_instructions <mode> <iterations> (modes: see the source)");
        std::process::exit(2);
    };
    let mut held = Vec::with_capacity(HELD);
    let mut held_raw = Vec::with_capacity(HELD);
    match mode.as_str() {
        "local" | "clone_local" | "local_k16" | "cross_local" => {
            let mut pools = LocalPools::new(config());
            for n in [WARM_UP, n] {
                match mode.as_str() {
                    "local" => local(&mut pools, n),
                    "clone_local" => clone_local(&mut pools, n),
                    "cross_local" => cross_local(&mut pools, n),
                    _ => local_k(&mut pools, n, &mut held),
                }
            }
        }
        "shared" | "clone_shared" | "shared_k16" | "cross_shared" => {
            let pools = Pools::new(config());
            for n in [WARM_UP, n] {
                match mode.as_str() {
                    "shared" => shared(&pools, n),
                    "clone_shared" => clone_shared(&pools, n),
                    "cross_shared" => cross_shared(&pools, n),
                    _ => shared_k(&pools, n, &mut held),
                }
            }
        }
        "orphan_local" => [WARM_UP, n].into_iter().for_each(orphan_local),
        "orphan_shared" => [WARM_UP, n].into_iter().for_each(orphan_shared),
        "mimalloc" => [WARM_UP, n].into_iter().for_each(mimalloc),
        "mimalloc_k16" => [WARM_UP, n]
            .into_iter()
            .for_each(|n| mimalloc_k(n, &mut held_raw)),
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2);
        }
    }
}
