//! Dropping a strong or weak reference to a slot: the one place slots are freed.
//!
//! The last drop of a pooled slot (a `LocalPools` or `Pools` class) runs in three steps:
//!
//! 1. It leaves the slot *freeing* (`F` with refcount 0, see `state`): a plain store for a sole
//!    holder without weak handles, else the `fetch_sub` that takes the refcount to 0. From here until step 3
//!    the slot keeps its arena alive (see `orphan`), so the drop may still use the arena.
//! 2. A `Pools` slot is listed: onto the dropping thread's magazine, or onto the free list. An
//!    allocation that takes it before step 3 waits for step 3 (a few instructions). Skipped when
//!    `orphaned` already reads set: no one allocates any more. A push onto the thread's own
//!    magazine shares its barrier with step 3 (see `free_to_own_magazine`).
//! 3. The drop's half of the orphan handshake (a barrier, then a look at the arena's `orphaned`
//!    flag, see `orphan`). Clear: the drop stores the word free (`F` cleared, Release: our payload
//!    reads happen before the next claim). Set: the allocator is gone; the drop retires the slot
//!    (`R`) and gives up its share of the arena's keepalive, freeing the arena if that share was
//!    the last.
//!
//! A sole holder (refcount 1, no weak handle this occupancy) reads its arena's drop route first,
//! one load that stands for the kind check and the barrier flag too (a `LocalPools` slot's drop
//! runs inline). A `Pools` sole holder (route `SHARED`) that its thread's magazine takes skips
//! step 1: the magazine's *busy* window is its orphan handshake, and its word goes from held to
//! free inside it (see `release_sole_shared` and `orphan`). If it reads `ORPHANED`
//! (stored by the allocator's drop after `orphaned`), it takes none of the steps: it leaves the word held and gives up the slot's share of
//! the keepalive (see `orphan`). That is the common orphaned drop, and it costs one `fetch_sub`.
//!
//! A heap message's last drop (`Overflow::Heap`) takes step 1, then gives up the strong side's
//! keepalive share of its one-slot arena. A drop that is not the last touches nothing after its
//! decrement: the arena may be freed by then. After the store that ends step 3 (free, or the
//! keepalive decrement) the same holds, so that store is the drop's last access, made through a
//! `&StateWord` / `&AtomicUsize` (see the module docs of `slot`).

use core::ptr::NonNull;

use super::arena::{Arena, ArenaKind, DropRoute};
use super::asymmetric;
use super::orphan;
use super::poison;
use super::stash::{OwnFree, Stash};
use super::state::{SlotState, StateWord};
use super::tid::{self, RawTid};
use crate::sync::{AtomicBool, Ordering};

// loom's own thread-locals, so a knob set in one model thread weakens that thread only (std's
// would be shared by every model thread: loom runs them as coroutines on one OS thread).
#[cfg(loom)]
loom::thread_local! {
    /// loom negative control: free with a Relaxed instead of a Release store.
    pub(crate) static WEAKEN_FREE_ORDERING: core::cell::Cell<bool> = core::cell::Cell::new(false);
}

#[cfg(loom)]
loom::thread_local! {
    /// loom negative control: a drop that is not the last reads the arena after its decrement.
    pub(crate) static READ_ARENA_AFTER_DECREMENT: core::cell::Cell<bool> = core::cell::Cell::new(false);
}

#[cfg(loom)]
loom::thread_local! {
    /// loom negative control: an orphaned sole holder's drop stores its word free before giving
    /// up its share, so the allocator's scan may read it free and not count that share.
    pub(crate) static TIDY_ORPHANED_WORD: core::cell::Cell<bool> = core::cell::Cell::new(false);
}

#[cfg(loom)]
loom::thread_local! {
    /// loom negative control: a sole holder's drop that its magazine refused lists and settles
    /// its slot without step 1's `F` mark, as if the *busy* window it has left were still its
    /// half of the orphan handshake.
    pub(crate) static REFUSED_SKIPS_FREEING_MARK: core::cell::Cell<bool> = core::cell::Cell::new(false);
}

