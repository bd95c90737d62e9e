//! The slot array of a [`Backpressure`](super::Backpressure) ring: items stored in place, in one
//! allocation aligned to a cache line.
//!
//! # Memory layout
//!
//! ```text
//! base (64-byte aligned)
//! | slot 0: T | slot 1: T | ... | slot capacity-1: T |
//!   item seq s lives in slot (s & mask); it is initialised from its store until the writer
//!   drops it (once every reader is past it; items without drop glue are simply overwritten
//!   by seq s + capacity).
//! ```
//!
//! This type only owns memory; which slot may be touched by whom is decided by the cursor
//! protocol in the writer and reader, whose callers uphold the `# Safety` contracts below.

use core::alloc::Layout;
use core::mem::MaybeUninit;
use core::ptr::NonNull;

use crate::sync::UnsafeCell;

use super::error::CapacityError;

/// The alignment of the slot array: one cache line.
const CACHE_LINE: usize = 64;

type Cell<T> = UnsafeCell<MaybeUninit<T>>;

/// `capacity` cells of `MaybeUninit<T>` in a cache-aligned allocation.
///
/// Invariant: `base` points to `len` initialised `Cell<T>`s (the cells, not necessarily the
/// `T`s inside), allocated with `layout` (or dangling when `layout.size() == 0`); `len` is a
/// power of two.
pub(crate) struct InPlaceSlots<T> {
    base: NonNull<Cell<T>>,
    len: usize,
    layout: Layout,
}

// SAFETY: the slots own `T`s that the writer moves in and that are dropped on whichever thread
// drops the ring, so moving the array across threads needs `T: Send`.
unsafe impl<T: Send> Send for InPlaceSlots<T> {}
// SAFETY: through `&InPlaceSlots` the writer moves `T`s in (needs `T: Send`) and several readers
// read the same `&T` at once (needs `T: Sync`); the cursor protocol keeps those apart in time.
unsafe impl<T: Send + Sync> Sync for InPlaceSlots<T> {}

impl<T> InPlaceSlots<T> {
    /// An empty array (used by policies that store items elsewhere).
    pub(crate) fn empty() -> Self {
        Self {
            base: NonNull::dangling(),
            len: 0,
            layout: Layout::new::<()>(),
        }
    }

    /// `len` uninitialised slots; `len` must be a power of two (checked by the caller).
    pub(crate) fn new(len: usize) -> Result<Self, CapacityError> {
        debug_assert!(len.is_power_of_two());
        let too_large = CapacityError::TooLarge { requested: len };
        let layout = Layout::array::<Cell<T>>(len)
            .and_then(|layout| layout.align_to(CACHE_LINE))
            .map_err(|_| too_large)?;
        let base = if layout.size() == 0 {
            NonNull::dangling()
        } else {
            // SAFETY: `layout` has a non-zero size (checked just above).
            let raw = unsafe { std::alloc::alloc(layout) }.cast::<Cell<T>>();
            match NonNull::new(raw) {
                Some(base) => base,
                None => std::alloc::handle_alloc_error(layout),
            }
        };
        for index in 0..len {
            // SAFETY: `index < len`, inside the allocation of `len` cells (or a ZST write to a
            // dangling, well-aligned pointer, which is allowed).
            unsafe {
                base.as_ptr()
                    .add(index)
                    .write(UnsafeCell::new(MaybeUninit::uninit()))
            };
        }
        Ok(Self { base, len, layout })
    }

    #[inline]
    fn cell(&self, seq: u64) -> &Cell<T> {
        let index = (seq as usize) & (self.len - 1);
        // SAFETY: `index < len` by the mask (len is a power of two), and the cells are
        // initialised for the lifetime of `self` (type invariant).
        unsafe { &*self.base.as_ptr().add(index) }
    }

