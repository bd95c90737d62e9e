//! Stress tests of the shared-memory ring on real threads: a writer that never waits and readers
//! using each read path. Every payload is a function of its sequence number, so a torn, stale or
//! misattributed copy is caught; every message must be delivered or counted in exactly one
//! reported gap (`received + missed == sent`).
#![cfg(all(not(loom), feature = "shm"))]

mod common;

use pool_runtime::shm::{Reader, ShmError, ShmRing};
use std::sync::{Arc, Barrier};
use std::thread;

/// Payload length of message `seq`: 0..=200 bytes, varied so frames end at every residue.
fn len_of(seq: u64) -> usize {
    (seq.wrapping_mul(2_654_435_761) % 201) as usize
}

/// Payload of message `seq`: its sequence number, then bytes derived from it.
fn fill(seq: u64, buf: &mut [u8]) {
    let mut state = seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for (i, byte) in buf.iter_mut().enumerate() {
        if i < 8 {
            *byte = seq.to_le_bytes()[i];
        } else {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state as u8;
        }
    }
}

fn check(seq: u64, payload: &[u8]) {
    assert_eq!(payload.len(), len_of(seq), "length of message {seq}");
    let mut expected = vec![0; payload.len()];
    fill(seq, &mut expected);
    assert_eq!(payload, &expected[..], "content of message {seq}");
}

/// What one reader saw.
#[derive(Debug, Default)]
struct Tally {
    received: u64,
    missed: u64,
    gaps: u64,
}

impl Tally {
    /// Checks that `seq` is the next message not yet delivered or reported missed.
    fn deliver(&mut self, seq: u64, payload: &[u8]) {
        assert_eq!(
            seq,
            self.received + self.missed,
            "message out of order or gap miscounted"
        );
        check(seq, payload);
        self.received += 1;
    }

    fn miss(&mut self, missed: u64) {
        assert!(missed > 0);
        self.missed += missed;
        self.gaps += 1;
    }
}

#[derive(Clone, Copy, Debug)]
enum ReadPath {
    Lazy,
    Batch,
    Bulk,
}

fn read_all(mut reader: Reader<'static>, path: ReadPath, start: Option<Arc<Barrier>>) -> Tally {
    if let Some(start) = start {
        start.wait();
    }
    let mut tally = Tally::default();
    let mut buf = vec![0u8; 256];
    let mut window = vec![0u8; 2048];
    loop {
        let outcome: Result<(), ShmError> = match path {
            ReadPath::Lazy => match reader.receive_next() {
                Ok(Some(message)) => message
                    .read(&mut buf)
                    .map(|len| tally.deliver(message.seq(), &buf[..len])),
                Ok(None) => {
                    thread::yield_now();
                    Ok(())
                }
                Err(error) => Err(error),
            },
            ReadPath::Batch => (|| {
                for message in reader.read_batch()? {
                    let message = message?;
                    let len = message.read(&mut buf)?;
                    tally.deliver(message.seq(), &buf[..len]);
                }
                Ok(())
            })(),
            ReadPath::Bulk => reader.read_bulk(&mut window).map(|bulk| {
                for message in bulk {
                    tally.deliver(message.seq, message.payload);
                }
            }),
        };
        match outcome {
            Ok(()) => {}
            Err(ShmError::Overrun { missed }) => tally.miss(missed),
            Err(ShmError::WriterClosed) => return tally,
            Err(other) => panic!("{path:?} reader: {other}"),
        }
    }
}

/// Writes `sent` messages (alternating `write` and `claim`) to a ring read by one reader per
/// read path, plus a lazy reader held back until `stall_until` messages were written (so it is
/// certainly lapped when the ring is small). All readers attach before the first message.
fn run(capacity: usize, sent: u64, stall_until: u64) -> Vec<(ReadPath, Tally)> {
    let ring = ShmRing::with_capacity(capacity).unwrap();
    let stall = Arc::new(Barrier::new(2));
    let readers: Vec<_> = [
        (ReadPath::Lazy, None),
        (ReadPath::Batch, None),
        (ReadPath::Bulk, None),
        (ReadPath::Lazy, Some(stall.clone())),
    ]
    .into_iter()
    .map(|(path, start)| {
        let reader = ring.reader().unwrap();
        (path, thread::spawn(move || read_all(reader, path, start)))
    })
    .collect();
    let mut writer = ring.writer().unwrap();
    let mut payload = vec![0u8; 256];
    for seq in 0..sent {
        let len = len_of(seq);
        if seq % 2 == 0 {
            fill(seq, &mut payload[..len]);
            assert_eq!(writer.write(&payload[..len]).unwrap(), seq);
        } else {
            let mut claim = writer.claim(len).unwrap();
            fill(seq, claim.buffer_mut());
            assert_eq!(claim.commit(), seq);
        }
        if seq + 1 == stall_until {
            stall.wait();
        }
    }
    drop(writer);
    readers
        .into_iter()
        .map(|(path, handle)| (path, handle.join().unwrap()))
        .collect()
}

#[test]
fn a_small_ring_under_a_writer_that_never_waits_reports_every_gap_exactly() {
    let sent = common::scaled(200_000, 3_000) as u64;
    let results = run(4096, sent, 1_000);
    for (path, tally) in &results {
        assert_eq!(tally.received + tally.missed, sent, "{path:?}: {tally:?}");
        assert!(tally.received > 0, "{path:?} received nothing: {tally:?}");
    }
    // The held-back reader was lapped at least once (1000 messages ≫ 4 KiB), deterministically.
    let (_, stalled) = &results[3];
    assert!(stalled.gaps >= 1 && stalled.missed >= 900, "{stalled:?}");
    eprintln!("small ring: {results:?}");
}

#[test]
fn a_ring_the_writer_never_laps_loses_nothing() {
    let sent = common::scaled(20_000, 1_000) as u64;
    // 20 000 frames of at most 216 bytes fit in 8 MiB: nothing can be overwritten.
    for (path, tally) in run(8 << 20, sent, sent / 2) {
        assert_eq!((tally.received, tally.missed), (sent, 0), "{path:?}");
    }
}
