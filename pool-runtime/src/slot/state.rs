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
//! - `F`: the slot is taken. The claim sets it with the refcount, and the store that frees the
//!   slot clears it, so a drop can count down with a plain `fetch_sub`. `F` with refcount 0 is
//!   *freeing*: the last holder has dropped its reference but has not yet checked whether the
//!   allocator is gone (see `release`). The slot is not free yet, and it keeps its arena alive:
//!   no one frees an arena while a slot of it is freeing.
//! - `R` (*retired*): the last holder found the allocator gone; it gives up the slot's share of
//!   the arena's keepalive next (see `orphan`). Never claimed again.
//! - `W`: a weak handle was made during this occupancy. While it is clear and the refcount is 1,
//!   the sole holder is the only thread that can touch the word, so its drop may free with a plain
//!   store instead of a read-modify-write.
//! - `generation`: bumped when the slot is claimed for a new occupant. A weak handle stores its
//!   occupant's generation; `upgrade` succeeds only on a word
//!   with that generation *and* a non-zero refcount, checked and incremented by one
//!   compare-exchange. Once the occupant's last handle is gone the refcount is 0 (upgrade fails),
//!   and once the slot is reused the generation differs (upgrade fails). The generation is bumped
//!   by the claim (which stores the whole word anyway), so a drop changes only the refcount and
//!   flags.
//!
//! Wrapping: a weak handle that outlived 2³² reuses of its slot would see its own generation again
//! and upgrade into an unrelated message (whose holder may rely on having no weak handle: that is
//! undefined behaviour, not a logic error). So a slot whose generation is `u32::MAX` is not claimed
//! while any weak handle into its arena exists (the arena's keepalive is above the allocator's 1;
//! see [`SlotState::wraps_on_claim`]). Every cycle of a slot's generation passes `u32::MAX → 0`, and a weak
//! handle made at generation `g` is still alive when its slot gets back to `u32::MAX`, so that
//! crossing never happens under it. The slot is merely skipped meanwhile (`LocalPools` treats it as
//! busy, `Pools` pops past it and puts it back); once no weak handle into the arena remains, it is
//! claimed again, at generation 0.

use crate::sync::{AtomicU64, Ordering};

/// A snapshot of a slot's state word. The bit layout above is known to this type alone: callers
/// ask it questions and build the next word with its methods.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct SlotState(u64);

impl SlotState {
    /// Bits of the refcount.
    const REFCOUNT_MASK: u64 = (1 << 29) - 1;
    /// `R`: the slot's last drop found its allocator gone.
    const RETIRED_FLAG: u64 = 1 << 29;
    /// `F`: the slot is taken (held, or its last drop is under way).
    const FREEING_FLAG: u64 = 1 << 30;
    /// `W`: a weak handle was made during the current occupancy.
    const WEAK_FLAG: u64 = 1 << 31;
    /// Refcount and flags: everything below the generation.
    const LOW_BITS: u64 = u32::MAX as u64;
    /// The low half of a word just claimed, as its sole holder keeps it: `F` and a refcount of 1.
    const SOLE_LOW: u64 = Self::FREEING_FLAG | 1;
    /// Clones beyond this abort the process (like `Arc`'s `isize::MAX` limit). Far below the
    /// refcount's width, so racing clones that each overshoot by one can never carry into `R`.
    const MAX_REFCOUNT: u64 = 1 << 27;

    /// The refcount.
    #[inline(always)]
    pub(crate) const fn refcount(self) -> u32 {
        (self.0 & Self::REFCOUNT_MASK) as u32
    }

