//! Behaviour of `LocalPools`, `Pools`, `RingPtr` and `WeakRingPtr` through the public API.
#![cfg(not(loom))]

use pool_runtime::bytemuck::{Pod, Zeroable};
use pool_runtime::{
    LocalPools, Overflow, PoolConfig, PoolError, PooledMessage, Pools, RingPtr, SizeClass,
};

#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Tick {
    price: u64,
    qty: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Book {
    levels: [u64; 30],
}

fn tick(n: u64) -> Tick {
    Tick {
        price: n,
        qty: n * 2,
    }
}

fn xs(n: usize) -> PoolConfig {
    PoolConfig::empty().with_capacity(SizeClass::XS, n)
}

#[test]
fn sizes_are_two_words_with_niche() {
    assert_eq!(size_of::<RingPtr<Tick>>(), 16);
    assert_eq!(size_of::<Option<RingPtr<Tick>>>(), 16);
    assert_eq!(size_of::<Option<RingPtr<Book>>>(), 16);
}

#[test]
fn clone_counts_and_last_drop_frees_local() {
    let mut pools = LocalPools::new(xs(4));
    let a = pools.allocate(tick(1)).unwrap();
    assert_eq!(RingPtr::ref_count(&a), 1);
    let b = a.clone();
    let c = b.clone();
    assert_eq!(RingPtr::ref_count(&a), 3);
    assert!(RingPtr::ptr_eq(&a, &c));
    assert_eq!(RingPtr::as_ptr(&a), RingPtr::as_ptr(&b));
    assert_eq!(*c, tick(1));
    drop(a);
    drop(b);
    assert_eq!(RingPtr::ref_count(&c), 1);
    assert_eq!(pools.stats().class(SizeClass::XS).in_use, 1);
    drop(c);
    assert_eq!(pools.stats().class(SizeClass::XS).in_use, 0);
}

#[test]
fn exhaustion_then_recovery_local_and_shared() {
    let mut local = LocalPools::new(xs(3));
    let held: Vec<_> = (0..3).map(|i| local.allocate(tick(i)).unwrap()).collect();
    let err = local.allocate(tick(9)).unwrap_err();
    assert_eq!(
        err,
        PoolError::Exhausted {
            class: SizeClass::XS,
            capacity: 3
        }
    );
    assert_eq!(local.stats().class(SizeClass::XS).exhausted, 1);
    assert_eq!(local.stats().class(SizeClass::XS).high_water, 3);
    drop(held);
    let again: Vec<_> = (0..3).map(|i| local.allocate(tick(i)).unwrap()).collect();
    assert_eq!(again.iter().map(|t| t.price).collect::<Vec<_>>(), [0, 1, 2]);

    let shared = Pools::new(xs(3));
    let held: Vec<_> = (0..3).map(|i| shared.allocate(tick(i)).unwrap()).collect();
    assert!(matches!(
        shared.allocate(tick(9)),
        Err(PoolError::Exhausted { capacity: 3, .. })
    ));
    drop(held);
    let again: Vec<_> = (0..3).map(|i| shared.allocate(tick(i)).unwrap()).collect();
    assert_eq!(shared.stats().class(SizeClass::XS).in_use, 3);
    assert_eq!(shared.stats().class(SizeClass::XS).allocations, 6);
    drop(again);
}

#[test]
fn recovery_when_another_thread_freed() {
    let mut local = LocalPools::new(xs(2));
    let a = local.allocate(tick(1)).unwrap();
    let b = local.allocate(tick(2)).unwrap();
    assert!(local.allocate(tick(3)).is_err());
    std::thread::spawn(move || drop((a, b))).join().unwrap();
    let c = local.allocate(tick(3)).unwrap();
    let d = local.allocate(tick(4)).unwrap();
    assert_eq!((c.price, d.price), (3, 4));

    let shared = std::sync::Arc::new(Pools::new(xs(1)));
    let a = shared.allocate(tick(1)).unwrap();
    assert!(shared.allocate(tick(2)).is_err());
    let other = std::sync::Arc::clone(&shared);
    let t = std::thread::spawn(move || {
        drop(a);
        other.allocate(tick(5)).unwrap()
    });
    let from_thread = t.join().unwrap();
    assert_eq!(from_thread.price, 5);
    drop(from_thread);
    assert_eq!(shared.allocate(tick(6)).unwrap().price, 6);
}

