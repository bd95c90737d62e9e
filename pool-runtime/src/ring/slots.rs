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
        // SAFETY: the caller's contract is this function's.
        unsafe { self.view().write(seq, item) }
    }

    /// The array's base and mask by value, for a writer filling a claim: a caller that keeps
    /// the copy in a local computes each slot's address from registers, where reading them
    /// through the ring on every item reloads both after each item's store (which the compiler
    /// cannot prove leaves them alone).
    #[inline]
    pub(crate) fn view(&self) -> SlotsView<T> {
        SlotsView {
            base: self.base,
            // Wrapping: the empty array (len 0) hands out a view nobody writes through.
            mask: self.len.wrapping_sub(1),
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

/// A copy of an [`InPlaceSlots`]' base and mask (see [`InPlaceSlots::view`]).
///
/// Invariant: copied from a live `InPlaceSlots`; valid to write through while it lives.
pub(crate) struct SlotsView<T> {
    base: NonNull<Cell<T>>,
    mask: usize,
}

// SAFETY: a view gives the access `InPlaceSlots` does (moving `T`s in), so it is sendable and
// shareable exactly when the array is (see the impls on `InPlaceSlots`).
unsafe impl<T: Send> Send for SlotsView<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for SlotsView<T> {}

impl<T> Clone for SlotsView<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for SlotsView<T> {}

impl<T> SlotsView<T> {
    /// Stores `item` as sequence `seq`.
    ///
    /// # Safety
    ///
    /// As [`InPlaceSlots::write`], and the `InPlaceSlots` this view was taken from is alive and
    /// not empty.
    #[inline]
    pub(crate) unsafe fn write(self, seq: u64, item: T) {
        let index = (seq as usize) & self.mask;
        // SAFETY: the array is alive and not empty (caller), so `base` points to `mask + 1`
        // initialised cells (its invariant) and `index <= mask` by the mask.
        let cell = unsafe { &*self.base.as_ptr().add(index) };
        cell.with_mut(|slot| {
            // SAFETY: exclusive access (caller); the slot holds nothing that needs dropping.
            unsafe { (*slot).write(item) };
        })
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
