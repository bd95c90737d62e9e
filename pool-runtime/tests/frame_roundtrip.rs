//! Property tests: whatever is written comes back equal, however the stream is chunked; random
//! and corrupted streams give typed errors, never panics or leaked slots.
#![cfg(not(loom))]

mod common;
mod frame_support;

use frame_support::{Book, ChunkedReader, Inbound, Sent, Snapshot, Swap, Tick};
use pool_runtime::frame::{
    FrameError, FrameHeader, FrameReader, FrameWriter, MessageSet, write_frame, write_frame_bytes,
};
use pool_runtime::{PoolConfig, Pools, SizeClass};
use proptest::collection::vec;
use proptest::prelude::*;

fn any_tick() -> impl Strategy<Value = Tick> {
    (any::<u64>(), any::<u32>(), any::<u32>()).prop_map(|(price, qty, venue)| Tick {
        price,
        qty,
        venue,
    })
}

fn any_swap() -> impl Strategy<Value = Swap> {
    (any::<[u8; 20]>(), any::<[u8; 32]>(), any::<[u8; 32]>()).prop_map(
        |(pool, amount_in, amount_out)| Swap {
            pool,
            amount_in,
            amount_out,
        },
    )
}

fn any_book() -> impl Strategy<Value = Book> {
    vec(any::<u64>(), 100).prop_map(|v| Book {
        levels: v.try_into().unwrap(),
    })
}

fn any_snapshot() -> impl Strategy<Value = Box<Snapshot>> {
    (any::<u64>(), any::<u64>()).prop_map(|(seed, step)| {
        Box::new(Snapshot {
            words: core::array::from_fn(|i| seed.wrapping_add(step.wrapping_mul(i as u64))),
        })
    })
}

fn any_message() -> impl Strategy<Value = Sent> {
    prop_oneof![
        4 => any_tick().prop_map(Sent::Tick),
        3 => any_swap().prop_map(Sent::Swap),
        2 => any_book().prop_map(|book| Sent::Book(Box::new(book))),
        1 => any_snapshot().prop_map(Sent::Snapshot),
    ]
}

/// Read chunk sizes: 1 byte at a time up to larger-than-any-frame reads.
fn any_chunking() -> impl Strategy<Value = Vec<usize>> {
    vec(prop_oneof![1usize..8, 8usize..300, 300usize..20_000], 1..8)
}

fn write_one(wire: &mut Vec<u8>, message: &Sent) {
    match message {
        Sent::Tick(m) => write_frame(wire, m),
        Sent::Swap(m) => write_frame(wire, m),
        Sent::Book(m) => write_frame(wire, &**m),
        Sent::Snapshot(m) => write_frame(wire, &**m),
    }
    .unwrap();
}

fn batch_one<W: std::io::Write>(writer: &mut FrameWriter<W>, message: &Sent) {
    match message {
        Sent::Tick(m) => writer.write_message(m),
        Sent::Swap(m) => writer.write_message(m),
        Sent::Book(m) => writer.write_message(&**m),
        Sent::Snapshot(m) => writer.write_message(&**m),
    }
    .unwrap();
}

/// Pools with room for one message of each class the test set uses (so a leak shows up as a
/// `Pool` error on the next frame of that class).
fn pools() -> Pools {
    Pools::new(
        PoolConfig::empty()
            .with_capacity(SizeClass::XS, 1)
            .with_capacity(SizeClass::S, 1)
            .with_capacity(SizeClass::M, 1)
            .with_capacity(SizeClass::L, 1)
            .with_capacity(SizeClass::XL, 1),
    )
}

