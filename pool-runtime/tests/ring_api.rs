//! Behaviour of the in-process ring on one thread: construction errors, gating, batching,
//! end of stream, reader release, exact drops, and `Overwrite` overruns.
#![cfg(not(loom))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pool_runtime::ring::{
    CapacityError, ClaimError, Full, Overrun, Overwrite, Ring, TooManyReaders, WriterTaken,
};

/// Logs the id of every original (non-clone) item when it is dropped.
#[derive(Debug)]
struct Tracked {
    id: u64,
    original: bool,
    dropped: Arc<Mutex<Vec<u64>>>,
}

impl Tracked {
    fn new(id: u64, dropped: &Arc<Mutex<Vec<u64>>>) -> Self {
        Self {
            id,
            original: true,
            dropped: Arc::clone(dropped),
        }
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        Self {
            id: self.id,
            original: false,
            dropped: Arc::clone(&self.dropped),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if self.original {
            self.dropped.lock().unwrap().push(self.id);
        }
    }
}

fn sorted(log: &Arc<Mutex<Vec<u64>>>) -> Vec<u64> {
    let mut ids = log.lock().unwrap().clone();
    ids.sort_unstable();
    ids
}

#[test]
fn capacity_must_be_a_power_of_two() {
    for bad in [0usize, 3, 6, 100, usize::MAX] {
        assert_eq!(
            Ring::<u64>::with_capacity(bad).unwrap_err(),
            CapacityError::NotPowerOfTwo { requested: bad }
        );
        assert_eq!(
            Ring::<u64, Overwrite>::with_capacity(bad).unwrap_err(),
            CapacityError::NotPowerOfTwo { requested: bad }
        );
    }
    for good in [1usize, 2, 64, 1024] {
        assert_eq!(Ring::<u64>::with_capacity(good).unwrap().capacity(), good);
    }
    let err = CapacityError::NotPowerOfTwo { requested: 3 };
    assert!(err.to_string().contains("power of two"));
}

#[test]
fn absurd_capacity_is_too_large_not_a_panic() {
    let huge = 1usize << 50;
    assert_eq!(
        Ring::<[u8; 64]>::with_capacity(huge).unwrap_err(),
        CapacityError::TooLarge { requested: huge }
    );
    assert_eq!(
        Ring::<[u64; 8], Overwrite>::with_capacity(huge).unwrap_err(),
        CapacityError::TooLarge { requested: huge }
    );
}

#[test]
fn only_one_writer() {
    let ring = Ring::<u8>::with_capacity(2).unwrap();
    let writer = ring.writer().unwrap();
    assert_eq!(ring.writer().unwrap_err(), WriterTaken);
    drop(writer);
    assert_eq!(ring.writer().unwrap_err(), WriterTaken);
    let overwrite = Ring::<u8, Overwrite>::with_capacity(2).unwrap();
    let _w = overwrite.writer().unwrap();
    assert_eq!(overwrite.writer().unwrap_err(), WriterTaken);
}

#[test]
fn reader_table_is_bounded_and_slots_are_reused() {
    let ring = Ring::<u8>::with_capacity_and_readers(2, 2).unwrap();
    let a = ring.subscribe().unwrap();
    let b = ring.subscribe().unwrap();
    assert_eq!(
        ring.subscribe().unwrap_err(),
        TooManyReaders { max_readers: 2 }
    );
    drop(a);
    let _c = ring.subscribe().unwrap();
    drop(b);
    let _d = ring.subscribe().unwrap();
}

#[test]
fn full_ring_hands_the_item_back() {
    let ring = Ring::<String>::with_capacity(2).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    writer.try_push("0".into()).unwrap();
    writer.try_push("1".into()).unwrap();
    let Err(Full(back)) = writer.try_push("2".into()) else {
        panic!("a full ring must refuse the item")
    };
    assert_eq!(back, "2");
    assert_eq!(
        writer
            .push_timeout("2".into(), Duration::from_millis(5))
            .unwrap_err()
            .into_inner(),
        "2"
    );
    assert_eq!(reader.try_next().as_deref(), Some("0"));
    writer.try_push(back).unwrap();
    assert_eq!(reader.try_next().as_deref(), Some("1"));
    assert_eq!(reader.try_next().as_deref(), Some("2"));
    assert_eq!(reader.try_next(), None);
}

#[test]
fn slowest_reader_gates_the_writer() {
    let ring = Ring::<u32>::with_capacity(4).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut fast = ring.subscribe().unwrap();
    let mut slow = ring.subscribe().unwrap();
    for i in 0..4 {
        writer.try_push(i).unwrap();
    }
    assert_eq!(fast.read_batch().count(), 4);
    assert_eq!(writer.try_push(4), Err(Full(4)));
    assert_eq!(slow.try_next(), Some(0));
    writer.try_push(4).unwrap();
    assert_eq!(writer.try_push(5), Err(Full(5)));
    // Dropping the slow reader releases the writer.
    drop(slow);
    for i in 5..8 {
        writer.try_push(i).unwrap();
    }
    assert_eq!(fast.read_batch().collect::<Vec<_>>(), [4, 5, 6, 7]);
}

/// A writer blocked on a full ring first waits for the reader to free several slots (so it does
/// not chase it one slot at a time), but settles for the one it needs: a reader that frees a
/// single slot and then stops must not leave `push` waiting for more.
#[test]
fn blocked_push_resumes_when_a_reader_frees_just_one_slot() {
    let ring = Ring::<u32>::with_capacity(64).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    for i in 0..64 {
        writer.try_push(i).unwrap();
    }
    let (freed_tx, freed_rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let stopper = std::thread::spawn(move || {
        assert_eq!(reader.try_next(), Some(0));
        freed_tx.send(()).unwrap();
        // Stop reading until the writer got its item in.
        done_rx.recv().unwrap();
        reader.read_batch().count()
    });
    freed_rx.recv().unwrap();
    // Blocks for good if the writer insisted on more than the one free slot.
    writer.push(64);
    done_tx.send(()).unwrap();
    assert_eq!(stopper.join().unwrap(), 64);
}

#[test]
fn without_readers_the_writer_is_not_gated_and_late_readers_start_at_the_writer() {
    let ring = Ring::<u32>::with_capacity(2).unwrap();
    let mut writer = ring.writer().unwrap();
    for i in 0..10 {
        writer.try_push(i).unwrap();
    }
    let mut late = writer.subscribe().unwrap();
    assert_eq!(late.position(), 10);
    assert_eq!(late.try_next(), None);
    writer.try_push(10).unwrap();
    assert_eq!(late.try_next(), Some(10));
}

#[test]
fn dropped_writer_ends_the_stream_after_the_last_item() {
    let ring = Ring::<u32>::with_capacity(8).unwrap();
    let mut writer = ring.writer().unwrap();
    let reader = ring.subscribe().unwrap();
    for i in 0..5 {
        writer.push(i);
    }
    assert!(!reader.is_writer_closed());
    drop(writer);
    assert!(reader.is_writer_closed());
    assert_eq!(reader.collect::<Vec<_>>(), [0, 1, 2, 3, 4]);

    let overwrite = Ring::<u32, Overwrite>::with_capacity(8).unwrap();
    let mut writer = overwrite.writer().unwrap();
    let reader = overwrite.subscribe().unwrap();
    writer.push(1);
    drop(writer);
    assert_eq!(reader.collect::<Vec<_>>(), [Ok(1)]);
}

#[test]
fn next_timeout_gives_up() {
    let ring = Ring::<u32>::with_capacity(8).unwrap();
    let _writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    assert_eq!(reader.next_timeout(Duration::from_millis(5)), None);
}

#[test]
fn claims_publish_in_one_step_and_only_what_was_written() {
    let ring = Ring::<u64>::with_capacity(8).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    assert_eq!(
        writer.claim(9).err(),
        Some(ClaimError::TooLarge {
            requested: 9,
            capacity: 8
        })
    );
    {
        let mut claim = writer.claim(4).unwrap();
        assert_eq!((claim.len(), claim.remaining()), (4, 4));
        claim.push(10).unwrap();
        claim.push(11).unwrap();
        claim.push(12).unwrap();
        assert_eq!(reader.lag(), 0);
    }
    assert_eq!(writer.published(), 3);
    assert_eq!(reader.lag(), 3);
    let mut claim = writer.try_claim(5).unwrap();
    for i in 0..5 {
        claim.push(i).unwrap();
    }
    assert_eq!(claim.push(99), Err(Full(99)));
    claim.commit();
    assert_eq!(writer.try_claim(1).err(), Some(ClaimError::Full));
    assert_eq!(
        reader.read_batch().collect::<Vec<_>>(),
        [10, 11, 12, 0, 1, 2, 3, 4]
    );
    let claim = writer.try_claim(8).unwrap();
    assert!(!claim.is_empty());
}

#[test]
fn read_batch_commits_only_the_items_taken() {
    let ring = Ring::<u64>::with_capacity(4).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    for i in 0..4 {
        writer.push(i);
    }
    {
        let mut batch = reader.read_batch();
        assert_eq!(batch.len(), 4);
        assert_eq!(batch.next(), Some(0));
        assert_eq!(batch.next_ref(), Some(&1));
        // Not committed yet: the writer is still gated.
        assert!(writer.try_push(4).is_err());
    }
    assert_eq!(reader.lag(), 2);
    writer.try_push(4).unwrap();
    writer.try_push(5).unwrap();
    assert!(writer.try_push(6).is_err());
    assert_eq!(reader.read_batch().collect::<Vec<_>>(), [2, 3, 4, 5]);
}

#[test]
fn a_claim_can_be_filled_on_another_thread() {
    let ring = Ring::<String>::with_capacity(4).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    let mut claim = writer.claim(2).unwrap();
    std::thread::scope(|scope| {
        // Joined explicitly: ThreadSanitizer misreports the implicit join of a scope.
        let filler = scope.spawn(move || {
            claim.push("a".to_string()).unwrap();
            claim.push("b".to_string()).unwrap();
            claim.commit();
        });
        filler.join().unwrap();
    });
    assert_eq!(reader.read_batch().collect::<Vec<_>>(), ["a", "b"]);
}

#[test]
fn a_batch_moves_the_reader_when_it_drops_and_an_empty_batch_not_at_all() {
    let ring = Ring::<u64>::with_capacity(4).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    for i in 0..3 {
        writer.push(i);
    }
    let mut batch = reader.read_batch();
    assert_eq!(batch.next(), Some(0));
    assert_eq!((batch.len(), batch.size_hint()), (2, (2, Some(2))));
    drop(batch);
    assert_eq!((reader.position(), reader.lag()), (1, 2));
    assert_eq!(reader.read_batch().collect::<Vec<_>>(), [1, 2]);
    let empty = reader.read_batch();
    assert!(empty.is_empty());
    drop(empty);
    assert_eq!(reader.position(), 3);
    // Every slot is free again: the reader's last commit reached the writer.
    for i in 3..7 {
        writer.try_push(i).unwrap();
    }
    assert_eq!(reader.try_next(), Some(3));
}

#[test]
fn every_item_is_dropped_exactly_once() {
    let dropped = Arc::new(Mutex::new(Vec::new()));
    {
        let ring = Ring::<Tracked>::with_capacity(4).unwrap();
        let mut writer = ring.writer().unwrap();
        let mut a = ring.subscribe().unwrap();
        let mut b = ring.subscribe().unwrap();
        for id in 0..10 {
            writer.push(Tracked::new(id, &dropped));
            assert_eq!(a.try_read_with(|item| item.id), Some(id));
            assert_eq!(b.try_next().map(|item| item.id), Some(id));
        }
        // Each push dropped what both readers had read: item 9 goes at the next push.
        assert_eq!(sorted(&dropped), (0..9).collect::<Vec<_>>());
        // Two unread items left in the ring.
        writer.push(Tracked::new(10, &dropped));
        writer.push(Tracked::new(11, &dropped));
        assert_eq!(sorted(&dropped), (0..10).collect::<Vec<_>>());
        drop(a);
        drop(writer);
        drop(b);
        // The ring handle still holds the two unread items.
        assert_eq!(sorted(&dropped).len(), 10);
    }
    assert_eq!(sorted(&dropped), (0..12).collect::<Vec<_>>());
}

#[test]
fn zero_sized_items_work() {
    let ring = Ring::<()>::with_capacity(2).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    writer.try_push(()).unwrap();
    writer.try_push(()).unwrap();
    assert!(writer.try_push(()).is_err());
    assert_eq!(reader.read_batch().count(), 2);
}

#[test]
fn overwrite_reports_every_lost_item() {
    let ring = Ring::<u64, Overwrite>::with_capacity(4).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    assert_eq!(reader.try_next(), Ok(None));
    for i in 0..3 {
        writer.push(i);
    }
    assert_eq!(reader.try_next(), Ok(Some(0)));
    for i in 3..20 {
        writer.push(i);
    }
    assert_eq!(reader.lag(), 19);
    // Items 1..=15 were overwritten; the ring still holds 16..=19.
    assert_eq!(reader.try_next(), Err(Overrun { missed: 15 }));
    assert_eq!(reader.try_next(), Ok(Some(16)));
    let rest: Vec<_> = reader.read_batch().collect();
    assert_eq!(rest, [Ok(17), Ok(18), Ok(19)]);
    assert_eq!(reader.try_next(), Ok(None));
    assert!(Overrun { missed: 15 }.to_string().contains("15"));
}

#[test]
fn overwrite_batch_reports_overrun_in_place() {
    let ring = Ring::<u32, Overwrite>::with_capacity(2).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    for i in 0..5 {
        writer.push(i);
    }
    let items: Vec<_> = reader.read_batch().collect();
    assert_eq!(items, [Err(Overrun { missed: 3 }), Ok(3), Ok(4)]);
}

#[test]
fn overwrite_handles_items_that_are_not_whole_words() {
    let ring = Ring::<[u8; 13], Overwrite>::with_capacity(2).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    let item: [u8; 13] = core::array::from_fn(|i| i as u8 + 1);
    let mut claim = writer.claim(2).unwrap();
    claim.push(item).unwrap();
    claim.push([0xff; 13]).unwrap();
    assert_eq!(claim.push(item), Err(Full(item)));
    drop(claim);
    assert_eq!(reader.try_next(), Ok(Some(item)));
    assert_eq!(reader.try_next(), Ok(Some([0xff; 13])));
    assert_eq!(
        writer.claim(3).err(),
        Some(ClaimError::TooLarge {
            requested: 3,
            capacity: 2
        })
    );
}

#[test]
fn overwrite_readers_are_unlimited_and_independent() {
    let ring = Ring::<u16, Overwrite>::with_capacity(8).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut readers: Vec<_> = (0..100).map(|_| ring.subscribe().unwrap()).collect();
    writer.push(1);
    for reader in &mut readers {
        assert_eq!(reader.try_next(), Ok(Some(1)));
    }
}

#[test]
fn errors_display_and_debug() {
    assert!(WriterTaken.to_string().contains("writer"));
    assert!(TooManyReaders { max_readers: 3 }.to_string().contains('3'));
    assert_eq!(format!("{:?}", Full(String::new())), "Full(..)");
    assert!(ClaimError::Full.to_string().contains("free"));
    let ring = Ring::<u8>::with_capacity(2).unwrap();
    assert!(format!("{ring:?}").contains("capacity: 2"));
}
