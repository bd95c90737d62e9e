//! loom models of the ring's cursor protocols: one writer and two readers around a ring of
//! capacity 2 (so the writer wraps), for both policies, plus a reader joining mid-stream, the
//! writer dropping items as readers move past them, a reader leaving, exact lag counts, and
//! a reader joining into the entry another reader left, and negative controls (a `Relaxed`
//! publish, a seqlock without its fence, a join without its handshake, a `Relaxed` claim of a
//! left entry, a `Relaxed` cursor advance, the old lossy lag rule) that loom must catch.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release -p pool-runtime
//! --test loom_ring`
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;

use pool_runtime::ring::{Overrun, Overwrite, Reader, Ring, loom_controls};

/// `loom::model` with room for the spin-then-yield loops of the readers and the writer (each
/// iteration of a retry loop is a branch; the default limit of 1000 is too small for three
/// threads around a two-slot ring).
fn model(body: impl Fn() + Send + Sync + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.max_branches = 100_000;
    builder.check(body);
}

/// Reads `count` items, spinning (with loom yields) while the ring is empty; each item is a
/// loom `Arc`, so loom also reports an item the ring leaks or drops twice.
fn read_all(mut reader: Reader<Arc<u64>>, count: u64, batched: bool) {
    let mut expected = 0;
    while expected < count {
        if batched {
            for item in reader.read_batch() {
                assert_eq!(*item, expected);
                expected += 1;
            }
        } else if let Some(item) = reader.try_next() {
            assert_eq!(*item, expected);
            expected += 1;
        }
        thread::yield_now();
    }
}

fn push_all(writer: &mut pool_runtime::ring::Writer<Arc<u64>>, count: u64) {
    for value in 0..count {
        let mut item = Arc::new(value);
        loop {
            match writer.try_push(item) {
                Ok(()) => break,
                Err(full) => item = full.into_inner(),
            }
            thread::yield_now();
        }
    }
}

/// Makes `attempts` reads without waiting; whatever arrives must be the next item in order.
/// Bounded attempts instead of spin loops keep the three-thread models small: loom checks
/// every interleaving of these straight-line steps (safety, not liveness).
/// The reader is handed back so that it keeps gating the writer until the model joins it.
fn read_attempts(
    mut reader: Reader<Arc<u64>>,
    attempts: usize,
    batched: bool,
) -> (u64, Reader<Arc<u64>>) {
    let mut expected = 0;
    for _ in 0..attempts {
        if batched {
            for item in reader.read_batch() {
                assert_eq!(*item, expected);
                expected += 1;
            }
        } else if let Some(item) = reader.try_next() {
            assert_eq!(*item, expected);
            expected += 1;
        }
    }
    (expected, reader)
}

#[test]
fn loom_backpressure_writer_and_two_readers_wrap_around() {
    model(|| {
        let ring = Ring::<Arc<u64>>::with_capacity(2).unwrap();
        let mut writer = ring.writer().unwrap();
        let one_by_one = ring.subscribe().unwrap();
        let batched = ring.subscribe().unwrap();
        drop(ring);
        let a = thread::spawn(move || read_attempts(one_by_one, 3, false));
        let b = thread::spawn(move || read_attempts(batched, 2, true));
        // Three pushes into two slots: the third wraps onto item 0's slot if, and only if,
        // both readers are past it; otherwise it must be refused.
        let mut pushed = 0;
        for value in 0..3 {
            if writer.try_push(Arc::new(value)).is_err() {
                break;
            }
            pushed += 1;
        }
        let (read_a, _a) = a.join().unwrap();
        let (read_b, _b) = b.join().unwrap();
        assert!(read_a <= pushed && read_b <= pushed);
        if pushed == 3 {
            assert!(read_a >= 1 && read_b >= 1, "item 0 was overwritten unread");
        }
    });
}

#[test]
fn loom_backpressure_claim_publishes_in_one_step() {
    model(|| {
        let ring = Ring::<Arc<u64>>::with_capacity(2).unwrap();
        let mut writer = ring.writer().unwrap();
        let reader = ring.subscribe().unwrap();
        drop(ring);
        let consumer = thread::spawn(move || read_all(reader, 4, true));
        for round in 0..2 {
            let mut claim = writer.claim(2).unwrap();
            claim.push(Arc::new(2 * round)).unwrap();
            claim.push(Arc::new(2 * round + 1)).unwrap();
        }
        consumer.join().unwrap();
    });
}

