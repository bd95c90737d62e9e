//! What users of tokio's `broadcast`, rtrb and bcast expect, checked on `Ring` and `ShmRing`.
//!
//! Each test restates one behaviour those crates test for themselves (written here from their
//! documented semantics, not copied) and asserts ringpool's answer. Where ringpool deliberately
//! differs the test asserts ringpool's behaviour and says why:
//!
//! - capacities are powers of two (slots are found with a mask, not a division), so rtrb's and
//!   tokio's "any capacity" becomes `CapacityError::NotPowerOfTwo`;
//! - a `Backpressure` item is dropped by the writer once every reader is past it (its next push
//!   or claim, or `Writer::reclaim`), not by the reader that pops it as in rtrb: readers share
//!   each item, so no single reader owns it, and keeping drops on the writer keeps reads cheap;
//! - tokio's `send` fails when there is no receiver; a ring's writer publishes anyway (a reader
//!   may subscribe later) and drops the item at its next operation;
#![cfg(not(loom))]

mod common;

use std::cell::Cell;
use std::rc::Rc;

use pool_runtime::ring::{CapacityError, Full, Overrun, Overwrite, Ring};

/// Counts its drops in a shared cell.
struct DropCounter(Rc<Cell<u32>>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

// ---- tokio::sync::broadcast: lag and drop ----

#[test]
fn tokio_lagged_by_one_then_the_rest() {
    // tokio: capacity 2, send 1, 2, 3; a receiver that read nothing gets Lagged(1), then 2, 3.
    let ring = Ring::<u32, Overwrite>::with_capacity(2).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    for value in 1..=3 {
        writer.push(value);
    }
    assert_eq!(reader.try_next(), Err(Overrun { missed: 1 }));
    assert_eq!(reader.try_next(), Ok(Some(2)));
    assert_eq!(reader.try_next(), Ok(Some(3)));
    assert_eq!(reader.try_next(), Ok(None));
}

#[test]
fn tokio_lagged_by_many_and_a_reader_that_kept_up_is_untouched() {
    let ring = Ring::<u32, Overwrite>::with_capacity(4).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut slow = ring.subscribe().unwrap();
    let mut fast = ring.subscribe().unwrap();
    for value in 0..10 {
        writer.push(value);
        assert_eq!(fast.try_next(), Ok(Some(value)));
    }
    assert_eq!(slow.try_next(), Err(Overrun { missed: 6 }));
    let rest: Vec<_> = slow.read_batch().collect();
    assert_eq!(rest, [Ok(6), Ok(7), Ok(8), Ok(9)]);
}

#[test]
fn tokio_lagged_reader_drains_after_the_sender_is_gone() {
    let ring = Ring::<u32, Overwrite>::with_capacity(2).unwrap();
    let mut writer = ring.writer().unwrap();
    let reader = ring.subscribe().unwrap();
    for value in 0..5 {
        writer.push(value);
    }
    drop(writer);
    let seen: Vec<_> = reader.collect();
    assert_eq!(seen, [Err(Overrun { missed: 3 }), Ok(3), Ok(4)]);
}

#[test]
fn tokio_value_is_dropped_once_every_receiver_has_seen_it() {
    let drops = Rc::new(Cell::new(0));
    let ring = Ring::<DropCounter>::with_capacity(8).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut a = ring.subscribe().unwrap();
    let mut b = ring.subscribe().unwrap();
    writer.push(DropCounter(Rc::clone(&drops)));
    a.try_read_with(|_| ()).unwrap();
    assert_eq!(writer.reclaim(), 0, "b has not seen it yet");
    assert_eq!(drops.get(), 0);
    b.try_read_with(|_| ()).unwrap();
    assert_eq!(writer.reclaim(), 1);
    assert_eq!(drops.get(), 1);
}

#[test]
fn tokio_dropping_the_last_receiver_releases_unread_values() {
    let drops = Rc::new(Cell::new(0));
    let ring = Ring::<DropCounter>::with_capacity(8).unwrap();
    let mut writer = ring.writer().unwrap();
    let reader = ring.subscribe().unwrap();
    for _ in 0..3 {
        writer.push(DropCounter(Rc::clone(&drops)));
    }
    drop(reader);
    assert_eq!(
        drops.get(),
        0,
        "dropped by the writer, not by the leaving reader"
    );
    // The writer's next operation drops everything unread.
    writer.push(DropCounter(Rc::clone(&drops)));
    assert_eq!(drops.get(), 3);
    writer.reclaim();
    assert_eq!(drops.get(), 4);
}

#[test]
fn tokio_send_without_receivers_is_accepted_and_dropped() {
    let drops = Rc::new(Cell::new(0));
    let ring = Ring::<DropCounter>::with_capacity(2).unwrap();
    let mut writer = ring.writer().unwrap();
    for _ in 0..5 {
        writer.push(DropCounter(Rc::clone(&drops)));
    }
    // Each push dropped the previous item: nobody could read it.
    assert_eq!(drops.get(), 4);
    drop(writer);
    drop(ring);
    assert_eq!(drops.get(), 5);
}

// ---- rtrb: capacity 1, drops ----

#[test]
fn rtrb_capacity_one_alternates_push_and_pop() {
    let ring = Ring::<u8>::with_capacity(1).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    assert_eq!(reader.try_next(), None);
    writer.try_push(1).unwrap();
    assert_eq!(writer.try_push(2), Err(Full(2)));
    assert_eq!(reader.try_next(), Some(1));
    writer.try_push(2).unwrap();
    assert_eq!(reader.try_next(), Some(2));
    assert_eq!(reader.try_next(), None);
}

#[test]
fn rtrb_capacity_must_be_a_power_of_two_here() {
    // rtrb accepts any capacity; ringpool indexes slots with a mask (see the module docs).
    assert_eq!(
        Ring::<u8>::with_capacity(3).unwrap_err(),
        CapacityError::NotPowerOfTwo { requested: 3 }
    );
    assert_eq!(
        Ring::<u8>::with_capacity(0).unwrap_err(),
        CapacityError::NotPowerOfTwo { requested: 0 }
    );
}

#[test]
fn rtrb_every_item_is_dropped_exactly_once() {
    for (pushed, read) in [(0, 0), (3, 0), (3, 3), (5, 2), (8, 8)] {
        let drops = Rc::new(Cell::new(0));
        {
            let ring = Ring::<DropCounter>::with_capacity(8).unwrap();
            let mut writer = ring.writer().unwrap();
            let mut reader = ring.subscribe().unwrap();
            for _ in 0..pushed {
                writer.push(DropCounter(Rc::clone(&drops)));
            }
            for _ in 0..read {
                reader.try_read_with(|_| ()).unwrap();
            }
        }
        assert_eq!(drops.get(), pushed, "pushed {pushed}, read {read}");
    }
}

#[test]
fn rtrb_item_is_dropped_when_read_not_a_lap_later() {
    // rtrb drops on pop; here the reader's read releases the item to the writer, which drops it
    // at its next push (or reclaim), long before its slot comes round again.
    let drops = Rc::new(Cell::new(0));
    let ring = Ring::<DropCounter>::with_capacity(1024).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    for round in 0..10 {
        writer.push(DropCounter(Rc::clone(&drops)));
        assert_eq!(drops.get(), round);
        reader.try_read_with(|_| ()).unwrap();
    }
    writer.reclaim();
    assert_eq!(drops.get(), 10);
}

// ---- bcast: overrun, late join, wrap-around ----

#[test]
fn bcast_overrun_is_detected_and_counted() {
    let ring = Ring::<[u64; 4], Overwrite>::with_capacity(8).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    for seq in 0..100u64 {
        writer.push([seq; 4]);
    }
    assert_eq!(reader.lag(), 100);
    assert_eq!(reader.try_next(), Err(Overrun { missed: 92 }));
    for seq in 92..100 {
        assert_eq!(reader.try_next(), Ok(Some([seq; 4])));
    }
}

#[test]
fn bcast_late_joiner_sees_only_what_follows() {
    let ring = Ring::<u64>::with_capacity(4).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut early = ring.subscribe().unwrap();
    writer.push(1);
    writer.push(2);
    let mut late = writer.subscribe().unwrap();
    assert_eq!(late.position(), 2);
    assert_eq!(late.try_next(), None);
    writer.push(3);
    assert_eq!(late.try_next(), Some(3));
    assert_eq!(early.read_batch().collect::<Vec<_>>(), [1, 2, 3]);

    let ring = Ring::<u64, Overwrite>::with_capacity(4).unwrap();
    let mut writer = ring.writer().unwrap();
    writer.push(1);
    let mut late = ring.subscribe().unwrap();
    writer.push(2);
    assert_eq!(late.try_next(), Ok(Some(2)));
}

#[test]
fn bcast_wrap_around_many_laps_in_order() {
    let ring = Ring::<u64>::with_capacity(4).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    let mut expected = 0;
    for value in 0..1000u64 {
        writer.push(value);
        if value % 3 == 2 {
            for item in reader.read_batch() {
                assert_eq!(item, expected);
                expected += 1;
            }
        }
    }
    expected += reader.read_batch().count() as u64;
    assert_eq!(expected, 1000);
}

#[cfg(feature = "shm")]
#[test]
fn bcast_shm_overrun_count_is_exact_and_the_reader_goes_on() {
    use pool_runtime::shm::{ShmError, ShmRing};

    let ring = ShmRing::with_capacity(1 << 10).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    for seq in 0u64..500 {
        writer.write(&seq.to_le_bytes()).unwrap();
    }
    let Err(ShmError::Overrun { missed }) = reader.receive_next() else {
        panic!("expected an overrun");
    };
    let mut received = 0;
    let mut buf = [0u8; 8];
    let mut last = None;
    while let Some(message) = reader.receive_next().unwrap() {
        message.read(&mut buf).unwrap();
        last = Some(u64::from_le_bytes(buf));
        received += 1;
    }
    assert_eq!(missed + received, 500, "received + missed = sent");
    assert_eq!(last, Some(499));
    // 24-byte frames in a 1 KiB ring: it still holds 42 of them, and the reader gets them all.
    assert_eq!(received, 42);
}

// ---- a latest-value mailbox (tokio's watch, on a capacity-1 Overwrite ring) ----

#[test]
fn capacity_one_overwrite_ring_is_a_latest_value_mailbox() {
    let ring = Ring::<u64, Overwrite>::with_capacity(1).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    writer.push(1);
    writer.push(2);
    assert_eq!(reader.try_next(), Err(Overrun { missed: 1 }));
    assert_eq!(reader.try_next(), Ok(Some(2)));
    writer.push(3);
    writer.push(4);
    writer.push(5);
    drop(writer);
    assert_eq!(reader.try_next(), Err(Overrun { missed: 2 }));
    assert_eq!(
        reader.try_next(),
        Ok(Some(5)),
        "the newest value survives the writer"
    );
    assert_eq!(reader.next(), None);
}

#[test]
fn received_plus_missed_equals_sent_under_concurrency() {
    let total = common::scaled(200_000, 2_000) as u64;
    let ring = Ring::<[u64; 3], Overwrite>::with_capacity(8).unwrap();
    let mut writer = ring.writer().unwrap();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let reader = ring.subscribe().unwrap();
            std::thread::spawn(move || {
                let (mut received, mut missed, mut expected) = (0u64, 0u64, 0u64);
                for item in reader {
                    match item {
                        Ok(item) => {
                            assert_eq!(item, [expected; 3], "torn or out of order");
                            received += 1;
                            expected += 1;
                        }
                        Err(Overrun { missed: n }) => {
                            missed += n;
                            expected += n;
                        }
                    }
                }
                (received, missed)
            })
        })
        .collect();
    for seq in 0..total {
        writer.push([seq; 3]);
    }
    drop(writer);
    // Each reader hands its counts back through its join (a std Mutex's contended path is
    // invisible to ThreadSanitizer, which then reports the Vec behind it as a race).
    for reader in readers {
        let (received, missed) = reader.join().unwrap();
        assert_eq!(received + missed, total);
    }
}
