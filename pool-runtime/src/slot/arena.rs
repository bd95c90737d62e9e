//! One size class's slots of one allocator (or one heap-backed message): payload, state words,
//! optional free list, lifetime counters.

use core::alloc::Layout;
use core::ptr::NonNull;

use crossbeam_utils::CachePadded;

use super::free_stack::FreeStack;
use super::poison;
use super::stash::Stash;
use super::state::{SlotState, StateWord};
use crate::class::{SLOT_ALIGN, SizeClass};
use crate::sync::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

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

/// What a sole holder's last drop does (see `release`), read in one load that also stands for the
/// `kind` check and the barrier flag: `LOCAL` and `SHARED` (a live allocator, in a process with
/// asymmetric barriers) and `OTHER` take the steps of `release` (the `orphaned` handshake
/// included), `ORPHANED` (the allocator's bias is added) gives up the slot's share and nothing
/// else. A drop that reads a stale live route is still right: it takes the handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DropRoute(u32);

impl DropRoute {
    /// A `LocalPools` arena whose allocator lives (or whose drop has not reached its bias), in a
    /// process with asymmetric barriers: the drop's light barrier is a compiler fence.
    pub(crate) const LOCAL: DropRoute = DropRoute(0);
    /// A `Pools` arena whose allocator lives, in a process with asymmetric barriers.
    pub(crate) const SHARED: DropRoute = DropRoute(1);
    /// Any other arena whose allocator lives: a `LocalPools` or `Pools` one without asymmetric
    /// barriers, or a heap arena (whose route is never `ORPHANED`).
    pub(crate) const OTHER: DropRoute = DropRoute(2);
    /// The allocator is gone, and its bias is in the keepalive.
    pub(crate) const ORPHANED: DropRoute = DropRoute(3);

    /// The route of a new arena of `kind` (`plain_barrier`: the process has asymmetric barriers).
    fn live(kind: ArenaKind, plain_barrier: bool) -> DropRoute {
        match (kind, plain_barrier) {
            (ArenaKind::Local, true) => DropRoute::LOCAL,
            (ArenaKind::Shared, true) => DropRoute::SHARED,
            _ => DropRoute::OTHER,
        }
    }
}

/// The memory of an arena's slots and metadata, zeroed: one anonymous mapping for a pooled arena
/// (the kernel commits its pages as they are first touched, so untouched slots cost address space
/// only), one heap block for a heap arena's single slot.
///
/// ```text
/// base: payload (capacity << slot_shift) | state words (8 B each) | free-list links (4 B each)
/// ```
struct Region {
    base: NonNull<u8>,
    /// Keeps the mapping (unmapped on drop); `None` for a heap block, freed by `Drop` below.
    #[allow(dead_code)]
    mapping: Option<memmap2::MmapMut>,
    heap_layout: Layout,
}

