//! The slot state word: generation, weak flag and refcount in one `AtomicU64`.
//!
//! ```text
//!  63            32  31   30                    0
//! +----------------+----+------------------------+
//! |  generation    |  W |       refcount         |
//! +----------------+----+------------------------+
//! ```
//!
//! - `refcount == 0`: the slot is free. Its generation is already the next occupant's.
//! - `W`: a weak handle was made during this occupancy. While it is clear and the refcount is 1,
//!   the sole holder is the only thread that can touch the word, so its drop may free with a plain
//!   store instead of a read-modify-write.
//! - `generation`: bumped by the last drop (wrapping after 2³² reuses of one slot), so a weak
//!   handle of an earlier occupant compares unequal in the same atomic word as the refcount.

/// Bits of the refcount.
pub(crate) const REFCOUNT_MASK: u64 = (1 << 31) - 1;
/// Set once a weak handle was made during the current occupancy.
pub(crate) const WEAK_FLAG: u64 = 1 << 31;
/// Clones beyond this abort the process (like `Arc`'s `isize::MAX` limit). Far below
/// `REFCOUNT_MASK`, so racing clones that each overshoot by one can never carry into `W`.
pub(crate) const MAX_REFCOUNT: u64 = 1 << 29;

/// The refcount of a state word.
#[inline(always)]
pub(crate) const fn refcount(state: u64) -> u64 {
    state & REFCOUNT_MASK
}

/// The generation of a state word.
#[inline(always)]
pub(crate) const fn generation(state: u64) -> u32 {
    (state >> 32) as u32
}

/// Whether the holder of the only reference may free with a plain store: refcount 1, no weak
/// handle this occupancy.
#[inline(always)]
pub(crate) const fn is_sole_without_weak(state: u64) -> bool {
    state & (REFCOUNT_MASK | WEAK_FLAG) == 1
}

/// The word after the last reference of `state` is dropped: next generation, free, flag clear.
#[inline(always)]
pub(crate) const fn freed(state: u64) -> u64 {
    (generation(state).wrapping_add(1) as u64) << 32
}

/// The word of a free slot (`state`) once claimed by an allocation: same generation, refcount 1.
#[inline(always)]
pub(crate) const fn claimed(state: u64) -> u64 {
    (state & !(REFCOUNT_MASK | WEAK_FLAG)) | 1
}

/// Aborts the process: a refcount past [`MAX_REFCOUNT`] means leaked clones by the hundred million,
/// and going on would wrap the count and free a live slot.
#[cold]
#[inline(never)]
pub(crate) fn refcount_overflow() -> ! {
    eprintln!(
        "ringpool: RingPtr refcount overflow (more than 2^29 clones of one message); aborting"
    );
    std::process::abort()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_bumps_generation_and_clears_everything_else() {
        let s = (7u64 << 32) | WEAK_FLAG | 1;
        assert_eq!(generation(freed(s)), 8);
        assert_eq!(refcount(freed(s)), 0);
        assert_eq!(freed(s) & WEAK_FLAG, 0);
        assert_eq!(generation(freed(u64::MAX << 32)), 0, "generation wraps");
    }

    #[test]
    fn claimed_keeps_generation_sets_refcount_one() {
        let free = 9u64 << 32;
        assert_eq!(claimed(free), (9u64 << 32) | 1);
        assert!(is_sole_without_weak(claimed(free)));
        assert!(!is_sole_without_weak(claimed(free) | WEAK_FLAG));
        assert!(!is_sole_without_weak(claimed(free) + 1));
    }
}
