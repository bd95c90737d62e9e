//! Byte copies into and out of the ring made only of atomic word operations.
//!
//! The ring's bytes are shared with a writer that may be overwriting them while a reader copies,
//! so every access is a `Relaxed` atomic load or store of a whole `u64`: a racing copy is then a
//! legal (if stale or torn) read that the caller's sequence check rejects, never a data race.
//! Ordering comes from the fences and cursor operations around these copies, not from here.

use crate::sync::{AtomicU64, Ordering};

/// Copies `dst.len()` bytes out of `src` (which holds at least `dst.len().div_ceil(8)` words).
/// Words are read in native byte order, matching [`store_bytes`].
#[inline]
pub(crate) fn load_bytes(src: &[AtomicU64], dst: &mut [u8]) {
    // Four words per step: the loads stay individual atomics, but the loop overhead is shared.
    let blocks = (dst.len() / 32).min(src.len() / 4);
    let (dst_blocks, dst) = dst.split_at_mut(blocks * 32);
    let (src_blocks, src) = src.split_at(blocks * 4);
    for (block, words) in dst_blocks
        .chunks_exact_mut(32)
        .zip(src_blocks.chunks_exact(4))
    {
        for (chunk, word) in block.chunks_exact_mut(8).zip(words) {
            // Relaxed: as below.
            chunk.copy_from_slice(&word.load(Ordering::Relaxed).to_ne_bytes());
        }
    }
    let mut chunks = dst.chunks_exact_mut(8);
    let mut words = src.iter();
    for (chunk, word) in (&mut chunks).zip(&mut words) {
        // Relaxed: validity of the copy is decided afterwards by the caller's Acquire fence and
        // claim-cursor check.
        chunk.copy_from_slice(&word.load(Ordering::Relaxed).to_ne_bytes());
    }
    let tail = chunks.into_remainder();
    if !tail.is_empty()
        && let Some(word) = words.next()
    {
        let bytes = word.load(Ordering::Relaxed).to_ne_bytes();
        tail.copy_from_slice(&bytes[..tail.len()]);
    }
}

/// Stores `src` into the words of `dst` (at least `src.len().div_ceil(8)` of them); the unused
/// bytes of the last word are zero.
#[inline]
pub(crate) fn store_bytes(src: &[u8], dst: &[AtomicU64]) {
    // Four words per step, as in `load_bytes`.
    let blocks = (src.len() / 32).min(dst.len() / 4);
    let (src_blocks, src) = src.split_at(blocks * 32);
    let (dst_blocks, dst) = dst.split_at(blocks * 4);
    for (block, words) in src_blocks.chunks_exact(32).zip(dst_blocks.chunks_exact(4)) {
        for (chunk, word) in block.chunks_exact(8).zip(words) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(chunk);
            // Relaxed: as below.
            word.store(u64::from_ne_bytes(bytes), Ordering::Relaxed);
        }
    }
    let mut chunks = src.chunks_exact(8);
    let mut words = dst.iter();
    for (chunk, word) in (&mut chunks).zip(&mut words) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        // Relaxed: the writer's Release fence after announcing the claim orders these stores
        // after the announcement, and the Release store of PUBLISHED orders them before the
        // frame becomes visible.
        word.store(u64::from_ne_bytes(bytes), Ordering::Relaxed);
    }
    let tail = chunks.remainder();
    if !tail.is_empty()
        && let Some(word) = words.next()
    {
        let mut bytes = [0u8; 8];
        bytes[..tail.len()].copy_from_slice(tail);
        word.store(u64::from_ne_bytes(bytes), Ordering::Relaxed);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length_up_to_ten_words() {
        let words: Vec<AtomicU64> = (0..10).map(|_| AtomicU64::new(u64::MAX)).collect();
        for len in 0..=80 {
            let src: Vec<u8> = (0..len as u8)
                .map(|b| b.wrapping_mul(37).wrapping_add(1))
                .collect();
            store_bytes(&src, &words);
            let mut dst = vec![0xAAu8; len];
            load_bytes(&words, &mut dst);
            assert_eq!(src, dst, "length {len}");
        }
    }

    #[test]
    fn tail_bytes_of_the_last_word_are_zeroed() {
        let words = [AtomicU64::new(u64::MAX)];
        store_bytes(&[1, 2, 3], &words);
        assert_eq!(
            words[0].load(Ordering::Relaxed).to_ne_bytes(),
            [1, 2, 3, 0, 0, 0, 0, 0]
        );
    }
}
