//! A `Pools`' per-class arenas: created lazily by whichever thread allocates first, each held by
//! the table's allocator share until the table is dropped.

use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;

use super::arena::{Arena, ArenaKind};
use super::orphan::AllocatorShare;
use super::stash::Refill;
use super::tid;
use crate::class::SizeClass;
use crate::sync::{AtomicPtr, Ordering};

/// One `Shared` arena per size class, null until the class's first allocation. The table holds
/// the allocator share of every arena it installed, and gives it up at its drop.
///
/// `Send` and `Sync` (as its atomic pointers are), which makes `Pools` so: any thread uses a
/// `Shared` arena through `&Arena`, whose shared state is atomic; the magazines' plain accesses
/// belong to the thread that holds their number (see `stash`).
pub(crate) struct SharedArenas {
    /// Each class's arena (null until created); installed once, with a Release compare-exchange.
    arenas: [AtomicPtr<Arena>; SizeClass::COUNT],
}

/// A `Shared` arena borrowed from its [`SharedArenas`]: `&Arena` for as long as the table lives,
/// the raw pointer that slot handles keep, and the calling thread's magazine operations.
#[derive(Clone, Copy)]
pub(crate) struct SharedArena<'a> {
    arena: NonNull<Arena>,
    table: PhantomData<&'a SharedArenas>,
}

impl SharedArenas {
    /// No arena yet.
    pub(crate) fn new() -> Self {
        SharedArenas {
            arenas: core::array::from_fn(|_| AtomicPtr::new(core::ptr::null_mut())),
        }
    }

    /// The arena of `class` if it was created.
    #[inline(always)]
    pub(crate) fn get(&self, class: SizeClass) -> Option<SharedArena<'_>> {
        // Acquire: pairs with the Release that installed it, so its fields are initialised.
        let arena = NonNull::new(self.arenas[class.index()].load(Ordering::Acquire))?;
        Some(SharedArena {
            arena,
            table: PhantomData,
        })
    }

    /// The arena of `class`, created now with `capacity` slots if it does not exist yet (`None`
    /// when `capacity` is 0).
    #[inline(always)]
    pub(crate) fn get_or_create(
        &self,
        class: SizeClass,
        capacity: impl FnOnce() -> usize,
    ) -> Option<SharedArena<'_>> {
        match self.get(class) {
            Some(arena) => Some(arena),
            None => self.create(class, capacity()),
        }
    }

    #[cold]
    #[inline(never)]
    fn create(&self, class: SizeClass, capacity: usize) -> Option<SharedArena<'_>> {
        if capacity == 0 {
            return None;
        }
        let ours = AllocatorShare::create(class, capacity, ArenaKind::Shared);
        // Release: our initialisation of the arena happens before any use through the pointer.
        // Acquire on failure: the winner's arena, likewise.
        let installed = match self.arenas[class.index()].compare_exchange(
            core::ptr::null_mut(),
            ours.as_ptr().as_ptr(),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => {
                let arena = ours.as_ptr();
                // The table holds the share from now on (given up in `drop`).
                core::mem::forget(ours);
                arena
            }
            // Ours was never shared: dropping its share (no slot handed out) frees it.
            Err(winner) => NonNull::new(winner).expect("the winner installed an arena"),
        };
        Some(SharedArena {
            arena: installed,
            table: PhantomData,
        })
    }
}

impl Drop for SharedArenas {
    fn drop(&mut self) {
        for arena in &mut self.arenas {
            // Relaxed: `&mut self`, so every store to it happened before (a plain read would do;
            // loom's atomics have no `get_mut`).
            if let Some(arena) = NonNull::new(arena.load(Ordering::Relaxed)) {
                // SAFETY: the share installed in `create`, held by the table until now; `&mut
                // self`: no allocation is under way and no `SharedArena` borrowed from us is
                // left, and the pointer is never read again.
                drop(unsafe { AllocatorShare::from_raw(arena) });
            }
        }
    }
}

impl<'a> SharedArena<'a> {
    /// The arena, for the handle of a slot claimed from it (which keeps it alive on its own).
    #[inline(always)]
    pub(crate) fn as_ptr(self) -> NonNull<Arena> {
        self.arena
    }

    /// The arena, for as long as the table lives.
    #[inline(always)]
    pub(crate) fn get(self) -> &'a Arena {
        // SAFETY: the table's allocator share keeps the arena alive until the table's drop, which
        // `'a` (a borrow of the table) outlives.
        unsafe { self.arena.as_ref() }
    }

    /// Pops a slot from the calling thread's magazine (see `stash`), if the thread has a number
    /// (assigned now if it has none) and its magazine holds one.
    #[inline(always)]
    pub(crate) fn pop_own(self) -> Option<u32> {
        let number = tid::current()?;
        let arena = self.get();
        // SAFETY: a `Shared` arena's stash (only `create` builds arenas here), and our own
        // thread's number.
        unsafe { arena.stash().pop_own(number) }
    }

    /// Takes a chunk of never-used slots: the first is returned, the rest go into the calling
    /// thread's magazine (`None` if the thread has no number, its magazine has no room, a thief is
    /// registered, or no fresh slot is left; see [`Stash::take_fresh_chunk`]).
    ///
    /// [`Stash::take_fresh_chunk`]: super::stash::Stash::take_fresh_chunk
    #[inline]
    pub(crate) fn take_fresh_chunk_own(self, chunk: u32) -> Option<u32> {
        let number = tid::assigned()?;
        let arena = self.get();
        // SAFETY: a `Shared` arena's stash, our own thread's number, and `Arena::take_fresh_chunk`
        // hands out never-used slots, listed nowhere.
        unsafe {
            arena
                .stash()
                .take_fresh_chunk(number, |max| arena.take_fresh_chunk(max, chunk))
        }
    }
}

impl SharedArena<'_> {
    /// Takes slots off the free list for the calling thread: the first is returned, the rest go
    /// into its magazine (one compare-exchange for up to a magazine's worth; see
    /// [`Stash::refill_own`]). [`Refill::NotOwner`] if the thread has no number or a thief is
    /// registered.
    ///
    /// Out of line: it walks the list, and every allocation site would otherwise carry it.
    ///
    /// [`Stash::refill_own`]: super::stash::Stash::refill_own
    #[inline(never)]
    pub(crate) fn refill_own(self) -> Refill {
        let Some(number) = tid::assigned() else {
            return Refill::NotOwner;
        };
        let arena = self.get();
        // SAFETY: a `Shared` arena's stash, our own thread's number, and `pop_many` hands out
        // slots it took off the list, listed nowhere else.
        unsafe {
            arena
                .stash()
                .refill_own(number, |out| arena.free_stack().pop_many(out))
        }
    }
}

impl Deref for SharedArena<'_> {
    type Target = Arena;

    #[inline(always)]
    fn deref(&self) -> &Arena {
        (*self).get()
    }
}
