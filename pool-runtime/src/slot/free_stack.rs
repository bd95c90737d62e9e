//! The lock-free free list of a `Pools` arena: a Treiber stack of slot indices whose head carries a
//! 40-bit tag bumped by every pop, so a pop that read a head and its successor, was preempted while
//! others popped and pushed the same head back, fails its compare-exchange instead of installing a
//! stale successor (ABA). Any interleaving that brings the same index back to the top includes at
//! least one pop, so bumping on pops alone suffices; the tag then doubles as the allocation
//! counter (modulo 2⁴⁰), sparing the allocation path a separate atomic increment.

use crossbeam_utils::CachePadded;

use super::counted_index::{NIL, count_of as tag_of, index_of as top_of, pack};
use crate::sync::{AtomicU32, AtomicU64, Ordering};

/// A stack of slot indices `< capacity`, each present at most once.
pub(crate) struct FreeStack {
    /// `tag:40 | top index:24` (`NIL` when empty); the tag counts pops.
    head: CachePadded<AtomicU64>,
    /// `links[i]`: the index below `i` while `i` is on the stack. Atomic because a pop may read the
    /// link of a node another thread has just popped and is pushing again (the tag then rejects
    /// what it read).
    links: Box<[AtomicU32]>,
    /// loom negative control: a stack whose tag never changes, which the model must catch.
    #[cfg(loom)]
    untagged: bool,
}

impl FreeStack {
    /// A stack holding `0..capacity`, `0` on top.
    pub(crate) fn full(capacity: u32) -> Self {
        FreeStack {
            head: CachePadded::new(AtomicU64::new(pack(0, if capacity == 0 { NIL } else { 0 }))),
            links: (0..capacity)
                .map(|i| AtomicU32::new(if i + 1 == capacity { NIL } else { i + 1 }))
                .collect(),
            #[cfg(loom)]
            untagged: false,
        }
    }

    /// A stack with no room (arenas that do not use one).
    pub(crate) fn empty() -> Self {
        Self::full(0)
    }

    /// loom negative control: the same stack without ABA protection.
    #[cfg(all(loom, test))]
    pub(crate) fn full_untagged_for_negative_control(capacity: u32) -> Self {
        FreeStack {
            untagged: true,
            ..Self::full(capacity)
        }
    }

    /// The tag a pop installs.
    #[inline(always)]
    fn popped_tag(&self, head: u64) -> u64 {
        #[cfg(loom)]
        if self.untagged {
            return tag_of(head);
        }
        tag_of(head).wrapping_add(1)
    }

    /// The number of successful pops so far (modulo 2⁴⁰).
    pub(crate) fn pops(&self) -> u64 {
        // Relaxed: a statistic.
        tag_of(self.head.load(Ordering::Relaxed))
    }

    /// Takes the top index, or `None` when the stack is empty.
    #[inline]
    pub(crate) fn pop(&self) -> Option<u32> {
        // Acquire: see the link the pusher of this head wrote before its Release CAS.
        let mut head = self.head.load(Ordering::Acquire);
        loop {
            let top = top_of(head);
            if top == NIL {
                return None;
            }
            // Relaxed: ordered by the Acquire load of `head`; if another thread popped and pushed
            // `top` in between, the value may be stale, but then the tag differs and the CAS fails.
            let below = self.links[top as usize].load(Ordering::Relaxed);
            let new_head = pack(self.popped_tag(head), below);
            // Success Acquire: the slot's previous drop (which pushed it) happens before our use.
            // Failure Acquire: we read a new head's link next.
            match self.head.compare_exchange_weak(
                head,
                new_head,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(top),
                Err(actual) => head = actual,
            }
        }
    }

    /// Puts `index` (not on the stack) on top.
    #[inline]
    pub(crate) fn push(&self, index: u32) {
        // Relaxed: the CAS below validates the head we link to.
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            // Relaxed: published by the Release CAS that makes `index` the head.
            self.links[index as usize].store(top_of(head), Ordering::Relaxed);
            let new_head = pack(tag_of(head), index);
            // Release: the link above, and the slot's freeing (state word, payload reads), happen
            // before any pop that takes `index`.
            match self.head.compare_exchange_weak(
                head,
                new_head,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => head = actual,
            }
        }
    }

    /// The number of indices on the stack, walking from the top. Exact only while no pop runs
    /// (pushes may: they only add above the head this walk started from). At most `limit` steps.
    pub(crate) fn count_without_pops(&self, limit: usize) -> usize {
        // Acquire: pairs with the pushes' Release CAS, making their links (and their slot's
        // freeing) visible.
        let mut at = top_of(self.head.load(Ordering::Acquire));
        let mut count = 0;
        while at != NIL && count <= limit {
            count += 1;
            at = self.links[at as usize].load(Ordering::Relaxed);
        }
        count
    }
}