#[test]
fn generation_changes_on_reuse() {
    let mut local = LocalPools::new(xs(1));
    let a = local.allocate(tick(1)).unwrap();
    let (gen_a, ptr_a) = (RingPtr::generation(&a), RingPtr::as_ptr(&a));
    drop(a);
    let b = local.allocate(tick(2)).unwrap();
    assert_eq!(RingPtr::as_ptr(&b), ptr_a, "one slot: reused");
    assert_ne!(RingPtr::generation(&b), gen_a);

    let shared = Pools::new(xs(1));
    let a = shared.allocate(tick(1)).unwrap();
    let gen_a = RingPtr::generation(&a);
    drop(a);
    let b = shared.allocate(tick(2)).unwrap();
    assert_eq!(RingPtr::generation(&b), gen_a.wrapping_add(1));
}

#[test]
fn stale_weak_never_upgrades_to_new_occupant() {
    for shared in [false, true] {
        let pools = Pools::new(xs(1));
        let mut local = LocalPools::new(xs(1));
        let mut alloc = |t| {
            if shared {
                pools.allocate(t).unwrap()
            } else {
                local.allocate(t).unwrap()
            }
        };
        let first = alloc(tick(1));
        let weak = RingPtr::downgrade(&first);
        let weak2 = weak.clone();
        let up = weak.upgrade().unwrap();
        assert_eq!(RingPtr::ref_count(&first), 2);
        drop(up);
        drop(first);
        assert!(weak.upgrade().is_none(), "dropped message");
        let second = alloc(tick(2));
        assert!(weak.upgrade().is_none(), "slot reused by another message");
        assert!(weak2.upgrade().is_none());
        let weak_second = RingPtr::downgrade(&second);
        assert_eq!(weak_second.upgrade().unwrap().price, 2);
        assert_ne!(weak_second.generation(), weak.generation());
    }
}

#[test]
fn weak_upgrade_keeps_message_alive_after_original_drop() {
    let mut local = LocalPools::new(xs(1));
    let a = local.allocate(tick(7)).unwrap();
    let weak = RingPtr::downgrade(&a);
    let b = weak.upgrade().unwrap();
    drop(a);
    assert!(
        local.allocate(tick(8)).is_err(),
        "still held through the upgrade"
    );
    assert_eq!(b.price, 7);
    drop(b);
    assert!(weak.upgrade().is_none());
    assert_eq!(local.allocate(tick(8)).unwrap().price, 8);
}

#[test]
fn get_mut_only_when_unique_and_no_weak() {
    let mut local = LocalPools::new(xs(2));
    let mut a = local.allocate(tick(1)).unwrap();
    RingPtr::get_mut(&mut a).unwrap().price = 10;
    let b = a.clone();
    assert!(RingPtr::get_mut(&mut a).is_none());
    drop(b);
    assert!(RingPtr::get_mut(&mut a).is_some());
    let w = RingPtr::downgrade(&a);
    assert!(
        RingPtr::get_mut(&mut a).is_none(),
        "a weak handle could upgrade"
    );
    drop(w);
    assert_eq!(a.price, 10);
}

#[test]
fn heap_overflow_path_behaves_like_a_slot() {
    let config = xs(1).with_overflow(SizeClass::XS, Overflow::Heap);
    for shared in [false, true] {
        let pools = Pools::new(config);
        let mut local = LocalPools::new(config);
        let mut alloc = |t| {
            if shared {
                pools.allocate(t).unwrap()
            } else {
                local.allocate(t).unwrap()
            }
        };
        let pooled = alloc(tick(1));
        let heap = alloc(tick(2));
        assert!(!RingPtr::is_heap_backed(&pooled));
        assert!(RingPtr::is_heap_backed(&heap));
        assert_eq!(RingPtr::class(&heap), SizeClass::XS);
        let heap2 = heap.clone();
        assert_eq!(RingPtr::ref_count(&heap), 2);
        let weak = RingPtr::downgrade(&heap);
        drop(heap);
        assert_eq!(weak.upgrade().unwrap().price, 2);
        drop(heap2);
        assert!(weak.upgrade().is_none());
        drop(weak);
        let stats = if shared { pools.stats() } else { local.stats() };
        let xs_stats = stats.class(SizeClass::XS);
        assert_eq!(
            (
                xs_stats.heap_fallbacks,
                xs_stats.exhausted,
                xs_stats.allocations
            ),
            (1, 1, 1)
        );
        assert_eq!(xs_stats.in_use, 1);
        drop(pooled);
    }
    // A class with no slots at all and Overflow::Heap always uses the heap.
    let pools = Pools::new(PoolConfig::empty().with_overflow(SizeClass::S, Overflow::Heap));
    let book = pools.allocate(Book { levels: [3; 30] }).unwrap();
    assert!(RingPtr::is_heap_backed(&book));
    assert_eq!(book.levels[29], 3);
}

