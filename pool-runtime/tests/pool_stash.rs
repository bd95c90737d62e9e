//! `Pools` keeps each thread's freed slots in a per-thread magazine. These tests show that a
//! cached slot is never out of reach: capacity stays exact when every free slot sits in the
//! magazine of another live thread (freed there, or taken off the list in a batch), of an idle or
//! exited one, or when more threads are alive than there are magazines.
#![cfg(not(loom))]

mod common;

use std::sync::{Arc, Barrier};

use pool_runtime::bytemuck::{Pod, Zeroable};
use pool_runtime::{PoolConfig, PoolError, PooledMessage, Pools, SizeClass};

#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Order {
    id: u64,
}

fn pools(capacity: usize) -> Arc<Pools> {
    Arc::new(Pools::new(
        PoolConfig::empty().with_capacity(SizeClass::XS, capacity),
    ))
}

/// Allocates the whole class from this thread, checks the next allocation fails, and frees.
fn assert_full_capacity_reachable(pools: &Pools, capacity: usize) {
    let all: Vec<_> = (0..capacity as u64)
        .map(|id| {
            pools
                .allocate(Order { id })
                .expect("every free slot is reachable, stashed or listed")
        })
        .collect();
    assert_eq!(
        pools.allocate(Order { id: 99 }).unwrap_err(),
        PoolError::Exhausted {
            class: SizeClass::XS,
            capacity
        }
    );
    for (id, order) in all.iter().enumerate() {
        assert_eq!(order.id, id as u64);
    }
    assert_eq!(pools.stats().class(SizeClass::XS).in_use, capacity);
}

/// Each of `threads` threads allocates one message and frees it (into its own magazine, when it
/// has one), then stays alive until the main thread has checked the capacity.
fn with_threads_holding_stashed_slots(threads: usize, capacity: usize) {
    let pools = pools(capacity);
    let done = Arc::new(Barrier::new(threads + 1));
    let checked = Arc::new(Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (pools, done, checked) =
                (Arc::clone(&pools), Arc::clone(&done), Arc::clone(&checked));
            std::thread::spawn(move || {
                let order = pools
                    .allocate(Order { id: t as u64 })
                    .expect("room for one each");
                assert_eq!(order.id, t as u64);
                drop(order);
                done.wait();
                checked.wait();
            })
        })
        .collect();
    done.wait();
    assert_eq!(pools.stats().class(SizeClass::XS).in_use, 0);
    assert_full_capacity_reachable(&pools, capacity);
    checked.wait();
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(
        pools.stats().class(SizeClass::XS).allocations,
        (threads + capacity) as u64,
        "every allocation counted once, from a cell or the list"
    );
}

#[test]
fn every_free_slot_in_another_live_threads_cell_is_still_allocatable() {
    // Four threads, four slots: the shared list ends empty, each slot in one thread's cell.
    with_threads_holding_stashed_slots(4, 4);
}

#[test]
fn more_live_threads_than_stash_cells_still_use_every_slot() {
    // Beyond the 64 numbered threads the rest free onto the shared list; nothing is lost.
    with_threads_holding_stashed_slots(80, 96);
}

#[test]
fn a_slot_stashed_by_an_exited_thread_is_reused() {
    let pools = pools(2);
    for round in 0..3u64 {
        let shared = Arc::clone(&pools);
        std::thread::spawn(move || {
            let a = shared.allocate(Order { id: round }).unwrap();
            let b = shared.allocate(Order { id: round + 10 }).unwrap();
            assert_eq!((a.id, b.id), (round, round + 10));
        })
        .join()
        .unwrap();
        assert_full_capacity_reachable(&pools, 2);
    }
}

/// Slots freed by a thread that only drops go onto the shared list; a thread whose magazine is
/// empty takes a batch of them at once and keeps the rest in its magazine. While that thread sits
/// idle, every slot is still allocatable from the main thread (the list, then a steal of the
/// batch), and each allocation is counted once.
#[test]
fn slots_a_thread_took_off_the_list_in_a_batch_are_still_allocatable() {
    const CAPACITY: usize = 64;
    let pools = pools(CAPACITY);
    let all: Vec<_> = (0..CAPACITY as u64)
        .map(|id| pools.allocate(Order { id }).unwrap())
        .collect();
    std::thread::spawn(move || drop(all)).join().unwrap();
    let (took, idle) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
    let worker = {
        let (pools, took, idle) = (Arc::clone(&pools), Arc::clone(&took), Arc::clone(&idle));
        std::thread::spawn(move || {
            let order = pools.allocate(Order { id: 1000 }).unwrap();
            assert_eq!(order.id, 1000);
            drop(order);
            took.wait();
            idle.wait();
        })
    };
    took.wait();
    assert_eq!(pools.stats().class(SizeClass::XS).in_use, 0);
    assert_full_capacity_reachable(&pools, CAPACITY);
    idle.wait();
    worker.join().unwrap();
    assert_eq!(
        pools.stats().class(SizeClass::XS).allocations,
        (2 * CAPACITY + 1) as u64,
        "every allocation counted once, from a magazine, a batch or the list"
    );
}

