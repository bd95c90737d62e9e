//! Who frees an arena: whoever gives up the last share of its `keepalive`, in O(1) per drop and
//! with no lock, whether the allocator goes first or its messages do.
//!
//! While the allocator (`Pools`, `LocalPools`, a thread's `allocate_from_pool` pools) lives, the
//! keepalive is 1 (its [`AllocatorShare`]) plus one per weak handle, and slot drops never touch
//! it. When the allocator is dropped, the drop of its share ([`abandon`]) turns every slot whose
//! last drop is still to come into one share:
//!
//! 1. add a bias larger than any number of shares (so no drop can take the count to 0 early);
//! 2. set `orphaned`, then the arena's drop route to `Orphaned`, then the `ORPHANED` bit of its
//!    magazines' gate (`Pools` arenas, see `stash`) (Release all three), then the heavy side of
//!    the handshake with the drops (below);
//! 3. wait until no `Pools` magazine owner is *busy* (below), then read every slot ever handed
//!    out once: held, or retired by a drop that saw `orphaned`, owes
//!    a share; free owes none; *freeing* (`F`: a drop between its free and its look at
//!    `orphaned`) is waited for, a few instructions, and then read again;
//! 4. give up the bias and its own 1, minus the shares counted: the last of these decrements
//!    (this one, a slot's last drop in `release`, or a weak handle's drop) frees the arena.
//!
//! The handshake with the drops is Dekker's: a last drop (`release`) stores `F`, runs its barrier,
//! then loads `orphaned` (or, pushing onto its magazine, the gate's `ORPHANED` bit); the allocator
//! stores both, runs its barrier, then loads every slot word (step 3). One of the two sees the
//! other's store. A `Pools` sole holder that drops onto its own magazine stores no `F`: its
//! magazine's *busy* mark stands for it (it marks, runs its barrier, loads the gate and, if that
//! is open, so without `ORPHANED`, frees its word before it clears the mark), and the allocator,
//! after its barrier, waits for every mark to clear before it reads the words. So either that drop
//! sees `ORPHANED` (and leaves its word held, giving up the share the scan counts), or the
//! allocator sees the mark and then reads the word free. The drop's barrier is a compiler fence
//! where the process has asymmetric barriers (`asymmetric`: the allocator pays with
//! `membarrier`), else a `SeqCst` fence on both sides.
//!
//! Step 3 counts exactly the drops that will give up a share: by the handshake, a drop that
//! stores its free before the allocator's read of its word sees `orphaned` set only if the
//! allocator saw that store as `F` and waited for it to turn retired; otherwise the allocator
//! reads it free (after the drop is done with the arena) or held (and the drop, storing later,
//! sees `orphaned`). A sole holder's drop that reads the route `Orphaned` *before* it writes its word
//! (see `release`) writes nothing to it: the allocator reads that word held, whether before or
//! after, and counts the share this drop gives up. Each of these is one scan of the slots the
//! allocator ever handed out, once, at its drop; a slot drop after that is a flag load and one
//! `fetch_sub` (plus one store for a drop that had already left its word `F`).

use core::ops::Deref;
use core::ptr::NonNull;

use super::arena::{Arena, ArenaKind};
use super::asymmetric;
use super::state::{SlotState, StateWord};
use crate::sync::{AtomicUsize, Ordering};

/// Added to the keepalive while the allocator counts the shares: more than any count of slots and
/// weak handles, so the count cannot reach 0 before step 4.
const BIAS: usize = 1 << (usize::BITS - 2);

/// An allocator's share of one of its arenas (the 1 in its keepalive): gives `&Arena` while it
/// lives, and its drop abandons the arena (see the module docs). The only way an allocator lets go
/// of an arena.
///
/// Neither `Send` nor `Sync`: the allocator that holds it decides (a `LocalPools` is `Send` and
/// claims slots with plain stores, which only its owner may do).
pub(crate) struct AllocatorShare {
    arena: NonNull<Arena>,
}

impl AllocatorShare {
    /// A new arena of `capacity` slots (see [`Arena::create`]) for a `LocalPools` or `Pools`.
    pub(crate) fn create(class: crate::SizeClass, capacity: usize, kind: ArenaKind) -> Self {
        assert_ne!(kind, ArenaKind::Heap, "heap arenas have no allocator");
        AllocatorShare {
            arena: Arena::create(class, capacity, kind),
        }
    }

