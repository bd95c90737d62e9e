//! `MessageSet::decode` (as `#[derive(MessageSet)]` generates it) on arbitrary frames: a decoded
//! member has the frame's type id and exactly its payload bytes; otherwise the error is the typed
//! one the frame deserves.
//!
//! Input: the byte stream (default reader limits, a few slots per class).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use ringpool::bytemuck::{self, Pod, Zeroable};
use ringpool::frame::{FrameError, FrameHeader, FrameReader, FrameSection};
use ringpool::{MessageSet, PooledMessage, Pools, RingPtr, SizeClass};

#[derive(Clone, Copy, Debug, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(type_id = 1)]
struct Tick {
    price: u64,
    qty: u32,
    venue: u32,
}

/// Same size as `Tick`, another id: only the type id tells them apart.
#[derive(Clone, Copy, Debug, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(type_id = 2)]
struct Cancel {
    order: u64,
    reason: u64,
}

#[derive(Clone, Copy, Debug, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(type_id = 0x0300)]
struct Book {
    levels: [u64; 40],
}

#[derive(Clone, Copy, Debug, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Snapshot {
    words: [u8; 5000],
}

#[derive(Debug, MessageSet)]
enum Inbound {
    Tick(RingPtr<Tick>),
    Cancel(RingPtr<Cancel>),
    Book(RingPtr<Book>),
    Snapshot(RingPtr<Snapshot>),
}

/// A decoded member must be the frame's type and hold exactly the frame's payload.
fn check<T: PooledMessage + bytemuck::Pod>(message: &T, type_id: u16, payload: &[u8]) {
    assert_eq!(T::TYPE_ID, type_id);
    assert_eq!(bytemuck::bytes_of(message), payload);
}

fn size_of_member(type_id: u16) -> Option<usize> {
    [
        (Tick::TYPE_ID, Tick::SIZE),
        (Cancel::TYPE_ID, Cancel::SIZE),
        (Book::TYPE_ID, Book::SIZE),
        (Snapshot::TYPE_ID, Snapshot::SIZE),
    ]
    .iter()
    .find_map(|&(id, size)| (id == type_id).then_some(size))
}

/// One set of pools for every input (creating `POOL_CONFIG`'s arenas per input would dominate
/// the run). A slot leaked by one input shows up in a later one as an unexpected `Pool` error.
static POOLS: LazyLock<Pools> = LazyLock::new(|| Pools::new(Inbound::POOL_CONFIG));

fuzz_target!(|data: &[u8]| {
    let pools = &*POOLS;
    let mut stream = data;
    loop {
        // What the frame at the current position must give, from its raw header.
        let Some(header) = stream.get(..FrameHeader::LEN) else {
            let left = stream.len();
            let err = Inbound::read_from(&mut stream, pools).unwrap_err();
            assert!(
                matches!(err, FrameError::Truncated { section: FrameSection::Header, expected: 8, received }
                    if received == left),
                "{err:?}"
            );
            break;
        };
        let header = FrameHeader::from_bytes(header.try_into().unwrap());
        let len = header.payload_len as usize;
        let available = stream.len() - FrameHeader::LEN;
        let payload = stream[FrameHeader::LEN..][..len.min(available)].to_vec();
        let result = Inbound::read_from(&mut stream, pools);
        if len > FrameReader::DEFAULT_MAX_PAYLOAD {
            assert!(
                matches!(result, Err(FrameError::TooLarge { .. })),
                "{:?}",
                result.err()
            );
            break;
        }
        let member_size = size_of_member(header.type_id);
        let class_configured =
            SizeClass::for_size(len).is_some_and(|class| Inbound::POOL_CONFIG.capacity(class) > 0);
        if member_size.is_some() && !class_configured {
            assert!(
                matches!(result, Err(FrameError::Pool(_))),
                "{:?}",
                result.err()
            );
            break;
        }
        if available < len {
            assert!(
                matches!(result, Err(FrameError::Truncated { section: FrameSection::Payload, expected, received })
                    if expected == len && received == available),
                "{:?}",
                result.err()
            );
            break;
        }
        match result {
            Ok(Inbound::Tick(m)) => check(&*m, header.type_id, &payload),
            Ok(Inbound::Cancel(m)) => check(&*m, header.type_id, &payload),
            Ok(Inbound::Book(m)) => check(&*m, header.type_id, &payload),
            Ok(Inbound::Snapshot(m)) => check(&*m, header.type_id, &payload),
            Err(FrameError::UnknownTypeId { type_id }) => {
                assert_eq!(type_id, header.type_id);
                assert!(member_size.is_none());
            }
            Err(FrameError::LengthMismatch {
                type_id,
                expected,
                actual,
            }) => {
                assert_eq!((type_id, actual), (header.type_id, len));
                assert_eq!(Some(expected), member_size);
                assert_ne!(expected, actual);
            }
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
});