/// Slots cached in the magazines of an idle live thread and of an exited one (each freed 20
/// messages, more than one chunk of never-used slots) are all allocatable from a third thread, and
/// each allocation is counted once.
#[test]
fn slots_in_idle_and_exited_threads_magazines_are_still_allocatable() {
    const EACH: u64 = 20;
    let capacity = 2 * EACH as usize;
    let pools = pools(capacity);
    let fill = |pools: &Pools, base: u64| {
        let held: Vec<_> = (0..EACH)
            .map(|i| pools.allocate(Order { id: base + i }).unwrap())
            .collect();
        drop(held);
    };
    let (idle_tx, idle_rx) = std::sync::mpsc::channel();
    let (wake_tx, wake_rx) = std::sync::mpsc::channel::<()>();
    let idle = {
        let pools = Arc::clone(&pools);
        std::thread::spawn(move || {
            fill(&pools, 0);
            idle_tx.send(()).unwrap();
            wake_rx.recv().unwrap();
        })
    };
    idle_rx.recv().unwrap();
    {
        let pools = Arc::clone(&pools);
        std::thread::spawn(move || fill(&pools, 100))
            .join()
            .unwrap();
    }
    assert_full_capacity_reachable(&pools, capacity);
    wake_tx.send(()).unwrap();
    idle.join().unwrap();
    assert_eq!(
        pools.stats().class(SizeClass::XS).allocations,
        (2 * EACH) + capacity as u64,
        "every allocation counted once, from a magazine, a steal, the list or a fresh chunk"
    );
}

/// A message whose every word derives from one stamp, so two threads writing the same slot at
/// once (one slot handed out twice) shows up as a mismatch.
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Stamped {
    words: [u64; 8],
}

impl Stamped {
    fn new(stamp: u64) -> Self {
        Stamped {
            words: core::array::from_fn(|i| stamp.rotate_left(i as u32 * 8)),
        }
    }

    fn check(&self) {
        let stamp = self.words[0];
        assert_eq!(
            *self,
            Stamped::new(stamp),
            "slot written by two owners at once"
        );
    }
}

/// Owners popping and pushing their magazines race thieves stealing them: four threads share a
/// class of four slots, each holding zero to two messages at a time, so the list is empty most of
/// the time and allocations steal from each other's magazines. Every message is checked while
/// held.
#[test]
fn stress_owners_and_thieves_share_a_tiny_class() {
    stress_owners_and_thieves(4, 2, common::scaled(200_000, 2_000) as u64);
}

/// As above with full magazines: four threads share 96 slots, each holding up to 30 messages (more
/// than a magazine) and freeing them in bursts, so whole magazines of many slots are stolen, fresh
/// chunks are taken while others steal, and the list fills and empties.
#[test]
fn stress_owners_and_thieves_steal_full_magazines() {
    stress_owners_and_thieves(96, 30, common::scaled(100_000, 1_000) as u64);
}

fn stress_owners_and_thieves(capacity: usize, max_held: usize, rounds: u64) {
    let threads = 4u64;
    let pools = Arc::new(Pools::new(
        PoolConfig::empty().with_capacity(SizeClass::XS, capacity),
    ));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let pools = Arc::clone(&pools);
            std::thread::spawn(move || {
                let mut held = Vec::with_capacity(max_held);
                let mut allocated = 0u64;
                for round in 0..rounds {
                    let stamp = (t << 56) | round;
                    match pools.allocate(Stamped::new(stamp)) {
                        Ok(message) => {
                            allocated += 1;
                            message.check();
                            held.push(message);
                        }
                        Err(e) => {
                            assert!(matches!(e, PoolError::Exhausted { .. }));
                            std::thread::yield_now();
                        }
                    }
                    held.iter().for_each(|m| m.check());
                    if held.len() == max_held || round % (max_held as u64 + 1) == t {
                        held.clear();
                    }
                }
                allocated
            })
        })
        .collect();
    let allocated: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let stats = pools.stats().class(SizeClass::XS);
    assert_eq!(stats.in_use, 0);
    assert_eq!(stats.allocations, allocated, "each allocation counted once");
    let all: Vec<_> = (0..capacity as u64)
        .map(|i| {
            pools
                .allocate(Stamped::new(i))
                .expect("full capacity again")
        })
        .collect();
    all.iter().for_each(|m| m.check());
}