    /// The generation: the number of occupants the slot has had, wrapping.
    #[inline(always)]
    pub(crate) const fn generation(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// Whether a weak handle was made during this occupancy (`W`).
    #[cfg(test)]
    #[inline(always)]
    pub(crate) const fn is_weak_flagged(self) -> bool {
        self.0 & Self::WEAK_FLAG != 0
    }

    /// Whether one more reference would pass the refcount limit (see [`refcount_overflow`]).
    #[inline(always)]
    pub(crate) const fn is_at_refcount_limit(self) -> bool {
        self.0 & Self::REFCOUNT_MASK >= Self::MAX_REFCOUNT
    }

    /// Whether a slot may be claimed by an allocation: refcount 0, not being freed, not retired (`W`
    /// may linger on a free word and is ignored).
    #[inline(always)]
    pub(crate) const fn is_free(self) -> bool {
        self.0 & (Self::REFCOUNT_MASK | Self::FREEING_FLAG | Self::RETIRED_FLAG) == 0
    }

    /// Whether the last holder's drop of this slot is still under way (`F`, not yet `R`).
    #[inline(always)]
    pub(crate) const fn is_freeing(self) -> bool {
        self.0 & (Self::REFCOUNT_MASK | Self::FREEING_FLAG | Self::RETIRED_FLAG)
            == Self::FREEING_FLAG
    }

    /// Whether a drop will still give up this slot's share of an orphaned arena's keepalive: the
    /// slot is held, or its last drop retired it (see `orphan`).
    #[inline(always)]
    pub(crate) const fn owes_keepalive(self) -> bool {
        self.refcount() != 0 || self.0 & Self::RETIRED_FLAG != 0
    }

    /// Whether the holder of the only reference may free with a plain store, and may write the
    /// payload: refcount 1, no weak handle this occupancy. Asked of a held word (`F` set, `R`
    /// clear), so one compare of the low half: `F` and a refcount of 1, nothing else.
    #[inline(always)]
    pub(crate) const fn is_sole_without_weak(self) -> bool {
        self.0 as u32 == Self::SOLE_LOW as u32
    }

    /// Whether claiming this free slot wraps its generation to 0: allowed only while no weak
    /// handle into the arena exists (see the module docs).
    #[inline(always)]
    pub(crate) const fn wraps_on_claim(self) -> bool {
        self.generation() == u32::MAX
    }

    /// The same word with one reference less; the refcount must not be 0.
    #[inline(always)]
    pub(crate) const fn with_one_less(self) -> SlotState {
        SlotState(self.0 - 1)
    }

    /// The same word with one reference more; the refcount must be below the limit.
    #[inline(always)]
    pub(crate) const fn with_one_more(self) -> SlotState {
        SlotState(self.0 + 1)
    }

    /// The free word of this slot: same generation, everything else clear.
    #[inline(always)]
    pub(crate) const fn freed(self) -> SlotState {
        SlotState(
            self.0
                & !(Self::REFCOUNT_MASK
                    | Self::WEAK_FLAG
                    | Self::FREEING_FLAG
                    | Self::RETIRED_FLAG),
        )
    }

    /// The word the last holder leaves while its drop is under way (see the module docs); the
    /// drops build it with [`sole_freeing`](Self::sole_freeing) or a decrement.
    #[cfg(test)]
    pub(crate) const fn freeing(self) -> SlotState {
        SlotState(self.freed().0 | Self::FREEING_FLAG)
    }

    /// The word a sole holder (refcount 1, `F`, no `W`, no `R`: see
    /// [`is_sole_without_weak`](Self::is_sole_without_weak)) leaves while its drop is under way
    /// (*freeing*: `F`, refcount 0), in one subtraction.
    #[inline(always)]
    pub(crate) const fn sole_freeing(self) -> SlotState {
        debug_assert!(self.0 & Self::LOW_BITS == Self::FREEING_FLAG | 1);
        SlotState(self.0 - 1)
    }

    /// [`freed`](Self::freed) of a sole holder's word (as for
    /// [`sole_freeing`](Self::sole_freeing)), in one subtraction.
    #[inline(always)]
    pub(crate) const fn sole_freed(self) -> SlotState {
        debug_assert!(self.0 & Self::LOW_BITS == Self::FREEING_FLAG | 1);
        SlotState(self.0 - (Self::FREEING_FLAG | 1))
    }

    /// The word of a slot whose last drop found the allocator gone.
    #[inline(always)]
    pub(crate) const fn retired(self) -> SlotState {
        SlotState(self.freed().0 | Self::FREEING_FLAG | Self::RETIRED_FLAG)
    }

    /// The word of this free slot once claimed by an allocation: next generation, refcount 1, no
    /// weak handle yet.
    #[inline(always)]
    pub(crate) const fn claimed(self) -> SlotState {
        SlotState(((self.generation().wrapping_add(1) as u64) << 32) | Self::FREEING_FLAG | 1)
    }

    /// [`claimed`](Self::claimed) for a free word whose generation does not wrap on this claim
    /// (the claim's fast path: one test and one add with its carry); `None` for any other word
    /// (not free, or [`wraps_on_claim`](Self::wraps_on_claim)).
    #[inline(always)]
    pub(crate) const fn claimed_unless_wrapping(self) -> Option<SlotState> {
        if !self.is_free() {
            return None;
        }
        // The low half all ones, plus one: the next generation above zeros, or 0 exactly when
        // the generation was `u32::MAX`.
        let next_generation = (self.0 | u32::MAX as u64).wrapping_add(1);
        if next_generation == 0 {
            return None;
        }
        Some(SlotState(next_generation | Self::FREEING_FLAG | 1))
    }
}

/// A slot's state word in arena memory. Zeroed memory is a valid word: free, generation 0.
#[repr(transparent)]
pub(crate) struct StateWord(AtomicU64);

impl StateWord {
    /// A free word at generation 0 (loom's arenas build their words; others map zeroed memory).
    #[cfg(loom)]
    pub(crate) fn new() -> StateWord {
        StateWord(AtomicU64::new(0))
    }

    #[inline(always)]
    pub(crate) fn load(&self, order: Ordering) -> SlotState {
        SlotState(self.0.load(order))
    }

