//! Loom models of the shared-memory ring's cursor/seqlock protocol: one writer and two readers on
//! the smallest ring (64 bytes: two 24-byte frames, then a padding frame and wrap-around, so the
//! third message overwrites the first while readers may still be copying it).
//!
//! Checked in every interleaving (and every value a Relaxed load may legally return): a message
//! a reader returns carries exactly the payload written under its sequence number (never a torn
//! or stale copy), and sequence numbers plus reported gaps add up exactly (the k-th delivered
//! message's number equals the messages delivered or reported missed before it). The negative
//! controls weaken validation — no Acquire fence before the claim check, or no check at all —
//! and must fail.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release -p pool-runtime
//! --features shm --lib -- loom`

use super::region::weakened::{self, Mode};
use super::{ShmError, ShmRing};
use crate::sync::thread;

/// Messages written: the third wraps around (after a padding frame) over the first.
const MESSAGES: u64 = 3;

fn payload(seq: u64) -> [u8; 8] {
    (0x0101_0101_0101_0101u64 * (seq + 1)).to_le_bytes()
}

/// One reader's bounded run; panics if it ever sees a wrong payload or a miscounted gap.
fn read_and_check(mut reader: super::Reader<'static>, polls: usize) {
    let mut accounted = 0u64; // messages delivered or reported missed so far
    for _ in 0..polls {
        match reader.receive_next() {
            Ok(Some(message)) => {
                assert_eq!(message.seq(), accounted, "gap not reported exactly");
                let mut buf = [0u8; 8];
                match message.read(&mut buf) {
                    Ok(len) => {
                        assert_eq!(len, 8);
                        assert_eq!(buf, payload(message.seq()), "torn or stale copy returned");
                    }
                    Err(ShmError::Overrun { missed }) => assert_eq!(missed, 1),
                    Err(other) => panic!("unexpected error {other}"),
                }
                accounted += 1;
            }
            Ok(None) => thread::yield_now(),
            Err(ShmError::Overrun { missed }) => accounted += missed,
            Err(ShmError::WriterClosed) => thread::yield_now(),
            Err(other) => panic!("unexpected error {other}"),
        }
    }
}

/// Like [`read_and_check`], through `read_bulk` (one copy of the whole pending window).
fn bulk_read_and_check(mut reader: super::Reader<'static>, polls: usize) {
    let mut accounted = 0u64;
    let mut window = [0u8; 64];
    for _ in 0..polls {
        match reader.read_bulk(&mut window) {
            Ok(bulk) => {
                for message in bulk {
                    assert_eq!(message.seq, accounted, "gap not reported exactly");
                    assert_eq!(
                        message.payload,
                        payload(message.seq),
                        "torn or stale copy returned"
                    );
                    accounted += 1;
                }
            }
            Err(ShmError::Overrun { missed }) => accounted += missed,
            Err(ShmError::WriterClosed) => thread::yield_now(),
            Err(other) => panic!("unexpected error {other}"),
        }
    }
}

fn model(readers: usize, polls: usize) {
    let ring = ShmRing::with_capacity(64).expect("64 is a valid capacity");
    let mut writer = ring.writer().expect("first writer");
    let reader_threads: Vec<_> = (0..readers)
        .map(|_| {
            let reader = ring.reader().expect("reader");
            thread::spawn(move || read_and_check(reader, polls))
        })
        .collect();
    for seq in 0..MESSAGES {
        assert_eq!(writer.write(&payload(seq)).expect("fits"), seq);
    }
    drop(writer);
    for handle in reader_threads {
        handle.join().expect("reader thread");
    }
}

/// `polls`: receive calls each reader makes (loom needs bounded loops).
fn run(mode: Mode, readers: usize, polls: usize) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(move || weakened::with(mode, || model(readers, polls)));
}

#[test]
fn loom_shm_writer_and_two_readers_never_return_torn_data() {
    run(Mode::Sound, 2, 1);
}

#[test]
fn loom_shm_writer_and_one_reader_account_every_message() {
    run(Mode::Sound, 1, 3);
}

#[test]
#[should_panic(expected = "torn or stale copy returned")]
fn loom_shm_negative_control_without_acquire_fence_returns_torn_data() {
    run(Mode::NoAcquireFence, 1, 3);
}

#[test]
#[should_panic(expected = "torn or stale copy returned")]
fn loom_shm_negative_control_without_validation_returns_torn_data() {
    run(Mode::NoCheck, 1, 3);
}

#[test]
fn loom_shm_bulk_reader_never_returns_torn_data() {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(|| {
        let ring = ShmRing::with_capacity(64).expect("64 is a valid capacity");
        let mut writer = ring.writer().expect("first writer");
        let reader = ring.reader().expect("reader");
        let handle = thread::spawn(move || bulk_read_and_check(reader, 3));
        for seq in 0..MESSAGES {
            writer.write(&payload(seq)).expect("fits");
        }
        drop(writer);
        handle.join().expect("reader thread");
    });
}
