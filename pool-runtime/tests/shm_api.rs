//! Behaviour of the shared-memory ring on one thread: every error path, claim/commit, lazy and
//! bulk reads across wrap-around and padding, exact overrun counts, writer lock and liveness.
#![cfg(all(not(loom), feature = "shm"))]

use core::sync::atomic::{AtomicU64, Ordering};
use pool_runtime::shm::{ShmError, ShmRing, WriterStatus};

/// Word index of the writer lock in the documented header layout (second cache line).
const WRITER_LOCK_WORD: usize = 8;
/// Lock word of a writer `pid` holds (documented in `shm/liveness.rs`).
fn held_by(pid: u32) -> u64 {
    (1 << 32) | u64::from(pid)
}

fn words(count: usize) -> Vec<AtomicU64> {
    (0..count).map(|_| AtomicU64::new(0)).collect()
}

fn payload(seq: u64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (seq as usize * 31 + i * 7) as u8)
        .collect()
}

/// The pid of a process that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true")
        .spawn()
        .expect("spawn `true`");
    let pid = child.id();
    child.wait().expect("reap `true`");
    pid
}

#[test]
fn claim_commit_and_write_round_trip_in_order() {
    let ring = ShmRing::with_capacity(1024).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    let mut claim = writer.claim(10).unwrap();
    claim.buffer_mut().copy_from_slice(&payload(0, 10));
    assert_eq!(claim.commit(), 0);
    {
        let mut claim = writer.claim(0).unwrap();
        assert!(claim.is_empty());
        assert!(claim.buffer_mut().is_empty());
    } // drop commits
    assert_eq!(writer.write(&payload(2, 17)).unwrap(), 2);
    let mut buf = [0u8; 64];
    let first = reader.receive_next().unwrap().unwrap();
    assert_eq!((first.seq(), first.len()), (0, 10));
    let len = first.read(&mut buf).unwrap();
    assert_eq!(&buf[..len], &payload(0, 10)[..]);
    let second = reader.receive_next().unwrap().unwrap();
    assert!(second.is_empty());
    assert_eq!(second.read(&mut buf).unwrap(), 0);
    let third = reader.receive_next().unwrap().unwrap();
    assert_eq!(third.to_vec().unwrap(), payload(2, 17));
    assert!(reader.receive_next().unwrap().is_none());
}

#[test]
fn a_claim_dropped_while_panicking_publishes_nothing() {
    let ring = ShmRing::with_capacity(256).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut claim = writer.claim(8).unwrap();
        claim.buffer_mut()[0] = 1;
        panic!("filling failed");
    }));
    assert!(outcome.is_err());
    assert!(reader.receive_next().unwrap().is_none());
    assert_eq!(
        writer.write(b"next").unwrap(),
        0,
        "the abandoned claim used no sequence number"
    );
}

#[test]
fn oversized_messages_are_errors_and_write_nothing() {
    let ring = ShmRing::with_capacity(128).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    assert_eq!(writer.max_message_len(), 112);
    assert!(matches!(
        writer.claim(113),
        Err(ShmError::MessageTooLarge { len: 113, max: 112 })
    ));
    assert!(matches!(
        writer.write(&[0; 200]),
        Err(ShmError::MessageTooLarge { len: 200, max: 112 })
    ));
    assert!(reader.receive_next().unwrap().is_none());
    // The largest message fits and fills the whole ring.
    writer.write(&[5; 112]).unwrap();
    assert_eq!(
        reader.receive_next().unwrap().unwrap().to_vec().unwrap(),
        vec![5; 112]
    );
}

#[test]
fn short_buffers_are_errors() {
    let ring = ShmRing::with_capacity(256).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    writer.write(&[1; 40]).unwrap();
    let message = reader.receive_next().unwrap().unwrap();
    assert!(matches!(
        message.read(&mut [0; 39]),
        Err(ShmError::BufferTooSmall {
            needed: 40,
            available: 39
        })
    ));
    writer.write(&[2; 40]).unwrap();
    let mut small = [0u8; 32];
    assert!(matches!(
        reader.read_bulk(&mut small),
        Err(ShmError::BufferTooSmall {
            needed: 56,
            available: 32
        })
    ));
    let mut enough = [0u8; 56];
    let bulk: Vec<_> = reader
        .read_bulk(&mut enough)
        .unwrap()
        .map(|m| (m.seq, m.payload.to_vec()))
        .collect();
    assert_eq!(bulk, [(1, vec![2; 40])]);
}