#[inline(always)]
fn free_store_ordering() -> Ordering {
    #[cfg(loom)]
    if WEAKEN_FREE_ORDERING.with(|w| w.get()) {
        return Ordering::Relaxed;
    }
    Ordering::Release
}

/// Drops one strong reference to slot `index` of `arena`, and the last one frees the slot in the
/// steps of the module docs. A drop that is not the last is one load and one `fetch_sub`,
/// and the sole holder of a message without weak handles frees it with plain stores.
///
/// # Safety
///
/// The caller holds one strong reference to the slot (counted in its refcount) and gives it up:
/// it never uses the slot's payload or this reference again.
#[inline(always)]
pub(crate) unsafe fn release_strong(arena: NonNull<Arena>, index: u32) {
    // SAFETY: our strong reference keeps the arena alive until step 1. This local reference is
    // not used past it.
    let arena_ref = unsafe { arena.as_ref() };
    arena_ref.record_read(index);
    let state = arena_ref.state(index);
    // Acquire: if we are the last holder, every other holder's drop (Release) happens before the
    // slot is reused.
    let current = state.load(Ordering::Acquire);
    let (word, route) = if current.is_sole_without_weak() {
        // One load for the arena's kind, its barrier flag and whether its allocator is gone
        // (Acquire: then its keepalive bias happens before our decrement in
        // `release_orphaned_sole`).
        let route = arena_ref.drop_route();
        if route == DropRoute::LOCAL {
            // Sole holder and no weak handle this occupancy: no other thread can write this word
            // (clone and downgrade need a strong handle, upgrade a weak one, the allocator a free
            // slot), so a plain store suffices.
            let word = current.sole_freeing();
            state.store(word, Ordering::Relaxed);
            // A `LocalPools` slot has no step 2: step 3 inline, for the allocate/drop loop.
            let (addr, len) = arena_ref.slot_region(index);
            poison::poison(addr, len);
            // The flag is read although `LOCAL` implies it is set: with a constant there, the
            // compiler fence stands unconditionally in every caller's inlined drop, and the code
            // LLVM made around it in one caller ran ~1.5x slower (frame_read, informal A/B).
            let (orphaned, plain_barrier) = (arena_ref.orphaned(), arena_ref.plain_barrier());
            // SAFETY: we left the slot `F`; nothing below uses `arena_ref`.
            return unsafe { settle(arena, state, orphaned, plain_barrier, word) };
        }
        // Not a live `LocalPools` slot: out of line, below (nothing stored yet).
        (current, route)
    } else {
        match release_shared_reference(state) {
            Some(word) => (word, DropRoute::OTHER),
            None => {
                // Not the last: another holder frees the slot, and the arena may be gone already.
                #[cfg(loom)]
                if READ_ARENA_AFTER_DECREMENT.with(|r| r.get()) {
                    let _ = arena_ref.kind();
                }
                return;
            }
        }
    };
    // The thread's number is read here, inline in the caller's crate: a thread-local read out of
    // line in this crate may compile to a `__tls_get_addr` call (relaxed by the linker, but the
    // registers it clobbers are still saved), which costs `free_slot` a stack frame. Passed raw
    // (one load, checked out of line), to keep the inlined drop small.
    let number = tid::assigned_raw();
    // SAFETY: a sole holder's word as it read it (refcount 1), or the `F` word its last shared
    // reference's decrement left; the slot is ours until `release_last` ends; a widened `u32`.
    unsafe { release_last(arena, index as usize, word, route, number) };
}