#[test]
fn loom_backpressure_reader_joins_while_the_writer_wraps() {
    model(|| {
        let ring = Arc::new(Ring::<Arc<u64>>::with_capacity(1).unwrap());
        let mut writer = ring.writer().unwrap();
        let joiner = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || {
                let mut reader = ring.subscribe().unwrap();
                let mut expected = reader.position();
                // Read whatever comes after the join point until the stream ends.
                loop {
                    let closed = reader.is_writer_closed();
                    match reader.try_next() {
                        Some(item) => {
                            assert_eq!(*item, expected);
                            expected += 1;
                        }
                        None if closed => break,
                        None => thread::yield_now(),
                    }
                }
                assert_eq!(expected, 3);
            })
        };
        push_all(&mut writer, 3);
        drop(writer);
        joiner.join().unwrap();
    });
}

/// Reads an `Overwrite` ring until `total` items are accounted for (received or reported
/// missed); every item must be intact and in order.
fn account_for_all(mut reader: Reader<[u64; 2], Overwrite>, total: u64) {
    let mut expected = 0;
    while expected < total {
        match reader.try_next() {
            Ok(Some(item)) => {
                assert_eq!(item, [expected + 1, expected + 1], "torn or misplaced item");
                expected += 1;
            }
            Err(Overrun { missed }) => {
                assert!(missed > 0);
                expected += missed;
            }
            Ok(None) => thread::yield_now(),
        }
    }
    assert_eq!(expected, total);
}

/// Makes `attempts` reads without waiting; checks every item is intact and in order and that
/// gaps are reported exactly. Returns how many items were accounted for.
fn overwrite_attempts<const WORDS: usize>(
    mut reader: Reader<[u64; WORDS], Overwrite>,
    attempts: usize,
) -> u64 {
    let mut expected = 0;
    for _ in 0..attempts {
        match reader.try_next() {
            Ok(Some(item)) => {
                assert_eq!(item, [expected + 1; WORDS], "torn or misplaced item");
                expected += 1;
            }
            Err(Overrun { missed }) => {
                assert!(missed > 0);
                expected += missed;
            }
            Ok(None) => {}
        }
    }
    expected
}

/// Two readers of an `Overwrite` ring: one-word items keep the model small (tearing across
/// words is covered by the single-reader model and its negative control below).
#[test]
fn loom_overwrite_writer_and_two_readers_wrap_around() {
    model(|| {
        let ring = Ring::<[u64; 1], Overwrite>::with_capacity(2).unwrap();
        let mut writer = ring.writer().unwrap();
        let a = ring.subscribe().unwrap();
        let b = ring.subscribe().unwrap();
        drop(ring);
        let a = thread::spawn(move || overwrite_attempts(a, 2));
        let b = thread::spawn(move || overwrite_attempts(b, 1));
        for seq in 0..3 {
            writer.push([seq + 1]);
        }
        assert!(a.join().unwrap() <= 3);
        assert!(b.join().unwrap() <= 3);
    });
}

#[test]
fn loom_overwrite_reader_accounts_for_every_item() {
    model(|| {
        let ring = Ring::<[u64; 2], Overwrite>::with_capacity(2).unwrap();
        let mut writer = ring.writer().unwrap();
        let reader = ring.subscribe().unwrap();
        drop(ring);
        let consumer = thread::spawn(move || account_for_all(reader, 3));
        for seq in 0..3 {
            writer.push([seq + 1, seq + 1]);
        }
        consumer.join().unwrap();
    });
}

