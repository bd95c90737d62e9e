//! Stress: millions of allocate / clone / cross-thread drop operations on both allocators, with
//! content checks; at the end nothing is in use and the full capacity allocates again.
//! Sized with `RINGPOOL_STRESS_SCALE` (see `common::scaled`).
#![cfg(not(loom))]

mod common;

use std::sync::Arc;
use std::sync::mpsc;

use pool_runtime::bytemuck::{Pod, Zeroable};
use pool_runtime::{LocalPools, PoolConfig, PooledMessage, Pools, RingPtr, SizeClass, WeakRingPtr};

#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Stamped {
    seq: u64,
    check: u64,
    fill: [u64; 10],
}

impl Stamped {
    fn new(seq: u64) -> Self {
        Stamped {
            seq,
            check: seq.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            fill: [seq ^ 0xA5A5; 10],
        }
    }

    fn verify(&self) {
        assert_eq!(
            self.check,
            self.seq.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            "torn or reused"
        );
        assert!(
            self.fill.iter().all(|w| *w == self.seq ^ 0xA5A5),
            "torn or reused"
        );
    }
}

const CAPACITY: usize = 256;

fn config() -> PoolConfig {
    PoolConfig::empty().with_capacity(SizeClass::S, CAPACITY)
}

/// The owner allocates (retrying while full); two consumers get clones through channels, verify,
/// sometimes keep a weak handle, and drop on their own threads.
#[test]
fn stress_local_pools_cross_thread_drop() {
    let messages = common::scaled(600_000, 2_000) as u64;
    let (tx_a, rx_a) = mpsc::sync_channel::<RingPtr<Stamped>>(64);
    let (tx_b, rx_b) = mpsc::sync_channel::<RingPtr<Stamped>>(64);
    let consumer = |rx: mpsc::Receiver<RingPtr<Stamped>>| {
        std::thread::spawn(move || {
            let mut weak: Option<(u64, WeakRingPtr<Stamped>)> = None;
            let mut count = 0u64;
            for msg in rx {
                msg.verify();
                if let Some((seq, w)) = &weak
                    && let Some(up) = w.upgrade()
                {
                    assert_eq!(up.seq, *seq, "weak upgraded to another message");
                }
                if msg.seq % 7 == 0 {
                    weak = Some((msg.seq, RingPtr::downgrade(&msg)));
                }
                count += 1;
            }
            count
        })
    };
    let a = consumer(rx_a);
    let b = consumer(rx_b);
    let mut pools = LocalPools::new(config());
    let mut full = 0u64;
    for seq in 0..messages {
        let msg = loop {
            match pools.allocate(Stamped::new(seq)) {
                Ok(m) => break m,
                Err(_) => {
                    full += 1;
                    std::thread::yield_now();
                }
            }
        };
        tx_a.send(msg.clone()).unwrap();
        tx_b.send(msg).unwrap();
    }
    drop((tx_a, tx_b));
    assert_eq!(a.join().unwrap(), messages);
    assert_eq!(b.join().unwrap(), messages);
    let stats = pools.stats().class(SizeClass::S);
    assert_eq!(stats.in_use, 0);
    assert_eq!(stats.allocations, messages);
    assert!(stats.exhausted <= full + 1);
    let all: Vec<_> = (0..CAPACITY as u64)
        .map(|i| {
            pools
                .allocate(Stamped::new(i))
                .expect("full capacity again")
        })
        .collect();
    all.iter().for_each(|m| m.verify());
}

/// Several threads allocate from one `Pools`, hand clones to each other and drop anywhere.
#[test]
fn stress_shared_pools_many_threads() {
    let per_thread = common::scaled(300_000, 1_000) as u64;
    let threads = 4;
    let pools = Arc::new(Pools::new(config()));
    let (tx, rx) = mpsc::sync_channel::<RingPtr<Stamped>>(128);
    let sink = std::thread::spawn(move || {
        let mut n = 0u64;
        for msg in rx {
            msg.verify();
            n += 1;
        }
        n
    });
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let pools = Arc::clone(&pools);
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut held = Vec::with_capacity(8);
                let mut sent = 0u64;
                for i in 0..per_thread {
                    let seq = (t as u64) << 40 | i;
                    let msg = loop {
                        match pools.allocate(Stamped::new(seq)) {
                            Ok(m) => break m,
                            Err(_) => {
                                held.clear();
                                std::thread::yield_now();
                            }
                        }
                    };
                    msg.verify();
                    if i % 3 == 0 {
                        tx.send(msg.clone()).unwrap();
                        sent += 1;
                    }
                    held.push(msg);
                    if held.len() == 8 {
                        held.iter().for_each(|m| m.verify());
                        held.clear();
                    }
                }
                sent
            })
        })
        .collect();
    drop(tx);
    let sent: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(sink.join().unwrap(), sent);
    let stats = pools.stats().class(SizeClass::S);
    assert_eq!(stats.in_use, 0);
    assert_eq!(stats.allocations, per_thread * threads as u64);
    let all: Vec<_> = (0..CAPACITY as u64)
        .map(|i| {
            pools
                .allocate(Stamped::new(i))
                .expect("full capacity again")
        })
        .collect();
    all.iter().for_each(|m| m.verify());
}

/// Clones and drops of one message from many threads at once; weak handles upgrading while the
/// last strong one goes.
#[test]
fn stress_refcount_and_weak_races() {
    let rounds = common::scaled(20_000, 200);
    let pools = Pools::new(PoolConfig::empty().with_capacity(SizeClass::S, 2));
    for round in 0..rounds as u64 {
        let msg = pools.allocate(Stamped::new(round)).unwrap();
        let weak = RingPtr::downgrade(&msg);
        let clones = [msg.clone(), msg.clone()];
        let [c1, c2] = clones;
        let w2 = weak.clone();
        let t1 = std::thread::spawn(move || {
            let extra = c1.clone();
            extra.verify();
            drop((c1, extra));
        });
        let t2 = std::thread::spawn(move || {
            if let Some(up) = w2.upgrade() {
                assert_eq!(up.seq, round);
            }
            drop(c2);
        });
        drop(msg);
        t1.join().unwrap();
        t2.join().unwrap();
        assert!(weak.upgrade().is_none());
    }
    assert_eq!(pools.stats().total_in_use(), 0);
}

/// Threads that own pools exit while their messages live on elsewhere.
#[test]
fn stress_allocator_threads_exit_before_messages() {
    let threads = common::scaled(200, 10);
    let mut survivors = Vec::new();
    for t in 0..threads as u64 {
        let handle = std::thread::spawn(move || {
            let mut pools = LocalPools::new(PoolConfig::empty().with_capacity(SizeClass::S, 4));
            (0..4)
                .map(|i| pools.allocate(Stamped::new(t * 10 + i)).unwrap())
                .collect::<Vec<_>>()
        });
        survivors.extend(handle.join().unwrap());
        if survivors.len() > 64 {
            survivors.drain(..32).for_each(|m| m.verify());
        }
    }
    survivors.iter().for_each(|m| m.verify());
    drop(survivors);
}
