//! Stress tests of the in-process ring on real threads, with sequence numbers and checksums:
//! no loss, duplication or reordering under `Backpressure`; every gap reported exactly under
//! `Overwrite`; no torn item ever returned.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;
use std::thread;

use pool_runtime::ring::{Overrun, Overwrite, Reader, Ring};

/// A 64-byte item: word 0 is the sequence, words 1..7 are derived from it, word 7 is a checksum
/// of words 0..7. A torn copy (words from two different items) fails `check`.
type Item = [u64; 8];

fn make(seq: u64) -> Item {
    let mut item = [0u64; 8];
    item[0] = seq;
    for (k, word) in item.iter_mut().enumerate().take(7).skip(1) {
        *word = seq
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(k as u32 * 9)
            ^ k as u64;
    }
    item[7] = checksum(&item);
    item
}

fn checksum(item: &Item) -> u64 {
    item[..7].iter().fold(0xcbf2_9ce4_8422_2325u64, |acc, w| {
        (acc ^ w).wrapping_mul(0x100_0000_01b3)
    })
}

fn check(item: &Item) -> u64 {
    assert_eq!(item[7], checksum(item), "torn or corrupted item {item:?}");
    assert_eq!(*item, make(item[0]), "item does not match its sequence");
    item[0]
}

/// Reads with the blocking iterator until the writer is gone; returns how many items it saw.
fn drain_one_by_one(reader: Reader<Item>, first: u64) -> u64 {
    let mut expected = first;
    for item in reader {
        assert_eq!(check(&item), expected, "lost, duplicated or reordered item");
        expected += 1;
    }
    expected - first
}

/// Reads in batches (borrowing in place) until the writer is gone.
fn drain_in_batches(mut reader: Reader<Item>, first: u64) -> u64 {
    let mut expected = first;
    loop {
        let mut batch = reader.read_batch();
        if batch.is_empty() {
            drop(batch);
            // Wait for the next item (or the end) with the blocking read.
            match reader.read_with(check) {
                Some(seq) => {
                    assert_eq!(seq, expected);
                    expected += 1;
                    continue;
                }
                None => return expected - first,
            }
        }
        while let Some(item) = batch.next_ref() {
            assert_eq!(check(item), expected, "lost, duplicated or reordered item");
            expected += 1;
        }
    }
}

#[test]
fn backpressure_two_readers_see_every_item_once_in_order() {
    let total = common::scaled(200_000, 2_000) as u64;
    let ring = Ring::<Item>::with_capacity(64).unwrap();
    let mut writer = ring.writer().unwrap();
    let a = ring.subscribe().unwrap();
    let b = writer.subscribe().unwrap();
    let reader_a = thread::spawn(move || drain_one_by_one(a, 0));
    let reader_b = thread::spawn(move || drain_in_batches(b, 0));
    let producer = thread::spawn(move || {
        let mut seq = 0;
        while seq < total {
            // Alternate single pushes and claims of varying size.
            let batch = (seq % 7) as usize;
            if batch == 0 {
                writer.push(make(seq));
                seq += 1;
            } else {
                let len = batch.min((total - seq) as usize);
                let mut claim = writer.claim(len).unwrap();
                for _ in 0..len {
                    claim.push(make(seq)).unwrap();
                    seq += 1;
                }
            }
        }
    });
    producer.join().unwrap();
    assert_eq!(reader_a.join().unwrap(), total);
    assert_eq!(reader_b.join().unwrap(), total);
}

#[test]
fn backpressure_refcounted_items_are_neither_leaked_nor_dropped_twice() {
    let total = common::scaled(100_000, 1_000) as u64;
    let marker = Arc::new(());
    let ring = Ring::<(u64, Arc<()>)>::with_capacity(16).unwrap();
    let mut writer = ring.writer().unwrap();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let reader = ring.subscribe().unwrap();
            thread::spawn(move || {
                let mut expected = 0;
                for (seq, handle) in reader {
                    assert_eq!(seq, expected);
                    assert!(Arc::strong_count(&handle) >= 2);
                    expected += 1;
                }
                expected
            })
        })
        .collect();
    let producer = {
        let marker = Arc::clone(&marker);
        thread::spawn(move || {
            for seq in 0..total {
                writer.push((seq, Arc::clone(&marker)));
            }
        })
    };
    producer.join().unwrap();
    for reader in readers {
        assert_eq!(reader.join().unwrap(), total);
    }
    // The ring handle still holds the items unread when the writer went: at most a lap.
    assert!(Arc::strong_count(&marker) <= 1 + 16);
    drop(ring);
    assert_eq!(Arc::strong_count(&marker), 1);
}

