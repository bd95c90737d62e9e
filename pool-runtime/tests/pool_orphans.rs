//! Dropping an allocator (or exiting the thread that owns one) while its messages live: the
//! memory stays valid, and is reclaimed once the last message and weak handle are gone. One test
//! function, so the process-wide count of orphaned arenas is this test's alone.
#![cfg(not(loom))]

use pool_runtime::bytemuck::{Pod, Zeroable};
use pool_runtime::{
    __orphaned_arenas, __sweep_orphaned_arenas, LocalPools, PoolConfig, PooledMessage, Pools,
    RingPtr, SizeClass, allocate_from_pool,
};

#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Tick {
    price: u64,
}

fn one_class() -> PoolConfig {
    PoolConfig::empty().with_capacity(SizeClass::XS, 8)
}

#[test]
fn orphaned_arenas_live_until_their_last_handle_then_are_reclaimed() {
    assert_eq!(__sweep_orphaned_arenas(), 0);

    // An allocator with nothing outstanding is freed at once.
    drop(LocalPools::new(one_class()));
    drop(Pools::new(one_class()));
    assert_eq!(__sweep_orphaned_arenas(), 0);

    // LocalPools dropped first: its arena waits for the message, which frees it on its last drop
    // (the drop sees the arena orphaned and sweeps; no explicit sweep needed).
    let mut local = LocalPools::new(one_class());
    let a = local.allocate(Tick { price: 1 }).unwrap();
    let a2 = a.clone();
    drop(local);
    assert_eq!(__sweep_orphaned_arenas(), 1, "kept alive by the message");
    assert_eq!(a.price + a2.price, 2);
    drop(a);
    assert_eq!(__sweep_orphaned_arenas(), 1, "one handle left");
    std::thread::spawn(move || drop(a2)).join().unwrap();
    assert_eq!(__orphaned_arenas(), 0, "reclaimed by the last drop itself");

    // Pools dropped first, with a weak handle outliving the message.
    let shared = Pools::new(one_class());
    let b = shared.allocate(Tick { price: 2 }).unwrap();
    let weak = RingPtr::downgrade(&b);
    drop(shared);
    drop(b);
    assert_eq!(
        __sweep_orphaned_arenas(),
        1,
        "kept alive by the weak handle"
    );
    assert!(weak.upgrade().is_none());
    drop(weak);
    assert_eq!(
        __orphaned_arenas(),
        0,
        "reclaimed by the last weak drop itself"
    );

    // A thread's own pools (allocate_from_pool) outlived by their messages.
    let from_thread = std::thread::spawn(|| allocate_from_pool(Tick { price: 3 }).unwrap())
        .join()
        .unwrap();
    assert!(__sweep_orphaned_arenas() >= 1);
    assert_eq!(from_thread.price, 3);
    drop(from_thread);
    assert_eq!(__orphaned_arenas(), 0, "reclaimed by the last drop itself");
}