#[test]
fn classes_are_independent() {
    let mut local = LocalPools::new(xs(1).with_capacity(SizeClass::S, 1));
    let t = local.allocate(tick(1)).unwrap();
    let b = local.allocate(Book { levels: [1; 30] }).unwrap();
    assert_eq!(RingPtr::class(&b), SizeClass::S);
    assert!(local.allocate(tick(2)).is_err());
    assert!(local.allocate(Book::zeroed()).is_err());
    drop((t, b));
}

#[test]
fn panic_while_holding_leaks_no_slot() {
    let shared = std::sync::Arc::new(Pools::new(xs(8)));
    let pools = std::sync::Arc::clone(&shared);
    let result = std::thread::spawn(move || {
        let mut local = LocalPools::new(xs(8));
        let _held_local: Vec<_> = (0..8).map(|i| local.allocate(tick(i)).unwrap()).collect();
        let _held_shared: Vec<_> = (0..8).map(|i| pools.allocate(tick(i)).unwrap()).collect();
        panic!("deliberate");
    })
    .join();
    assert!(result.is_err());
    assert_eq!(shared.stats().class(SizeClass::XS).in_use, 0);
    let all: Vec<_> = (0..8).map(|i| shared.allocate(tick(i)).unwrap()).collect();
    assert_eq!(all.len(), 8);
    drop(all);
    let mut local = LocalPools::new(xs(8));
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _held: Vec<_> = (0..8).map(|i| local.allocate(tick(i)).unwrap()).collect();
        panic!("deliberate");
    }));
    assert!(caught.is_err());
    assert_eq!(local.stats().class(SizeClass::XS).in_use, 0);
    let all: Vec<_> = (0..8).map(|i| local.allocate(tick(i)).unwrap()).collect();
    assert_eq!(all.len(), 8);
}

#[test]
fn dropping_the_allocator_first_keeps_messages_valid() {
    let local_msg;
    let shared_msg;
    let weak;
    {
        let mut local = LocalPools::new(xs(4));
        let pools = Pools::new(xs(4));
        local_msg = local.allocate(tick(11)).unwrap();
        shared_msg = pools.allocate(tick(12)).unwrap();
        weak = RingPtr::downgrade(&local_msg);
    }
    let clone = local_msg.clone();
    assert_eq!(
        (local_msg.price, shared_msg.price, clone.price),
        (11, 12, 11)
    );
    let from_thread = std::thread::spawn(move || {
        let p = clone.price;
        drop(clone);
        p
    });
    assert_eq!(from_thread.join().unwrap(), 11);
    assert_eq!(weak.upgrade().unwrap().price, 11);
    drop(local_msg);
    assert!(weak.upgrade().is_none());
    drop(shared_msg);
    drop(weak);
}

#[test]
fn debug_shows_value_and_slot_facts() {
    let mut local = LocalPools::new(xs(1));
    let a = local.allocate(tick(5)).unwrap();
    let text = format!("{a:?}");
    for needle in [
        "price: 5",
        "class: XS",
        "generation: 1",
        "ref_count: 1",
        "heap: false",
    ] {
        assert!(text.contains(needle), "{text}");
    }
    let weak = RingPtr::downgrade(&a);
    assert!(format!("{weak:?}").contains("WeakRingPtr"));
}

#[test]
fn capacity_too_large_is_an_error() {
    let config =
        PoolConfig::empty().with_capacity(SizeClass::L, PoolConfig::MAX_CLASS_CAPACITY + 1);
    assert!(matches!(
        LocalPools::try_new(config),
        Err(PoolError::CapacityTooLarge {
            class: SizeClass::L,
            ..
        })
    ));
    assert!(Pools::try_new(config).is_err());
    let caught = std::panic::catch_unwind(|| Pools::new(config));
    assert!(caught.is_err());
}

