//! The slot handles: [`SlotHandle`], one counted (strong) reference to the value in a slot, and
//! [`WeakSlotHandle`], a reference to one occupancy that keeps only the arena alive.
//!
//! Every handle-side access to an arena or a payload goes through these two types: acquire (a
//! clone), release (the drop, see `release`), upgrade, downgrade, the unique check of `get_mut`,
//! payload and byte access, and generation reads. `RingPtr`, `WeakRingPtr` and `PooledBytes` are
//! safe wrappers over them. The refcount and generation protocol they follow is in `state`.
//!
//! Invariants of a `SlotHandle<T>`: it holds one strong reference, counted in the state word of
//! slot `arena.index_of(payload)` of the live `arena`, and `payload` is the start of that slot,
//! holding an initialised `T`. A `SlotHandle<[u8]>` (the bytes of a `PooledBytes`) is moreover
//! the only reference its slot has had in this occupancy: it cannot be cloned or downgraded, so its
//! bytes may be written through `&mut`.

use core::marker::PhantomData;
use core::ptr::NonNull;

use super::arena::{Arena, ArenaKind};
use super::release::{release_keepalive, release_strong};
use super::state::refcount_overflow;
use crate::class::SizeClass;
use crate::message::{PooledMessage, SlotLayout};
use crate::message_bytes::MessageBytes;
use crate::sync::Ordering;

/// One strong reference to the `T` in a slot (see the module docs for its invariants).
pub(crate) struct SlotHandle<T: ?Sized> {
    payload: NonNull<T>,
    arena: NonNull<Arena>,
    _owns: PhantomData<T>,
}

// SAFETY: the handle gives `&T` (so `T: Sync`) and may drop the slot's last reference on any
// thread (so `T: Send`, as `Arc`); the slot's bookkeeping is atomic, and the arena outlives the
// handle whichever thread drops last (see `orphan`).
unsafe impl<T: ?Sized + Send + Sync> Send for SlotHandle<T> {}
// SAFETY: `&SlotHandle<T>` gives `&T` and atomic refcount updates only.
unsafe impl<T: ?Sized + Send + Sync> Sync for SlotHandle<T> {}

impl<T: ?Sized> SlotHandle<T> {
    #[inline(always)]
    fn arena(&self) -> &Arena {
        // SAFETY: our strong reference keeps the slot allocated, hence its arena alive.
        unsafe { self.arena.as_ref() }
    }

    /// The slot's index in its arena.
    #[inline(always)]
    pub(crate) fn index(&self) -> u32 {
        self.arena().index_of(self.payload.as_ptr().cast::<u8>())
    }

    /// The size class of the slot.
    pub(crate) fn class(&self) -> SizeClass {
        self.arena().class()
    }

    /// Whether the slot is a heap block of its own (`Overflow::Heap`) rather than a pool slot.
    pub(crate) fn is_heap_backed(&self) -> bool {
        self.arena().kind() == ArenaKind::Heap
    }

    /// Tests only: the id of the arena the slot lives in (see `arena::destroyed`).
    #[cfg(test)]
    pub(crate) fn arena_id(&self) -> u64 {
        self.arena().id()
    }
}

impl<T: ?Sized> Drop for SlotHandle<T> {
    #[inline(always)]
    fn drop(&mut self) {
        let index = self.index();
        // SAFETY: this handle's strong reference is given up here and never used again.
        unsafe { release_strong(self.arena, index) };
    }
}

impl<T: PooledMessage> SlotHandle<T> {
    /// Moves `value` into slot `index` of `arena`, which the caller just claimed, and takes over
    /// the claim's reference.
    ///
    /// # Safety
    ///
    /// `arena` is live, its slot `index` was claimed by the caller alone (refcount 1, no weak
    /// handle), and `class` is the arena's class and `SlotLayout::<T>::CHECKED_CLASS` (so the
    /// slot holds a `T` at its alignment: the class is computed from `size_of::<T>()`, and
    /// `align_of::<T>() <= 64`).
    #[inline(always)]
    pub(crate) unsafe fn write_claimed(
        arena: NonNull<Arena>,
        index: u32,
        class: SizeClass,
        value: T,
    ) -> Self {
        // SAFETY: live (caller's promise); the claimed slot keeps it so.
        let arena_ref = unsafe { arena.as_ref() };
        // SAFETY: claimed by us alone, in an arena of `class`, which holds a `T` (caller's
        // promise).
        let payload = unsafe { arena_ref.write_value(index, class, value) };
        SlotHandle {
            payload,
            arena,
            _owns: PhantomData,
        }
    }

