//! Generation wrap: a weak handle that outlives 2³² reuses of its slot must never upgrade into a
//! later occupant. The slot's generation is moved next to `u32::MAX` with a test hook instead of
//! 2³² allocations.
#![cfg(not(loom))]

use pool_runtime::bytemuck::{Pod, Zeroable};
use pool_runtime::{
    LocalPools, PoolConfig, PoolError, PooledMessage, Pools, RingPtr, SizeClass, WeakRingPtr,
};

#[derive(Clone, Copy, Debug, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Tick {
    price: u64,
}

/// Either allocator, behind one interface.
trait Allocator {
    fn alloc(&mut self, price: u64) -> Result<RingPtr<Tick>, PoolError>;
}

impl Allocator for LocalPools {
    fn alloc(&mut self, price: u64) -> Result<RingPtr<Tick>, PoolError> {
        self.allocate(Tick { price })
    }
}

impl Allocator for Pools {
    fn alloc(&mut self, price: u64) -> Result<RingPtr<Tick>, PoolError> {
        self.allocate(Tick { price })
    }
}

fn config(slots: usize) -> PoolConfig {
    PoolConfig::empty().with_capacity(SizeClass::XS, slots)
}

/// A weak handle to generation 1 of a slot, and that slot (its address returned too) left free at
/// generation `u32::MAX`, as after 2³² − 2 more reuses: its next claim would wrap to 0, and the
/// one after that would be generation 1 again, the weak handle's.
fn stale_weak_and_wrapping_slot(pools: &mut impl Allocator) -> (WeakRingPtr<Tick>, *const Tick) {
    let first = pools.alloc(1).unwrap();
    assert_eq!(RingPtr::generation(&first), 1);
    let weak = RingPtr::downgrade(&first);
    drop(first);
    let second = pools.alloc(2).unwrap();
    assert_eq!(RingPtr::generation(&second), 2, "the same slot again");
    // SAFETY: the only weak handle into this slot has generation 1, and none refers to `second`.
    unsafe { RingPtr::__set_generation_for_tests(&second, u32::MAX) };
    let wrapping = RingPtr::as_ptr(&second);
    drop(second);
    (weak, wrapping)
}

/// Allocates and drops repeatedly (each allocator prefers the slot freed last), checking that the
/// wrapping slot stays out of use and the stale weak handle never upgrades.
fn churn_checking(pools: &mut impl Allocator, weak: &WeakRingPtr<Tick>, wrapping: *const Tick) {
    for round in 0..8 {
        let message = pools.alloc(100 + round).unwrap();
        assert_ne!(
            RingPtr::as_ptr(&message),
            wrapping,
            "the wrapping slot was reused while a weak handle exists"
        );
        assert!(weak.upgrade().is_none(), "stale weak upgraded after wrap");
    }
}

fn stale_weak_never_upgrades_after_wrap(mut pools: impl Allocator) {
    let (weak, wrapping) = stale_weak_and_wrapping_slot(&mut pools);
    churn_checking(&mut pools, &weak, wrapping);
    // With no weak handle left, the wrapping slot is reused, at generation 0.
    drop(weak);
    let a = pools.alloc(3).unwrap();
    let b = pools.alloc(4).unwrap();
    let reused = if RingPtr::as_ptr(&a) == wrapping {
        &a
    } else {
        &b
    };
    assert_eq!(
        RingPtr::as_ptr(reused),
        wrapping,
        "wrapping slot reused once the weak is gone"
    );
    assert_eq!(RingPtr::generation(reused), 0);
}

#[test]
fn local_stale_weak_never_upgrades_after_wrap() {
    stale_weak_never_upgrades_after_wrap(LocalPools::new(config(2)));
}

#[test]
fn shared_stale_weak_never_upgrades_after_wrap() {
    stale_weak_never_upgrades_after_wrap(Pools::new(config(2)));
}

/// With one slot, the wrapping slot counts as in use while the weak handle lives.
fn one_wrapping_slot_is_exhausted_until_weak_dropped(mut pools: impl Allocator) {
    let (weak, _) = stale_weak_and_wrapping_slot(&mut pools);
    assert_eq!(
        pools.alloc(3).unwrap_err(),
        PoolError::Exhausted {
            class: SizeClass::XS,
            capacity: 1
        }
    );
    assert!(weak.upgrade().is_none());
    drop(weak);
    let wrapped = pools.alloc(4).unwrap();
    assert_eq!(RingPtr::generation(&wrapped), 0);
    assert_eq!(wrapped.price, 4);
    drop(wrapped);
    assert_eq!(RingPtr::generation(&pools.alloc(5).unwrap()), 1);
}

#[test]
fn local_wrapping_slot_is_skipped_while_weak_handles_exist() {
    one_wrapping_slot_is_exhausted_until_weak_dropped(LocalPools::new(config(1)));
}

#[test]
fn shared_wrapping_slot_is_skipped_while_weak_handles_exist() {
    one_wrapping_slot_is_exhausted_until_weak_dropped(Pools::new(config(1)));
}

/// The pops that skip the wrapping slot do not count as allocations.
#[test]
fn shared_skipped_pops_are_not_counted_as_allocations() {
    let mut pools = Pools::new(config(2));
    let (weak, wrapping) = stale_weak_and_wrapping_slot(&mut pools);
    let before = pools.stats().class(SizeClass::XS).allocations;
    let message = pools.alloc(7).unwrap();
    assert_ne!(RingPtr::as_ptr(&message), wrapping);
    assert_eq!(pools.stats().class(SizeClass::XS).allocations, before + 1);
    drop(weak);
}
