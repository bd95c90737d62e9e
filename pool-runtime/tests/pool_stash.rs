//! `Pools` keeps each thread's last freed slot in a per-thread stash cell. These tests show that a
//! stashed slot is never out of reach: capacity stays exact when every free slot sits in the cell
//! of another live thread, of an exited one, or when more threads are alive than there are cells.
#![cfg(not(loom))]

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

/// Each of `threads` threads allocates one message and frees it (into its own stash cell, when it
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