#[test]
fn capacities_and_regions_are_checked() {
    assert!(matches!(
        ShmRing::with_capacity(100),
        Err(ShmError::InvalidCapacity(100))
    ));
    assert!(matches!(
        ShmRing::with_capacity(32),
        Err(ShmError::InvalidCapacity(32))
    ));
    let tiny = words(39);
    assert!(matches!(
        ShmRing::format(&tiny),
        Err(ShmError::RegionTooSmall {
            available: 312,
            required: 320
        })
    ));
    assert!(matches!(
        ShmRing::attach(&tiny),
        Err(ShmError::RegionTooSmall { .. })
    ));
    // A region that is not a power of two of data words uses the largest power of two.
    let odd = words(32 + 100);
    assert_eq!(ShmRing::format(&odd).unwrap().capacity(), 512);
    assert_eq!(ShmRing::required_words(512), 32 + 64);
}

#[test]
fn attaching_checks_magic_version_and_capacity() {
    let region = words(ShmRing::required_words(256));
    assert!(matches!(
        ShmRing::attach(&region),
        Err(ShmError::Uninitialized)
    ));
    ShmRing::format(&region).unwrap();
    assert_eq!(ShmRing::attach(&region).unwrap().capacity(), 256);

    region[1].store(99, Ordering::Relaxed);
    assert!(matches!(
        ShmRing::attach(&region),
        Err(ShmError::VersionMismatch {
            found: 99,
            expected: 1
        })
    ));
    region[1].store(1, Ordering::Relaxed);

    region[3].store(300, Ordering::Relaxed);
    assert!(matches!(
        ShmRing::attach(&region),
        Err(ShmError::HeaderCorrupt(_))
    ));
    region[3].store(1 << 20, Ordering::Relaxed);
    assert!(matches!(
        ShmRing::attach(&region),
        Err(ShmError::HeaderCorrupt(_))
    ));
    region[3].store(256, Ordering::Relaxed);

    region[2].store(128, Ordering::Relaxed);
    assert!(matches!(
        ShmRing::attach(&region),
        Err(ShmError::HeaderCorrupt(_))
    ));
    region[2].store(256, Ordering::Relaxed);

    region[0].store(0x1234, Ordering::Relaxed);
    assert!(matches!(ShmRing::attach(&region), Err(ShmError::NotARing)));
}

#[test]
fn rings_work_on_stack_memory() {
    let region: [AtomicU64; 32 + 16] = [const { AtomicU64::new(0) }; 32 + 16];
    let ring = ShmRing::format(&region).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    for seq in 0..20u64 {
        writer.write(&payload(seq, 9)).unwrap();
        assert_eq!(
            reader.receive_next().unwrap().unwrap().to_vec().unwrap(),
            payload(seq, 9)
        );
    }
}

#[test]
fn wrap_around_with_padding_and_lap_tail_skips_is_read_by_every_path() {
    // 128-byte ring; lengths chosen so frames end at every residue, forcing both padding frames
    // and the <16-byte lap-tail skip.
    let ring = ShmRing::with_capacity(128).unwrap();
    let mut lazy = ring.reader().unwrap();
    let mut batched = ring.reader().unwrap();
    let mut bulk = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    let mut window = [0u8; 128];
    for seq in 0..300u64 {
        let len = (seq as usize * 13) % 50;
        writer.write(&payload(seq, len)).unwrap();
        let message = lazy.receive_next().unwrap().unwrap();
        assert_eq!(
            (message.seq(), message.to_vec().unwrap()),
            (seq, payload(seq, len))
        );
        let batch: Vec<_> = batched
            .read_batch()
            .unwrap()
            .map(|m| m.unwrap().to_vec().unwrap())
            .collect();
        assert_eq!(batch, [payload(seq, len)]);
        let got: Vec<_> = bulk
            .read_bulk(&mut window)
            .unwrap()
            .map(|m| (m.seq, m.payload.to_vec()))
            .collect();
        assert_eq!(got, [(seq, payload(seq, len))]);
    }
}

#[test]
fn overruns_report_exactly_the_messages_lost_and_land_on_the_oldest_still_in_the_ring() {
    // 40-byte frames in a 256-byte ring: 6 messages and a 16-byte padding frame per lap. After
    // 100 messages the last lap holds 96..=99 and the lap before still holds 94 and 95 intact.
    let ring = ShmRing::with_capacity(256).unwrap();
    let mut lazy = ring.reader().unwrap();
    let mut bulk = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    for seq in 0..100u64 {
        writer.write(&payload(seq, 20)).unwrap();
    }
    assert!(matches!(
        lazy.receive_next(),
        Err(ShmError::Overrun { missed: 94 })
    ));
    for seq in 94..100 {
        let message = lazy.receive_next().unwrap().unwrap();
        assert_eq!(
            (message.seq(), message.to_vec().unwrap()),
            (seq, payload(seq, 20))
        );
    }
    assert!(lazy.receive_next().unwrap().is_none());

    let mut window = [0u8; 512];
    assert!(matches!(
        bulk.read_bulk(&mut window),
        Err(ShmError::Overrun { missed: 94 })
    ));
    let got: Vec<u64> = bulk
        .read_bulk(&mut window)
        .unwrap()
        .map(|m| m.seq)
        .collect();
    assert_eq!(got, (94..100).collect::<Vec<_>>());
}