#[test]
fn backpressure_readers_joining_and_leaving_mid_stream() {
    let total = common::scaled(100_000, 2_000) as u64;
    let ring = Arc::new(Ring::<Item>::with_capacity(8).unwrap());
    let mut writer = ring.writer().unwrap();
    let producer = thread::spawn(move || {
        for seq in 0..total {
            writer.push(make(seq));
        }
    });
    let joiners: Vec<_> = (0..3)
        .map(|round| {
            let ring = Arc::clone(&ring);
            thread::spawn(move || {
                let mut seen = 0u64;
                for _ in 0..20 {
                    // Join wherever the writer is now, read a while, leave.
                    let mut reader = ring.subscribe().unwrap();
                    let mut expected = reader.position();
                    let budget = 50 + round * 100;
                    for _ in 0..budget {
                        match reader.next() {
                            Some(item) => {
                                assert_eq!(check(&item), expected);
                                expected += 1;
                                seen += 1;
                            }
                            None => return seen,
                        }
                    }
                }
                seen
            })
        })
        .collect();
    for joiner in joiners {
        joiner.join().unwrap();
    }
    producer.join().unwrap();
}

/// Reads an `Overwrite` ring to the end; checks every item and that received + missed == sent.
fn drain_overwrite(reader: Reader<Item, Overwrite>, total: u64, slow: bool) -> (u64, u64) {
    let (mut expected, mut received, mut missed) = (0u64, 0u64, 0u64);
    for result in reader {
        match result {
            Ok(item) => {
                assert_eq!(check(&item), expected, "gap not reported exactly");
                expected += 1;
                received += 1;
                if slow && received % 64 == 0 {
                    thread::yield_now();
                }
            }
            Err(Overrun { missed: lost }) => {
                assert!(lost > 0);
                expected += lost;
                missed += lost;
            }
        }
    }
    assert_eq!(expected, total);
    assert_eq!(received + missed, total);
    (received, missed)
}

#[test]
fn overwrite_readers_account_for_every_item() {
    let total = common::scaled(300_000, 3_000) as u64;
    let ring = Ring::<Item, Overwrite>::with_capacity(32).unwrap();
    let mut writer = ring.writer().unwrap();
    let fast = ring.subscribe().unwrap();
    let slow = ring.subscribe().unwrap();
    let fast = thread::spawn(move || drain_overwrite(fast, total, false));
    let slow = thread::spawn(move || drain_overwrite(slow, total, true));
    let producer = thread::spawn(move || {
        let mut seq = 0;
        while seq < total {
            if seq % 5 == 0 {
                let len = 4.min(total - seq) as usize;
                let mut claim = writer.claim(len).unwrap();
                for _ in 0..len {
                    claim.push(make(seq)).unwrap();
                    seq += 1;
                }
            } else {
                writer.push(make(seq));
                seq += 1;
            }
        }
    });
    producer.join().unwrap();
    let (fast_received, fast_missed) = fast.join().unwrap();
    let (slow_received, slow_missed) = slow.join().unwrap();
    // Both counts are checked exactly inside `drain_overwrite`; print what happened.
    println!(
        "overwrite stress: fast {fast_received} received / {fast_missed} missed, \
         slow {slow_received} received / {slow_missed} missed"
    );
}

#[test]
fn overwrite_batches_account_for_every_item() {
    let total = common::scaled(200_000, 2_000) as u64;
    let ring = Ring::<Item, Overwrite>::with_capacity(16).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    let consumer = thread::spawn(move || {
        let (mut expected, mut accounted) = (0u64, 0u64);
        while !(reader.is_writer_closed() && reader.lag() == 0) {
            for result in reader.read_batch() {
                match result {
                    Ok(item) => {
                        assert_eq!(check(&item), expected);
                        expected += 1;
                        accounted += 1;
                    }
                    Err(Overrun { missed }) => {
                        expected += missed;
                        accounted += missed;
                    }
                }
            }
        }
        (expected, accounted)
    });
    for seq in 0..total {
        writer.push(make(seq));
    }
    drop(writer);
    let (expected, accounted) = consumer.join().unwrap();
    assert_eq!((expected, accounted), (total, total));
}
