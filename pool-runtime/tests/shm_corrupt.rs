//! Untrusted regions: random words, random headers over random contents, and valid rings with
//! random words overwritten are attached to and read through every path (plus a writer and new
//! readers). Whatever the bytes, the ring returns typed errors or well-formed messages: no
//! panic, no out-of-bounds access, no message longer than the ring allows. Files with random
//! contents go through `ShmRing::open` too.
#![cfg(all(not(loom), feature = "shm"))]

mod common;

use core::sync::atomic::{AtomicU64, Ordering};
use pool_runtime::shm::ShmRing;
use proptest::prelude::*;

/// Identity words of a layout-1 ring (magic, version, header bytes, capacity).
const MAGIC: u64 = u64::from_le_bytes(*b"RPOOLSHM");
const HEADER_WORDS: usize = 32;

#[derive(Clone, Debug)]
enum Op {
    Next { buf: usize },
    Batch,
    Bulk { buf: usize },
    Write { len: usize },
    NewReader,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..300).prop_map(|buf| Op::Next { buf }),
        Just(Op::Batch),
        (0usize..600).prop_map(|buf| Op::Bulk { buf }),
        (0usize..300).prop_map(|len| Op::Write { len }),
        Just(Op::NewReader),
    ]
}

fn region(values: &[u64]) -> Vec<AtomicU64> {
    values.iter().map(|v| AtomicU64::new(*v)).collect()
}

/// Runs `ops` against whatever `words` holds; only checks that results are well-formed.
fn exercise(words: &[AtomicU64], ops: &[Op]) {
    let Ok(ring) = ShmRing::attach(words) else {
        return;
    };
    let max = ring.max_message_len();
    assert!(max < ring.capacity());
    let _ = ring.writer_status();
    let Ok(mut reader) = ring.reader() else {
        return;
    };
    for op in ops {
        match op {
            Op::Next { buf } => {
                if let Ok(Some(message)) = reader.receive_next() {
                    assert!(message.len() <= max);
                    let mut buf = vec![0u8; *buf];
                    if let Ok(len) = message.read(&mut buf) {
                        assert_eq!(len, message.len());
                    }
                }
            }
            Op::Batch => {
                if let Ok(batch) = reader.read_batch() {
                    for message in batch.take(256).flatten() {
                        assert!(message.len() <= max);
                        let _ = message.to_vec();
                    }
                }
            }
            Op::Bulk { buf } => {
                let mut window = vec![0u8; *buf];
                if let Ok(bulk) = reader.read_bulk(&mut window) {
                    let expected = bulk.remaining();
                    let mut seen = 0;
                    for message in bulk {
                        assert!(message.payload.len() <= max);
                        seen += 1;
                    }
                    assert_eq!(seen, expected);
                }
            }
            Op::Write { len } => {
                if let Ok(mut writer) = ring.writer() {
                    let _ = writer.write(&vec![0xA5; *len]);
                }
            }
            Op::NewReader => {
                if let Ok(fresh) = ring.reader() {
                    reader = fresh;
                }
            }
        }
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: common::scaled(512, 32) as u32,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_words_are_refused_or_read_safely(
        values in prop::collection::vec(any::<u64>(), 30..120),
        ops in prop::collection::vec(op(), 1..30),
    ) {
        exercise(&region(&values), &ops);
    }

    #[test]
    fn a_valid_header_over_random_contents_is_read_safely(
        mut values in prop::collection::vec(any::<u64>(), HEADER_WORDS + 8..HEADER_WORDS + 80),
        capacity_shift in 6u32..10,
        lock_word in prop_oneof![Just(0u64), any::<u64>(), (0u64..3, any::<u32>()).prop_map(|(s, p)| (s << 32) | u64::from(p))],
        ops in prop::collection::vec(op(), 1..30),
    ) {
        values[0] = MAGIC;
        values[1] = 1;
        values[2] = 256;
        values[3] = 1 << capacity_shift;
        values[8] = lock_word;
        exercise(&region(&values), &ops);
    }

    #[test]
    fn a_valid_ring_with_words_overwritten_is_read_safely(
        writes in prop::collection::vec(0usize..120, 0..40),
        joined_after in 0usize..40,
        damage in prop::collection::vec((0usize..HEADER_WORDS + 64, any::<u64>(), any::<bool>()), 1..6),
        ops in prop::collection::vec(op(), 1..30),
    ) {
        let words = region(&vec![0; HEADER_WORDS + 64]);
        let ring = ShmRing::format(&words).unwrap();
        let mut early = ring.reader().unwrap();
        {
            let mut writer = ring.writer().unwrap();
            for (n, len) in writes.iter().enumerate() {
                writer.write(&vec![n as u8; *len]).unwrap();
                if n == joined_after {
                    let _ = early.receive_next();
                }
            }
            core::mem::forget(writer); // keep the lock held, as by a live or crashed writer
        }
        for (index, value, flip_one_bit) in &damage {
            let word = &words[*index];
            if *flip_one_bit {
                word.fetch_xor(1 << (value % 64), Ordering::Relaxed);
            } else {
                word.store(*value, Ordering::Relaxed);
            }
        }
        for op in &ops {
            match op {
                Op::Next { .. } => { let _ = early.receive_next(); }
                Op::Bulk { buf } => { let _ = early.read_bulk(&mut vec![0; *buf]).map(|bulk| bulk.count()); }
                _ => {}
            }
        }
        exercise(&words, &ops);
    }
}

#[cfg(unix)]
proptest! {
    #![proptest_config(ProptestConfig { cases: common::scaled(64, 8) as u32, ..ProptestConfig::default() })]

    #[test]
    fn random_files_are_refused_or_read_safely(
        mut bytes in prop::collection::vec(any::<u8>(), 0..1024),
        with_header in any::<bool>(),
        ops in prop::collection::vec(op(), 1..20),
    ) {
        if with_header && bytes.len() >= 32 {
            bytes[..8].copy_from_slice(&MAGIC.to_le_bytes());
            bytes[8..16].copy_from_slice(&1u64.to_le_bytes());
            bytes[16..24].copy_from_slice(&256u64.to_le_bytes());
            bytes[24..32].copy_from_slice(&64u64.to_le_bytes());
        }
        let path = std::env::temp_dir().join(format!("ringpool-shm-fuzz-{}-{:?}", std::process::id(), std::thread::current().id()));
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(ring) = ShmRing::open(&path) {
            let mut reader = match ring.reader() { Ok(reader) => reader, Err(_) => { std::fs::remove_file(&path).unwrap(); return Ok(()); } };
            for op in &ops {
                match op {
                    Op::Next { buf } => { if let Ok(Some(m)) = reader.receive_next() { let _ = m.read(&mut vec![0; *buf]); } }
                    Op::Bulk { buf } => { let _ = reader.read_bulk(&mut vec![0; *buf]).map(|b| b.count()); }
                    Op::Batch => { if let Ok(batch) = reader.read_batch() { batch.take(64).for_each(drop); } }
                    Op::Write { len } => { if let Ok(mut writer) = ring.writer() { let _ = writer.write(&vec![1; *len]); } }
                    Op::NewReader => { let _ = ring.reader(); }
                }
            }
        }
        std::fs::remove_file(&path).unwrap();
    }
}