impl Region {
    fn zeroed(bytes: usize, kind: ArenaKind) -> Region {
        let heap_layout = Layout::from_size_align(bytes, SLOT_ALIGN).expect("arena layout fits");
        if kind == ArenaKind::Heap {
            // SAFETY: `bytes` is non-zero (one slot of at least 64 bytes plus its state word).
            let raw = unsafe { std::alloc::alloc_zeroed(heap_layout) };
            let Some(base) = NonNull::new(raw) else {
                std::alloc::handle_alloc_error(heap_layout)
            };
            return Region {
                base,
                mapping: None,
                heap_layout,
            };
        }
        // An anonymous private mapping is zeroed and page-aligned (so 64-aligned); pages are
        // committed on first touch. `no_reserve_swap`: reserving address space for a large class
        // must not be refused for want of swap that untouched pages never need.
        let Ok(mut mapping) = memmap2::MmapOptions::new()
            .len(bytes)
            .no_reserve_swap()
            .map_anon()
        else {
            std::alloc::handle_alloc_error(heap_layout)
        };
        let base = NonNull::new(mapping.as_mut_ptr()).expect("a mapping is never at address 0");
        Region {
            base,
            mapping: Some(mapping),
            heap_layout,
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        if self.mapping.is_none() {
            // SAFETY: allocated in `zeroed` with this layout, freed once (here).
            unsafe { std::alloc::dealloc(self.base.as_ptr(), self.heap_layout) };
        }
    }
}

/// The slots of one class. Allocated by [`Arena::create`] (lazily, at the class's first
/// allocation) and freed by [`Arena::destroy`] exactly once, by whoever gives up the last share of
/// its `keepalive` (see `orphan`).
///
/// Read-only after creation except `orphaned` and `drop_route` (each set once) and the
/// cache-padded atomics below them, so the first line stays shared in every core's cache.
#[repr(C)]
pub(crate) struct Arena {
    /// `capacity << slot_shift` bytes, 64-byte aligned, zeroed, committed on first touch.
    payload: NonNull<u8>,
    /// `capacity` state words (see `state`), in the region after the payload; zero is "free,
    /// generation 0", so untouched words need no initialisation.
    #[cfg(not(loom))]
    states: NonNull<StateWord>,
    #[cfg(loom)]
    states: Box<[StateWord]>,
    slot_shift: u32,
    capacity: u32,
    class: SizeClass,
    kind: ArenaKind,
    /// Whether the process has asymmetric barriers (see `asymmetric`): the last drop of a slot
    /// then orders its free before its look at `orphaned` with a compiler fence only.
    plain_barrier: bool,
    /// Set once, when the allocator is dropped (see `orphan`).
    orphaned: AtomicBool,
    /// What a sole holder's last drop does, in one load (see [`DropRoute`]): from `kind` at
    /// creation, `ORPHANED` once the allocator's drop has added its bias.
    drop_route: AtomicU32,
    /// loom only: one tracked cell per slot standing for its payload bytes, so the model checks
    /// every payload write (allocation) against every read (deref, drop).
    #[cfg(loom)]
    shadows: Box<[crate::sync::UnsafeCell<()>]>,
    /// loom only: stands for the arena's own memory. Every accessor below records a read of it and
    /// `destroy` a write, so the model reports any access to an arena that does not happen before
    /// its reclamation (such as a drop reading the arena after the decrement that freed its slot).
    #[cfg(loom)]
    lifetime: crate::sync::UnsafeCell<()>,
    /// Tests only: a process-unique id, recorded when the arena is destroyed.
    #[cfg(test)]
    id: u64,
    /// Who may still access the arena (see `orphan`): the allocator (1 while it lives), each weak
    /// handle (1 each), and once the allocator is gone each slot whose last drop is still to
    /// come. Heap arenas: 1 while any strong handle lives, plus one per weak handle. Whoever
    /// takes it to 0 frees the arena.
    keepalive: CachePadded<AtomicUsize>,
    /// Slots `fresh..capacity` were never handed out (their pages are untouched); the allocator
    /// takes them in order once its free slots run out.
    fresh: CachePadded<AtomicU32>,
    /// Free slot indices of a `Shared` arena (empty otherwise).
    free_stack: FreeStack,
    stash: Stash,
    /// Owns the memory `payload`, `states` and the free list's links point into.
    region: Region,
}

impl Arena {
    /// Reserves an arena of `capacity` (1 ..= `PoolConfig::max_capacity(class)`) zeroed slots.
    pub(crate) fn create(class: SizeClass, capacity: usize, kind: ArenaKind) -> NonNull<Arena> {
        assert!(
            capacity > 0 && capacity <= crate::PoolConfig::max_capacity(class),
            "arena capacity out of range"
        );
        let payload_bytes = Self::payload_bytes(class, capacity);
        let states_bytes = capacity * size_of::<u64>();
        let links_bytes = if kind == ArenaKind::Shared {
            capacity * size_of::<u32>()
        } else {
            0
        };
        let region = Region::zeroed(
            payload_bytes
                .checked_add(states_bytes + links_bytes)
                .expect("arena size fits in usize"),
            kind,
        );
        let payload = region.base;
        poison::poison(payload.as_ptr(), payload_bytes);
        let capacity32 = capacity as u32;
        #[cfg_attr(loom, allow(unused_variables))]
        // SAFETY: the state words and links follow the payload inside the region, 8- and
        // 4-aligned (the payload's size is a multiple of 64); zeroed memory is a valid `StateWord`
        // / `AtomicU32` (0), and nothing else points there.
        let (states, links) = unsafe {
            let states = payload.add(payload_bytes).cast::<StateWord>();
            (states, states.add(capacity).cast::<AtomicU32>())
        };
        let plain_barrier = kind != ArenaKind::Heap && super::asymmetric::available();
        let arena = Box::new(Arena {
            payload,
            #[cfg(not(loom))]
            states,
            #[cfg(loom)]
            states: (0..capacity).map(|_| StateWord::new()).collect(),
            slot_shift: class.slot_shift(),
            capacity: capacity32,
            class,
            kind,
            plain_barrier,
            orphaned: AtomicBool::new(false),
            #[cfg(loom)]
            shadows: (0..capacity)
                .map(|_| crate::sync::UnsafeCell::new(()))
                .collect(),
            #[cfg(loom)]
            lifetime: crate::sync::UnsafeCell::new(()),
            #[cfg(test)]
            id: destroyed::next_id(),
            keepalive: CachePadded::new(AtomicUsize::new(1)),
            fresh: CachePadded::new(AtomicU32::new(0)),
            free_stack: if kind == ArenaKind::Shared {
                // SAFETY: `capacity` zeroed `AtomicU32`s at `links`, owned by `region`, which lives
                // as long as the stack (both are fields of this arena).
                unsafe { FreeStack::new(links, capacity32) }
            } else {
                FreeStack::none()
            },
            stash: if kind == ArenaKind::Shared {
                Stash::for_shared_arena(plain_barrier)
            } else {
                Stash::none()
            },
            region,
            drop_route: AtomicU32::new(DropRoute::live(kind, plain_barrier).0),
        });
        NonNull::from(Box::leak(arena))
    }