    #[inline(always)]
    pub(crate) fn store(&self, state: SlotState, order: Ordering) {
        self.0.store(state.0, order);
    }

    #[inline(always)]
    pub(crate) fn compare_exchange_weak(
        &self,
        current: SlotState,
        new: SlotState,
        success: Ordering,
        failure: Ordering,
    ) -> Result<SlotState, SlotState> {
        self.0
            .compare_exchange_weak(current.0, new.0, success, failure)
            .map(SlotState)
            .map_err(SlotState)
    }

    /// Removes one reference; returns the word before. The last one leaves the word freeing.
    #[inline(always)]
    pub(crate) fn remove_reference(&self, order: Ordering) -> SlotState {
        SlotState(self.0.fetch_sub(1, order))
    }

    /// Adds one reference; returns the word before.
    #[inline(always)]
    pub(crate) fn add_reference(&self, order: Ordering) -> SlotState {
        SlotState(self.0.fetch_add(1, order))
    }

    /// Sets `W`; returns the word before.
    #[inline(always)]
    pub(crate) fn flag_weak(&self, order: Ordering) -> SlotState {
        SlotState(self.0.fetch_or(SlotState::WEAK_FLAG, order))
    }

    /// Test support: raises the refcount to its limit (the next reference aborts).
    #[cfg(feature = "test-hooks")]
    pub(crate) fn saturate_for_tests(&self) {
        // Relaxed: a test-only count change with no data attached.
        let current = u64::from(self.load(Ordering::Relaxed).refcount());
        self.0
            .fetch_add(SlotState::MAX_REFCOUNT - current, Ordering::Relaxed);
    }

    /// Test support: replaces the generation, keeping the rest of the word.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn set_generation_for_tests(&self, generation: u32) {
        // Relaxed: a test-only change of the generation bits; the CAS keeps racing refcount
        // changes (clones, drops of other handles) intact.
        let mut current = self.0.load(Ordering::Relaxed);
        loop {
            let next = (u64::from(generation) << 32) | (current & 0xFFFF_FFFF);
            match self
                .0
                .compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }
}

/// Aborts the process: a refcount past the limit (2²⁷) means leaked clones by the hundred
/// million, and going on would wrap the count and free a live slot.
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
    use super::SlotState;

    const WEAK: u64 = SlotState::WEAK_FLAG;

    #[test]
    fn freed_keeps_generation_and_clears_everything_else() {
        let s = SlotState((7u64 << 32) | 1);
        assert_eq!(s.freed().generation(), 7);
        assert_eq!(s.freed().refcount(), 0);
        assert!(!SlotState(s.0 | WEAK).freed().is_weak_flagged());
    }

    #[test]
    fn freeing_and_retired_words_are_not_free() {
        let s = SlotState((7u64 << 32) | 1);
        assert!(
            !s.freeing().is_free() && s.freeing().is_freeing() && !s.freeing().owes_keepalive()
        );
        assert!(
            !s.retired().is_free() && !s.retired().is_freeing() && s.retired().owes_keepalive()
        );
        assert!(s.retired().freed().is_free() && s.retired().freed().generation() == 7);
        assert!(s.owes_keepalive() && !s.is_free());
    }

    #[test]
    fn claimed_bumps_generation_sets_refcount_one() {
        let free = SlotState((9u64 << 32) | WEAK);
        assert_eq!(
            free.claimed(),
            SlotState((10u64 << 32) | SlotState::FREEING_FLAG | 1)
        );
        assert!(!free.claimed().is_free() && !free.claimed().is_freeing());
        assert!(
            free.claimed().with_one_less().is_freeing(),
            "the last decrement leaves it freeing"
        );
        assert_eq!(free.claimed().with_one_less(), free.claimed().freeing());
        assert_eq!(free.claimed().sole_freeing(), free.claimed().freeing());
        assert_eq!(free.claimed().sole_freed(), free.claimed().freed());
        assert_eq!(free.claimed_unless_wrapping(), Some(free.claimed()));
        assert_eq!(SlotState(u64::MAX << 32).claimed_unless_wrapping(), None);
        assert_eq!(free.claimed().claimed_unless_wrapping(), None);
        assert_eq!(
            SlotState(u64::MAX << 32).claimed().generation(),
            0,
            "generation wraps"
        );
        assert!(free.claimed().is_sole_without_weak());
        assert!(!SlotState(free.claimed().0 | WEAK).is_sole_without_weak());
        assert!(!free.claimed().with_one_more().is_sole_without_weak());
        assert_eq!(
            free.claimed().with_one_more().with_one_less(),
            free.claimed()
        );
    }

    #[test]
    fn refcount_limit_is_below_the_flags() {
        let at_limit = SlotState(SlotState::MAX_REFCOUNT);
        assert!(at_limit.is_at_refcount_limit() && !SlotState(1).is_at_refcount_limit());
        assert!(
            !at_limit.with_one_more().is_freeing() && at_limit.with_one_more().owes_keepalive()
        );
    }
}
