//! MessageBuffer: inline first, spills into the next pool class, heap only beyond XL, checked
//! typed views.
#![cfg(not(loom))]

mod common;

use std::io::Write;

use pool_runtime::bytemuck::{Pod, Zeroable};
use pool_runtime::frame::{FrameHeader, write_frame};
use pool_runtime::{MessageBuffer, PoolConfig, PooledMessage, Pools, SizeClass, ViewError};
use proptest::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Quote {
    bid: u64,
    ask: u64,
    size: u32,
    venue: u32,
}

/// A plain-data type aligned beyond a pool slot (never a `PooledMessage`): the one case where a
/// view at offset 0 can be misaligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C, align(128))]
struct Wide {
    bytes: [u8; 128],
}

fn pools() -> Pools {
    let mut config = PoolConfig::empty();
    for class in SizeClass::ALL {
        config = config.with_capacity(class, 2);
    }
    Pools::new(config)
}

#[test]
fn small_messages_stay_inline() {
    let pools = Pools::new(PoolConfig::empty());
    let mut buffer = MessageBuffer::new(&pools);
    assert_eq!(buffer.capacity(), 4096);
    buffer.extend_from_slice(&[7; 4096]).unwrap();
    assert!(!buffer.spilled());
    assert_eq!(buffer.spill_class(), None);
    assert_eq!(buffer.len(), 4096);
    assert!(buffer.iter().all(|&b| b == 7));
}

#[test]
fn outgrowing_the_inline_part_spills_into_the_next_class() {
    let pools = pools();
    let mut buffer = MessageBuffer::from_slice(&pools, &[1; 4000]).unwrap();
    buffer.extend_from_slice(&[2; 200]).unwrap();
    assert!(buffer.spilled());
    assert_eq!(buffer.spill_class(), Some(SizeClass::XL));
    assert_eq!(buffer.capacity(), 16384);
    assert_eq!(&buffer[..4000], &[1; 4000][..]);
    assert_eq!(&buffer[4000..], &[2; 200][..]);
}

#[test]
fn a_small_inline_part_spills_class_by_class() {
    let pools = pools();
    let mut buffer = MessageBuffer::<_, 32>::with_inline_capacity(&pools);
    let mut expected = Vec::new();
    for (chunk, class) in [
        (30, None),
        (30, Some(SizeClass::XS)),
        (100, Some(SizeClass::S)),
        (800, Some(SizeClass::M)),
    ] {
        let bytes: Vec<u8> = (0..chunk).map(|i| (expected.len() + i) as u8).collect();
        buffer.extend_from_slice(&bytes).unwrap();
        expected.extend_from_slice(&bytes);
        assert_eq!(
            buffer.spill_class(),
            class,
            "after {} bytes",
            expected.len()
        );
        assert_eq!(buffer.as_slice(), &expected[..]);
    }
    // Each move returned the previous slot: both XS and S slots are free again.
    let _xs = [
        pools.allocate_bytes(64).unwrap(),
        pools.allocate_bytes(64).unwrap(),
    ];
    let _s = [
        pools.allocate_bytes(256).unwrap(),
        pools.allocate_bytes(256).unwrap(),
    ];
}

#[test]
fn beyond_xl_the_buffer_goes_to_the_heap() {
    let pools = pools();
    let mut buffer = MessageBuffer::new(&pools);
    buffer.extend_from_slice(&vec![3; 20_000]).unwrap();
    assert!(buffer.spilled());
    assert_eq!(buffer.spill_class(), None, "heap-backed above XL");
    assert!(buffer.capacity() >= 20_000);
    buffer.extend_from_slice(&vec![4; 20_000]).unwrap();
    assert_eq!(buffer.len(), 40_000);
    assert_eq!((buffer[19_999], buffer[20_000]), (3, 4));
}

#[test]
fn clear_returns_the_spill_slot_and_goes_back_inline() {
    let pools = Pools::new(PoolConfig::empty().with_capacity(SizeClass::S, 1));
    let mut buffer = MessageBuffer::<_, 64>::from_slice_inline(&pools, &[9; 100]).unwrap();
    assert!(
        pools.allocate_bytes(100).is_err(),
        "the buffer holds the only S slot"
    );
    buffer.clear();
    assert!(!buffer.spilled() && buffer.is_empty());
    assert_eq!(buffer.capacity(), 64);
    assert!(pools.allocate_bytes(100).is_ok(), "clear returned the slot");
    buffer.extend_from_slice(b"again").unwrap();
    assert_eq!(buffer.as_slice(), b"again");
}

#[test]
fn failed_spill_leaves_the_buffer_unchanged() {
    let pools = Pools::new(PoolConfig::empty());
    let mut buffer = MessageBuffer::<_, 64>::from_slice_inline(&pools, b"kept").unwrap();
    assert!(buffer.extend_from_slice(&[0; 100]).is_err());
    assert_eq!(buffer.as_slice(), b"kept");
    assert!(!buffer.spilled());
    let err = buffer.write(&[0; 100]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::OutOfMemory);
}