    fn payload_bytes(class: SizeClass, capacity: usize) -> usize {
        // `PoolConfig::max_capacity` keeps `capacity × slot size` within `isize::MAX` on every
        // target (checked again here: a wrapped size would be a too-small region).
        capacity
            .checked_mul(class.slot_size())
            .expect("arena capacity validated against isize::MAX")
    }

    /// A heap arena of one slot of `class`, already claimed (refcount 1) by the caller: the home
    /// of one `Overflow::Heap` message.
    pub(crate) fn create_heap_claimed(class: SizeClass) -> NonNull<Arena> {
        let arena = Self::create(class, 1, ArenaKind::Heap);
        // SAFETY: just created; we are its only user.
        let arena_ref = unsafe { arena.as_ref() };
        let index = arena_ref
            .take_fresh()
            .expect("a new arena has a fresh slot");
        let claimed = arena_ref.try_claim_by_owner(index);
        debug_assert!(claimed);
        arena
    }

    /// Frees the arena and its slots.
    ///
    /// # Safety
    ///
    /// `arena` came from [`Arena::create`], is not freed yet, and no thread will access it again:
    /// no `RingPtr`, `WeakRingPtr`, `PooledBytes` or allocator refers to it, and no drop of one of
    /// its slots is under way.
    pub(crate) unsafe fn destroy(arena: NonNull<Arena>) {
        // SAFETY: created by `Box::leak` in `create`; the caller guarantees sole, final access.
        let arena = unsafe { Box::from_raw(arena.as_ptr()) };
        #[cfg(loom)]
        arena.lifetime.with_mut(|_| ());
        #[cfg(test)]
        destroyed::record(arena.id);
        poison::unpoison(
            arena.payload.as_ptr(),
            Self::payload_bytes(arena.class, arena.capacity as usize),
        );
        // Dropping the box unmaps (or frees) the region.
    }

    /// Tests only: this arena's id (see `destroyed`).
    #[cfg(test)]
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The state word of slot `index`.
    #[inline(always)]
    pub(crate) fn state(&self, index: u32) -> &StateWord {
        self.record_arena_access();
        debug_assert!(index < self.capacity);
        #[cfg(not(loom))]
        // SAFETY: every index handed around is `< capacity`: it comes from `index_of` on a payload
        // pointer inside this arena, from the free list, a magazine or `take_fresh`. The words
        // live in `region` as long as the arena.
        return unsafe { self.states.add(index as usize).as_ref() };
        #[cfg(loom)]
        &self.states[index as usize]
    }