/// Steps 2 and 3 of a last drop, which left slot `index` *freeing* as `freeing_word` (any arena
/// but a sole holder's `LocalPools` slot). Out of line, so that every message drop stays small
/// enough to inline; a `Pools` slot that fits in the dropping thread's magazine is done here
/// without a stack frame, anything else goes on in [`free_slot_past_magazine`].
///
/// # Safety
///
/// The caller's last drop left the slot `F` (`freeing_word`) and never touches the arena again;
/// `number` is the calling thread's raw number ([`tid::assigned_raw`]).
#[inline(never)]
unsafe fn free_slot(arena: NonNull<Arena>, index: u32, freeing_word: SlotState, number: RawTid) {
    // SAFETY: the caller's promise.
    if unsafe { free_to_own_magazine(arena, index, freeing_word, number) } {
        return;
    }
    // SAFETY: the slot is still ours in `F`, listed nowhere.
    unsafe { free_slot_past_magazine(arena, index, freeing_word) };
}

/// Step 2 onto the dropping thread's own magazine, then step 3: `false` (nothing done, the slot
/// still `F` and listed nowhere) when the arena is not a `Pools` one, the thread has no number,
/// its magazine is full, a thief is registered or the allocator is gone.
///
/// One light barrier and one load serve both handshakes: the magazine's (*busy* mark before it,
/// the stash's gate after, see `stash`) and step 3's (our `F` store before it, the gate's
/// `ORPHANED` bit after, which the allocator's drop sets after `orphaned`), since the mark and `F`
/// are both stored before it. So the slot is pushed only while the gate reads open, which
/// includes "the allocator lives".
///
/// # Safety
///
/// As [`free_slot`], and `number` is the calling thread's raw number ([`tid::assigned_raw`]); on `false`
/// the slot is still the caller's.
#[inline(always)]
unsafe fn free_to_own_magazine(
    arena: NonNull<Arena>,
    index: u32,
    freeing_word: SlotState,
    number: RawTid,
) -> bool {
    // SAFETY: our `F` slot keeps the arena alive until step 3, and this reference is not used
    // past it.
    let arena_ref = unsafe { arena.as_ref() };
    if arena_ref.kind() != ArenaKind::Shared {
        return false;
    }
    let Some(number) = tid::number_of(number) else {
        return false;
    };
    // Not claimable while `F`: poisoning now comes before the claim that unpoisons (again in
    // `free_slot_past_magazine` if the push fails, which is harmless).
    let (addr, len) = arena_ref.slot_region(index);
    poison::poison(addr, len);
    let state = arena_ref.state(index);
    // SAFETY: a `Shared` arena, our own thread's number, and the slot is ours, listed nowhere.
    let pushed = unsafe { arena_ref.stash().push_own(number, index) };
    if !pushed {
        return false;
    }
    // Step 3 with the gate read open after the barrier, so without `ORPHANED` (see `settle`):
    // the Dekker pair is our `F` and that bit, which the allocator's drop sets after `orphaned`.
    // Release: our reads of the payload (and the listing) happen before the slot's next claim.
    // Nothing after this store uses the arena.
    state.store(freeing_word.freed(), free_store_ordering());
    true
}

/// Steps 2 and 3 of a last drop whose slot the dropping thread's magazine did not take: a heap
/// slot's keepalive share, or a `Pools` slot onto the free list, then step 3.
///
/// # Safety
///
/// As [`free_slot`].
#[inline(never)]
unsafe fn free_slot_past_magazine(arena: NonNull<Arena>, index: u32, freeing_word: SlotState) {
    // SAFETY: our `F` slot keeps the arena alive until step 3, and this reference is not used
    // past it.
    let arena_ref = unsafe { arena.as_ref() };
    // Not claimable while `F`: poisoning now comes before the claim that unpoisons.
    let (addr, len) = arena_ref.slot_region(index);
    poison::poison(addr, len);
    let kind = arena_ref.kind();
    if kind == ArenaKind::Heap {
        // SAFETY: forwarded.
        return unsafe { release_heap_slot(arena) };
    }
    let orphaned = arena_ref.orphaned();
    let plain_barrier = arena_ref.plain_barrier();
    let state = arena_ref.state(index);
    // Step 2. The slot is ours in `F` until step 3: the arena lives. Relaxed: a hint, as in
    // `free_to_own_magazine`.
    if kind == ArenaKind::Shared && !orphaned.load(Ordering::Relaxed) {
        // SAFETY: live while our slot is `F`, which outlasts this push.
        arena_ref.free_stack().push(index);
    }
    // SAFETY: our slot is `F`; nothing below uses `arena_ref`.
    unsafe { settle(arena, state, orphaned, plain_barrier, freeing_word) };
}

