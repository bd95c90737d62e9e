//! The slot state word: generation, weak flag and refcount in one `AtomicU64`.
//!
//! ```text
//!  63            32  31   30   29   28           0
//! +----------------+----+----+----+---------------+
//! |  generation    |  W |  F |  R |   refcount    |
//! +----------------+----+----+----+---------------+
//! ```
//!
//! - `refcount == 0` and `F`, `R` clear: the slot is free. It keeps the generation of its last
//!   occupant.
//! - `F` (*freeing*): the last holder has dropped its reference but has not yet checked whether
//!   the allocator is gone (see `release`). The slot is not free yet, and it keeps its arena
//!   alive: no one frees an arena while a slot of it is `F`.
//! - `R` (*retired*): the last holder found the allocator gone; it gives up the slot's share of
//!   the arena's keepalive next (see `orphan`). Never claimed again.
//! - `W`: a weak handle was made during this occupancy. While it is clear and the refcount is 1,
//!   the sole holder is the only thread that can touch the word, so its drop may free with a plain
//!   store instead of a read-modify-write.
//! - `generation`: bumped when the slot is claimed for a new occupant. A weak handle stores its
//!   occupant's generation; `upgrade` succeeds only on a word
//!   with that generation *and* a non-zero refcount, checked and incremented by one
//!   compare-exchange. Once the occupant's last handle is gone the refcount is 0 (upgrade fails),
//!   and once the slot is reused the generation differs (upgrade fails). Bumping at claim rather
//!   than at the last drop lets a drop that is not the sole holder use a plain `fetch_sub`: the
//!   last one leaves a free word behind whatever races it.
//!
//! Wrapping: a weak handle that outlived 2³² reuses of its slot would see its own generation again
//! and upgrade into an unrelated message (whose holder may rely on having no weak handle: that is
//! undefined behaviour, not a logic error). So a slot whose generation is `u32::MAX` is not claimed
//! while any weak handle into its arena exists (the arena's keepalive is above the allocator's 1;
//! see [`wraps_on_claim`]). Every cycle of a slot's generation passes `u32::MAX → 0`, and a weak
//! handle made at generation `g` is still alive when its slot gets back to `u32::MAX`, so that
//! crossing never happens under it. The slot is merely skipped meanwhile (`LocalPools` treats it as
//! busy, `Pools` pops past it and puts it back); once no weak handle into the arena remains, it is
//! claimed again, at generation 0.

/// Bits of the refcount.
pub(crate) const REFCOUNT_MASK: u64 = (1 << 29) - 1;
/// The last holder's drop is under way (see the module docs).
pub(crate) const FREEING_FLAG: u64 = 1 << 30;
/// The slot's last drop found its allocator gone (see the module docs).
pub(crate) const RETIRED_FLAG: u64 = 1 << 29;
/// Set once a weak handle was made during the current occupancy.
pub(crate) const WEAK_FLAG: u64 = 1 << 31;
/// Clones beyond this abort the process (like `Arc`'s `isize::MAX` limit). Far below
/// `REFCOUNT_MASK`, so racing clones that each overshoot by one can never carry into `R`.
pub(crate) const MAX_REFCOUNT: u64 = 1 << 27;

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

/// Whether a slot may be claimed by an allocation: refcount 0, not being freed, not retired (`W`
/// may linger on a free word and is ignored).
#[inline(always)]
pub(crate) const fn is_free(state: u64) -> bool {
    state & (REFCOUNT_MASK | FREEING_FLAG | RETIRED_FLAG) == 0
}

/// Whether the last holder's drop of this slot is still under way (`F`, not yet `R`).
#[inline(always)]
pub(crate) const fn is_freeing(state: u64) -> bool {
    state & (FREEING_FLAG | RETIRED_FLAG) == FREEING_FLAG
}

/// Whether a drop will still give up this slot's share of an orphaned arena's keepalive: the slot
/// is held, or its last drop retired it (see `orphan`).
#[inline(always)]
pub(crate) const fn owes_keepalive(state: u64) -> bool {
    refcount(state) != 0 || state & RETIRED_FLAG != 0
}

/// Whether the holder of the only reference may free with a plain store: refcount 1, no weak
/// handle this occupancy.
#[inline(always)]
pub(crate) const fn is_sole_without_weak(state: u64) -> bool {
    state & (REFCOUNT_MASK | WEAK_FLAG) == 1
}

/// The free word of a slot whose word was `state`: same generation, everything else clear.
#[inline(always)]
pub(crate) const fn freed(state: u64) -> u64 {
    state & !(REFCOUNT_MASK | WEAK_FLAG | FREEING_FLAG | RETIRED_FLAG)
}

/// The word the last holder leaves while its drop is under way (see the module docs).
#[inline(always)]
pub(crate) const fn freeing(state: u64) -> u64 {
    freed(state) | FREEING_FLAG
}

/// The word of a slot whose last drop found the allocator gone.
#[inline(always)]
pub(crate) const fn retired(state: u64) -> u64 {
    freed(state) | FREEING_FLAG | RETIRED_FLAG
}

/// The word of a free slot (`state`) once claimed by an allocation: next generation, refcount 1,
/// no weak handle yet.
#[inline(always)]
pub(crate) const fn claimed(state: u64) -> u64 {
    ((generation(state).wrapping_add(1) as u64) << 32) | 1
}

/// Whether claiming the free slot whose word is `state` wraps its generation to 0: allowed only
/// while no weak handle into the arena exists (see the module docs).
#[inline(always)]
pub(crate) const fn wraps_on_claim(state: u64) -> bool {
    generation(state) == u32::MAX
}

/// Aborts the process: a refcount past [`MAX_REFCOUNT`] means leaked clones by the hundred million,
/// and going on would wrap the count and free a live slot.
#[cold]
#[inline(never)]
pub(crate) fn refcount_overflow() -> ! {
    eprintln!(
        "ringpool: RingPtr refcount overflow (more than 2^27 clones of one message); aborting"
    );
    std::process::abort()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_keeps_generation_and_clears_everything_else() {
        let s = (7u64 << 32) | 1;
        assert_eq!(generation(freed(s)), 7);
        assert_eq!(refcount(freed(s)), 0);
        assert_eq!(freed(s | WEAK_FLAG) & WEAK_FLAG, 0);
    }

    #[test]
    fn freeing_and_retired_words_are_not_free() {
        let s = (7u64 << 32) | 1;
        assert!(!is_free(freeing(s)) && is_freeing(freeing(s)) && !owes_keepalive(freeing(s)));
        assert!(!is_free(retired(s)) && !is_freeing(retired(s)) && owes_keepalive(retired(s)));
        assert!(is_free(freed(retired(s))) && generation(freed(retired(s))) == 7);
        assert!(owes_keepalive(s) && !is_free(s));
    }

    #[test]
    fn claimed_bumps_generation_sets_refcount_one() {
        let free = (9u64 << 32) | WEAK_FLAG;
        assert_eq!(claimed(free), (10u64 << 32) | 1);
        assert_eq!(generation(claimed(u64::MAX << 32)), 0, "generation wraps");
        assert!(is_sole_without_weak(claimed(free)));
        assert!(!is_sole_without_weak(claimed(free) | WEAK_FLAG));
        assert!(!is_sole_without_weak(claimed(free) + 1));
    }
}
