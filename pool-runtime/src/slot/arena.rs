//! One size class's slots of one allocator (or one heap-backed message): payload, state words,
//! optional free list, lifetime counters.

use core::alloc::Layout;
use core::ptr::NonNull;

use crossbeam_utils::CachePadded;

use super::free_stack::FreeStack;
use super::poison;
use super::stash::Stash;
use super::state::{claimed, is_free, refcount, wraps_on_claim};
use crate::class::{SLOT_ALIGN, SizeClass};
use crate::sync::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Who allocates from an arena, which decides what the last drop of a slot does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArenaKind {
    /// A `LocalPools` class: the owner finds free slots by their state word; a drop only writes it.
    Local,
    /// A `Pools` class: free slots are on the arena's free list; a drop pushes its slot back.
    Shared,
    /// One heap-backed message (`Overflow::Heap`): the arena dies with its last handle.
    Heap,
}

/// The slots of one class. Allocated by [`Arena::create`] and freed by [`Arena::destroy`] exactly
/// once: by its allocator's drop if nothing references it then, else by whoever finds it
/// reclaimable later (see `orphans`), or for a `Heap` arena by its last handle.
///
/// Read-only after creation except `orphaned` (set once) and the cache-padded atomics below it,
/// so the first line stays shared in every core's cache.
#[repr(C)]
pub(crate) struct Arena {
    /// `capacity << slot_shift` bytes, 64-byte aligned, zeroed at creation.
    payload: NonNull<u8>,
    /// One state word per slot (see `state`).
    states: Box<[AtomicU64]>,
    slot_shift: u32,
    capacity: u32,
    class: SizeClass,
    kind: ArenaKind,
    /// Set once, when the allocator is dropped while slots or weak handles may remain.
    orphaned: AtomicBool,
    /// loom only: one tracked cell per slot standing for its payload bytes, so the model checks
    /// every payload write (allocation) against every read (deref, drop).
    #[cfg(loom)]
    shadows: Box<[crate::sync::UnsafeCell<()>]>,
    /// loom only: stands for the arena's own memory. Every accessor below records a read of it and
    /// `destroy` a write, so the model reports any access to an arena that does not happen before
    /// its reclamation (such as a drop reading the arena after the decrement that freed its slot).
    #[cfg(loom)]
    lifetime: crate::sync::UnsafeCell<()>,
    /// Pooled arenas: 1 while the allocator lives, plus one per weak handle. Heap arenas: 1 while
    /// any strong handle lives, plus one per weak handle. The arena may be freed once it is 0.
    keepalive: CachePadded<AtomicUsize>,
    /// Free slot indices of a `Shared` arena (empty otherwise).
    free_stack: FreeStack,
    stash: Stash,
}

impl Arena {
    /// Allocates an arena of `capacity` (1 ..= `PoolConfig::max_capacity(class)`) zeroed slots.
    pub(crate) fn create(class: SizeClass, capacity: usize, kind: ArenaKind) -> NonNull<Arena> {
        assert!(
            capacity > 0 && capacity <= crate::PoolConfig::max_capacity(class),
            "arena capacity out of range"
        );
        let layout = Self::payload_layout(class, capacity);
        // SAFETY: `layout` has a non-zero size (capacity ≥ 1, slot sizes ≥ 64).
        let raw = unsafe { std::alloc::alloc_zeroed(layout) };
        let Some(payload) = NonNull::new(raw) else {
            std::alloc::handle_alloc_error(layout)
        };
        poison::poison(payload.as_ptr(), layout.size());
        let capacity32 = capacity as u32;
        let arena = Box::new(Arena {
            payload,
            states: (0..capacity).map(|_| AtomicU64::new(0)).collect(),
            slot_shift: class.slot_shift(),
            capacity: capacity32,
            class,
            kind,
            orphaned: AtomicBool::new(false),
            #[cfg(loom)]
            shadows: (0..capacity)
                .map(|_| crate::sync::UnsafeCell::new(()))
                .collect(),
            #[cfg(loom)]
            lifetime: crate::sync::UnsafeCell::new(()),
            keepalive: CachePadded::new(AtomicUsize::new(1)),
            free_stack: if kind == ArenaKind::Shared {
                FreeStack::full(capacity32)
            } else {
                FreeStack::empty()
            },
            stash: if kind == ArenaKind::Shared {
                Stash::for_shared_arena()
            } else {
                Stash::none()
            },
        });
        NonNull::from(Box::leak(arena))
    }