    /// Stores `item` as sequence `seq`.
    ///
    /// # Safety
    ///
    /// The caller is the ring's only writer and no reader may access slot `seq & mask` until
    /// `seq` is published (every reader's cursor is past `seq - capacity`). The slot holds no
    /// item that still needs dropping (it is overwritten without being dropped).
    #[inline]
    pub(crate) unsafe fn write(&self, seq: u64, item: T) {
        self.cell(seq).with_mut(|slot| {
            // SAFETY: exclusive access and nothing to drop in the slot (caller's contract).
            unsafe { (*slot).write(item) };
        })
    }

    /// A cursor on the slot of sequence `seq`, for a caller that walks consecutive sequences
    /// (a writer filling a claim, a reader taking a batch): each step is a pointer increment
    /// with a wrap at the end of the array, where indexing through the ring would reload the
    /// array's base and length and mask the sequence on every item (the compiler cannot prove
    /// that a slot's store or the caller's code leaves them alone).
    #[inline]
    pub(crate) fn cursor_at(&self, seq: u64) -> SlotCursor<T> {
        // The empty array (len 0) hands out a cursor nobody reads or writes through.
        let index = if self.len == 0 {
            0
        } else {
            (seq as usize) & (self.len - 1)
        };
        // SAFETY: `index < len` (or 0 for the empty array) and `len` cells from `base` lie in
        // one allocation (type invariant), so both offsets stay within it or one past its end.
        let (at, end) = unsafe { (self.base.add(index), self.base.add(self.len)) };
        SlotCursor {
            at,
            base: self.base,
            end,
        }
    }

    /// Runs `read` on the item stored as sequence `seq`.
    ///
    /// # Safety
    ///
    /// `seq` is published (so the slot is initialised with it) and the writer cannot overwrite
    /// it while `read` runs: the caller's cursor is registered and at or below `seq`.
    #[inline]
    pub(crate) unsafe fn read_with<R>(&self, seq: u64, read: impl FnOnce(&T) -> R) -> R {
        self.cell(seq).with(|slot| {
            // SAFETY: initialised and not written concurrently (caller's contract); shared
            // references from several readers at once are fine because `T: Sync` is required
            // for readers to live on other threads (see the `Sync` impl).
            read(unsafe { (*slot).assume_init_ref() })
        })
    }

    /// Drops the item stored as sequence `seq`.
    ///
    /// # Safety
    ///
    /// The slot holds an initialised item nobody else can access, and it is not used again
    /// as initialised afterwards.
    pub(crate) unsafe fn drop_item(&self, seq: u64) {
        self.cell(seq).with_mut(|slot| {
            // SAFETY: initialised and exclusively ours (caller's contract).
            unsafe { (*slot).assume_init_drop() }
        });
    }
}

/// A position in an [`InPlaceSlots`] array that steps to the next slot, wrapping at the end
/// (see [`InPlaceSlots::cursor_at`]).
///
/// Invariant: copied from a live `InPlaceSlots` whose cells are `base..end`; `at` is in
/// `base..end` unless the array is empty (then all three are equal). Valid to read and write
/// through while that array lives.
pub(crate) struct SlotCursor<T> {
    at: NonNull<Cell<T>>,
    base: NonNull<Cell<T>>,
    end: NonNull<Cell<T>>,
}

// SAFETY: a cursor gives the access `InPlaceSlots` does (moving `T`s in, lending `&T`s out), so
// it is sendable and shareable exactly when the array is (see the impls on `InPlaceSlots`).
unsafe impl<T: Send> Send for SlotCursor<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for SlotCursor<T> {}

impl<T> SlotCursor<T> {
    /// Moves to the next slot, back to the first one after the last.
    #[inline(always)]
    fn step(&mut self) {
        // SAFETY: `at < end` (the caller of `write_next` / `next_ptr` guarantees a non-empty
        // array, and `at` is in `base..end` by the invariant), so `at + 1 <= end` stays within
        // the allocation or one past it; for a zero-sized `T` the address does not move.
        let next = unsafe { self.at.add(1) };
        self.at = if next == self.end { self.base } else { next };
    }