    /// The value. Loom records it as a read of the slot.
    #[inline(always)]
    pub(crate) fn get(&self) -> &T {
        #[cfg(loom)]
        self.arena().record_read(self.index());
        // SAFETY: the slot holds an initialised `T` (written before the handle was made), and no
        // one writes it while a strong handle exists (`get_mut` needs the only one).
        unsafe { self.payload.as_ref() }
    }

    /// The value, mutably, when this is the slot's only reference and no weak handle was made in
    /// this occupancy (one could upgrade concurrently): one Acquire load.
    pub(crate) fn get_mut(&mut self) -> Option<&mut T> {
        let index = self.index();
        // Acquire: other holders' drops (Release) happen before our writes.
        if !self
            .arena()
            .state(index)
            .load(Ordering::Acquire)
            .is_sole_without_weak()
        {
            return None;
        }
        self.arena().record_write(index);
        // SAFETY: we hold the only strong reference (`&mut self`), no weak handle exists that
        // could make another, and the slot holds an initialised `T`.
        Some(unsafe { self.payload.as_mut() })
    }

    /// The number of strong references to the slot.
    pub(crate) fn ref_count(&self) -> usize {
        // Acquire, like `Arc::strong_count`.
        self.arena()
            .state(self.index())
            .load(Ordering::Acquire)
            .refcount() as usize
    }

    /// The slot's generation: its number of occupants, this one included, wrapping.
    pub(crate) fn generation(&self) -> u32 {
        // Relaxed: the generation cannot change while we hold a reference.
        self.arena()
            .state(self.index())
            .load(Ordering::Relaxed)
            .generation()
    }

    /// A raw pointer to the value, valid while a strong reference exists.
    #[inline(always)]
    pub(crate) fn as_ptr(&self) -> *const T {
        self.payload.as_ptr()
    }

    /// A weak handle to this occupancy: sets the slot's `W` flag and takes a keepalive share.
    pub(crate) fn downgrade(&self) -> WeakSlotHandle<T> {
        let arena = self.arena();
        // Relaxed: the flag only has to be seen by a later last drop of this occupancy, which reads
        // this same word after us in its modification order.
        let state = arena.state(self.index()).flag_weak(Ordering::Relaxed);
        // Relaxed, as `Arc::downgrade`'s count: our strong reference keeps the arena alive.
        arena.keepalive().fetch_add(1, Ordering::Relaxed);
        WeakSlotHandle {
            payload: self.payload,
            arena: self.arena,
            generation: state.generation(),
            _refers: PhantomData,
        }
    }

    /// Test support: raises the refcount to its limit, so that the next clone aborts.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn saturate_ref_count_for_tests(&self) {
        self.arena().state(self.index()).saturate_for_tests();
    }

    /// Test support: sets the slot's generation.
    ///
    /// # Safety
    ///
    /// No weak handle to an earlier occupant of this slot has generation `generation`, and no weak
    /// handle to this one exists.
    #[cfg(feature = "test-hooks")]
    pub(crate) unsafe fn set_generation_for_tests(&self, generation: u32) {
        self.arena()
            .state(self.index())
            .set_generation_for_tests(generation);
    }
}

impl<T: PooledMessage> Clone for SlotHandle<T> {
    /// Acquire: one Relaxed `fetch_add` on the state word; past the limit, an abort.
    #[inline(always)]
    fn clone(&self) -> Self {
        // Relaxed, as `Arc::clone`: holding a reference already orders everything we need; the new
        // reference reaches another thread through that thread's own synchronisation.
        let previous = self
            .arena()
            .state(self.index())
            .add_reference(Ordering::Relaxed);
        if previous.is_at_refcount_limit() {
            refcount_overflow();
        }
        SlotHandle {
            payload: self.payload,
            arena: self.arena,
            _owns: PhantomData,
        }
    }
}

impl SlotHandle<[u8]> {
    /// The first `len` bytes of slot `index` of `arena`, which the caller just claimed; takes over
    /// the claim's reference.
    ///
    /// # Safety
    ///
    /// `arena` is live, its slot `index` was claimed by the caller alone (refcount 1, no weak
    /// handle), and `len` is at most the slot size.
    pub(crate) unsafe fn claimed_bytes(arena: NonNull<Arena>, index: u32, len: usize) -> Self {
        // SAFETY: live (caller's promise); the claimed slot keeps it so.
        let arena_ref = unsafe { arena.as_ref() };
        debug_assert!(len <= arena_ref.class().slot_size());
        arena_ref.record_write(index);
        SlotHandle {
            payload: NonNull::slice_from_raw_parts(arena_ref.slot(index), len),
            arena,
            _owns: PhantomData,
        }
    }

