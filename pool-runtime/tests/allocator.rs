//! `Allocator`: the same reader and message-set calls take `&Pools`, `&mut LocalPools` and
//! `ThreadPools`, and each takes its slot from the front-end it was given.
#![cfg(not(loom))]

mod frame_support;

use frame_support::{Inbound, Tick};
use pool_runtime::frame::{FrameError, FrameReader, MessageSet, read_frame, write_frame};
use pool_runtime::{
    Allocator, LocalPools, PoolConfig, PoolError, Pools, SizeClass, ThreadPools, thread_pool_stats,
};

const TICK: Tick = Tick {
    price: 10,
    qty: 2,
    venue: 7,
};

fn ticks(count: usize) -> Vec<u8> {
    let mut wire = Vec::new();
    for _ in 0..count {
        write_frame(&mut wire, &TICK).unwrap();
    }
    wire
}

fn xs_allocations_of_this_thread() -> u64 {
    thread_pool_stats()
        .unwrap()
        .class(SizeClass::XS)
        .allocations
}

#[test]
fn each_front_end_supplies_the_slot_it_was_given() {
    let wire = ticks(3);
    let mut stream = wire.as_slice();
    let shared = Pools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 1));
    let mut local = LocalPools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 1));
    let thread_before = xs_allocations_of_this_thread();

    let from_shared = read_frame(&mut stream, &shared).unwrap();
    let from_local = read_frame(&mut stream, &mut local).unwrap();
    let from_thread = read_frame(&mut stream, ThreadPools).unwrap();

    assert_eq!(shared.stats().class(SizeClass::XS).in_use, 1);
    assert_eq!(local.stats().class(SizeClass::XS).in_use, 1);
    assert_eq!(xs_allocations_of_this_thread(), thread_before + 1);
    for frame in [&from_shared, &from_local, &from_thread] {
        assert_eq!(frame.payload(), bytemuck_bytes(&TICK));
    }
    drop((from_shared, from_local, from_thread));
    assert_eq!(shared.stats().class(SizeClass::XS).in_use, 0);
    assert_eq!(local.stats().class(SizeClass::XS).in_use, 0);
}

fn bytemuck_bytes(tick: &Tick) -> &[u8] {
    pool_runtime::bytemuck::bytes_of(tick)
}

/// A helper generic over the allocator reborrows `&mut A` on each call of its loop.
fn read_all<A: Allocator>(wire: &[u8], pools: &mut A) -> Result<Vec<Inbound>, FrameError> {
    let mut stream = wire;
    let mut messages = Vec::new();
    while !stream.is_empty() {
        messages.push(Inbound::read_from(&mut stream, &mut *pools)?);
    }
    Ok(messages)
}

#[test]
fn a_generic_caller_reads_through_any_front_end() {
    let wire = ticks(4);
    let mut shared = &Pools::new(Inbound::POOL_CONFIG);
    let mut local = LocalPools::new(Inbound::POOL_CONFIG);
    let mut thread = ThreadPools;
    assert_eq!(read_all(&wire, &mut shared).unwrap().len(), 4);
    assert_eq!(read_all(&wire, &mut local).unwrap().len(), 4);
    assert_eq!(read_all(&wire, &mut thread).unwrap().len(), 4);
}

#[test]
fn an_exhausted_local_class_is_a_pool_error_and_holds_no_slot() {
    let wire = ticks(2);
    let mut stream = wire.as_slice();
    let mut local = LocalPools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 1));
    let held = FrameReader::new()
        .read_set::<Inbound, _, _>(&mut stream, &mut local)
        .unwrap();
    let err = FrameReader::new()
        .read_set::<Inbound, _, _>(&mut stream, &mut local)
        .unwrap_err();
    assert!(
        matches!(err, FrameError::Pool(PoolError::Exhausted { .. })),
        "{err:?}"
    );
    drop(held);
    assert_eq!(local.stats().class(SizeClass::XS).in_use, 0);
}

#[test]
fn allocate_through_the_trait_lands_in_the_given_pools() {
    fn tick<A: Allocator>(mut pools: A) -> Result<u64, PoolError> {
        Ok(pools.allocate(TICK)?.price)
    }
    let shared = Pools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 1));
    let mut local = LocalPools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 1));
    let owned = Pools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 1));
    assert_eq!(tick(&shared), Ok(10));
    assert_eq!(tick(&mut local), Ok(10));
    assert_eq!(tick(owned), Ok(10));
    assert_eq!(tick(ThreadPools), Ok(10));
    assert_eq!(shared.stats().class(SizeClass::XS).allocations, 1);
    assert_eq!(local.stats().class(SizeClass::XS).allocations, 1);

    let empty = Pools::new(PoolConfig::empty());
    assert!(matches!(tick(&empty), Err(PoolError::Exhausted { .. })));
}