    /// The payload of slot `index`.
    #[inline(always)]
    pub(crate) fn slot(&self, index: u32) -> NonNull<u8> {
        self.record_arena_access();
        debug_assert!(index < self.capacity);
        // SAFETY: `index < capacity`, so the offset stays inside the payload.
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

    #[inline(always)]
    pub(crate) fn plain_barrier(&self) -> bool {
        self.record_arena_access();
        self.plain_barrier
    }

    pub(crate) fn keepalive(&self) -> &AtomicUsize {
        self.record_arena_access();
        &self.keepalive
    }

    pub(crate) fn orphaned(&self) -> &AtomicBool {
        self.record_arena_access();
        &self.orphaned
    }

    /// The way a sole holder's last drop goes (see [`DropRoute`]). Acquire: `ORPHANED` is stored
    /// with Release after the allocator's keepalive bias, which the drop's decrement then follows.
    #[inline(always)]
    pub(crate) fn drop_route(&self) -> DropRoute {
        self.record_arena_access();
        DropRoute(self.drop_route.load(Ordering::Acquire))
    }

    /// Marks the arena orphaned for [`drop_route`](Self::drop_route): by the allocator's drop,
    /// after its keepalive bias (Release publishes it).
    pub(crate) fn set_orphaned_route(&self) {
        self.record_arena_access();
        self.drop_route
            .store(DropRoute::ORPHANED.0, Ordering::Release);
    }

    pub(crate) fn free_stack(&self) -> &FreeStack {
        self.record_arena_access();
        &self.free_stack
    }

    /// The per-thread magazines (`Pools` arenas only; see `stash`).
    #[inline(always)]
    pub(crate) fn stash(&self) -> &Stash {
        self.record_arena_access();
        &self.stash
    }

    /// How many slots were ever handed out (`0..fresh`); the rest are untouched.
    pub(crate) fn used(&self) -> u32 {
        self.record_arena_access();
        // Acquire: pairs with `take_fresh`'s increment, so the caller sees every handed-out
        // slot's word (the allocator's drop, which reads this, runs after all its allocations).
        self.fresh.load(Ordering::Acquire)
    }

    /// Whether every slot was handed out (one load: no taker's dance needed to find out).
    #[inline]
    pub(crate) fn fresh_exhausted(&self) -> bool {
        // Acquire: as in `take_fresh`.
        self.used() >= self.capacity
    }

    /// Hands out the next never-used slot (not yet claimed), or `None` once all were. Any number of
    /// threads may call this on a `Pools` arena.
    #[inline]
    pub(crate) fn take_fresh(&self) -> Option<u32> {
        self.record_arena_access();
        // Relaxed: a fresh slot's word and payload are zero from the mapping; nothing to order.
        // The compare-exchange hands each index out once. Acquire for the load: a `Pools`
        // allocation that finds the counter exhausted sees the chunk its last taker kept (`stash`).
        let mut fresh = self.fresh.load(Ordering::Acquire);
        loop {
            if fresh >= self.capacity {
                return None;
            }
            match self.fresh.compare_exchange_weak(
                fresh,
                fresh + 1,
                Ordering::Relaxed,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(fresh),
                Err(actual) => fresh = actual,
            }
        }
    }

    /// Hands out up to `max` (at least 1) never-used slots at once, ending at the next multiple of
    /// `chunk` (so every caller's chunks stay aligned): the first index and how many, or `None`
    /// once all were handed out. For a `Pools` owner filling its magazine (see `stash`).
    #[inline]
    pub(crate) fn take_fresh_chunk(&self, max: u32, chunk: u32) -> Option<(u32, u32)> {
        self.record_arena_access();
        // Acquire (load and failure): a checker that reads the counter exhausted sees the taker's
        // earlier stores (see `stash`); Release on success: publishes the taker's *busy* mark.
        let mut fresh = self.fresh.load(Ordering::Acquire);
        loop {
            if fresh >= self.capacity {
                return None;
            }
            let taken = max
                .min(self.capacity - fresh)
                .min(chunk - fresh % chunk)
                .max(1);
            match self.fresh.compare_exchange_weak(
                fresh,
                fresh + taken,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some((fresh, taken)),
                Err(actual) => fresh = actual,
            }
        }
    }

    /// Slots whose refcount is not 0.
    pub(crate) fn count_in_use(&self) -> usize {
        // Relaxed: a statistic, exact only when nothing runs concurrently.
        (0..self.used())
            .filter(|&i| self.state(i).load(Ordering::Relaxed).refcount() != 0)
            .count()
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
        let claimed = match current.claimed_unless_wrapping() {
            Some(claimed) => claimed,
            None if !current.is_free() || self.weak_handles_may_exist() => return false,
            None => current.claimed(),
        };
        // Relaxed store: while the slot is free nothing but the owner writes this word (a stale
        // weak handle's upgrade only compares, and fails on refcount 0 / the old generation). The
        // new holder's handle reaches other threads through their own synchronisation.
        state.store(claimed, Ordering::Relaxed);
        self.unpoison_slot(index);
        true
    }

    /// Claims slot `index` just popped from the free list or a magazine (the taker
    /// owns it exclusively). Returns `false`, leaving the slot free, when claiming would wrap its
    /// generation while a weak handle into the arena exists (see `state`); the caller must list
    /// it again.
    #[inline(always)]
    pub(crate) fn try_claim_popped(&self, index: u32) -> bool {
        let state = self.state(index);
        // Relaxed: the pop's Acquire already ordered the freeing drop's listing before us; no one
        // else writes a free slot's word (see `try_claim_by_owner`).
        let current = state.load(Ordering::Relaxed);
        let Some(claimed) = current.claimed_unless_wrapping() else {
            return self.try_claim_popped_slow(index, current);
        };
        state.store(claimed, Ordering::Relaxed);
        self.unpoison_slot(index);
        true
    }

    /// [`try_claim_popped`](Self::try_claim_popped) of a slot whose word (`current`) is not free
    /// yet (its last drop is still under way) or whose generation wraps on this claim.
    #[cold]
    #[inline(never)]
    fn try_claim_popped_slow(&self, index: u32, mut current: SlotState) -> bool {
        if current.is_freeing() {
            current = self.wait_until_freed(index);
        }
        debug_assert!(current.is_free(), "popped a busy slot");
        if current.wraps_on_claim() && self.weak_handles_may_exist() {
            return false;
        }
        self.state(index)
            .store(current.claimed(), Ordering::Relaxed);
        self.unpoison_slot(index);
        true
    }

    /// A listed slot whose last drop has listed it but not yet finished (it clears `F` with its
    /// next store, see `release`): waits for that store.
    #[cold]
    #[inline(never)]
    fn wait_until_freed(&self, index: u32) -> SlotState {
        let backoff = crate::sync::Backoff::new();
        loop {
            // Acquire: the drop's clearing store (Release) happens before our claim.
            let current = self.state(index).load(Ordering::Acquire);
            if !current.is_freeing() {
                return current;
            }
            backoff.snooze();
        }
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

    /// The address and length of slot `index`'s payload, for poisoning it.
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

    /// Writes `value` into slot `index`, just claimed by the caller, of this arena of `class` (a
    /// constant where the caller's is, so the slot's offset is a shift by a constant).
    ///
    /// # Safety
    ///
    /// The caller claimed slot `index` (refcount 1, held by the caller alone), `class` is this
    /// arena's class, and `T` fits a slot of it (`size_of::<T>() <= slot size`,
    /// `align_of::<T>() <= 64`).
    #[inline(always)]
    pub(crate) unsafe fn write_value<T>(
        &self,
        index: u32,
        class: SizeClass,
        value: T,
    ) -> NonNull<T> {
        self.record_write(index);
        debug_assert!(index < self.capacity && class == self.class);
        // SAFETY: `index < capacity` and `class` is this arena's (caller's promise), whose slots
        // are `1 << class.slot_shift()` bytes (`slot_shift` was computed from it at creation):
        // the offset stays inside the payload.
        let slot = unsafe { self.payload.add((index as usize) << class.slot_shift()) }.cast::<T>();
        // SAFETY: the slot is claimed by the caller alone, large and aligned enough for `T`
        // (caller's promise), and inside the live payload.
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

#[cfg(test)]
pub(crate) mod destroyed {
    //! Tests only: which arenas were destroyed, by id (a bitset of std atomics: no lock for
    //! ThreadSanitizer to misread, and outside any loom model).
    use core::sync::atomic::{AtomicU64, Ordering};

    /// Room for the ids of the first 2²⁰ arenas a test binary creates.
    const WORDS: usize = 1 << 14;
    static DESTROYED: [AtomicU64; WORDS] = [const { AtomicU64::new(0) }; WORDS];
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);

    pub(crate) fn next_id() -> u64 {
        NEXT_ID.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn record(id: u64) {
        if let Some(word) = DESTROYED.get((id / 64) as usize) {
            // Release: pairs with `contains`' Acquire.
            word.fetch_or(1 << (id % 64), Ordering::Release);
        }
    }

    /// Whether the arena with this id was destroyed (false for ids beyond the bitset's room, so a
    /// test asserting it fails rather than passes).
    pub(crate) fn contains(id: u64) -> bool {
        DESTROYED
            .get((id / 64) as usize)
            .is_some_and(|word| word.load(Ordering::Acquire) & (1 << (id % 64)) != 0)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// A free word with `W` left set (drops clear it; none is made today) is claimed like any
    /// free word.
    #[test]
    fn a_free_word_with_its_weak_flag_set_is_still_claimed() {
        for kind in [ArenaKind::Local, ArenaKind::Shared] {
            let created = Arena::create(SizeClass::XS, 4, kind);
            // SAFETY: just created, used by this test alone until its destroy below.
            let arena = unsafe { created.as_ref() };
            // Relaxed: a single-threaded test.
            arena.state(2).flag_weak(Ordering::Relaxed);
            let claimed = match kind {
                ArenaKind::Local => arena.try_claim_by_owner(2),
                _ => arena.try_claim_popped(2),
            };
            assert!(claimed, "{kind:?}");
            let word = arena.state(2).load(Ordering::Relaxed);
            assert!(
                word.is_sole_without_weak() && word.generation() == 1,
                "{kind:?}"
            );
            assert!(!arena.try_claim_by_owner(2), "a held slot is not claimed");
            // SAFETY: nothing else refers to the arena (the held slot is only a word here).
            unsafe { Arena::destroy(created) };
        }
    }
}