    /// Stores `item` in the slot under the cursor and steps to the next one.
    ///
    /// # Safety
    ///
    /// The array is alive and not empty, and the slot under the cursor may be written as
    /// [`InPlaceSlots::write`] requires for its sequence.
    #[inline(always)]
    pub(crate) unsafe fn write_next(&mut self, item: T) {
        // SAFETY: the array is alive and not empty (caller), so `at` points to one of its
        // initialised cells (invariant).
        let cell = unsafe { self.at.as_ref() };
        cell.with_mut(|slot| {
            // SAFETY: exclusive access; the slot holds nothing that needs dropping (caller).
            unsafe { (*slot).write(item) };
        });
        self.step();
    }

    /// A pointer to the item in the slot under the cursor; steps to the next slot.
    ///
    /// # Safety
    ///
    /// The array is alive and not empty, and the slot under the cursor holds an item the
    /// caller may read (as [`InPlaceSlots::read_with`] requires for its sequence). The pointer
    /// may be dereferenced for as long as that stays true.
    #[inline(always)]
    pub(crate) unsafe fn next_ptr(&mut self) -> *const T {
        // SAFETY: the array is alive and not empty (caller), so `at` points to one of its
        // initialised cells (invariant).
        let cell = unsafe { self.at.as_ref() };
        // `MaybeUninit<T>` has `T`'s layout; the item is initialised (caller).
        let item = cell.with(|slot| slot.cast::<T>());
        self.step();
        item
    }
}

impl<T> Drop for InPlaceSlots<T> {
    fn drop(&mut self) {
        for index in 0..self.len {
            // SAFETY: each cell is initialised (type invariant) and dropped once here; this
            // drops the cell wrapper only — `MaybeUninit` never drops a `T` (the ring drops
            // the live items before the slots go).
            unsafe { core::ptr::drop_in_place(self.base.as_ptr().add(index)) };
        }
        if self.layout.size() != 0 {
            // SAFETY: allocated in `new` with exactly this layout, not freed before.
            unsafe { std::alloc::dealloc(self.base.as_ptr().cast(), self.layout) };
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::ring::Ring;

    /// A claim and a batch that run past the last slot continue at the first one.
    #[test]
    fn claims_and_batches_wrap_around_the_end_of_the_slots() {
        let ring = Ring::<String>::with_capacity(4).unwrap();
        let mut writer = ring.writer().unwrap();
        let mut reader = ring.subscribe().unwrap();
        for round in 0..3 {
            // Starts at slot 3, 2 and 1 in turn: each claim of 4 wraps.
            let start = 3 * round + 3;
            for seq in start - 3..start {
                writer.push(seq.to_string());
            }
            assert_eq!(reader.read_batch().count(), 3);
            let mut claim = writer.claim(4).unwrap();
            for seq in start..start + 4 {
                claim.push(seq.to_string()).unwrap();
            }
            assert_eq!(
                claim.push("extra".into()),
                Err(crate::ring::Full("extra".into()))
            );
            claim.commit();
            let mut batch = reader.read_batch();
            for seq in start..start + 4 {
                assert_eq!(batch.next_ref(), Some(&seq.to_string()));
            }
            assert_eq!(batch.next_ref(), None);
        }
    }

    /// Zero-sized items: the cursor never moves, and every push and read still counts.
    #[test]
    fn claims_and_batches_of_zero_sized_items() {
        let ring = Ring::<()>::with_capacity(2).unwrap();
        let mut writer = ring.writer().unwrap();
        let mut reader = ring.subscribe().unwrap();
        for _ in 0..3 {
            let mut claim = writer.claim(2).unwrap();
            claim.push(()).unwrap();
            claim.push(()).unwrap();
            claim.commit();
            assert_eq!(reader.read_batch().count(), 2);
        }
        assert_eq!(writer.published(), 6);
        assert_eq!(reader.position(), 6);
    }
}
