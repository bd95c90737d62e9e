//! Arenas whose allocator was dropped (or whose thread exited) while messages or weak handles
//! still pointed into them.
//!
//! A holder's last drop may free its slot with a plain store and never look at the arena again, so
//! no single drop can know it was the arena's last user. Instead the allocator's drop registers the
//! arena here, and the arena is freed by a *sweep* that finds it reclaimable: its `keepalive` is 0
//! (no allocator, no weak handle) and every slot is free (`Local`: all refcounts 0; `Shared`: all
//! indices listed again, on the free list or in a stash cell, which a drop does as its very last
//! access).
//!
//! Sweeps run under the registry lock:
//! - at the allocator's drop, right after registering;
//! - after any drop that read the arena's `orphaned` flag as set (it frees first, then sweeps);
//! - after the last weak handle of an orphaned arena is dropped;
//! - opportunistically when any allocator is created or dropped.
//!
//! A drop that read `orphaned` as still clear just before the allocator set it skips the sweep;
//! its arena is then reclaimed at the next sweep point. Memory is never freed while in use, and an
//! orphan never outlives the next sweep after its last handle is gone. A registered arena is
//! always reachable from here (no "definitely lost" block for leak checkers).

use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering as StdOrdering};

use super::arena::{Arena, ArenaKind};
use super::tsan;
use crate::sync::Ordering;

/// Registered arenas. `NonNull` is not `Send`; the registry owns these arenas exclusively.
struct OrphanList(Vec<NonNull<Arena>>);

// SAFETY: an `Arena` is shared between threads by design (all its shared fields are atomics); the
// list only carries pointers that the lock serialises access to.
unsafe impl Send for OrphanList {}

#[cfg(not(loom))]
static REGISTRY: std::sync::Mutex<OrphanList> = std::sync::Mutex::new(OrphanList(Vec::new()));

#[cfg(loom)]
loom::lazy_static! {
    static ref REGISTRY: loom::sync::Mutex<OrphanList> = loom::sync::Mutex::new(OrphanList(Vec::new()));
}

/// How many arenas are registered: a hint for the opportunistic sweep points only (not loom-modelled
/// because nothing's correctness depends on it).
static REGISTERED: StdAtomicUsize = StdAtomicUsize::new(0);

fn with_registry<R>(f: impl FnOnce(&mut Vec<NonNull<Arena>>) -> R) -> R {
    #[cfg(not(loom))]
    let mut guard = REGISTRY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    #[cfg(loom)]
    let mut guard = REGISTRY.lock().unwrap();
    // The std mutex's contended path is invisible to ThreadSanitizer; name its edges explicitly.
    tsan::acquired(&REGISTRY);
    let result = f(&mut guard.0);
    tsan::releasing(&REGISTRY);
    result
}

/// Called by an allocator's drop for each of its arenas: gives up the allocator's keepalive and
/// frees the arena now if nothing references it, or hands it to the registry.
///
/// # Safety
///
/// `arena` is a live `Local` or `Shared` arena of the calling allocator, which never touches it
/// again.
pub(crate) unsafe fn abandon(arena: NonNull<Arena>) {
    // SAFETY: the allocator's keepalive (given up below, after the last access) keeps it alive.
    let arena_ref = unsafe { arena.as_ref() };
    debug_assert_ne!(arena_ref.kind(), ArenaKind::Heap);
    arena_ref.mark_orphaned();
    with_registry(|list| {
        list.push(arena);
        REGISTERED.store(list.len(), StdOrdering::Relaxed);
    });
    // Release: our accesses happen before a sweeper's Acquire read of 0.
    arena_ref.keepalive().fetch_sub(1, Ordering::Release);
    sweep();
}

/// Frees every registered arena that is reclaimable.
pub(crate) fn sweep() {
    with_registry(|list| {
        list.retain(|arena| {
            // SAFETY: registered arenas are freed only here, under the lock, and removed at once.
            let arena_ref = unsafe { arena.as_ref() };
            if !is_reclaimable(arena_ref) {
                return true;
            }
            // SAFETY: reclaimable: no allocator, no weak handle, every slot free with its freeing
            // drop done with the arena (Acquire reads in `is_reclaimable`), and a free slot can no
            // longer be claimed; the registry held the last pointer.
            unsafe { Arena::destroy(*arena) };
            false
        });
        REGISTERED.store(list.len(), StdOrdering::Relaxed);
    });
}

/// A cheap sweep point: sweeps only when some arena is registered. (Not under loom: the hint
/// outlives a model's executions, which would make them differ.)
pub(crate) fn sweep_if_any() {
    if cfg!(not(loom)) && REGISTERED.load(StdOrdering::Relaxed) != 0 {
        sweep();
    }
}

/// The number of registered, not yet reclaimed arenas (for tests).
#[cfg(any(not(loom), test))]
pub(crate) fn registered() -> usize {
    with_registry(|list| list.len())
}

fn is_reclaimable(arena: &Arena) -> bool {
    // Acquire: pairs with the Release decrements of the allocator and the weak handles.
    if arena.keepalive().load(Ordering::Acquire) != 0 {
        return false;
    }
    match arena.kind() {
        ArenaKind::Local => arena.all_slots_free(),
        ArenaKind::Shared => {
            let stashed = arena.stash().count_full();
            stashed + arena.free_stack().count_without_pops(arena.capacity()) == arena.capacity()
        }
        ArenaKind::Heap => unreachable!("heap arenas are never registered"),
    }
}