/// Step 3 (see the module docs): the drop's half of the orphan handshake, then the store that
/// frees the slot, or its retirement. Takes the arena's atomics (not a `&Arena`): after the last
/// store the arena may be freed by another thread.
///
/// # Safety
///
/// `state` and `orphaned` belong to `arena`, whose slot the caller left `F` as `word` (listed
/// already if it is a `Pools` slot); the caller never touches the arena again.
#[inline(always)]
unsafe fn settle(
    arena: NonNull<Arena>,
    state: &StateWord,
    orphaned: &AtomicBool,
    plain_barrier: bool,
    word: SlotState,
) {
    asymmetric::light_or_fence(plain_barrier);
    // Acquire: if set, the allocator's keepalive bias (added before its Release store) happens
    // before our decrement in `retire`.
    if orphaned.load(Ordering::Acquire) {
        // SAFETY: our slot is `F`, so the arena lives; `retire` is our last access.
        unsafe { retire(arena, state, word) };
        return;
    }
    // Release: our reads of the payload (and the listing) happen before the slot's next claim.
    state.store(word.freed(), free_store_ordering());
}

/// Step 3 when the allocator is gone: marks the slot retired, then gives up its share of the
/// arena's keepalive (see `orphan`).
///
/// # Safety
///
/// `state` is slot word of `arena` that the caller holds in `F` (`word`), and the caller never
/// touches the arena again.
#[cold]
#[inline(never)]
unsafe fn retire(arena: NonNull<Arena>, state: &StateWord, word: SlotState) {
    // SAFETY: live while our slot is `F`; only used to reach the keepalive counter before the
    // store below (after it, only the `&AtomicUsize` and the raw pointer are used).
    let keepalive = unsafe { arena.as_ref() }.keepalive();
    // Release: the allocator's drop, which waits while the slot is `F`, then counts this slot as
    // owing a keepalive share; our accesses happen before its Acquire load.
    state.store(word.retired(), Ordering::Release);
    // SAFETY: the allocator counted this slot's share (it saw it held, or retired), and it is ours.
    unsafe { orphan::release_share(arena, keepalive) };
}

/// The rest of a last drop, out of line (one call site, so that every message drop stays small
/// enough to inline): a sole holder's (refcount 1 in `word`, nothing stored yet) takes the
/// orphaned fast path if `route` says so, else step 1 (a plain store) and [`free_slot`]; a
/// shared reference's (`word` already `F`) goes to [`free_slot`].
///
/// # Safety
///
/// The caller gave up its strong reference: either the only one (no weak handle this
/// occupancy; `word` is the word it read, and `route` the arena's, not `LOCAL`) or the last of
/// several (`word` is the `F` word its decrement left); it never touches the slot or the arena again. `number`
/// is the calling thread's raw number ([`tid::assigned_raw`]). `index` is a `u32`, widened
/// (passed as a `usize`, it needs no zero-extension here: one instruction per drop).
#[inline(never)]
unsafe fn release_last(
    arena: NonNull<Arena>,
    index: usize,
    word: SlotState,
    route: DropRoute,
    number: RawTid,
) {
    // SAFETY: `index` is a `u32` widened (the caller's promise); told to the compiler so that the
    // narrowing below and the widening for indexing cost no instruction.
    unsafe { core::hint::assert_unchecked(index <= u32::MAX as usize) };
    let index = index as u32;
    if route == DropRoute::SHARED {
        // Only a sole holder passes `SHARED` (the last of several references passes `OTHER`).
        // SAFETY: forwarded: a sole holder's held word, in a `Pools` arena with asymmetric
        // barriers.
        return unsafe { release_sole_shared(arena, index, word, number) };
    }
    if word.refcount() == 0 {
        // SAFETY: the slot is `F`, ours until `free_slot` ends.
        return unsafe { free_slot(arena, index, word, number) };
    }
    if route == DropRoute::ORPHANED {
        // SAFETY: forwarded.
        return unsafe { release_orphaned_sole(arena, index) };
    }
    // SAFETY: our strong reference keeps the arena alive until step 1; not used past it.
    let state = unsafe { arena.as_ref() }.state(index);
    // Sole holder and no weak handle this occupancy: a plain store suffices (see
    // `release_strong`).
    let freeing_word = word.sole_freeing();
    state.store(freeing_word, Ordering::Relaxed);
    // SAFETY: we left the slot `F` (step 1); the slot is ours until `free_slot` ends.
    unsafe { free_slot(arena, index, freeing_word, number) };
}

