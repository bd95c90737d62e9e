//! `RingPtr` handles through the ring: every reader gets a clone (a refcount increment), and
//! every slot goes back to its pool exactly once — none leaked while the ring holds unread
//! items, all free once the ring is gone.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;
use std::thread;

use pool_runtime::bytemuck::{Pod, Zeroable};
use pool_runtime::ring::Ring;
use pool_runtime::{PoolConfig, PooledMessage, Pools, RingPtr};

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Quote {
    seq: u64,
    price: u64,
    check: u64,
}

fn quote(seq: u64) -> Quote {
    Quote {
        seq,
        price: seq * 3,
        check: seq ^ 0x5a5a,
    }
}

#[test]
fn ring_ptrs_reach_every_reader_and_return_to_the_pool_once() {
    let total = common::scaled(50_000, 1_000) as u64;
    const CAPACITY: usize = 32;
    let pools = Arc::new(Pools::new(
        PoolConfig::default().with_capacity(Quote::CLASS, 256),
    ));
    let ring = Ring::<RingPtr<Quote>>::with_capacity(CAPACITY).unwrap();
    let mut writer = ring.writer().unwrap();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let reader = ring.subscribe().unwrap();
            thread::spawn(move || {
                let mut expected = 0;
                for item in reader {
                    assert_eq!(item.seq, expected);
                    assert_eq!((item.price, item.check), (expected * 3, expected ^ 0x5a5a));
                    expected += 1;
                }
                expected
            })
        })
        .collect();
    let producer = {
        let pools = Arc::clone(&pools);
        thread::spawn(move || {
            for seq in 0..total {
                // The pool has room for the ring's lap plus the readers' clones in flight; a
                // failed allocation gets back the slots of items both readers are done with.
                let ptr = loop {
                    match pools.allocate(quote(seq)) {
                        Ok(ptr) => break ptr,
                        Err(_) => {
                            writer.reclaim();
                            thread::yield_now();
                        }
                    }
                };
                writer.push(ptr);
            }
        })
    };
    producer.join().unwrap();
    for reader in readers {
        assert_eq!(reader.join().unwrap(), total);
    }
    // Only items unread when the writer went are left: at most a lap.
    assert!(pools.stats().class(Quote::CLASS).in_use <= CAPACITY);
    drop(ring);
    assert_eq!(pools.stats().class(Quote::CLASS).in_use, 0);
}