#[test]
fn capacity_limit_bounds_the_payload_size_and_reports_the_class_limit() {
    for class in SizeClass::ALL {
        let max = PoolConfig::max_capacity(class);
        // The payload of the largest accepted capacity fits in `isize` (no wrapped layout size).
        let bytes = max.checked_mul(class.slot_size()).expect("no overflow");
        assert!(bytes <= isize::MAX as usize);
        let config = PoolConfig::empty().with_capacity(class, max + 1);
        assert_eq!(
            Pools::try_new(config).err(),
            Some(PoolError::CapacityTooLarge {
                class,
                requested: max + 1,
                max
            })
        );
    }
    let wrapping = PoolConfig::empty().with_capacity(SizeClass::XL, usize::MAX / 1024 + 1);
    assert!(matches!(
        LocalPools::try_new(wrapping),
        Err(PoolError::CapacityTooLarge {
            class: SizeClass::XL,
            ..
        })
    ));
}

#[test]
fn errors_display() {
    let e = PoolError::CapacityTooLarge {
        class: SizeClass::M,
        requested: 5,
        max: 4,
    };
    assert!(e.to_string().contains("capacity 5"));
    let boxed: Box<dyn std::error::Error> = Box::new(PoolError::ThreadLocalUnavailable);
    assert!(boxed.to_string().contains("thread"));
}

#[test]
fn default_config_is_documented_footprint() {
    let config = PoolConfig::default();
    assert_eq!(config.payload_bytes(), 2304 * 1024);
    for class in SizeClass::ALL {
        assert_eq!(config.overflow(class), Overflow::Fail);
    }
    const C: PoolConfig = PoolConfig::empty()
        .with_capacity(SizeClass::M, 3)
        .with_overflow(SizeClass::M, Overflow::Heap);
    assert_eq!(C.capacity(SizeClass::M), 3);
    assert_eq!(C.overflow(SizeClass::M), Overflow::Heap);
    assert_eq!(
        PoolConfig::empty()
            .with_overflow_all(Overflow::Heap)
            .overflow(SizeClass::XL),
        Overflow::Heap
    );
}

#[test]
fn capacity_is_exact_with_scattered_frees() {
    for shared in [false, true] {
        let pools = Pools::new(xs(16));
        let mut local = LocalPools::new(xs(16));
        let mut alloc = |t| {
            if shared {
                pools.allocate(t)
            } else {
                local.allocate(t)
            }
        };
        for round in 0..5u64 {
            let mut held: Vec<Option<RingPtr<Tick>>> =
                (0..16).map(|i| Some(alloc(tick(i)).unwrap())).collect();
            assert!(alloc(tick(99)).is_err(), "full");
            // Free a different scattered subset each round, some on another thread.
            let freed: Vec<usize> = (0..16)
                .filter(|i| (i * 7 + round as usize).is_multiple_of(3))
                .collect();
            let far: Vec<_> = freed.iter().step_by(2).map(|&i| held[i].take()).collect();
            std::thread::spawn(move || drop(far)).join().unwrap();
            for &i in freed.iter().skip(1).step_by(2) {
                held[i] = None;
            }
            for k in 0..freed.len() {
                let again = alloc(tick(100 + k as u64)).expect("a freed slot must be found");
                assert_eq!(again.price, 100 + k as u64);
                held.push(Some(again));
            }
            assert!(
                alloc(tick(99)).is_err(),
                "exactly the freed slots were reusable"
            );
        }
    }
}

#[test]
fn high_water_keeps_the_peak_a_stats_call_saw_after_the_messages_are_gone() {
    let config = PoolConfig::empty().with_capacity(SizeClass::XS, 64);
    let mut local = LocalPools::new(config);
    let shared = Pools::new(config);
    let held: Vec<_> = (0..40).map(|n| local.allocate(tick(n)).unwrap()).collect();
    let held_shared: Vec<_> = (0..40).map(|n| shared.allocate(tick(n)).unwrap()).collect();
    assert_eq!(local.stats().class(SizeClass::XS).high_water, 40);
    assert_eq!(shared.stats().class(SizeClass::XS).high_water, 40);
    drop(held);
    drop(held_shared);
    let (local_xs, shared_xs) = (
        local.stats().class(SizeClass::XS),
        shared.stats().class(SizeClass::XS),
    );
    assert_eq!((local_xs.in_use, local_xs.high_water), (0, 40));
    assert_eq!((shared_xs.in_use, shared_xs.high_water), (0, 40));
}