    fn payload_layout(class: SizeClass, capacity: usize) -> Layout {
        // `PoolConfig::max_capacity` keeps `capacity × slot size` within `isize::MAX` on every
        // target (checked again here: a wrapped size would be a too-small allocation).
        let size = capacity
            .checked_mul(class.slot_size())
            .expect("arena capacity validated against isize::MAX");
        Layout::from_size_align(size, SLOT_ALIGN).expect("arena layout fits in isize")
    }

    /// A heap arena of one slot of `class`, already claimed (refcount 1) by the caller: the home
    /// of one `Overflow::Heap` message.
    pub(crate) fn create_heap_claimed(class: SizeClass) -> NonNull<Arena> {
        let arena = Self::create(class, 1, ArenaKind::Heap);
        // SAFETY: just created; we are its only user.
        let claimed = unsafe { arena.as_ref() }.try_claim_by_owner(0);
        debug_assert!(claimed);
        arena
    }

    /// Frees the arena and its slots.
    ///
    /// # Safety
    ///
    /// `arena` came from [`Arena::create`], is not freed yet, and no thread will access it again:
    /// no `RingPtr`, `WeakRingPtr`, `PooledBytes` or allocator refers to it.
    pub(crate) unsafe fn destroy(arena: NonNull<Arena>) {
        // SAFETY: created by `Box::leak` in `create`; the caller guarantees sole, final access.
        let arena = unsafe { Box::from_raw(arena.as_ptr()) };
        #[cfg(loom)]
        arena.lifetime.with_mut(|_| ());
        let layout = Self::payload_layout(arena.class, arena.capacity as usize);
        poison::unpoison(arena.payload.as_ptr(), layout.size());
        // SAFETY: `payload` was allocated in `create` with this same layout.
        unsafe { std::alloc::dealloc(arena.payload.as_ptr(), layout) };
    }

    /// The state word of slot `index`.
    #[inline(always)]
    pub(crate) fn state(&self, index: u32) -> &AtomicU64 {
        self.record_arena_access();
        debug_assert!(index < self.capacity);
        // SAFETY: every index handed around is `< capacity == states.len()`: it comes from
        // `index_of` on a payload pointer inside this arena, from the free list, or from a
        // candidate list built from `0..capacity`.
        unsafe { self.states.get_unchecked(index as usize) }
    }

    /// The payload of slot `index`.
    #[inline(always)]
    pub(crate) fn slot(&self, index: u32) -> NonNull<u8> {
        self.record_arena_access();
        debug_assert!(index < self.capacity);
        // SAFETY: `index < capacity`, so the offset stays inside the payload allocation.
        unsafe { self.payload.add((index as usize) << self.slot_shift) }
    }

    /// The index of the slot whose payload starts at `payload`.
    #[inline(always)]
    pub(crate) fn index_of(&self, payload: *const u8) -> u32 {
        self.record_arena_access();
        ((payload as usize - self.payload.as_ptr() as usize) >> self.slot_shift) as u32
    }

    pub(crate) fn class(&self) -> SizeClass {
        self.record_arena_access();
        self.class
    }

    #[inline(always)]
    pub(crate) fn kind(&self) -> ArenaKind {
        self.record_arena_access();
        self.kind
    }

    pub(crate) fn capacity(&self) -> usize {
        self.record_arena_access();
        self.capacity as usize
    }

    pub(crate) fn keepalive(&self) -> &AtomicUsize {
        self.record_arena_access();
        &self.keepalive
    }

    pub(crate) fn free_stack(&self) -> &FreeStack {
        self.record_arena_access();
        &self.free_stack
    }

    /// Whether the allocator is gone (a hint: read before the last access to the arena).
    /// The per-thread stash cells (`Pools` arenas only; see `stash`).
    #[inline(always)]
    pub(crate) fn stash(&self) -> &Stash {
        self.record_arena_access();
        &self.stash
    }

    #[inline(always)]
    pub(crate) fn is_orphaned(&self) -> bool {
        self.record_arena_access();
        // Relaxed: a stale `false` only means this drop does not trigger a sweep; a later sweep
        // point reclaims the arena (see `orphans`).
        self.orphaned.load(Ordering::Relaxed)
    }

    pub(crate) fn mark_orphaned(&self) {
        // Relaxed: droppers use it as a hint only; the registry's lock orders the reclamation.
        self.orphaned.store(true, Ordering::Relaxed);
    }

    /// Slots whose refcount is not 0.
    pub(crate) fn count_in_use(&self) -> usize {
        // Relaxed: a statistic, exact only when nothing runs concurrently.
        self.states
            .iter()
            .filter(|s| refcount(s.load(Ordering::Relaxed)) != 0)
            .count()
    }