/// Property-test cases: `full`, shrunk by `RINGPOOL_STRESS_SCALE` (valgrind, sanitizers) and to
/// a couple under Miri.
fn cases(full: usize) -> u32 {
    if cfg!(miri) {
        2
    } else {
        common::scaled(full, 4) as u32
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(64)))]

    #[test]
    fn typed_messages_round_trip(
        messages in vec(any_message(), 0..24),
        chunks in any_chunking(),
        batched in any::<bool>(),
        batch_capacity in 1usize..40_000,
    ) {
        let wire = if batched {
            let mut writer = FrameWriter::with_capacity(batch_capacity, Vec::new());
            for message in &messages {
                batch_one(&mut writer, message);
            }
            prop_assert_eq!(writer.pending_frames(), messages.len());
            writer.into_inner().unwrap()
        } else {
            let mut wire = Vec::new();
            for message in &messages {
                write_one(&mut wire, message);
            }
            wire
        };

        let pools = pools();
        let mut stream = ChunkedReader::new(&wire, chunks);
        for sent in &messages {
            let received = Inbound::read_from(&mut stream, &pools).unwrap();
            prop_assert_eq!(&Sent::from(&received), sent);
        }
        prop_assert!(Inbound::read_from(&mut stream, &pools).unwrap_err().is_end_of_stream());
        prop_assert_eq!(stream.consumed, wire.len());
    }

    #[test]
    fn byte_payloads_of_any_length_round_trip(
        frames in vec((any::<u16>(), any::<u16>(), vec(any::<u8>(), 0..40_000)), 0..6),
        chunks in any_chunking(),
    ) {
        let mut wire = Vec::new();
        for (type_id, flags, payload) in &frames {
            write_frame_bytes(&mut wire, *type_id, *flags, payload).unwrap();
        }
        let pools = pools();
        let reader = FrameReader::new().with_max_payload(40_000);
        let mut stream = ChunkedReader::new(&wire, chunks);
        for (type_id, flags, payload) in &frames {
            let frame = reader.read(&mut stream, &pools).unwrap();
            prop_assert_eq!((frame.type_id(), frame.flags()), (*type_id, *flags));
            prop_assert_eq!(frame.payload(), &payload[..]);
            let bytes = frame.into_payload();
            prop_assert_eq!(bytes.class(), SizeClass::for_size(payload.len()));
        }
        prop_assert!(reader.read(&mut stream, &pools).unwrap_err().is_end_of_stream());
    }

    #[test]
    fn random_streams_give_typed_errors_and_hold_no_slot(
        bytes in vec(any::<u8>(), 0..600),
        chunks in any_chunking(),
        max_payload in 0usize..20_000,
    ) {
        let pools = pools();
        let reader = FrameReader::new().with_max_payload(max_payload);
        let mut stream = ChunkedReader::new(&bytes, chunks);
        let mut rounds = 0;
        loop {
            rounds += 1;
            prop_assert!(rounds <= bytes.len() / FrameHeader::LEN + 1, "reading must make progress");
            match reader.read(&mut stream, &pools).and_then(Inbound::decode) {
                Ok(message) => drop(message),
                Err(FrameError::UnknownTypeId { .. } | FrameError::LengthMismatch { .. }) => {}
                Err(FrameError::Truncated { .. } | FrameError::TooLarge { .. }) => break,
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
        }
        assert_pools_idle(&pools);
    }

    #[test]
    fn corrupted_streams_give_typed_errors_and_hold_no_slot(
        messages in vec(any_message(), 1..8),
        flips in vec((any::<prop::sample::Index>(), 1u8..=255), 1..6),
        cut in any::<prop::sample::Index>(),
        chunks in any_chunking(),
    ) {
        let mut wire = Vec::new();
        for message in &messages {
            write_one(&mut wire, message);
        }
        for (at, mask) in flips {
            let at = at.index(wire.len());
            wire[at] ^= mask;
        }
        wire.truncate(cut.index(wire.len() + 1));

        let pools = pools();
        let mut stream = ChunkedReader::new(&wire, chunks);
        loop {
            match Inbound::read_from(&mut stream, &pools) {
                Ok(message) => drop(message),
                Err(FrameError::UnknownTypeId { .. } | FrameError::LengthMismatch { .. }) => {}
                Err(FrameError::Truncated { .. } | FrameError::TooLarge { .. }) => break,
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
        }
        assert_pools_idle(&pools);
    }
}

/// Every class's single slot can be taken again: nothing read above still holds one.
fn assert_pools_idle(pools: &Pools) {
    for class in SizeClass::ALL {
        assert!(
            pools.allocate_bytes(class.slot_size()).is_ok(),
            "class {class} slot leaked"
        );
    }
}
