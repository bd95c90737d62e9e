//! Dropping an allocator (or exiting the thread that owns one) while its messages live: the memory
//! stays valid, and the last message or weak handle frees it, by itself, with no sweep and no
//! lock (there is none left to take: `orphan` has no registry).

use bytemuck::{Pod, Zeroable};

use super::arena::destroyed;
use crate::{LocalPools, PoolConfig, PooledMessage, Pools, RingPtr, SizeClass, allocate_from_pool};

#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "bytemuck")]
#[repr(C)]
struct Tick {
    price: u64,
}

fn xs(capacity: usize) -> PoolConfig {
    PoolConfig::empty().with_capacity(SizeClass::XS, capacity)
}

#[test]
fn an_allocator_with_nothing_outstanding_frees_its_arena_at_its_drop() {
    let mut local = LocalPools::new(xs(8));
    let id = RingPtr::arena_id(&local.allocate(Tick { price: 1 }).unwrap());
    drop(local);
    assert!(destroyed::contains(id));

    let shared = Pools::new(xs(8));
    let id = RingPtr::arena_id(&shared.allocate(Tick { price: 1 }).unwrap());
    drop(shared);
    assert!(destroyed::contains(id));
}

/// Many messages outlive their `LocalPools`: the arena stays until the very last drop, which
/// frees it (on another thread), with no sweep anywhere.
#[test]
fn the_last_of_many_orphaned_local_messages_frees_the_arena() {
    let mut local = LocalPools::new(xs(4096));
    let mut messages: Vec<_> = (0..4096)
        .map(|price| local.allocate(Tick { price }).unwrap())
        .collect();
    let clone = messages[7].clone();
    let id = RingPtr::arena_id(&messages[0]);
    drop(local);
    let last = messages.pop().unwrap();
    for (price, message) in messages.into_iter().enumerate() {
        assert_eq!(message.price, price as u64);
    }
    assert!(!destroyed::contains(id), "two handles left");
    drop(clone);
    assert!(!destroyed::contains(id), "one handle left");
    std::thread::spawn(move || assert_eq!(last.price, 4095))
        .join()
        .unwrap();
    assert!(destroyed::contains(id), "freed by the last drop itself");
}

/// `Pools` dropped first, with messages freed on several threads (into their magazines and
/// onto the free list) and a weak handle outliving them all.
#[test]
fn orphaned_pools_messages_and_a_weak_handle_free_the_arena_last() {
    let shared = Pools::new(xs(64));
    let messages: Vec<_> = (0..64)
        .map(|price| shared.allocate(Tick { price }).unwrap())
        .collect();
    let weak = RingPtr::downgrade(&messages[3]);
    let id = RingPtr::arena_id(&messages[0]);
    drop(shared);
    let mut halves = messages;
    let other_half = halves.split_off(32);
    std::thread::spawn(move || drop(other_half)).join().unwrap();
    drop(halves);
    assert!(!destroyed::contains(id), "kept by the weak handle");
    assert!(weak.upgrade().is_none());
    drop(weak);
    assert!(destroyed::contains(id), "freed by the last weak drop");
}

/// `Pools` dropped while slots sit in the magazines of a live thread and of an exited one (both
/// freed more than a chunk of messages into them), with messages still out: the arena (magazines
/// included) is freed by the last message's drop, on a thread that keeps caching.
#[test]
fn pools_dropped_with_full_magazines_free_the_arena_at_the_last_drop() {
    let shared = std::sync::Arc::new(Pools::new(xs(64)));
    let cycle = |shared: &Pools| {
        let held: Vec<_> = (0..24)
            .map(|price| shared.allocate(Tick { price }).unwrap())
            .collect();
        drop(held);
    };
    cycle(&shared);
    let other = std::sync::Arc::clone(&shared);
    std::thread::spawn(move || cycle(&other)).join().unwrap();
    let mut outstanding: Vec<_> = (0..8)
        .map(|price| shared.allocate(Tick { price }).unwrap())
        .collect();
    let id = RingPtr::arena_id(&outstanding[0]);
    drop(std::sync::Arc::into_inner(shared).expect("the only handle"));
    assert!(!destroyed::contains(id), "kept by its messages");
    let last = outstanding.pop().unwrap();
    drop(outstanding);
    assert!(!destroyed::contains(id), "one message left");
    drop(last);
    assert!(destroyed::contains(id), "freed by the last drop");
}

/// The common case: an `allocate_from_pool` producer thread exits with its messages in flight.
#[test]
fn messages_of_an_exited_thread_free_its_pools_at_their_last_drop() {
    let messages = std::thread::spawn(|| {
        (0..100)
            .map(|price| allocate_from_pool(Tick { price }).unwrap())
            .collect::<Vec<_>>()
    })
    .join()
    .unwrap();
    let id = RingPtr::arena_id(&messages[0]);
    assert!(
        !destroyed::contains(id),
        "the thread's pools wait for the messages"
    );
    drop(messages);
    assert!(destroyed::contains(id));
}

/// The owner's drop races the messages' drops on other threads (each drop may land before,
/// during or after the owner's count): every arena is freed exactly when its last message goes.
#[test]
fn drops_racing_the_owners_drop_free_every_arena() {
    for round in 0..200 {
        let mut local = LocalPools::new(xs(16));
        let shared = Pools::new(xs(16));
        let locals: Vec<_> = (0..16)
            .map(|price| local.allocate(Tick { price }).unwrap())
            .collect();
        let shareds: Vec<_> = (0..16)
            .map(|price| shared.allocate(Tick { price }).unwrap())
            .collect();
        let ids = [
            RingPtr::arena_id(&locals[0]),
            RingPtr::arena_id(&shareds[0]),
        ];
        let start = std::sync::Arc::new(std::sync::Barrier::new(3));
        let droppers: Vec<_> = [locals, shareds]
            .into_iter()
            .map(|messages| {
                let start = std::sync::Arc::clone(&start);
                std::thread::spawn(move || {
                    start.wait();
                    drop(messages);
                })
            })
            .collect();
        start.wait();
        if round % 2 == 0 {
            drop(local);
            drop(shared);
        } else {
            drop(shared);
            drop(local);
        }
        for dropper in droppers {
            dropper.join().unwrap();
        }
        assert!(
            ids.iter().all(|&id| destroyed::contains(id)),
            "round {round}"
        );
    }
}