/// Negative control: publishing with `Relaxed` lets a reader see the sequence before the item;
/// loom must report the unsynchronised slot access.
#[test]
#[should_panic(expected = "Causality violation")]
fn loom_negative_control_relaxed_publish_is_caught() {
    model(|| {
        // The writer is this (the model's main) thread.
        loom_controls::set_weak_publish(true);
        let ring = Ring::<Arc<u64>>::with_capacity(2).unwrap();
        let mut writer = ring.writer().unwrap();
        let reader = ring.subscribe().unwrap();
        drop(ring);
        let consumer = thread::spawn(move || read_all(reader, 1, false));
        push_all(&mut writer, 1);
        consumer.join().unwrap();
    });
}

/// Negative control: without the `Acquire` fence before the stamp re-check, a seqlock reader
/// can validate a torn copy; loom must find the interleaving that returns one.
#[test]
#[should_panic(expected = "torn or misplaced item")]
fn loom_negative_control_seqlock_without_fence_is_caught() {
    model(|| {
        let ring = Ring::<[u64; 2], Overwrite>::with_capacity(1).unwrap();
        let mut writer = ring.writer().unwrap();
        let reader = ring.subscribe().unwrap();
        drop(ring);
        let consumer = thread::spawn(move || {
            loom_controls::set_weak_seqlock(true);
            account_for_all(reader, 2)
        });
        writer.push([1, 1]);
        writer.push([2, 2]);
        consumer.join().unwrap();
    });
}

/// A reader joins a one-slot ring while the writer keeps wrapping, and reads twice. With
/// `weak_join`, the joining thread joins without the handshake.
fn join_while_wrapping(weak_join: bool) {
    let ring = Arc::new(Ring::<Arc<u64>>::with_capacity(1).unwrap());
    let mut writer = ring.writer().unwrap();
    let joiner = {
        let ring = Arc::clone(&ring);
        thread::spawn(move || {
            loom_controls::set_weak_join(weak_join);
            let mut reader = ring.subscribe().unwrap();
            for _ in 0..2 {
                reader.try_next();
            }
        })
    };
    for value in 0..2 {
        let _ = writer.try_push(Arc::new(value));
    }
    joiner.join().unwrap();
}

#[test]
fn loom_backpressure_join_handshake_holds() {
    model(|| join_while_wrapping(false));
}

/// Negative control: the same model with a reader that joins without the fence-and-re-read
/// handshake; it can start at a position the writer (which did not see it) is overwriting, and
/// loom must report the unsynchronised slot access.
#[test]
#[should_panic(expected = "Causality violation")]
fn loom_negative_control_join_without_handshake_is_caught() {
    model(|| join_while_wrapping(true));
}

/// A reader reads item 0 of a one-slot, one-entry ring and leaves on one thread; another tries
/// to join into its entry on a second thread, while the writer tries item 1, which goes where
/// item 0 was read. The read must happen-before that overwrite, though the writer may have seen
/// only the joiner's cursor stores (`ReaderCursors::join`, "Reusing an entry"). One attempt
/// each (loom checks every interleaving of them). With `relaxed_claim` the joiner claims the
/// entry with `Relaxed`; with `skip_barrier` it joins without its barrier, which is the join as
/// ThreadSanitizer sees it.
fn join_into_a_left_entry(relaxed_claim: bool, skip_barrier: bool) {
    let ring = Ring::<u64>::with_capacity_and_readers(1, 1).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut leaver = ring.subscribe().unwrap();
    writer.try_push(10).unwrap();
    let leaving = thread::spawn(move || {
        // In place: a read of the slot itself. The reader leaves as the closure ends.
        assert_eq!(leaver.try_read_with(|item| *item), Some(10));
    });
    let joining = thread::spawn(move || {
        loom_controls::set_relaxed_join_claim(relaxed_claim);
        loom_controls::set_skip_join_barrier(skip_barrier);
        // Fails while the leaver still holds the only entry.
        if let Ok(mut joiner) = ring.subscribe() {
            // Item 1 may have been pushed before the join (once the leaver was past item 0).
            match joiner.position() {
                1 => assert!(matches!(joiner.try_next(), None | Some(11))),
                start => assert_eq!((start, joiner.try_next()), (2, None)),
            }
        }
    });
    let _ = writer.try_push(11);
    joining.join().unwrap();
    leaving.join().unwrap();
}

#[test]
fn loom_backpressure_join_into_a_left_entry_orders_the_left_readers_reads() {
    model(|| join_into_a_left_entry(false, false));
}