/// The last drop of a sole holder (refcount 1 in `word`, no weak handle this occupancy) of a
/// `Pools` slot whose arena's route read `SHARED`: onto the dropping thread's magazine with no
/// step 1, the magazine's *busy* window serving as the orphan handshake (see
/// [`Stash::free_sole_own`] and `orphan`): the word goes from held to free inside it. If the
/// allocator turns out to be gone, the word stays held and the drop gives up the slot's share
/// (as [`release_orphaned_sole`]); if the magazine refuses the slot, steps 1 to 3 as usual.
///
/// # Safety
///
/// As [`release_last`] for a sole holder, in an arena whose route the caller read `SHARED`.
///
/// [`Stash::free_sole_own`]: super::stash::Stash::free_sole_own
#[inline(always)]
unsafe fn release_sole_shared(arena: NonNull<Arena>, index: u32, word: SlotState, number: RawTid) {
    if let Some(own) = tid::number_of(number) {
        // SAFETY: our held slot keeps the arena alive; this reference is not used past the call
        // below, which passes the stash on as a raw pointer.
        let arena_ref = unsafe { arena.as_ref() };
        // Claimable once freed in the magazine: poisoned first (again on the paths below, which
        // is harmless).
        let (addr, len) = arena_ref.slot_region(index);
        poison::poison(addr, len);
        let state = arena_ref.state(index);
        let stash = NonNull::from(arena_ref.stash());
        // The closure below captures `state` by reference to this local, so the reference into
        // the arena is not an argument of `free_sole_own` itself; it runs (if at all) before the
        // *busy* clear, and dropping it after is a no-op.
        // SAFETY: the stash of a live `Pools` arena with asymmetric barriers (`SHARED`), kept
        // alive by our held slot; our own thread's number; the slot is ours (held, listed
        // nowhere), and `free` frees exactly it.
        let outcome = unsafe {
            Stash::free_sole_own(
                stash,
                own,
                index,
                // Release: our reads of the payload happen before the slot's next claim (by us,
                // or by a thief or the allocator's drop once they see the *busy* clear).
                || state.store(word.sole_freed(), free_store_ordering()),
            )
        };
        match outcome {
            OwnFree::Pushed => return,
            // SAFETY: our held slot, `orphaned` read set with Acquire; nothing stored.
            OwnFree::Orphaned => return unsafe { release_orphaned_sole(arena, index) },
            OwnFree::Refused => {}
        }
    }
    // Steps 1 to 3, past the magazine. Step 1 is needed although the magazine's handshake ran:
    // its *busy* mark is cleared, so the allocator's drop may have waited it out and read our
    // word held; the `F` mark, stored before `settle`'s barrier, is our half of the handshake
    // from here (the scan sees it and waits, or we see `orphaned` and retire).
    // SAFETY: our held slot keeps the arena alive until step 1; not used past it.
    let state = unsafe { arena.as_ref() }.state(index);
    let freeing_word = word.sole_freeing();
    #[cfg(loom)]
    let mark = !REFUSED_SKIPS_FREEING_MARK.with(|s| s.get());
    #[cfg(not(loom))]
    let mark = true;
    if mark {
        state.store(freeing_word, Ordering::Relaxed);
    }
    // SAFETY: we left the slot `F` (step 1); it is ours, listed nowhere.
    unsafe { free_slot_past_magazine(arena, index, freeing_word) };
}