    /// Whether every slot is free, reading with Acquire so that every drop that freed one happens
    /// before whatever the caller does next (reclaiming the arena).
    pub(crate) fn all_slots_free(&self) -> bool {
        self.states
            .iter()
            .all(|s| is_free(s.load(Ordering::Acquire)))
    }

    /// The owner of a `Local` arena claims slot `index` if it is free (and claiming it does not
    /// wrap its generation while a weak handle into the arena exists; see `state`).
    ///
    /// Only the arena's single owner may call this (claims use a plain store).
    #[inline(always)]
    pub(crate) fn try_claim_by_owner(&self, index: u32) -> bool {
        let state = self.state(index);
        // Acquire: pairs with the Release that freed the slot, so every access of its previous
        // holders happens before the new value is written.
        let current = state.load(Ordering::Acquire);
        if !is_free(current) || (wraps_on_claim(current) && self.weak_handles_may_exist()) {
            return false;
        }
        // Relaxed store: while the refcount is 0 nothing but the owner writes this word (a stale
        // weak handle's upgrade only compares, and fails on refcount 0 / the old generation). The
        // new holder's handle reaches other threads through their own synchronisation.
        state.store(claimed(current), Ordering::Relaxed);
        self.unpoison_slot(index);
        true
    }

    /// Claims slot `index` just popped from the free list (the popper owns it exclusively).
    /// Returns `false`, leaving the slot free, when claiming would wrap its generation while a
    /// weak handle into the arena exists (see `state`); the caller must push it back.
    #[inline(always)]
    pub(crate) fn try_claim_popped(&self, index: u32) -> bool {
        let state = self.state(index);
        // Relaxed: the pop's Acquire already ordered the freeing drop before us; no one else
        // writes a free slot's word (see `try_claim_by_owner`).
        let current = state.load(Ordering::Relaxed);
        debug_assert_eq!(refcount(current), 0, "popped a busy slot");
        if wraps_on_claim(current) && self.weak_handles_may_exist() {
            return false;
        }
        state.store(claimed(current), Ordering::Relaxed);
        self.unpoison_slot(index);
        true
    }

    /// Whether a weak handle into this arena may exist: its keepalive is above the one the
    /// allocator holds. Called by the allocator only; a keepalive of exactly one means none exists,
    /// and none into a free slot can appear (a weak handle is made from a strong one, or cloned
    /// from a weak one).
    #[cold]
    #[inline(never)]
    fn weak_handles_may_exist(&self) -> bool {
        // Acquire: pairs with the Release decrement of each weak handle's drop, so every upgrade
        // attempt it made happens before the claim's store.
        self.keepalive().load(Ordering::Acquire) != 1
    }

    #[inline(always)]
    pub(crate) fn unpoison_slot(&self, index: u32) {
        poison::unpoison(self.slot(index).as_ptr(), 1 << self.slot_shift);
    }

    /// The address and length of slot `index`'s payload, for poisoning it after the arena may be
    /// gone (see `release`).
    #[inline(always)]
    pub(crate) fn slot_region(&self, index: u32) -> (*const u8, usize) {
        (self.slot(index).as_ptr(), 1 << self.slot_shift)
    }

    /// loom: records an access to the arena itself (see the `lifetime` field).
    #[inline(always)]
    fn record_arena_access(&self) {
        #[cfg(loom)]
        self.lifetime.with(|_| ());
    }

    /// Writes `value` into slot `index`, just claimed by the caller.
    ///
    /// # Safety
    ///
    /// The caller claimed slot `index` (refcount 1, held by the caller alone), `T` fits a slot of
    /// this arena (`size_of::<T>() <= slot size`, `align_of::<T>() <= 64`).
    #[inline(always)]
    pub(crate) unsafe fn write_value<T>(&self, index: u32, value: T) -> NonNull<T> {
        self.record_write(index);
        let slot = self.slot(index).cast::<T>();
        // SAFETY: the slot is claimed by the caller alone, large and aligned enough for `T`
        // (caller's promise), and inside the live payload allocation.
        unsafe { slot.as_ptr().write(value) };
        slot
    }

    /// loom: records a read of slot `index`'s payload (a deref, or a holder's drop).
    #[inline(always)]
    pub(crate) fn record_read(&self, index: u32) {
        #[cfg(loom)]
        self.shadows[index as usize].with(|_| ());
        let _ = index;
    }

    /// loom: records a write of slot `index`'s payload (an allocation).
    #[inline(always)]
    pub(crate) fn record_write(&self, index: u32) {
        #[cfg(loom)]
        self.shadows[index as usize].with_mut(|_| ());
        let _ = index;
    }
}