/// The `Acquire` claim alone orders the hand-off: it holds without the join's barrier, so
/// ThreadSanitizer, which cannot see that barrier, sees it too.
#[test]
fn loom_backpressure_join_claim_orders_the_handoff_without_the_barrier() {
    model(|| join_into_a_left_entry(false, true));
}

/// Negative control: the join as ThreadSanitizer saw it before the fix (a `Relaxed` claim, and
/// a barrier it cannot see). The writer may then overwrite the slot with only the joiner's
/// cursor store acquired, and loom must report the slot access against the left reader's read.
#[test]
#[should_panic(expected = "Causality violation")]
fn loom_negative_control_relaxed_join_claim_without_barrier_is_caught() {
    model(|| join_into_a_left_entry(true, true));
}

/// The writer drops items as soon as the reader is past them (at its next push or `reclaim`),
/// while the reader borrows them in place: loom checks the drop never races the read (the
/// reader's `Release` cursor store against the writer's `Acquire` scan), and the loom `Arc`
/// items report a leak or a double drop. With `weak_advance`, the reader's thread moves its
/// cursor with `Relaxed`.
fn drop_after_read(weak_advance: bool) {
    let ring = Ring::<Arc<u64>>::with_capacity(2).unwrap();
    let mut writer = ring.writer().unwrap();
    let reader = ring.subscribe().unwrap();
    drop(ring);
    let first = Arc::new(0);
    writer.try_push(Arc::clone(&first)).unwrap();
    let consumer = thread::spawn(move || {
        loom_controls::set_weak_advance(weak_advance);
        let mut reader = reader;
        // Borrow in place: the writer may drop item 0 the moment the cursor passes it.
        assert_eq!(reader.try_read_with(|item| **item), Some(0));
        let _ = reader.try_read_with(|item| **item);
        reader
    });
    let _ = writer.try_push(Arc::new(1));
    writer.reclaim();
    let reader = consumer.join().unwrap();
    writer.reclaim();
    // The reader read item 0 before it was joined: the writer's reclaim dropped the ring's copy.
    assert_eq!(Arc::strong_count(&first), 1, "a read item was not dropped");
    drop(reader);
    drop(writer);
}

#[test]
fn loom_backpressure_writer_drops_items_readers_are_past() {
    model(|| drop_after_read(false));
}

/// Negative control: a reader that advances its cursor with `Relaxed` lets the writer drop an
/// item the reader's read does not happen-before; loom must report the slot access.
#[test]
#[should_panic(expected = "Causality violation")]
fn loom_negative_control_relaxed_cursor_advance_is_caught() {
    model(|| drop_after_read(true));
}

/// The writer and the reader are dropped on two threads, the ring handle before: whichever
/// drops last frees the shared state and drops the items still in it. When the writer's drop
/// scans before the reader reads, item 0 is left to that last drop, which must not race the
/// reader's read of it (the `Release` decrement of each handle against the last one's `Acquire`
/// load); the loom `Arc` item reports a leak or a double drop. With `weak_teardown`, both
/// threads (either may drop the last handle) re-read the count with `Relaxed`.
fn last_handle_frees_after_the_other_drop(weak_teardown: bool) {
    loom_controls::set_weak_teardown(weak_teardown);
    let ring = Ring::<Arc<u64>>::with_capacity(2).unwrap();
    let mut writer = ring.writer().unwrap();
    let reader = ring.subscribe().unwrap();
    drop(ring);
    let item = Arc::new(7);
    writer.try_push(Arc::clone(&item)).unwrap();
    let consumer = thread::spawn(move || {
        loom_controls::set_weak_teardown(weak_teardown);
        let mut reader = reader;
        assert_eq!(reader.try_read_with(|item| **item), Some(7));
        drop(reader);
    });
    drop(writer);
    consumer.join().unwrap();
    assert_eq!(
        Arc::strong_count(&item),
        1,
        "the ring's copy was not dropped"
    );
}

#[test]
fn loom_backpressure_last_handle_frees_after_the_other_drop() {
    model(|| last_handle_frees_after_the_other_drop(false));
}