/// The last drop of a sole holder (refcount 1, no weak handle this occupancy) that found the
/// allocator already gone before step 1: it leaves the word as it is, held, which the allocator's
/// scan counts as owing a share whether it reads it before or after (see `orphan`), and gives up
/// that share. No store to the slot's word, no handshake: one `fetch_sub` (the last unmaps).
///
/// # Safety
///
/// The caller holds the slot's only strong reference (no weak handle this occupancy), saw
/// `orphaned` set with Acquire, and never touches the slot or the arena again.
#[cold]
#[inline(never)]
unsafe fn release_orphaned_sole(arena: NonNull<Arena>, index: u32) {
    // SAFETY: our held slot keeps the arena alive until the decrement in `release_share`; this
    // reference is not used past it.
    let arena_ref = unsafe { arena.as_ref() };
    let (addr, len) = arena_ref.slot_region(index);
    poison::poison(addr, len);
    #[cfg(loom)]
    if TIDY_ORPHANED_WORD.with(|t| t.get()) {
        let state = arena_ref.state(index);
        state.store(state.load(Ordering::Relaxed).freed(), Ordering::Release);
    }
    let keepalive = arena_ref.keepalive();
    // SAFETY: the allocator counts this held slot's share (it reads the word held, as we left
    // it); the share is ours, and nothing after the decrement touches the arena.
    unsafe { orphan::release_share(arena, keepalive) };
}

/// The drop of a reference that may not be the only one, or whose occupancy has weak handles: a
/// `fetch_sub` on the slot's `state` word. Returns the word it left if it was the last (the slot
/// is then freeing: refcount 0, `F` still set), `None` otherwise (the arena may then be gone at
/// once: nothing after the decrement touches it).
#[inline(always)]
fn release_shared_reference(state: &StateWord) -> Option<SlotState> {
    // Release: our reads of the payload happen before the slot's reuse. Upgrades fail once the
    // refcount is 0.
    let previous = state.remove_reference(Ordering::Release);
    if previous.refcount() != 1 {
        return None;
    }
    // Acquire (a load, not a fence, which ThreadSanitizer would misreport): every other holder's
    // Release decrement happens before whatever we do next. The word stays as we left it: no one
    // writes a freeing word but its last holder.
    state.load(Ordering::Acquire);
    Some(previous.with_one_less())
}

/// The last drop of a heap message (`Overflow::Heap`), its slot left `F` (refcount 0, so weak
/// handles fail to upgrade): gives up the strong side's keepalive share.
///
/// # Safety
///
/// As [`free_slot`], on a `Heap` arena.
#[cold]
#[inline(never)]
unsafe fn release_heap_slot(arena: NonNull<Arena>) {
    // SAFETY: the strong side's keepalive share, given up last below, keeps the arena alive.
    let keepalive = unsafe { arena.as_ref() }.keepalive();
    // SAFETY: the strong side's share is ours to give up now; not touched afterwards.
    unsafe { orphan::release_share(arena, keepalive) };
}

/// Gives up one weak handle's keepalive share.
///
/// # Safety
///
/// The caller holds that share and never touches the arena afterwards.
pub(crate) unsafe fn release_keepalive(arena: NonNull<Arena>) {
    // SAFETY: our share keeps the arena alive until the decrement inside `release_share`.
    let keepalive = unsafe { arena.as_ref() }.keepalive();
    // SAFETY: forwarded.
    unsafe { orphan::release_share(arena, keepalive) };
}
