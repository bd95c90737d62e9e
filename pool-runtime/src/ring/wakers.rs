//! The wakers of a ring side's async waiters: one [`AtomicWaker`] slot per waiter, claimed once
//! (when the reader or writer first waits) and re-registered without allocating on every wait.
//!
//! Slots live in segments of doubling size (8, 16, 32, ... slots), allocated the first time a
//! waiter finds every existing slot taken and freed only with the table, so a slot's address
//! never changes and a notifier walks them without a lock.
//!
//! Under loom a slot's `taken` flag is a loom atomic and its waker loom's `AtomicWaker` (a lock
//! around an `Option<Waker>`, which gives the same ordering between a register and a wake as
//! futures' compare-exchanges), so the models of async waiting see both; the segment pointers
//! stay plain atomics (a model never needs a second segment).

use core::ptr;
use core::sync::atomic::AtomicPtr;
use core::task::Waker;

#[cfg(not(loom))]
use futures_util::task::AtomicWaker;
#[cfg(loom)]
use loom::future::AtomicWaker;

use crate::sync::{AtomicBool, Ordering};

/// Slots in segment 0; segment `k` has `FIRST_SEGMENT << k`.
const FIRST_SEGMENT: usize = 8;
/// 8 · (2^32 − 1) slots in all: more waiters than any process can hold, so a claim always
/// finds a slot.
const SEGMENTS: usize = 32;

/// A claimed slot: segment and index.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WakerSlot {
    segment: usize,
    index: usize,
}

struct Slot {
    /// Whether a waiter owns this slot.
    taken: AtomicBool,
    waker: AtomicWaker,
}

/// The waker slots of one [`EventCount`](super::event_count::EventCount).
pub(crate) struct WakerTable {
    /// Segment `k` points to a leaked `Box<[Slot]>` of `FIRST_SEGMENT << k` slots, or is null.
    /// Set once (compare-exchange from null), freed in `Drop`.
    segments: [AtomicPtr<Slot>; SEGMENTS],
}

fn segment_len(segment: usize) -> usize {
    FIRST_SEGMENT << segment
}

impl WakerTable {
    pub(crate) fn new() -> Self {
        Self {
            segments: [const { AtomicPtr::new(ptr::null_mut()) }; SEGMENTS],
        }
    }

    /// The slots of `segment`, or `None` if it was never allocated.
    fn segment(&self, segment: usize) -> Option<&[Slot]> {
        // Acquire: pairs with the AcqRel compare-exchange that installed the segment, so its
        // initialised slots are visible.
        let first = self.segments[segment].load(Ordering::Acquire);
        if first.is_null() {
            return None;
        }
        // SAFETY: a non-null entry points to a leaked boxed slice of exactly
        // `segment_len(segment)` initialised slots, freed only by `Drop` (which has `&mut self`,
        // so no borrow from `&self` outlives it).
        Some(unsafe { &*ptr::slice_from_raw_parts(first, segment_len(segment)) })
    }

    /// Takes a free slot, allocating a segment if every slot is taken (once per waiter, never
    /// per message).
    pub(crate) fn claim(&self) -> WakerSlot {
        for segment in 0..SEGMENTS {
            let slots = match self.segment(segment) {
                Some(slots) => slots,
                None => self.install(segment),
            };
            for (index, slot) in slots.iter().enumerate() {
                // Acquire: pairs with the Release in `release`, after its last use of the slot.
                if slot
                    .taken
                    .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    return WakerSlot { segment, index };
                }
            }
        }
        unreachable!("more async waiters than 8 * (2^32 - 1) on one ring side")
    }

    /// Allocates segment `segment` (or uses the one another thread installed first).
    #[cold]
    fn install(&self, segment: usize) -> &[Slot] {
        let fresh: Box<[Slot]> = (0..segment_len(segment))
            .map(|_| Slot {
                taken: AtomicBool::new(false),
                waker: AtomicWaker::new(),
            })
            .collect();
        let fresh = Box::into_raw(fresh).cast::<Slot>();
        // AcqRel: Release publishes the initialised slots; Acquire on failure sees the
        // winner's.
        if let Err(_winner) = self.segments[segment].compare_exchange(
            ptr::null_mut(),
            fresh,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            // SAFETY: `fresh` came from `Box::into_raw` of a slice of this length above and was
            // never shared (the compare-exchange failed).
            drop(unsafe {
                Box::from_raw(ptr::slice_from_raw_parts_mut(fresh, segment_len(segment)))
            });
        }
        self.segment(segment)
            .expect("segment installed by us or by the winner")
    }

    fn slot(&self, slot: WakerSlot) -> &Slot {
        let slots = self
            .segment(slot.segment)
            .expect("a claimed slot's segment is installed");
        &slots[slot.index]
    }

    /// Makes `waker` the one woken for `slot` (no allocation: a clone only if it changed).
    pub(crate) fn register(&self, slot: WakerSlot, waker: &Waker) {
        #[cfg(not(loom))]
        self.slot(slot).waker.register(waker);
        #[cfg(loom)]
        self.slot(slot).waker.register_by_ref(waker);
    }

    /// Takes the waker out of `slot`, so a notify wakes nothing there until its owner registers
    /// again.
    pub(crate) fn unregister(&self, slot: WakerSlot) {
        #[cfg(not(loom))]
        drop(self.slot(slot).waker.take());
        #[cfg(loom)]
        drop(self.slot(slot).waker.take_waker());
    }

    /// Gives `slot` back (its owner is dropped).
    pub(crate) fn release(&self, slot: WakerSlot) {
        self.unregister(slot);
        let slot = self.slot(slot);
        // Release: our last use of the slot happens-before the next claimer's.
        slot.taken.store(false, Ordering::Release);
    }

    /// Wakes every registered waker.
    pub(crate) fn wake_all(&self) {
        for segment in 0..SEGMENTS {
            let Some(slots) = self.segment(segment) else {
                return;
            };
            for slot in slots {
                // Relaxed: a waiter claims its slot before it counts itself in (Release), and
                // the notifier read that count with Acquire before calling us, so a counted
                // waiter's slot reads as taken here; one that was not counted yet re-checks
                // after counting (event count protocol). A free slot holds no waker.
                if slot.taken.load(Ordering::Relaxed) {
                    slot.waker.wake();
                }
            }
        }
    }
}

impl Drop for WakerTable {
    fn drop(&mut self) {
        for (segment, first) in self.segments.iter_mut().enumerate() {
            let first = *first.get_mut();
            if !first.is_null() {
                // SAFETY: installed from `Box::into_raw` of a slice of this length, and `&mut
                // self` means no slot is borrowed any more.
                drop(unsafe {
                    Box::from_raw(ptr::slice_from_raw_parts_mut(first, segment_len(segment)))
                });
            }
        }
    }
}
