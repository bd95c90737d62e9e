//! The actor app of issue 11: a producer allocates messages from pools sized by
//! `MessageSet::pool_config_for_ring`, one 5000-byte (class XL) message in every 20, and pushes
//! them through a 1024-entry ring to a reader that keeps up. With the ring holding each item
//! for a whole lap, the 32 XL slots of the default configuration ran out at message 640 and the
//! producer could never recover; now the ring drops what the reader is done with, and the sized
//! pools never run out (allocation uses `Overflow::Fail`, so an exhaustion fails the test).
//!
//! 10^6 messages at full scale (`RINGPOOL_STRESS_SCALE` lowers it).
#![cfg(not(loom))]

mod common;

use std::sync::Arc;
use std::thread;

use pool_runtime::bytemuck::{Pod, Zeroable};
use pool_runtime::ring::Ring;
use pool_runtime::{MessageSet, PooledMessage, Pools, RingPtr, SizeClass};

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Tick {
    seq: u64,
    price: u64,
}

/// 5000 bytes: class XL.
#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Snapshot {
    seq: u64,
    levels: [u64; 624],
}

#[derive(Clone, MessageSet)]
enum Inbound {
    Tick(RingPtr<Tick>),
    Snapshot(RingPtr<Snapshot>),
}

const RING: usize = 1024;

#[test]
fn actor_app_with_an_xl_message_every_twentieth_never_exhausts_its_pools() {
    let total = common::scaled(1_000_000, 20_000) as u64;
    let config = Inbound::pool_config_for_ring(RING, 1);
    // The default configuration of the set has 32 XL slots, far fewer than a ring holds.
    assert!(Inbound::POOL_CONFIG.capacity(SizeClass::XL) < RING);
    assert_eq!(config.capacity(SizeClass::XL), RING + 2);
    let pools = Arc::new(Pools::new(config));
    let ring = Ring::<Inbound>::with_capacity(RING).unwrap();
    let mut writer = ring.writer().unwrap();
    let reader = ring.subscribe().unwrap();
    // Only the two actors keep the ring: whichever of them drops last frees its storage, right
    // after the other one's drop (ThreadSanitizer must see that hand-off).
    drop(ring);
    let consumer = thread::spawn(move || {
        let mut expected = 0u64;
        for message in reader {
            let seq = match message {
                Inbound::Tick(tick) => {
                    assert_eq!(tick.price, tick.seq * 7);
                    tick.seq
                }
                Inbound::Snapshot(snapshot) => {
                    assert_eq!(snapshot.levels[623], snapshot.seq);
                    snapshot.seq
                }
            };
            assert_eq!(seq, expected);
            expected += 1;
        }
        expected
    });
    let producer = {
        let pools = Arc::clone(&pools);
        thread::spawn(move || {
            for seq in 0..total {
                let message = if seq % 20 == 19 {
                    let snapshot = Snapshot {
                        seq,
                        levels: [seq; 624],
                    };
                    Inbound::Snapshot(
                        pools
                            .allocate(snapshot)
                            .unwrap_or_else(|error| panic!("message {seq}: {error}")),
                    )
                } else {
                    let tick = Tick {
                        seq,
                        price: seq * 7,
                    };
                    Inbound::Tick(
                        pools
                            .allocate(tick)
                            .unwrap_or_else(|error| panic!("message {seq}: {error}")),
                    )
                };
                writer.push(message);
            }
            drop(writer);
        })
    };
    producer.join().unwrap();
    assert_eq!(consumer.join().unwrap(), total);
    let xl = pools.stats().class(SizeClass::XL);
    assert_eq!(xl.exhausted, 0);
    assert!(xl.high_water <= RING + 2, "XL high water {}", xl.high_water);
    assert_eq!(xl.in_use, 0);
}

/// The failure, deterministically: the set's default pools (32 XL slots) and a reader
/// that reads each message right after it is pushed. Before items were dropped on read, the
/// ring kept 1024 messages (51 of them XL) and allocation failed at message 640.
#[test]
fn a_reader_that_keeps_up_keeps_the_default_pools_from_running_out() {
    let pools = Pools::new(Inbound::POOL_CONFIG);
    let ring = Ring::<Inbound>::with_capacity(RING).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    for seq in 0..10 * RING as u64 {
        let message = if seq % 20 == 19 {
            let snapshot = Snapshot {
                seq,
                levels: [seq; 624],
            };
            Inbound::Snapshot(pools.allocate(snapshot).expect("an XL slot"))
        } else {
            Inbound::Tick(
                pools
                    .allocate(Tick {
                        seq,
                        price: seq * 7,
                    })
                    .expect("an XS slot"),
            )
        };
        writer.push(message);
        assert!(reader.try_read_with(|_| ()).is_some());
    }
    // One XL message may still be in the ring (read, dropped at the next push).
    assert!(pools.stats().class(SizeClass::XL).in_use <= 1);
}