#[test]
fn a_lazy_message_read_after_it_was_overwritten_is_an_overrun_never_data() {
    let ring = ShmRing::with_capacity(128).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    writer.write(&payload(0, 30)).unwrap();
    let message = reader.receive_next().unwrap().unwrap();
    let mut buf = [0u8; 30];
    assert_eq!(message.read(&mut buf).unwrap(), 30);
    writer.write(&payload(1, 30)).unwrap();
    writer.write(&payload(2, 30)).unwrap();
    // Message 0's bytes now belong to message 2.
    assert!(matches!(
        message.read(&mut buf),
        Err(ShmError::Overrun { missed: 1 })
    ));
}

#[test]
fn batches_stop_at_an_overrun() {
    let ring = ShmRing::with_capacity(128).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    for seq in 0..10 {
        writer.write(&payload(seq, 8)).unwrap();
    }
    let items: Vec<_> = reader.read_batch().unwrap().collect();
    assert_eq!(items.len(), 1);
    // 24-byte frames, 5 per 128-byte lap: messages 5..=9 fill the second lap.
    assert!(matches!(items[0], Err(ShmError::Overrun { missed: 5 })));
    let seqs: Vec<u64> = reader
        .read_batch()
        .unwrap()
        .map(|m| m.unwrap().seq())
        .collect();
    assert_eq!(seqs, [5, 6, 7, 8, 9]);
}

#[test]
fn a_reader_joins_after_the_newest_message_and_reports_lag() {
    let ring = ShmRing::with_capacity(256).unwrap();
    let mut writer = ring.writer().unwrap();
    writer.write(b"old").unwrap();
    let mut reader = ring.reader().unwrap();
    assert_eq!(reader.lag_bytes(), 0);
    writer.write(&[0; 8]).unwrap();
    assert_eq!(reader.lag_bytes(), 24);
    assert_eq!(reader.receive_next().unwrap().unwrap().seq(), 1);
    assert_eq!(reader.ring().capacity(), 256);
}

#[test]
fn a_second_writer_is_refused_and_a_later_one_resumes_the_sequence() {
    let ring = ShmRing::with_capacity(256).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut first = ring.writer().unwrap();
    first.write(b"a").unwrap();
    let me = std::process::id();
    assert!(matches!(ring.writer(), Err(ShmError::WriterBusy { pid }) if pid == me));
    drop(first);
    let mut second = ring.writer().unwrap();
    assert_eq!(second.next_seq(), 1);
    second.write(b"b").unwrap();
    let seqs: Vec<u64> = reader
        .read_batch()
        .unwrap()
        .map(|m| m.unwrap().seq())
        .collect();
    assert_eq!(seqs, [0, 1]);
}

#[test]
fn readers_drain_then_see_the_writer_closed() {
    let ring = ShmRing::with_capacity(256).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    writer.write(b"last words").unwrap();
    drop(writer);
    assert_eq!(
        ring.writer_status(),
        WriterStatus::Closed {
            pid: std::process::id()
        }
    );
    assert_eq!(
        reader.receive_next().unwrap().unwrap().to_vec().unwrap(),
        b"last words"
    );
    assert!(matches!(reader.receive_next(), Err(ShmError::WriterClosed)));
    assert!(matches!(reader.read_batch(), Err(ShmError::WriterClosed)));
    assert!(matches!(
        reader.read_bulk(&mut [0; 64]),
        Err(ShmError::WriterClosed)
    ));
}

#[test]
fn a_dead_writers_lock_is_taken_over_and_readers_report_its_death() {
    let region = words(ShmRing::required_words(256));
    let ring = ShmRing::format(&region).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    writer.write(b"before the crash").unwrap();
    core::mem::forget(writer);
    // Pretend the holder was another process that has since died.
    let dead = dead_pid();
    region[WRITER_LOCK_WORD].store(held_by(dead), Ordering::Release);
    assert_eq!(ring.writer_status(), WriterStatus::Dead { pid: dead });

    assert_eq!(
        reader.receive_next().unwrap().unwrap().to_vec().unwrap(),
        b"before the crash"
    );
    let error = (0..1000)
        .find_map(|_| reader.receive_next().err())
        .expect("a dead writer is reported within the liveness interval");
    assert!(
        matches!(error, ShmError::WriterDied { pid, mid_message: false } if pid == dead),
        "{error}"
    );

    let mut successor = ring.writer().expect("stale lock is taken over");
    assert_eq!(successor.next_seq(), 1);
    successor.write(b"after").unwrap();
    assert_eq!(reader.receive_next().unwrap().unwrap().seq(), 1);
}

