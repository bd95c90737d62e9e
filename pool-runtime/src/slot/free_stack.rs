//! The lock-free free list of a `Pools` arena: a Treiber stack of slot indices whose head carries a
//! 40-bit tag bumped by every pop, so a pop that read a head and its successor, was preempted while
//! others popped and pushed the same head back, fails its compare-exchange instead of installing a
//! stale successor (ABA). Any interleaving that brings the same index back to the top includes at
//! least one pop, so bumping on pops alone suffices; the tag then doubles as the allocation
//! counter (modulo 2⁴⁰), sparing the allocation path a separate atomic increment.
//!
//! The tag's bound, in numbers: a stale compare-exchange succeeds only if, between its popper's
//! read of the head and its compare-exchange, other threads complete exactly a multiple of
//! 2⁴⁰ ≈ 1.1 × 10¹² pops *and* leave the same index on top. Even at 10⁹ pops per second that is 18
//! minutes during which one popper stays preempted between its load of the head and its
//! compare-exchange, ending after a pop count that is an exact multiple of 2⁴⁰.
//!
//! The stack starts empty: slots never handed out are taken from the arena's fresh counter
//! (`Arena::take_fresh`), so the links of untouched slots are never written.

use core::ptr::NonNull;

use crossbeam_utils::CachePadded;

use super::counted_index::{NIL, count_of as tag_of, index_of as top_of, pack};
use crate::sync::{AtomicU32, AtomicU64, Ordering};

/// A stack of slot indices `< capacity`, each present at most once.
pub(crate) struct FreeStack {
    /// `tag:40 | top index:24` (`NIL` when empty); the tag counts pops.
    head: CachePadded<AtomicU64>,
    /// `links[i]`: the index below `i` while `i` is on the stack. Atomic because a pop may read the
    /// link of a node another thread has just popped and is pushing again (the tag then rejects
    /// what it read). In the arena's region (see `Arena`); a `Box` under loom.
    #[cfg(not(loom))]
    links: *const AtomicU32,
    #[cfg(loom)]
    links: Box<[AtomicU32]>,
    #[cfg(debug_assertions)]
    capacity: u32,
    /// loom negative control: a stack whose tag never changes, which the model must catch.
    #[cfg(loom)]
    untagged: bool,
}

impl FreeStack {
    /// An empty stack for indices `< capacity`, linking through the `capacity` atomics at `links`.
    ///
    /// # Safety
    ///
    /// `links` points to `capacity` `AtomicU32`s that outlive the stack and that nothing else uses.
    pub(crate) unsafe fn new(links: NonNull<AtomicU32>, capacity: u32) -> Self {
        #[cfg(loom)]
        let _ = links;
        #[cfg(not(any(loom, debug_assertions)))]
        let _ = capacity;
        FreeStack {
            head: CachePadded::new(AtomicU64::new(pack(0, NIL))),
            #[cfg(not(loom))]
            links: links.as_ptr(),
            #[cfg(loom)]
            links: (0..capacity).map(|_| AtomicU32::new(NIL)).collect(),
            #[cfg(debug_assertions)]
            capacity,
            #[cfg(loom)]
            untagged: false,
        }
    }

    /// A stack with no room (arenas that do not use one).
    pub(crate) fn none() -> Self {
        // SAFETY: zero links: nothing is ever read through the dangling pointer.
        unsafe { Self::new(NonNull::dangling(), 0) }
    }

    /// loom: a stack holding `0..capacity`, `0` on top, with its own links.
    #[cfg(all(loom, test))]
    pub(crate) fn full_for_model(capacity: u32, untagged: bool) -> Self {
        // SAFETY: under loom the links are the stack's own `Box`; the pointer is unused.
        let stack = unsafe { Self::new(NonNull::dangling(), capacity) };
        for index in (0..capacity).rev() {
            stack.push(index);
        }
        FreeStack { untagged, ..stack }
    }

    /// The link of `index`.
    #[inline(always)]
    fn link(&self, index: u32) -> &AtomicU32 {
        #[cfg(debug_assertions)]
        debug_assert!(index < self.capacity);
        #[cfg(not(loom))]
        // SAFETY: every index on the stack or pushed is `< capacity` (the arena's), and the links
        // outlive the stack (`new`'s contract).
        return unsafe { &*self.links.add(index as usize) };
        #[cfg(loom)]
        &self.links[index as usize]
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
            let below = self.link(top).load(Ordering::Relaxed);
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

    /// Takes up to `out.len()` indices from the top at once, into `out` (the top first); returns
    /// how many (0 when the stack is empty). One compare-exchange, which bumps the tag once: the
    /// tag then counts one pop (the caller claims the first index and keeps the rest).
    ///
    /// The walk down the links is checked by that compare-exchange: a head still equal, tag
    /// included, to the one the walk began at means no pop happened since, so no link below it
    /// changed (a link is written only by the push of a node not on the stack). Any other push or
    /// pop in the meantime fails it, so after a failure it takes one index only, as [`pop`] does:
    /// threads pushing all the time cannot starve the caller by moving the head during a walk.
    ///
    /// [`pop`]: FreeStack::pop
    #[inline]
    pub(crate) fn pop_many(&self, out: &mut [u32]) -> usize {
        let mut limit = out.len();
        // Acquire: see the links their pushers wrote before their Release CASes (every later
        // change of `head` is a read-modify-write, so each of those pushes is seen).
        let mut head = self.head.load(Ordering::Acquire);
        loop {
            let mut below = top_of(head);
            let mut taken = 0;
            while taken < limit && below != NIL {
                out[taken] = below;
                taken += 1;
                // Relaxed: ordered by the Acquire read of `head`; a stale value (the node was
                // popped and pushed again meanwhile) fails the CAS below.
                below = self.link(below).load(Ordering::Relaxed);
            }
            if taken == 0 {
                return 0;
            }
            let new_head = pack(self.popped_tag(head), below);
            // AcqRel. Acquire: the slots' previous drops (which pushed them) happen before our
            // use. Release: a `Pools` owner takes slots for its magazine inside its *busy* window,
            // and a thread that reads the head we leave sees that window (see `stash`).
            // Failure Acquire: we read a new head's links next.
            match self.head.compare_exchange_weak(
                head,
                new_head,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return taken,
                Err(actual) => {
                    head = actual;
                    limit = limit.min(1);
                }
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
            self.link(index).store(top_of(head), Ordering::Relaxed);
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
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn pop_many_takes_from_the_top_and_counts_one_pop() {
        let links: Vec<AtomicU32> = (0..8).map(|_| AtomicU32::new(0)).collect();
        // SAFETY: eight links that outlive the stack, used by nothing else.
        let stack = unsafe { FreeStack::new(NonNull::from(&links[0]), 8) };
        for index in 0..5 {
            stack.push(index);
        }
        let mut out = [0; 3];
        assert_eq!(stack.pop_many(&mut out), 3);
        assert_eq!(out, [4, 3, 2]);
        assert_eq!(stack.pops(), 1, "one pop for the batch");
        let mut rest = [0; 8];
        assert_eq!(stack.pop_many(&mut rest), 2);
        assert_eq!(rest[..2], [1, 0]);
        assert_eq!(stack.pop_many(&mut rest), 0, "empty");
        assert_eq!(stack.pop(), None);
    }
}