    /// Takes back the share of an allocator that kept it as a pointer (a `Pools` keeps its arenas
    /// in atomic pointers).
    ///
    /// # Safety
    ///
    /// `arena` is a live `Local` or `Shared` arena whose allocator's share the caller holds and
    /// hands over; the caller claims no slot of it afterwards.
    pub(crate) unsafe fn from_raw(arena: NonNull<Arena>) -> Self {
        AllocatorShare { arena }
    }

    /// The arena, for the handles of slots claimed from it (each of which keeps it alive).
    #[inline(always)]
    pub(crate) fn as_ptr(&self) -> NonNull<Arena> {
        self.arena
    }
}

impl Deref for AllocatorShare {
    type Target = Arena;

    #[inline(always)]
    fn deref(&self) -> &Arena {
        // SAFETY: our share keeps the arena alive until our drop.
        unsafe { self.arena.as_ref() }
    }
}

impl Drop for AllocatorShare {
    fn drop(&mut self) {
        // SAFETY: a live `Local` or `Shared` arena (see `create` and `from_raw`); the allocator is
        // being dropped with its share (no `&Arena` borrowed from us is left, no claim is under
        // way), and no one uses this share again.
        unsafe { abandon(self.arena) };
    }
}

/// Turns the allocator's share of `arena` into the shares of the slots still to be dropped (see
/// the module docs).
///
/// # Safety
///
/// `arena` is a live `Local` or `Shared` arena of the calling allocator, which never allocates
/// from it or touches it again, and no allocation from it is under way.
unsafe fn abandon(arena: NonNull<Arena>) {
    // SAFETY: the allocator's share (given up last, below) keeps it alive.
    let arena_ref = unsafe { arena.as_ref() };
    let keepalive = arena_ref.keepalive();
    // Relaxed: published by the Release stores of `orphaned` and of the drop route to every drop
    // that sees either set.
    keepalive.fetch_add(BIAS, Ordering::Relaxed);
    arena_ref.orphaned().store(true, Ordering::Release);
    arena_ref.set_orphaned_route();
    arena_ref.stash().close_orphaned();
    asymmetric::heavy_or_fence(arena_ref.plain_barrier());
    // A sole holder's drop onto its magazine frees its word inside its owner's *busy* window:
    // wait those out, so the scan reads such a word free (see the module docs).
    arena_ref.stash().wait_until_owners_idle();
    let mut owed = 0;
    for index in 0..arena_ref.used() {
        if settled_word(arena_ref.state(index)).owes_keepalive() {
            owed += 1;
        }
    }
    // SAFETY: the bias and our share are ours; `owed` shares are given up by the drops counted.
    unsafe { release_shares(arena, keepalive, BIAS + 1 - owed) };
}

/// The slot's word once no drop is between its free and its look at `orphaned`.
fn settled_word(state: &StateWord) -> SlotState {
    let backoff = crate::sync::Backoff::new();
    loop {
        // Acquire: a drop's free (or retire) store is Release, so its accesses to the arena happen
        // before whatever frees the arena after this read.
        let word = state.load(Ordering::Acquire);
        if !word.is_freeing() {
            return word;
        }
        backoff.snooze();
    }
}

/// Gives up one share of `arena`'s keepalive (`keepalive`, obtained by the caller while it still
/// held the share), freeing the arena if it was the last.
///
/// # Safety
///
/// The caller holds that share and never touches the arena afterwards.
#[inline]
pub(crate) unsafe fn release_share(arena: NonNull<Arena>, keepalive: &AtomicUsize) {
    // SAFETY: forwarded.
    unsafe { release_shares(arena, keepalive, 1) };
}

/// # Safety
///
/// The caller holds `shares` shares of `arena`'s keepalive (`keepalive`), gives them up, and never
/// touches the arena afterwards. Takes the counter as `&AtomicUsize`, not the arena: once the
/// decrement lands another thread may free the arena.
#[inline]
unsafe fn release_shares(arena: NonNull<Arena>, keepalive: &AtomicUsize, shares: usize) {
    // Release: our accesses happen before whoever frees the arena.
    if keepalive.fetch_sub(shares, Ordering::Release) != shares {
        return;
    }
    // Acquire (a load, not a fence, which ThreadSanitizer would misreport): every other share
    // holder's accesses happen before the free.
    keepalive.load(Ordering::Acquire);
    // SAFETY: the count is 0: no allocator, no weak handle, no slot whose last drop is to come,
    // and (by the allocator's scan) no drop between its free and its look at `orphaned`.
    unsafe { Arena::destroy(arena) };
}