#[test]
fn an_invalid_lock_word_is_reported() {
    let region = words(ShmRing::required_words(256));
    let ring = ShmRing::format(&region).unwrap();
    region[WRITER_LOCK_WORD].store(7 << 32, Ordering::Release);
    assert!(matches!(ring.writer(), Err(ShmError::HeaderCorrupt(_))));
    assert_eq!(ring.writer_status(), WriterStatus::Invalid);
    let mut reader = ring.reader().unwrap();
    assert!(matches!(reader.receive_next(), Err(ShmError::Corrupt(_))));
}

#[test]
fn errors_display_what_went_wrong() {
    let text = ShmError::Overrun { missed: 3 }.to_string();
    assert!(text.contains('3'), "{text}");
    let text = ShmError::WriterDied {
        pid: 12,
        mid_message: true,
    }
    .to_string();
    assert!(text.contains("12") && text.contains("middle"), "{text}");
    let io = ShmError::from(std::io::Error::other("disk"));
    assert!(std::error::Error::source(&io).is_some());
}

/// Word index of CLAIM_END in the documented header layout (third cache line).
const CLAIM_END_WORD: usize = 16;

/// Polls `reader` until it reports an error (at most a few times).
fn first_error(reader: &mut pool_runtime::shm::Reader<'_>) -> Option<ShmError> {
    (0..10).find_map(|_| reader.receive_next().err())
}

/// A header whose claim cursor lies far beyond anything a writer could have claimed (everything
/// else valid) must not blind readers (`Ok(None)` forever) nor hand its bogus floor to a new
/// writer: readers get `Corrupt`, a writer refuses with `Corrupt` and leaves the lock released.
#[test]
fn a_bogus_claim_cursor_is_corruption_for_readers_and_writers() {
    for messages in [0u64, 3] {
        let region = words(ShmRing::required_words(256));
        let ring = ShmRing::format(&region).unwrap();
        let mut behind = ring.reader().unwrap();
        let mut batch_reader = ring.reader().unwrap();
        let mut bulk_reader = ring.reader().unwrap();
        let mut writer = ring.writer().unwrap();
        for seq in 0..messages {
            writer.write(&payload(seq, 20)).unwrap();
        }
        let mut caught_up = ring.reader().unwrap();
        drop(writer);
        region[CLAIM_END_WORD].store(1 << 61, Ordering::Release);

        let attached = ShmRing::attach(&region).expect("the identity words are intact");
        assert!(
            matches!(attached.writer(), Err(ShmError::Corrupt(_))),
            "a writer must not inherit the bogus claim floor ({messages} messages)"
        );
        assert_eq!(
            attached.writer_status(),
            WriterStatus::Closed {
                pid: std::process::id()
            },
            "the refused writer hands the lock back"
        );
        assert_eq!(region[CLAIM_END_WORD].load(Ordering::Acquire), 1 << 61);

        // A reader that has read everything has nothing to validate: it sees the writer closed.
        let error = first_error(&mut caught_up).expect("the closed writer is reported");
        assert!(matches!(error, ShmError::WriterClosed), "{error}");
        if messages == 0 {
            let error = first_error(&mut behind).expect("the closed writer is reported");
            assert!(matches!(error, ShmError::WriterClosed), "{error}");
            continue;
        }
        // Readers that must validate a copy are told, not blinded: lazy, batch, bulk and new.
        let error = first_error(&mut behind).expect("a lagging reader is told");
        assert!(matches!(error, ShmError::Corrupt(_)), "{error}");
        let error = attached.reader().expect_err("a new reader is told");
        assert!(matches!(error, ShmError::Corrupt(_)), "{error}");
        let error = (0..10)
            .find_map(|_| match batch_reader.read_batch() {
                Err(error) => Some(error),
                Ok(mut batch) => batch.find_map(Result::err),
            })
            .expect("a batch reader is told");
        assert!(matches!(error, ShmError::Corrupt(_)), "{error}");
        let mut buf = [0u8; 256];
        let error = (0..10)
            .find_map(|_| bulk_reader.read_bulk(&mut buf).err())
            .expect("a bulk reader is told");
        assert!(matches!(error, ShmError::Corrupt(_)), "{error}");
    }
}