#[test]
fn typed_views_check_size_and_alignment() {
    let pools = pools();
    let quote = Quote {
        bid: 100,
        ask: 101,
        size: 5,
        venue: 2,
    };
    let mut buffer = MessageBuffer::new(&pools);
    buffer.push_value(&quote).unwrap();
    assert_eq!(buffer.view::<Quote>(), Ok(&quote));

    buffer.view_mut::<Quote>().unwrap().size = 6;
    assert_eq!(buffer.view::<Quote>().unwrap().size, 6);

    buffer.push_value(&1u8).unwrap();
    assert_eq!(
        buffer.view::<Quote>(),
        Err(ViewError::SizeMismatch {
            expected: 24,
            actual: 25
        })
    );
    assert_eq!(
        buffer.view_at::<u64>(17),
        Err(ViewError::Misaligned { required: 8 })
    );
    assert_eq!(
        buffer.view_at::<u64>(100),
        Err(ViewError::SizeMismatch {
            expected: 8,
            actual: 0
        })
    );
    assert_eq!(buffer.view_at::<u8>(24), Ok(&1));
    buffer.truncate(24);
    assert_eq!(buffer.view::<Quote>().unwrap().ask, 101);
}

#[test]
fn over_aligned_types_are_refused_when_misaligned() {
    let pools = pools();
    let mut buffer = MessageBuffer::from_slice(&pools, &[0; 192]).unwrap();
    // The inline bytes start 64-byte aligned, so exactly one of offsets 0 and 64 is 128-aligned.
    let at_64 = buffer.view_at::<Wide>(64).map(|_| ());
    buffer.truncate(128);
    let at_0 = buffer.view::<Wide>().map(|_| ());
    let results = [at_0, at_64];
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(results.contains(&Err(ViewError::Misaligned { required: 128 })));
}

#[test]
fn views_of_spilled_bytes_are_aligned() {
    let pools = pools();
    let mut buffer = MessageBuffer::<_, 8>::with_inline_capacity(&pools);
    let quote = Quote {
        bid: 1,
        ask: 2,
        size: 3,
        venue: 4,
    };
    buffer.push_value(&quote).unwrap();
    assert_eq!(buffer.spill_class(), Some(SizeClass::XS));
    assert_eq!(buffer.view::<Quote>(), Ok(&quote));
}

#[test]
fn frames_can_be_assembled_in_a_buffer() {
    let pools = pools();
    let quote = Quote {
        bid: 1,
        ask: 2,
        size: 3,
        venue: 4,
    };
    let mut buffer = MessageBuffer::new(&pools);
    write_frame(&mut buffer, &quote).unwrap();
    assert_eq!(buffer.len(), FrameHeader::LEN + 24);
    assert_eq!(buffer.view_at::<Quote>(FrameHeader::LEN), Ok(&quote));
    assert_eq!(
        format!("{buffer:?}"),
        "MessageBuffer { len: 32, capacity: 4096, spilled: false, .. }"
    );
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
    #![proptest_config(ProptestConfig::with_cases(cases(48)))]

    #[test]
    fn contents_survive_any_sequence_of_appends(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..3000), 0..12),
    ) {
        let pools = pools();
        let mut buffer = MessageBuffer::<_, 128>::with_inline_capacity(&pools);
        let mut expected = Vec::new();
        for chunk in &chunks {
            buffer.extend_from_slice(chunk).unwrap();
            expected.extend_from_slice(chunk);
            prop_assert_eq!(buffer.as_slice(), &expected[..]);
            prop_assert_eq!(buffer.spilled(), expected.len() > 128);
            if buffer.spilled() && expected.len() <= SizeClass::MAX_MESSAGE_SIZE {
                prop_assert_eq!(buffer.spill_class(), SizeClass::for_size(expected.len()));
            }
        }
    }
}

#[test]
#[should_panic(expected = "capacity overflow")]
fn reserving_more_than_memory_panics_like_vec() {
    let pools = pools();
    let mut buffer = MessageBuffer::new(&pools);
    let _ = buffer.reserve(usize::MAX);
}

#[test]
fn spills_into_local_and_thread_pools_too() {
    let mut local =
        pool_runtime::LocalPools::new(PoolConfig::empty().with_capacity(SizeClass::S, 1));
    {
        let mut buffer = MessageBuffer::<_, 64>::from_slice_inline(&mut local, &[3; 100]).unwrap();
        assert_eq!(buffer.spill_class(), Some(SizeClass::S));
        // The one S slot is the buffer's: growing within S needs no other.
        buffer.extend_from_slice(&[4; 100]).unwrap();
    }
    assert_eq!(local.stats().class(SizeClass::S).allocations, 1);
    assert_eq!(local.stats().class(SizeClass::S).in_use, 0);

    let before = pool_runtime::thread_pool_stats()
        .unwrap()
        .class(SizeClass::S)
        .allocations;
    let buffer =
        MessageBuffer::<_, 64>::from_slice_inline(pool_runtime::ThreadPools, &[5; 100]).unwrap();
    assert_eq!(buffer.spill_class(), Some(SizeClass::S));
    let after = pool_runtime::thread_pool_stats()
        .unwrap()
        .class(SizeClass::S)
        .allocations;
    assert_eq!(after, before + 1);
}