    /// The bytes: initialised (arenas are zeroed once, and reused slots keep old bytes).
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: `len` initialised bytes inside our slot (see `claimed_bytes`).
        unsafe { self.payload.as_ref() }
    }

    /// The bytes, mutably.
    #[inline]
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`; the handle is the slot's only reference (see the module docs) and
        // `&mut self` makes this access unique.
        unsafe { self.payload.as_mut() }
    }

    /// The bytes as a `T` in place, if they are exactly `size_of::<T>()` bytes forming a valid `T`
    /// (always, but for validated messages); the handle back otherwise.
    pub(crate) fn into_message<T: PooledMessage>(self) -> Result<SlotHandle<T>, Self> {
        // `ANY_BYTES_VALID` is a constant `true` for all but validated messages: the check folds.
        let fits = self.payload.len() == SlotLayout::<T>::SIZE;
        if !fits
            || !(<T::Bytes as MessageBytes<T>>::ANY_BYTES_VALID
                || <T::Bytes as MessageBytes<T>>::is_valid(self.bytes()))
        {
            return Err(self);
        }
        let this = core::mem::ManuallyDrop::new(self);
        // The slot's class holds `len == size_of::<T>()` bytes (computed by `SlotLayout`, never
        // taken from the derive), slots are 64-byte aligned and `SlotLayout` checked
        // `align_of::<T>() <= 64`; the bytes are initialised and a valid `T` (any bytes are, or the
        // sealed `MessageBytes` proof's check just said so). Our reference passes to the new
        // handle (`this` is not dropped).
        Ok(SlotHandle {
            payload: this.payload.cast::<T>(),
            arena: this.arena,
            _owns: PhantomData,
        })
    }
}

/// A reference to one occupancy of a slot: upgrades to a [`SlotHandle`] while that occupancy is
/// alive. Holds a share of the arena's keepalive, not of the slot.
pub(crate) struct WeakSlotHandle<T> {
    payload: NonNull<T>,
    arena: NonNull<Arena>,
    generation: u32,
    _refers: PhantomData<T>,
}

// SAFETY: as `SlotHandle`: an upgrade gives a strong handle on this thread.
unsafe impl<T: Send + Sync> Send for WeakSlotHandle<T> {}
// SAFETY: as `SlotHandle`.
unsafe impl<T: Send + Sync> Sync for WeakSlotHandle<T> {}

impl<T> WeakSlotHandle<T> {
    #[inline(always)]
    fn arena(&self) -> &Arena {
        // SAFETY: our keepalive share keeps the arena allocated.
        unsafe { self.arena.as_ref() }
    }

    /// The generation of the occupancy this handle refers to.
    pub(crate) fn generation(&self) -> u32 {
        self.generation
    }

    /// The size class of the slot.
    pub(crate) fn class(&self) -> SizeClass {
        self.arena().class()
    }
}

impl<T: PooledMessage> WeakSlotHandle<T> {
    /// A strong handle if the occupancy is alive: generation equal and refcount not 0, checked
    /// and incremented by one compare-exchange (see `state`).
    pub(crate) fn upgrade(&self) -> Option<SlotHandle<T>> {
        let state = self
            .arena()
            .state(self.arena().index_of(self.payload.as_ptr().cast()));
        // Relaxed: the compare-exchange below decides.
        let mut current = state.load(Ordering::Relaxed);
        loop {
            if current.generation() != self.generation || current.refcount() == 0 {
                return None;
            }
            if current.is_at_refcount_limit() {
                refcount_overflow();
            }
            // Success Acquire (as `Weak::upgrade`): the value's write happens before our reads.
            match state.compare_exchange_weak(
                current,
                current.with_one_more(),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                // A strong reference to this same occupancy, whose payload holds its `T`.
                Ok(_) => {
                    return Some(SlotHandle {
                        payload: self.payload,
                        arena: self.arena,
                        _owns: PhantomData,
                    });
                }
                Err(actual) => current = actual,
            }
        }
    }
}

impl<T> Clone for WeakSlotHandle<T> {
    fn clone(&self) -> Self {
        // Relaxed: our own keepalive share keeps the arena alive.
        self.arena().keepalive().fetch_add(1, Ordering::Relaxed);
        WeakSlotHandle {
            payload: self.payload,
            arena: self.arena,
            generation: self.generation,
            _refers: PhantomData,
        }
    }
}

impl<T> Drop for WeakSlotHandle<T> {
    fn drop(&mut self) {
        // SAFETY: this handle's keepalive share is given up and the arena not touched again.
        unsafe { release_keepalive(self.arena) };
    }
}
