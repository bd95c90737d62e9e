//! Dropping a strong or weak reference to a slot: the one place slots are freed.

use core::ptr::NonNull;

use super::arena::{Arena, ArenaKind};
use super::orphans;
use super::poison;
use super::stash;
use super::state::{
    MAX_REFCOUNT, WEAK_FLAG, freed, is_sole_without_weak, refcount, refcount_overflow,
};
use super::thread_slot;
use crate::sync::{AtomicU64, Ordering};

#[cfg(loom)]
std::thread_local! {
    /// loom negative control: free with a Relaxed instead of a Release store.
    pub(crate) static WEAKEN_FREE_ORDERING: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

#[cfg(loom)]
std::thread_local! {
    /// loom negative control: a drop that is not the last reads the arena after its decrement.
    pub(crate) static READ_ARENA_AFTER_DECREMENT: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

#[inline(always)]
fn free_store_ordering() -> Ordering {
    #[cfg(loom)]
    if WEAKEN_FREE_ORDERING.with(|w| w.get()) {
        return Ordering::Relaxed;
    }
    Ordering::Release
}

/// Adds one strong reference to a slot the caller holds one of.
#[inline(always)]
pub(crate) fn acquire_strong(arena: &Arena, index: u32) {
    // Relaxed, as `Arc::clone`: holding a reference already orders everything we need; the new
    // reference reaches another thread through that thread's own synchronisation.
    let previous = arena.state(index).fetch_add(1, Ordering::Relaxed);
    if refcount(previous) >= MAX_REFCOUNT {
        refcount_overflow();
    }
}

/// Drops one strong reference to slot `index` of `arena`; the last one frees the slot.
///
/// Once the decrement (or store) that may free the slot has landed, a sweep on another thread may
/// reclaim a `Local` arena (see `orphans`). So everything this drop needs from the arena (kind,
/// orphaned flag, state word, poisoning range) is read first, and from that point on only the
/// state word is touched, through a `&AtomicU64` (a shared reference to interior-mutable memory,
/// which a concurrent deallocation does not invalidate, as in `Arc`'s drop): no `&Arena` is passed
/// to a function across the decrement, and no arena field is read after it. Only the last
/// holder touches the arena again, where its kind guarantees it is still alive
/// ([`finish_last_release`]).
///
/// # Safety
///
/// The caller holds one strong reference to the slot (counted in its refcount) and gives it up:
/// it never uses the slot's payload or this reference again.
#[inline(always)]
pub(crate) unsafe fn release_strong(arena: NonNull<Arena>, index: u32) {
    // SAFETY: our strong reference keeps the arena alive until the slot is freed below; this
    // reference is only used before that point (and after it only where `kind` keeps the arena
    // alive: a `Shared` arena until its slot is back on the list).
    let arena_ref = unsafe { arena.as_ref() };
    arena_ref.record_read(index);
    let kind = arena_ref.kind();
    let orphaned = arena_ref.is_orphaned();
    let slot = arena_ref.slot_region(index);
    let state = arena_ref.state(index);
    // Acquire: if we are the last holder, every other holder's drop (Release) happens before the
    // slot is reused.
    let current = state.load(Ordering::Acquire);
    if is_sole_without_weak(current) {
        // Sole holder and no weak handle this occupancy: no other thread can access this word
        // (clone and downgrade need a strong handle, upgrade a weak one, the allocator a free
        // slot), so a plain store frees it.
        poison::poison(slot.0, slot.1);
        // Release: our reads of the payload happen before the next owner's write.
        state.store(freed(current), free_store_ordering());
        if !orphaned {
            match kind {
                // The owner finds the slot free by its state word: nothing else to do (and the
                // arena must not be touched again).
                ArenaKind::Local => return,
                // A `Shared` arena lives until every slot is listed again (see `orphans`): into
                // our stash cell if we can, else on the free list in `finish_last_release` (one
                // out-of-line call for every rarer case keeps this drop small enough to inline).
                // SAFETY: a `Shared` arena with slot `index` freed just above and not listed.
                ArenaKind::Shared if unsafe { stash_freed_shared_slot(arena, index) } => return,
                ArenaKind::Shared | ArenaKind::Heap => {}
            }
        }
    } else if !release_shared_reference(state, slot) {
        // Not the last: another holder frees the slot, and the arena may be gone already.
        #[cfg(loom)]
        if READ_ARENA_AFTER_DECREMENT.with(|r| r.get()) {
            let _ = arena_ref.is_orphaned();
        }
        return;
    }
    // SAFETY: we released the slot's last strong reference just above, reading `kind` and
    // `orphaned` before.
    unsafe { finish_last_release(arena, index, kind, orphaned) };
}

/// What the last strong reference's drop does after freeing the slot's state word: give a
/// `Shared` slot back to the free list, release a `Heap` arena, sweep orphans.
///
/// # Safety
///
/// The caller just freed slot `index` (its last strong reference), read `kind` and `orphaned` before
/// doing so, and touches neither the slot nor the arena afterwards.
#[inline(never)]
unsafe fn finish_last_release(arena: NonNull<Arena>, index: u32, kind: ArenaKind, orphaned: bool) {
    match kind {
        // Nothing else to do (and the arena may already be reclaimed): the owner finds the slot
        // free by its state word.
        ArenaKind::Local => {}
        ArenaKind::Shared => {
            // SAFETY: a `Shared` arena lives until every slot is listed again (see `orphans`),
            // and ours is not yet; the stash put or the push below is our last access.
            if !unsafe { stash_freed_shared_slot(arena, index) } {
                // SAFETY: as above. A local reference, not kept past the push.
                unsafe { arena.as_ref() }.free_stack().push(index);
            }
        }
        // SAFETY: the strong side's keepalive is ours to give up now (a heap arena lives until
        // its keepalive reaches 0).
        ArenaKind::Heap => unsafe { release_keepalive(arena, kind) },
    }
    if orphaned && kind != ArenaKind::Heap {
        orphans::sweep();
    }
}

/// Puts the freed slot `index` of a `Shared` arena into the calling thread's stash cell, if the
/// thread has one (it allocated from some `Pools`) and the cell is empty (see `stash`). Returns
/// whether it did; if not, the caller lists the slot on the free list.
///
/// # Safety
///
/// `arena` is a live `Shared` arena whose slot `index` the caller just freed and has not listed
/// yet. Once this returns `true` an orphaned arena may be reclaimed (see `orphans`): the caller
/// must not touch it again.
#[inline(always)]
unsafe fn stash_freed_shared_slot(arena: NonNull<Arena>, index: u32) -> bool {
    let Some(number) = thread_slot::assigned() else {
        return false;
    };
    // SAFETY: live until the slot is listed (caller's promise). A local reference, not an
    // argument: nothing asserts it live past the store into the cell.
    let arena_ref = unsafe { arena.as_ref() };
    debug_assert_eq!(arena_ref.kind(), ArenaKind::Shared);
    // SAFETY: a `Shared` arena (caller's promise).
    let cell = unsafe { arena_ref.stash().cell(number) };
    stash::put(cell, index).is_ok()
}

/// The drop of a reference that may not be the only one, or whose occupancy has weak handles: a
/// read-modify-write on the slot's `state` word. Returns whether it was the last.
///
/// Takes the state word and the slot's poisoning range (`slot`: address, length), not the arena:
/// once the decrement lands the arena may be reclaimed by another thread, and a `&Arena` argument
/// would be asserted live for the whole call.
#[inline(always)]
fn release_shared_reference(state: &AtomicU64, slot: (*const u8, usize)) -> bool {
    if cfg!(ringpool_asan) {
        // Under ASan the slot must be poisoned before an allocation can claim (and unpoison) it,
        // but not before we know we are the last holder (a racing upgrade would read poison). So
        // the last drop first leaves "refcount 0 with `W` set", which `is_free` treats as busy
        // under this cfg and which fails every upgrade (refcount 0), poisons, then clears `W`.
        let mut current = state.load(Ordering::Relaxed);
        loop {
            let last = refcount(current) == 1;
            let next = if last {
                (current - 1) | WEAK_FLAG
            } else {
                current - 1
            };
            // AcqRel on success: Release publishes our reads, Acquire (when last) orders the
            // other holders' drops before the reuse.
            match state.compare_exchange_weak(current, next, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => {
                    if last {
                        // The slot is still busy (`W` set), so its arena is alive until the store
                        // below, which is our last access.
                        poison::poison(slot.0, slot.1);
                        // Release: the poisoning happens before the claim that unpoisons. A plain
                        // store: with refcount 0 and `W` set no one else writes this word.
                        state.store(next & !WEAK_FLAG, Ordering::Release);
                    }
                    return last;
                }
                Err(actual) => current = actual,
            }
        }
    }
    // AcqRel. Release: our reads of the payload happen before the slot's reuse. Acquire (when we
    // turn out to be the last): every other holder's Release decrement happens before whatever we
    // do next (push the slot to a free list, release a heap arena). It must be part of this RMW,
    // not a later load: once the refcount is 0 a `Local` arena may already be reclaimed (see
    // `orphans`). The generation is bumped at the next claim, so the word left behind (refcount 0)
    // is free whoever races us: upgrades fail on refcount 0, and only the last drop sees 1 here.
    let previous = state.fetch_sub(1, Ordering::AcqRel);
    refcount(previous) == 1
}

/// Gives up one keepalive reference (a weak handle's, or a heap arena's strong side's).
///
/// # Safety
///
/// The caller holds that keepalive reference and never touches the arena afterwards.
pub(crate) unsafe fn release_keepalive(arena: NonNull<Arena>, kind: ArenaKind) {
    // SAFETY: our keepalive reference keeps the arena alive until the decrement.
    let arena_ref = unsafe { arena.as_ref() };
    // Release: our accesses happen before whoever frees the arena.
    if arena_ref.keepalive().fetch_sub(1, Ordering::Release) != 1 {
        return;
    }
    match kind {
        ArenaKind::Heap => {
            // Acquire (a load, not a fence, which ThreadSanitizer would misreport): every other
            // keepalive holder's accesses happen before the free.
            arena_ref.keepalive().load(Ordering::Acquire);
            // SAFETY: keepalive 0 on a heap arena: no strong handle (its side released last or
            // earlier) and no weak handle remain.
            unsafe { Arena::destroy(arena) };
        }
        // The allocator is gone too (it held one): let the registry reclaim.
        ArenaKind::Local | ArenaKind::Shared => orphans::sweep(),
    }
}
