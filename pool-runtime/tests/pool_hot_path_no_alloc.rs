//! After warm-up, allocate / clone / drop / downgrade / upgrade perform no heap allocation: a
//! counting global allocator sees none.
#![cfg(not(loom))]

mod counting_alloc;

use counting_alloc::{Counting, allocations, set_counting};

use pool_runtime::bytemuck::{Pod, Zeroable};
use pool_runtime::{
    LocalPools, PoolConfig, PooledMessage, Pools, RingPtr, SizeClass, allocate_from_pool,
};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Event {
    words: [u64; 12],
}

/// One test function: the counter is process-wide, so nothing else may run concurrently.
#[test]
fn hot_paths_do_not_allocate() {
    let config = PoolConfig::empty().with_capacity(SizeClass::S, 64);
    let mut local = LocalPools::new(config);
    let shared = Pools::new(config);
    let mut held = Vec::with_capacity(64);
    let mut run = |local: &mut LocalPools| {
        for i in 0..10_000u64 {
            let a = local.allocate(Event { words: [i; 12] }).unwrap();
            let b = shared.allocate(Event { words: [i; 12] }).unwrap();
            let c = allocate_from_pool(Event { words: [i; 12] }).unwrap();
            let a2 = a.clone();
            let weak = RingPtr::downgrade(&b);
            let up = weak.upgrade().unwrap();
            assert_eq!(a2.words[0] + up.words[0] + c.words[0], 3 * i);
            let bytes = local.allocate_bytes(100).unwrap();
            held.push(a2);
            if held.len() == 48 {
                held.clear(); // 48 of 64 slots held, then all dropped: wraps around the class
            }
            drop((a, b, c, up, weak, bytes));
        }
        held.clear();
    };
    run(&mut local); // warm-up: creates this thread's pools for allocate_from_pool
    set_counting(true);
    run(&mut local);
    set_counting(false);
    assert_eq!(allocations(), 0, "heap allocations on the hot path");
}
