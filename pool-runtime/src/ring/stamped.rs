//! The slot array of an [`Overwrite`](super::Overwrite) ring: `Pod` items stored as atomic words
//! behind a per-slot sequence stamp (a seqlock), so a reader racing the writer detects it
//! without a data race.
//!
//! # Memory layout
//!
//! ```text
//! | slot 0: stamp u64 | item words (u64 each) | pad to 64 B | slot 1: stamp | ... |
//! stamp 0          the slot was never written
//! stamp 2*s + 1    the writer is storing item s here
//! stamp 2*s + 2    the slot holds item s, complete
//! ```
//!
//! Each slot starts on a cache line, so a reader of slot k and the writer of slot k+1 never
//! contend for a line.

use bytemuck::Pod;

use crate::sync::{AtomicU64, Ordering, fence};

use super::error::CapacityError;

const WORD: usize = core::mem::size_of::<u64>();
const WORDS_PER_LINE: usize = 8;

/// One cache line of atomic words.
#[repr(C, align(64))]
struct Line([AtomicU64; WORDS_PER_LINE]);

const _: () = assert!(core::mem::size_of::<Line>() == 64 && core::mem::align_of::<Line>() == 64);

/// Slot array of stamped word copies. Invariant: `lines.len() == slots * lines_per_slot`,
/// `slots` is a power of two, and `1 + item_words <= lines_per_slot * 8`.
pub(crate) struct StampedSlots {
    lines: Box<[Line]>,
    lines_per_slot: usize,
    mask: usize,
}

impl StampedSlots {
    /// An empty array (used by policies that store items elsewhere).
    pub(crate) fn empty() -> Self {
        Self {
            lines: Box::new([]),
            lines_per_slot: 0,
            mask: 0,
        }
    }

    /// `slots` slots for items of `item_size` bytes.
    pub(crate) fn new(slots: usize, item_size: usize) -> Result<Self, CapacityError> {
        debug_assert!(slots.is_power_of_two());
        let too_large = CapacityError::TooLarge { requested: slots };
        let words = 1 + item_size.div_ceil(WORD);
        let lines_per_slot = words.div_ceil(WORDS_PER_LINE);
        let total = slots.checked_mul(lines_per_slot).ok_or(too_large)?;
        if total
            .checked_mul(64)
            .is_none_or(|bytes| bytes > isize::MAX as usize)
        {
            return Err(too_large);
        }
        let lines = (0..total)
            .map(|_| Line(core::array::from_fn(|_| AtomicU64::new(0))))
            .collect();
        Ok(Self {
            lines,
            lines_per_slot,
            mask: slots - 1,
        })
    }

    /// The stamp and the item words of the slot of sequence `seq`.
    #[inline]
    fn slot(&self, seq: u64) -> (&AtomicU64, impl Iterator<Item = &AtomicU64>) {
        let first = ((seq as usize) & self.mask) * self.lines_per_slot;
        let mut words = self.lines[first..first + self.lines_per_slot]
            .iter()
            .flat_map(|line| line.0.iter());
        let stamp = words.next().expect("a slot has at least its stamp word");
        (stamp, words)
    }

    /// Stores `item` as sequence `seq`. Only the ring's single writer calls this.
    #[inline]
    pub(crate) fn write<T: Pod>(&self, seq: u64, item: &T) {
        let (stamp, mut words) = self.slot(seq);
        // Relaxed store + Release fence: the fence orders this "being written" stamp before
        // every word store below, so a reader whose copy sees any new word also sees (at its
        // Acquire fence) a stamp other than the one it started with.
        stamp.store(2 * seq + 1, Ordering::Relaxed);
        fence(Ordering::Release);
        let bytes = bytemuck::bytes_of(item);
        let mut chunks = bytes.chunks_exact(WORD);
        for (chunk, word) in (&mut chunks).zip(&mut words) {
            let value = u64::from_ne_bytes(chunk.try_into().expect("8-byte chunk"));
            // Relaxed: ordered by the fence above and the Release stamp store below.
            word.store(value, Ordering::Relaxed);
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            let mut padded = [0u8; WORD];
            padded[..tail.len()].copy_from_slice(tail);
            if let Some(word) = words.next() {
                // Relaxed: as above.
                word.store(u64::from_ne_bytes(padded), Ordering::Relaxed);
            }
        }
        // Release: the word stores happen-before a reader's Acquire load that sees this stamp.
        stamp.store(2 * seq + 2, Ordering::Release);
    }

    /// Copies out item `seq`, or `None` if the slot no longer holds it intact (overwritten,
    /// or being overwritten during the copy). The caller only asks for published sequences.
    #[inline]
    pub(crate) fn read<T: Pod>(&self, seq: u64) -> Option<T> {
        let (stamp, mut words) = self.slot(seq);
        let expected = 2 * seq + 2;
        // Acquire: pairs with the writer's Release store of this stamp, so the words of item
        // `seq` are visible to the loads below.
        if stamp.load(Ordering::Acquire) != expected {
            return None;
        }
        let mut item = T::zeroed();
        let bytes = bytemuck::bytes_of_mut(&mut item);
        let mut chunks = bytes.chunks_exact_mut(WORD);
        for (chunk, word) in (&mut chunks).zip(&mut words) {
            // Relaxed: validated by the fence + stamp re-check below.
            chunk.copy_from_slice(&word.load(Ordering::Relaxed).to_ne_bytes());
        }
        let tail = chunks.into_remainder();
        if !tail.is_empty()
            && let Some(word) = words.next()
        {
            // Relaxed: as above.
            let value = word.load(Ordering::Relaxed).to_ne_bytes();
            let len = tail.len();
            tail.copy_from_slice(&value[..len]);
        }
        // Acquire fence: if any load above read a word of a newer item, the writer's "being
        // written" stamp (ordered before that word by its Release fence) is visible to the
        // re-check below, which then fails.
        #[cfg(loom)]
        let skip_fence = super::loom_controls::weak_seqlock();
        #[cfg(not(loom))]
        let skip_fence = false;
        if !skip_fence {
            fence(Ordering::Acquire);
        }
        // Relaxed: ordered after the copy by the fence above.
        (stamp.load(Ordering::Relaxed) == expected).then_some(item)
    }
}
