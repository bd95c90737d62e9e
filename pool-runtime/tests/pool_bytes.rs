//! `PooledBytes`: classes, heap fallback, stale bytes, in-place conversion to a message.
#![cfg(not(loom))]

use pool_runtime::bytemuck::{Pod, Zeroable};
use pool_runtime::{
    LocalPools, Overflow, PoolConfig, PoolError, PooledMessage, Pools, RingPtr, SizeClass,
};

#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Pair {
    a: u64,
    b: u64,
}

#[test]
fn bytes_take_the_class_of_their_length() {
    let pools = Pools::new(PoolConfig::default());
    for (len, class) in [
        (0, Some(SizeClass::XS)),
        (64, Some(SizeClass::XS)),
        (65, Some(SizeClass::S)),
        (1024, Some(SizeClass::M)),
        (4096, Some(SizeClass::L)),
        (16384, Some(SizeClass::XL)),
        (16385, None),
    ] {
        let mut bytes = pools.allocate_bytes(len).unwrap();
        assert_eq!(bytes.len(), len);
        assert_eq!(bytes.is_empty(), len == 0);
        assert_eq!(bytes.class(), class, "len {len}");
        bytes.fill(0xAB);
        assert!(bytes.iter().all(|b| *b == 0xAB));
    }
    assert_eq!(pools.stats().total_in_use(), 0);
}

#[test]
fn fresh_bytes_are_zeroed_and_reused_ones_keep_stale_contents() {
    let mut local = LocalPools::new(PoolConfig::empty().with_capacity(SizeClass::S, 1));
    let mut first = local.allocate_bytes(200).unwrap();
    assert!(first.iter().all(|b| *b == 0));
    first[..4].copy_from_slice(b"old!");
    drop(first);
    let second = local.allocate_bytes(100).unwrap();
    assert_eq!(
        &second[..4],
        b"old!",
        "documented: a reused slot holds stale bytes"
    );
}

#[test]
fn into_message_is_in_place_and_checks_length() {
    let mut local = LocalPools::new(PoolConfig::default());
    let mut bytes = local.allocate_bytes(16).unwrap();
    bytes[..8].copy_from_slice(&7u64.to_ne_bytes());
    bytes[8..].copy_from_slice(&9u64.to_ne_bytes());
    let address = bytes.as_ptr();
    let pair: RingPtr<Pair> = bytes.into_message().unwrap();
    assert_eq!(*pair, Pair { a: 7, b: 9 });
    assert_eq!(RingPtr::as_ptr(&pair).cast::<u8>(), address, "no copy");
    assert_eq!(RingPtr::ref_count(&pair), 1);
    drop(pair);

    let wrong = local.allocate_bytes(15).unwrap();
    let back = wrong.into_message::<Pair>().unwrap_err();
    assert_eq!(back.len(), 15);
    let large = local.allocate_bytes(20_000).unwrap();
    assert!(large.into_message::<Pair>().is_err());
    drop(back);
    assert_eq!(local.stats().total_in_use(), 0);
}

#[test]
fn exhausted_bytes_fail_or_go_to_heap() {
    let config = PoolConfig::empty().with_capacity(SizeClass::XS, 1);
    let mut local = LocalPools::new(config);
    let held = local.allocate_bytes(1).unwrap();
    assert_eq!(
        local.allocate_bytes(2).unwrap_err(),
        PoolError::Exhausted {
            class: SizeClass::XS,
            capacity: 1
        }
    );
    drop(held);

    let pools = Pools::new(config.with_overflow(SizeClass::XS, Overflow::Heap));
    let held = pools.allocate_bytes(16).unwrap();
    let mut heap = pools.allocate_bytes(16).unwrap();
    assert_eq!(heap.class(), None);
    heap[0] = 1;
    let pair: RingPtr<Pair> = heap.into_message().unwrap();
    assert!(RingPtr::is_heap_backed(&pair));
    assert_eq!(pair.a, 1);
    assert_eq!(pools.stats().class(SizeClass::XS).heap_fallbacks, 1);
    drop((held, pair));
}

#[test]
fn bytes_can_be_dropped_on_another_thread_after_their_pools() {
    let bytes = {
        let mut local = LocalPools::new(PoolConfig::default());
        local.allocate_bytes(300).unwrap()
    };
    std::thread::spawn(move || {
        assert_eq!(bytes.len(), 300);
        assert!(format!("{bytes:?}").contains("PooledBytes"));
    })
    .join()
    .unwrap();
}

/// `allocate_bytes` is counted like `allocate`, from the allocator's own bookkeeping (the
/// `Pools` free list's pop tag, the `LocalPools` owner's plain counter): no extra statistics
/// read-modify-write per allocation.
#[test]
fn byte_allocations_are_counted_in_stats() {
    let shared = Pools::new(PoolConfig::default());
    let mut local = LocalPools::new(PoolConfig::default());
    for len in [1, 64, 65, 256] {
        drop(shared.allocate_bytes(len).unwrap());
        drop(local.allocate_bytes(len).unwrap());
    }
    drop(shared.allocate(Pair { a: 1, b: 2 }).unwrap());
    drop(local.allocate(Pair { a: 1, b: 2 }).unwrap());
    for stats in [shared.stats(), local.stats()] {
        assert_eq!(stats.class(SizeClass::XS).allocations, 3);
        assert_eq!(stats.class(SizeClass::S).allocations, 2);
    }
}
