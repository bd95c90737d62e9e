//! Every `FrameError` the reader, the decoder and the writers produce, with where the stream is
//! left and proof that no slot is held afterwards.
#![cfg(not(loom))]

mod frame_support;

use std::io::{self, Read, Write};

use frame_support::{Book, ChunkedReader, Inbound, Swap, Tick};
use pool_runtime::frame::{
    FrameError, FrameHeader, FrameReader, FrameSection, FrameWriter, MessageSet, read_frame,
    write_frame, write_frame_bytes,
};
use pool_runtime::{LocalPools, PoolConfig, PooledMessage, Pools, SizeClass};

const TICK: Tick = Tick {
    price: 10,
    qty: 2,
    venue: 7,
};

/// Pools with exactly one slot in each class.
fn one_slot_each() -> Pools {
    let mut config = PoolConfig::empty();
    for class in SizeClass::ALL {
        config = config.with_capacity(class, 1);
    }
    Pools::new(config)
}

/// Every class of `pools` still has its one slot free (nothing leaked by an error path).
fn assert_all_slots_free(pools: &Pools) {
    for class in SizeClass::ALL {
        let held = pools.allocate_bytes(class.slot_size());
        assert!(held.is_ok(), "class {class}: the only slot is still taken");
    }
}

fn tick_frame() -> Vec<u8> {
    let mut wire = Vec::new();
    write_frame(&mut wire, &TICK).unwrap();
    wire
}

#[test]
fn empty_stream_is_a_clean_end_of_stream() {
    let pools = one_slot_each();
    let err = read_frame(&mut io::empty(), &pools).unwrap_err();
    assert!(err.is_end_of_stream(), "{err:?}");
    assert!(matches!(
        err,
        FrameError::Truncated {
            section: FrameSection::Header,
            expected: 8,
            received: 0
        }
    ));
}

#[test]
fn every_truncated_header_reports_the_bytes_received() {
    let pools = one_slot_each();
    let wire = tick_frame();
    for cut in 1..FrameHeader::LEN {
        let mut reader = ChunkedReader::one_byte_at_a_time(&wire[..cut]);
        let err = read_frame(&mut reader, &pools).unwrap_err();
        assert!(
            matches!(
                err,
                FrameError::Truncated { section: FrameSection::Header, expected: 8, received }
                    if received == cut
            ),
            "cut at {cut}: {err:?}"
        );
        assert!(!err.is_end_of_stream());
        assert_eq!(
            reader.consumed, cut,
            "the whole rest of the stream is consumed"
        );
    }
    assert_all_slots_free(&pools);
}

#[test]
fn every_truncated_payload_returns_its_slot() {
    let pools = one_slot_each();
    let wire = tick_frame();
    for cut in FrameHeader::LEN..wire.len() {
        let mut reader = ChunkedReader::new(&wire[..cut], vec![3]);
        let err = read_frame(&mut reader, &pools).unwrap_err();
        assert!(
            matches!(
                err,
                FrameError::Truncated { section: FrameSection::Payload, expected: 16, received }
                    if received == cut - FrameHeader::LEN
            ),
            "cut at {cut}: {err:?}"
        );
        assert_eq!(reader.consumed, cut);
        assert_all_slots_free(&pools);
    }
}

#[test]
fn oversized_length_is_rejected_before_reading_or_reserving() {
    // No slot at all: reaching the pool would be a `Pool` error, not `TooLarge`.
    let pools = Pools::new(PoolConfig::empty());
    let reader = FrameReader::new().with_max_payload(100);
    for announced in [101u32, 16 * 1024, u32::MAX] {
        let mut wire = FrameHeader::new(1, 0, announced).to_bytes().to_vec();
        wire.extend_from_slice(&[0xAB; 128]);
        let mut stream = ChunkedReader::new(&wire, vec![64]);
        let err = reader.read(&mut stream, &pools).unwrap_err();
        assert!(
            matches!(err, FrameError::TooLarge { payload_len, max_payload: 100 }
                if payload_len == u64::from(announced)),
            "{err:?}"
        );
        assert_eq!(
            stream.consumed,
            FrameHeader::LEN,
            "only the header is consumed"
        );
    }
}

#[test]
fn default_maximum_is_the_largest_class() {
    let pools = one_slot_each();
    let mut wire = Vec::new();
    write_frame_bytes(&mut wire, 9, 0, &vec![1; SizeClass::MAX_MESSAGE_SIZE + 1]).unwrap();
    let err = read_frame(&mut wire.as_slice(), &pools).unwrap_err();
    assert!(matches!(
        err,
        FrameError::TooLarge {
            payload_len: 16385,
            max_payload: 16384
        }
    ));
}

#[test]
fn exhausted_pool_is_a_pool_error_after_the_header() {
    let pools = Pools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 1));
    let wire = [tick_frame(), tick_frame()].concat();
    let mut stream = ChunkedReader::new(&wire, vec![5]);
    let held = read_frame(&mut stream, &pools).unwrap();
    let err = read_frame(&mut stream, &pools).unwrap_err();
    assert!(matches!(err, FrameError::Pool(_)), "{err:?}");
    assert_eq!(stream.consumed, wire.len() / 2 + FrameHeader::LEN);
    drop(held);
    // The payload is still in the stream: read it as raw bytes.
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, pool_runtime::bytemuck::bytes_of(&TICK));
}