/// Negative control: a last handle that re-reads the count with `Relaxed` frees the shared
/// state (dropping item 0) without the reader's read of it happening before; loom must report
/// the slot access.
#[test]
#[should_panic(expected = "Causality violation")]
fn loom_negative_control_relaxed_teardown_is_caught() {
    model(|| last_handle_frees_after_the_other_drop(true));
}

/// The last reader leaves while the writer pushes: the writer's next operation drops everything
/// unread, and every item is dropped exactly once (loom `Arc`s report leaks and double drops).
#[test]
fn loom_backpressure_last_reader_leaving_releases_unread_items() {
    model(|| {
        let ring = Ring::<Arc<u64>>::with_capacity(2).unwrap();
        let mut writer = ring.writer().unwrap();
        let reader = ring.subscribe().unwrap();
        drop(ring);
        let items: Vec<_> = (0..3).map(Arc::new).collect();
        writer.try_push(Arc::clone(&items[0])).unwrap();
        let leaver = thread::spawn(move || {
            let mut reader = reader;
            let _ = reader.try_read_with(|item| **item);
            drop(reader);
        });
        for item in &items[1..] {
            let _ = writer.try_push(Arc::clone(item));
        }
        leaver.join().unwrap();
        writer.reclaim();
        for item in &items {
            assert_eq!(
                Arc::strong_count(item),
                1,
                "an item outlived the last reader"
            );
        }
    });
}

/// One non-waiting read of a lag model: `Some(true)` for an item (checked intact and in order),
/// `Some(false)` for an overrun, `None` when nothing is readable.
fn lag_step(reader: &mut Reader<[u64; 1], Overwrite>, accounted: &mut u64) -> Option<bool> {
    match reader.try_next() {
        Ok(Some(item)) => {
            assert_eq!(item, [*accounted + 1], "torn or misplaced item");
            *accounted += 1;
            Some(true)
        }
        Err(Overrun { missed }) => {
            assert!(missed > 0);
            *accounted += missed;
            Some(false)
        }
        Ok(None) => None,
    }
}

/// A reader lapped while the writer runs: received + missed = sent, every item intact, and once
/// the writer is gone the reader gets exactly the items still in the ring (the oldest ones it
/// can), as tokio's `Lagged(n)` semantics require. With `lossy_lag`, the reader's thread uses
/// the old accounting.
fn lapped_reader_continues_with_the_oldest_item(lossy_lag: bool) {
    let ring = Ring::<[u64; 1], Overwrite>::with_capacity(2).unwrap();
    let mut writer = ring.writer().unwrap();
    let reader = ring.subscribe().unwrap();
    drop(ring);
    let consumer = thread::spawn(move || {
        loom_controls::set_lossy_lag(lossy_lag);
        let mut reader = reader;
        let mut accounted = 0;
        // One read while the writer runs, then everything after it is gone.
        let _ = lag_step(&mut reader, &mut accounted);
        while !reader.is_writer_closed() {
            thread::yield_now();
        }
        let mut received_after_close = 0;
        while let Some(received) = lag_step(&mut reader, &mut accounted) {
            received_after_close += u64::from(received);
        }
        (accounted, received_after_close)
    });
    for seq in 0..4 {
        writer.push([seq + 1]);
    }
    drop(writer);
    let (accounted, received_after_close) = consumer.join().unwrap();
    assert_eq!(accounted, 4, "received + missed != sent");
    // The reader read at most one item before the close, so at least two are still unread
    // then, and the ring holds the last two: both must be delivered.
    assert!(
        received_after_close >= 2,
        "a lapped reader lost an item the ring still held"
    );
}

#[test]
fn loom_overwrite_lapped_reader_gets_the_oldest_item_still_in_the_ring() {
    model(|| lapped_reader_continues_with_the_oldest_item(false));
}

/// Negative control: the old rule, which skipped the oldest item still in the ring too, must
/// fail the model above.
#[test]
#[should_panic(expected = "a lapped reader lost an item")]
fn loom_negative_control_lossy_lag_is_caught() {
    model(|| lapped_reader_continues_with_the_oldest_item(true));
}
