//! A reader that joins into the cursor entry another reader (on another thread) just left: the
//! leaver's reads must happen-before the writer's overwrite of the slots it read, although from
//! then on the writer acquires only the joiner's cursor stores.
//!
//! Natively this checks the values and positions. Its point is `scripts/sanitizers tsan`:
//! ThreadSanitizer reported the leaver's read against the writer's overwrite when the join
//! claimed the entry with a `Relaxed` CAS (the edge then came only from the join's barrier,
//! which TSan cannot see: `ReaderCursors::join`). The threads are sequenced with `Relaxed` flags,
//! which order them in time without adding a happens-before edge of their own.
#![cfg(not(loom))]

use std::hint::spin_loop;
use std::sync::atomic::{AtomicU8, Ordering};
use std::thread;

use pool_runtime::ring::Ring;

/// The first reader has read item 0 and left.
const LEFT: u8 = 1;
/// The second reader has joined, into the same (only) entry.
const JOINED: u8 = 2;
/// The writer has overwritten item 0's slot with item 1.
const OVERWRITTEN: u8 = 3;

fn wait_for(stage: &AtomicU8, value: u8) {
    // Relaxed: a flag for timing only (module docs).
    while stage.load(Ordering::Relaxed) < value {
        spin_loop();
        thread::yield_now();
    }
}

#[test]
fn a_reader_joining_into_a_left_readers_entry_orders_its_reads_before_the_overwrite() {
    static STAGE: AtomicU8 = AtomicU8::new(0);
    // One slot and one cursor entry: the joiner must take the leaver's entry, and item 1 goes
    // into the slot the leaver read item 0 from.
    let ring = Ring::<[u64; 8]>::with_capacity_and_readers(1, 1).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut leaver = ring.subscribe().unwrap();
    writer.try_push([10; 8]).unwrap();

    let leaving = thread::spawn(move || {
        // Borrowed in place: a read of the slot itself.
        assert_eq!(leaver.try_read_with(|item| item[7]), Some(10));
        drop(leaver);
        // Relaxed: timing only.
        STAGE.store(LEFT, Ordering::Relaxed);
    });
    let joining = thread::spawn(move || {
        wait_for(&STAGE, LEFT);
        let mut joiner = ring.subscribe().expect("the leaver's entry is free");
        assert_eq!(joiner.position(), 1);
        STAGE.store(JOINED, Ordering::Relaxed);
        wait_for(&STAGE, OVERWRITTEN);
        assert_eq!(joiner.try_next(), Some([11; 8]));
    });

    wait_for(&STAGE, JOINED);
    // The writer's scan sees the joiner's cursor (1): item 1 may replace item 0.
    let mut item = [11; 8];
    while let Err(full) = writer.try_push(item) {
        item = full.into_inner();
        thread::yield_now();
    }
    STAGE.store(OVERWRITTEN, Ordering::Relaxed);
    joining.join().unwrap();
    leaving.join().unwrap();
}