#[test]
fn decode_as_the_wrong_type_is_a_type_mismatch() {
    let pools = one_slot_each();
    let frame = read_frame(&mut tick_frame().as_slice(), &pools).unwrap();
    let err = frame.decode::<Swap>().unwrap_err();
    assert!(matches!(
        err,
        FrameError::TypeMismatch {
            expected: 2,
            actual: 1
        }
    ));
    assert_all_slots_free(&pools);
}

#[test]
fn right_type_id_with_wrong_length_is_a_length_mismatch() {
    let pools = one_slot_each();
    for len in [0, 15, 17, 64] {
        let mut wire = Vec::new();
        write_frame_bytes(&mut wire, Tick::TYPE_ID, 0, &vec![0; len]).unwrap();
        let frame = read_frame(&mut wire.as_slice(), &pools).unwrap();
        let err = frame.decode::<Tick>().unwrap_err();
        assert!(
            matches!(err, FrameError::LengthMismatch { type_id: 1, expected: 16, actual }
                if actual == len),
            "{err:?}"
        );
        assert_all_slots_free(&pools);
    }
}

#[test]
fn message_set_rejects_unknown_ids_and_keeps_reading() {
    let pools = Pools::new(Inbound::POOL_CONFIG);
    let mut wire = Vec::new();
    write_frame_bytes(&mut wire, 0xBEEF, 0, b"who am I").unwrap();
    write_frame_bytes(&mut wire, Book::TYPE_ID, 0, &[0; 10]).unwrap();
    write_frame(&mut wire, &TICK).unwrap();
    let mut stream = wire.as_slice();

    let err = Inbound::read_from(&mut stream, &pools).unwrap_err();
    assert!(matches!(err, FrameError::UnknownTypeId { type_id: 0xBEEF }));
    let err = Inbound::read_from(&mut stream, &pools).unwrap_err();
    assert!(matches!(
        err,
        FrameError::LengthMismatch {
            type_id: 3,
            expected: 800,
            actual: 10
        }
    ));
    match Inbound::read_from(&mut stream, &pools).unwrap() {
        Inbound::Tick(tick) => assert_eq!(*tick, TICK),
        other => panic!("expected the tick, got {other:?}"),
    }
    assert!(
        Inbound::read_from(&mut stream, &pools)
            .unwrap_err()
            .is_end_of_stream()
    );
    assert!(Inbound::handles(Tick::TYPE_ID) && !Inbound::handles(0xBEEF));
}

#[test]
fn unknown_frames_are_skipped_without_a_slot() {
    // Inbound configures no L slots: a 2000-byte frame can only be skipped, never reserved.
    let pools = Pools::new(Inbound::POOL_CONFIG);
    let mut local = LocalPools::new(Inbound::POOL_CONFIG);
    let mut wire = Vec::new();
    write_frame_bytes(&mut wire, 0x7777, 0, &[5; 2000]).unwrap();
    write_frame(&mut wire, &TICK).unwrap();
    for chunks in [vec![1], vec![7, 1000], vec![usize::MAX]] {
        let mut stream = ChunkedReader::new(&wire, chunks.clone());
        let err = Inbound::read_from(&mut stream, &pools).unwrap_err();
        assert!(
            matches!(err, FrameError::UnknownTypeId { type_id: 0x7777 }),
            "{err:?}"
        );
        assert_eq!(
            stream.consumed,
            FrameHeader::LEN + 2000,
            "at the next frame"
        );
        let tick = FrameReader::new().read_set::<Inbound, _, _>(&mut stream, &mut local);
        assert!(matches!(tick, Ok(Inbound::Tick(t)) if *t == TICK));
    }

    // Cut inside the skipped payload: the count covers the whole payload.
    let mut stream = ChunkedReader::new(&wire[..FrameHeader::LEN + 1500], vec![300]);
    let err = Inbound::read_from(&mut stream, &mut local).unwrap_err();
    assert!(
        matches!(
            err,
            FrameError::Truncated {
                section: FrameSection::Payload,
                expected: 2000,
                received: 1500
            }
        ),
        "{err:?}"
    );

    // Too long is refused before skipping too.
    let reader = FrameReader::new().with_max_payload(1000);
    let mut stream = ChunkedReader::new(&wire, vec![64]);
    let err = reader
        .read_set::<Inbound, _, _>(&mut stream, &pools)
        .unwrap_err();
    assert!(matches!(
        err,
        FrameError::TooLarge {
            payload_len: 2000,
            max_payload: 1000
        }
    ));
    assert_eq!(stream.consumed, FrameHeader::LEN);
}

/// Fails every read with `kind`, after handing out `good` bytes of `bytes`.
struct FailingReader<'a> {
    bytes: &'a [u8],
    good: usize,
    kind: io::ErrorKind,
    interruptions_left: usize,
}

