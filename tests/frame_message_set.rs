//! `#[derive(MessageSet)]` against the frame runtime: pools sized from the members, frames
//! decoded by type id with no copy, unknown and mismatched frames rejected while reading goes on.

use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::frame::{FrameError, FrameReader, FrameWriter, write_frame, write_frame_bytes};
use ringpool::{LocalPools, MessageSet, PooledMessage, Pools, RingPtr, SizeClass};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(type_id = 7)]
struct SwapEvent {
    pool: [u8; 20],
    amount_in: [u8; 32],
    amount_out: [u8; 32],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct BookUpdate {
    levels: [u64; 64],
}

#[derive(Debug, MessageSet)]
enum Inbound {
    Swap(RingPtr<SwapEvent>),
    Book(RingPtr<BookUpdate>),
}

const SWAP: SwapEvent = SwapEvent {
    pool: [1; 20],
    amount_in: [2; 32],
    amount_out: [3; 32],
};

fn book() -> BookUpdate {
    BookUpdate {
        levels: core::array::from_fn(|i| i as u64 * 11),
    }
}

#[test]
fn pool_config_has_only_the_members_classes() {
    assert_eq!(
        Inbound::TYPE_IDS,
        &[SwapEvent::TYPE_ID, BookUpdate::TYPE_ID]
    );
    assert_eq!(
        (SwapEvent::CLASS, BookUpdate::CLASS),
        (SizeClass::S, SizeClass::M)
    );
    for class in SizeClass::ALL {
        let used = matches!(class, SizeClass::S | SizeClass::M);
        assert_eq!(
            Inbound::POOL_CONFIG.capacity(class) > 0,
            used,
            "class {class}"
        );
    }
}

#[test]
fn derived_set_round_trips_and_decodes_in_place() {
    let pools = Pools::new(Inbound::POOL_CONFIG);
    let mut writer = FrameWriter::new(Vec::new());
    writer.write_message(&SWAP).unwrap();
    writer.write_message(&book()).unwrap();
    let wire = writer.into_inner().unwrap();
    let mut stream = wire.as_slice();

    match Inbound::read_from(&mut stream, &pools).unwrap() {
        Inbound::Swap(swap) => {
            assert_eq!(*swap, SWAP);
            let address = &*swap as *const SwapEvent as usize;
            assert_eq!(address % 64, 0, "the message sits in a cache-aligned slot");
        }
        other => panic!("expected the swap, got {other:?}"),
    }
    match Inbound::read_from(&mut stream, &pools).unwrap() {
        Inbound::Book(update) => assert_eq!(*update, book()),
        other => panic!("expected the book, got {other:?}"),
    }
    assert!(
        Inbound::read_from(&mut stream, &pools)
            .unwrap_err()
            .is_end_of_stream()
    );
}

#[test]
fn derived_set_rejects_unknown_and_mismatched_frames_and_keeps_reading() {
    let mut local = LocalPools::new(Inbound::POOL_CONFIG);
    let mut wire = Vec::new();
    // An unknown id with a payload in a class the set has no slots for (L): skipped.
    write_frame_bytes(&mut wire, 0xF00D, 0, &[0; 3000]).unwrap();
    // The swap's id with a book-sized payload.
    write_frame_bytes(&mut wire, SwapEvent::TYPE_ID, 0, &[0; 100]).unwrap();
    write_frame(&mut wire, &SWAP).unwrap();
    let mut stream = wire.as_slice();

    let err = Inbound::read_from(&mut stream, &mut local).unwrap_err();
    assert!(
        matches!(err, FrameError::UnknownTypeId { type_id: 0xF00D }),
        "{err:?}"
    );
    let err = Inbound::read_from(&mut stream, &mut local).unwrap_err();
    assert!(
        matches!(
            err,
            FrameError::LengthMismatch {
                type_id: 7,
                expected: 84,
                actual: 100
            }
        ),
        "{err:?}"
    );
    let swap = FrameReader::new()
        .read_set::<Inbound, _, _>(&mut stream, &mut local)
        .unwrap();
    assert!(matches!(swap, Inbound::Swap(s) if *s == SWAP));
}

#[test]
fn decode_dispatches_on_the_frame_type_id() {
    let pools = Pools::new(Inbound::POOL_CONFIG);
    let mut wire = Vec::new();
    write_frame(&mut wire, &book()).unwrap();
    let frame = ringpool::frame::read_frame(&mut wire.as_slice(), &pools).unwrap();
    assert_eq!(frame.type_id(), BookUpdate::TYPE_ID);
    assert!(matches!(Inbound::decode(frame), Ok(Inbound::Book(_))));
}