impl Read for FailingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.interruptions_left > 0 {
            self.interruptions_left -= 1;
            return Err(io::ErrorKind::Interrupted.into());
        }
        if self.good == 0 {
            return Err(self.kind.into());
        }
        let n = buf.len().min(self.good).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        self.good -= n;
        Ok(n)
    }
}

#[test]
fn reader_errors_surface_as_io_and_release_the_slot() {
    let pools = one_slot_each();
    let wire = tick_frame();
    for good in [0, 4, 8, 12] {
        let mut reader = FailingReader {
            bytes: &wire,
            good,
            kind: io::ErrorKind::ConnectionReset,
            interruptions_left: 0,
        };
        let err = read_frame(&mut reader, &pools).unwrap_err();
        assert!(
            matches!(&err, FrameError::Io(e) if e.kind() == io::ErrorKind::ConnectionReset),
            "{err:?}"
        );
        assert!(std::error::Error::source(&err).is_some());
        assert_all_slots_free(&pools);
    }
}

#[test]
fn interrupted_reads_are_retried() {
    let pools = one_slot_each();
    let wire = tick_frame();
    let mut reader = FailingReader {
        bytes: &wire,
        good: wire.len(),
        kind: io::ErrorKind::Other,
        interruptions_left: 3,
    };
    let tick = read_frame(&mut reader, &pools)
        .unwrap()
        .decode::<Tick>()
        .unwrap();
    assert_eq!(*tick, TICK);
}

#[test]
fn one_byte_per_read_works_for_every_class_and_local_pools() {
    let pools = one_slot_each();
    let mut local = LocalPools::new(Inbound::POOL_CONFIG);
    let book = Book {
        levels: core::array::from_fn(|i| i as u64 * 3),
    };
    let mut wire = Vec::new();
    write_frame(&mut wire, &book).unwrap();
    write_frame(&mut wire, &TICK).unwrap();

    let mut slow = ChunkedReader::one_byte_at_a_time(&wire);
    assert_eq!(
        *read_frame(&mut slow, &pools)
            .unwrap()
            .decode::<Book>()
            .unwrap(),
        book
    );
    assert_eq!(
        *read_frame(&mut slow, &mut local)
            .unwrap()
            .decode::<Tick>()
            .unwrap(),
        TICK
    );
    assert!(
        read_frame(&mut slow, &mut local)
            .unwrap_err()
            .is_end_of_stream()
    );
}

/// Accepts `capacity` bytes, then writes nothing (`Ok(0)`) or fails.
struct StuckWriter {
    written: Vec<u8>,
    capacity: usize,
    fail_with: Option<io::ErrorKind>,
}

impl Write for StuckWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = self.capacity - self.written.len();
        if room == 0 {
            return match self.fail_with {
                Some(kind) => Err(kind.into()),
                None => Ok(0),
            };
        }
        let n = room.min(buf.len());
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn writer_that_stops_accepting_bytes_is_write_zero() {
    let mut writer = StuckWriter {
        written: Vec::new(),
        capacity: 11,
        fail_with: None,
    };
    let err = write_frame(&mut writer, &TICK).unwrap_err();
    assert!(matches!(&err, FrameError::Io(e) if e.kind() == io::ErrorKind::WriteZero));
    assert_eq!(writer.written, tick_frame()[..11]);
}

#[test]
fn batched_writer_reports_flush_failures() {
    let sink = StuckWriter {
        written: Vec::new(),
        capacity: 20,
        fail_with: Some(io::ErrorKind::BrokenPipe),
    };
    let mut writer = FrameWriter::with_capacity(1024, sink);
    writer.write_message(&TICK).unwrap();
    writer.write_message(&TICK).unwrap();
    assert_eq!(writer.buffered_len(), 48);
    let err = writer.flush().unwrap_err();
    assert!(matches!(&err, FrameError::Io(e) if e.kind() == io::ErrorKind::BrokenPipe));
    assert_eq!(
        writer.pending_frames(),
        2,
        "a failed flush keeps the frames pending"
    );
    assert!(matches!(writer.into_inner(), Err(FrameError::Io(_))));
}

#[test]
fn errors_display_what_went_wrong() {
    let cases = [
        (
            FrameError::Truncated {
                section: FrameSection::Payload,
                expected: 16,
                received: 3,
            },
            "stream ended after 3 of 16 frame payload bytes",
        ),
        (
            FrameError::TooLarge {
                payload_len: 9,
                max_payload: 8,
            },
            "frame payload of 9 bytes exceeds the maximum of 8",
        ),
        (
            FrameError::UnknownTypeId { type_id: 0xbeef },
            "no message in the set has type id 0xbeef",
        ),
        (
            FrameError::TypeMismatch {
                expected: 1,
                actual: 2,
            },
            "frame has type id 0x0002, expected 0x0001",
        ),
        (
            FrameError::LengthMismatch {
                type_id: 1,
                expected: 16,
                actual: 3,
            },
            "frame of type id 0x0001 has a 3-byte payload, the message is 16 bytes",
        ),
    ];
    for (error, text) in cases {
        assert_eq!(error.to_string(), text);
    }
}
