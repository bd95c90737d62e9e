//! The per-thread magazines of a `Pools` arena: one per thread number (see `tid`), each a short
//! stack of up to [`MAGAZINE`] free slot indices on its owner's own cache lines.
//!
//! The last drop of a `Pools` message pushes its slot onto the dropping thread's magazine while
//! that has room, else onto the shared free list. An allocation first pops its own magazine; when
//! that is empty it takes up to a magazine's worth off the free list at once (one
//! compare-exchange, see `FreeStack::pop_many`) and keeps the rest, so a thread that allocates
//! what others free touches the list's head once per batch. A thread's allocations that find the
//! list empty take never-used slots a chunk at a time
//! ([`FRESH_CHUNK`], chunk boundaries aligned) and keep the rest in their magazine, so the state
//! words of neighbouring slots (8 to a cache line) belong to one thread. So a thread that
//! allocates and frees up to [`MAGAZINE`] messages at a time touches no line another thread
//! writes, and makes no atomic read-modify-write.
//!
//! Any thread may *steal* any magazine (all of it), so a slot in a magazine is never out of reach:
//! when the free list is empty and every slot was handed out, an allocation steals before it
//! reports the class exhausted (see `Pools::claim_when_list_empty`), which keeps capacity exact.
//! A thief claims one slot of what it stole and pushes the rest on the free list.
//!
//! # The handshake between owners and thieves
//!
//! An owner pushes and pops with plain loads and stores, in a Dekker handshake with thieves:
//!
//! - owner: mark its magazine *busy*; light barrier; if the stash's *gate* reads open (no thief
//!   registered, the allocator alive, see below), push or pop (or fill from a fresh chunk) with
//!   plain loads and stores; clear *busy* (Release). Otherwise it clears *busy* and leaves its
//!   magazine alone: the allocation goes to the free list, the free onto it.
//! - thief: register (a count in the gate); heavy barrier; then for each magazine: wait while
//!   its owner is *busy* (a few instructions: an operation begun before the registration), read it
//!   (Acquire of the *busy* clear: sees the owner's stores), and steal it with a compare-exchange
//!   of its word (against other thieves); unregister (Release).
//!
//! The allocator's drop takes the thief's side too: it closes the gate for good (its `ORPHANED`
//! bit, Release, after the drop's keepalive bias), and after its heavy barrier it waits for every
//! *busy* mark to clear before it reads the slot words. So a drop that finds the gate open pushes
//! its slot and may free its word inside its window (see [`Stash::free_sole_own`] and `orphan`),
//! and one that finds it orphaned leaves its magazine alone.
//!
//! The barriers guarantee that the owner sees the registration or the thief sees the *busy* mark,
//! so while a thief is registered no owner touches its magazine: the slot array is plain memory
//! written only by its owner, read by thieves. The light barrier is a compiler fence where the
//! process has asymmetric barriers (`asymmetric`: thieves pay with `membarrier`), else a `SeqCst`
//! fence on both sides.
//!
//! The gate is one word, so that an owner decides with one load: the count of registered thieves,
//! the `ORPHANED` bit, and the `FENCED` bit, set at creation where the process has no asymmetric
//! barriers (so an owner that reads it set runs its `SeqCst` fence out of line, then reads the
//! gate again: open if it holds `FENCED` alone).
//!
//! A magazine's word is a 56-bit push count above its 8-bit length. Pushes bump the count, pops
//! and steals keep it, so two reads of a magazine that return the same word prove nothing was
//! pushed in between. The counts also give the statistics (see [`Stash::pops`]).
//!
//! # Deciding that the class is exhausted
//!
//! Slots in transit (out of a magazine, not yet on the list) would make "every magazine empty and
//! the list empty" a false proof of exhaustion, so both kinds of transit are visible:
//!
//! - a fresh chunk is taken by an owner inside its *busy* window, with a Release compare-exchange
//!   on the arena's fresh counter; a checker that reads the counter exhausted (Acquire) and then
//!   reads the magazine idle sees the chunk in it (Acquire of the *busy* clear);
//! - slots taken off the free list for a magazine are taken inside the owner's *busy* window,
//!   with a Release compare-exchange of the list's head: a checker that reads the head it left
//!   (Acquire) sees the *busy* mark, and then the slots in the magazine once it is cleared;
//! - a steal bumps the stash's `steals` word before its compare-exchange (started) and after the
//!   rest is listed (done): a checker that read a magazine emptied by a steal sees it started.
//!
//! `Pools::claim_when_list_empty` decides exhaustion only when two reads of `steals` around its
//! look at the magazines, the list and the fresh counter are equal with no steal in flight.

use core::ptr::NonNull;

use crossbeam_utils::CachePadded;

use super::asymmetric;
use super::tid::{MAX_TIDS, Tid};
use crate::sync::{AtomicBool, AtomicU64, AtomicUsize, Ordering, UnsafeCell};

/// The most free slots one thread keeps in one class's magazine (fills two cache lines).
pub(crate) const MAGAZINE: usize = if cfg!(loom) { 2 } else { 28 };

/// Bits of a magazine word's length (see the module docs), below its push count.
const LEN_BITS: u32 = 8;
const _: () = assert!(MAGAZINE < 1 << LEN_BITS);

/// The magazine word holding `pushes` (modulo 2⁵⁶) and `len`.
#[inline(always)]
const fn pack(pushes: u64, len: u32) -> u64 {
    (pushes << LEN_BITS) | len as u64
}

/// The length of a magazine word: its low byte (one zero-extending move).
#[inline(always)]
const fn len_of(word: u64) -> u32 {
    word as u8 as u32
}

/// The push count of a magazine word.
#[inline(always)]
const fn pushes_of(word: u64) -> u64 {
    word >> LEN_BITS
}

/// How many never-used slots an owner takes at once: two cache lines of state words (16 × 8
/// bytes). Every chunk ends at a multiple of it, so chunks stay line-aligned.
pub(crate) const FRESH_CHUNK: u32 = if cfg!(loom) { 2 } else { 16 };

#[cfg(loom)]
loom::thread_local! {
    /// loom negative control: the owner clears its *busy* mark with a Relaxed store.
    pub(crate) static WEAKEN_STASH_FILL: core::cell::Cell<bool> = core::cell::Cell::new(false);
}

#[cfg(loom)]
loom::thread_local! {
    /// loom: how this thread runs the exhaustion check that does not register as a thief
    /// ([`unregistered_checks`]): 0 not at all (the default: its failed allocations, retried,
    /// multiply a model's executions a hundredfold), 1 as in production, 2 blind to the owners'
    /// *busy* marks (negative control).
    pub(crate) static UNREGISTERED_CHECK: core::cell::Cell<u8> = core::cell::Cell::new(0);
}

/// How many times `Pools::claim_when_list_empty` tries to decide exhaustion without registering
/// as a thief before it registers.
#[inline]
pub(crate) fn unregistered_checks() -> usize {
    #[cfg(loom)]
    if UNREGISTERED_CHECK.with(|c| c.get()) == 0 {
        return 0;
    }
    if cfg!(loom) { 1 } else { 4 }
}

#[cfg(loom)]
loom::thread_local! {
    /// loom negative control: an owner refilling its magazine takes the slots off the free list
    /// before its *busy* mark, so they are in transit where no exhaustion check can see them.
    pub(crate) static TAKE_OUTSIDE_BUSY: core::cell::Cell<bool> = core::cell::Cell::new(false);
}

#[cfg(loom)]
loom::thread_local! {
    /// loom negative control: the allocator's drop reads the slot words without waiting for the
    /// owners' *busy* marks to clear (see [`Stash::wait_until_owners_idle`]).
    pub(crate) static ORPHAN_SCAN_IGNORES_BUSY: core::cell::Cell<bool> = core::cell::Cell::new(false);
}

#[cfg(loom)]
loom::thread_local! {
    /// loom negative control: an owner that reads `FENCED` skips its out-of-line `SeqCst` fence
    /// before it reads the gate again (see [`Magazines::open_after_fence`]).
    pub(crate) static SKIP_GATE_FENCE: core::cell::Cell<bool> = core::cell::Cell::new(false);
}

#[cfg(loom)]
loom::thread_local! {
    /// loom negative control: the allocator's drop leaves the gate without `ORPHANED` (see
    /// [`Stash::close_orphaned`]).
    pub(crate) static SKIP_CLOSE_ORPHANED: core::cell::Cell<bool> = core::cell::Cell::new(false);
}

#[cfg(loom)]
loom::thread_local! {
    /// loom negative control: steals are not counted as under way (see [`Stash::steals`]).
    pub(crate) static UNCOUNTED_STEALS: core::cell::Cell<bool> = core::cell::Cell::new(false);
}

/// How much a steal adds to the steals started and done (0 for the loom negative control).
#[inline(always)]
fn steal_count() -> u64 {
    #[cfg(loom)]
    if UNCOUNTED_STEALS.with(|u| u.get()) {
        return 0;
    }
    1
}

#[inline(always)]
fn busy_clear_ordering() -> Ordering {
    #[cfg(loom)]
    if WEAKEN_STASH_FILL.with(|w| w.get()) {
        return Ordering::Relaxed;
    }
    Ordering::Release
}

/// One thread number's magazine, alone on its two cache lines (its owner writes it on every
/// allocation and free; 128 bytes also keeps the adjacent-line prefetcher off its neighbours).
#[repr(C, align(128))]
pub(crate) struct Magazine {
    /// `pushes:56 | len:8`. Written by the owner with plain stores (see the module docs), by
    /// thieves with a compare-exchange.
    word: AtomicU64,
    /// Set by the owner around each operation (see the module docs).
    busy: AtomicBool,
    /// `slots[..len]`: the free slots, the last pushed on top. Written by the owner only, while
    /// no thief is registered; read by thieves.
    slots: UnsafeCell<[u32; MAGAZINE]>,
}

#[cfg(not(loom))]
const _: () = assert!(size_of::<Magazine>() == 128);

/// The magazines of a `Pools` arena, the thieves looking through them, and the steals under way.
struct Magazines {
    magazines: [Magazine; MAX_TIDS],
    /// `ORPHANED | FENCED | thieves`: open (0) while no thief is registered and the allocator
    /// lives, in a process with asymmetric barriers (see the module docs).
    gate: CachePadded<AtomicUsize>,
    /// Steals started and steals done (see the module docs).
    steals: CachePadded<[AtomicU64; 2]>,
    /// Slots taken out of magazines by steals (a statistic), and fresh slots put into magazines
    /// by owners (one update per chunk): on their own line, off every hot one.
    stolen: CachePadded<AtomicU64>,
    fresh_kept: CachePadded<AtomicU64>,
    /// Whether the process has asymmetric barriers (see the module docs): the arena's own flag.
    plain_barrier: bool,
}

/// The gate's bit for an allocator that is gone (see the module docs).
const ORPHANED: usize = 1 << (usize::BITS - 1);
/// The gate's bit for a process without asymmetric barriers (see the module docs).
const FENCED: usize = 1 << (usize::BITS - 2);

impl Magazines {
    /// The magazine of thread number `tid`.
    #[inline(always)]
    fn magazine(&self, tid: Tid) -> &Magazine {
        debug_assert!(tid.offset() < size_of_val(&self.magazines));
        // SAFETY: `tid.offset()` is a number below `MAX_TIDS` (the array's length) times the size
        // of a `Magazine` (`Tid`'s invariant): the start of one of the array's elements.
        unsafe { &*self.magazines.as_ptr().byte_add(tid.offset()) }
    }
}

/// What one look at every magazine saw (see [`Stash::snapshot`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct StashSnapshot {
    words: [u64; MAX_TIDS],
    /// An owner was inside an operation.
    busy: bool,
}

impl StashSnapshot {
    /// Every magazine empty and idle.
    pub(crate) fn settled_empty(&self) -> bool {
        !self.busy && self.words.iter().all(|&word| len_of(word) == 0)
    }

    /// Some magazine holds a slot.
    pub(crate) fn holds_slots(&self) -> bool {
        self.words.iter().any(|&word| len_of(word) != 0)
    }
}

/// Steals started and steals done, read in that order's reverse (see [`Stash::steals`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Steals {
    started: u64,
    done: u64,
}

impl Steals {
    /// No steal is between its start and its end.
    pub(crate) fn none_in_flight(self) -> bool {
        self.started == self.done
    }
}

pub(crate) struct Stash {
    /// `Some` for a `Pools` arena, `None` for any other (which never caches).
    magazines: Option<Box<Magazines>>,
}

impl Stash {
    /// One empty magazine per thread number (for a `Pools` arena whose owners' light barrier is
    /// plain where `plain_barrier`; thieves then run the heavy one, see the module docs).
    pub(crate) fn for_shared_arena(plain_barrier: bool) -> Self {
        Stash {
            magazines: Some(Box::new(Magazines {
                magazines: core::array::from_fn(|_| Magazine {
                    word: AtomicU64::new(pack(0, 0)),
                    busy: AtomicBool::new(false),
                    slots: UnsafeCell::new([0; MAGAZINE]),
                }),
                gate: CachePadded::new(AtomicUsize::new(if plain_barrier { 0 } else { FENCED })),
                steals: CachePadded::new([AtomicU64::new(0), AtomicU64::new(0)]),
                stolen: CachePadded::new(AtomicU64::new(0)),
                fresh_kept: CachePadded::new(AtomicU64::new(0)),
                plain_barrier,
            })),
        }
    }

    /// No magazines (arenas that are not `Pools` arenas never cache).
    pub(crate) fn none() -> Self {
        Stash { magazines: None }
    }

    /// # Safety
    ///
    /// `self` is the stash of a `Pools` (`ArenaKind::Shared`) arena.
    #[inline(always)]
    unsafe fn shared(&self) -> &Magazines {
        // SAFETY: a `Shared` arena's stash is built by `for_shared_arena` (caller's promise).
        unsafe { self.magazines.as_deref().unwrap_unchecked() }
    }

    /// Every magazine (none for a stash that is not a `Pools` arena's).
    #[inline(always)]
    fn all(&self) -> &[Magazine] {
        self.magazines
            .as_deref()
            .map_or(&[], |m| m.magazines.as_slice())
    }

    /// The magazine of thread number `tid`.
    ///
    /// # Safety
    ///
    /// `self` is the stash of a `Pools` arena.
    #[inline(always)]
    unsafe fn magazine(&self, tid: Tid) -> &Magazine {
        // SAFETY: the caller's promise (a `Pools` arena's stash).
        unsafe { self.shared() }.magazine(tid)
    }

    /// Runs `op` on the magazine of thread `tid` inside the owner's side of the
    /// handshake; `None` (without running it) while the gate is closed: a thief is registered, or
    /// the allocator is gone.
    ///
    /// The light barrier comes after the *busy* mark and before `op`, so `op` may also hold the
    /// load side of another Dekker handshake whose store the caller made before this call (a last
    /// drop's `F`, see `release`).
    ///
    /// # Safety
    ///
    /// `self` is the stash of a `Pools` arena, and `tid` is the calling thread's number (no other
    /// thread runs an owner's operation on this magazine meanwhile).
    #[inline(always)]
    unsafe fn as_owner<R>(&self, tid: Tid, op: impl FnOnce(&Magazine) -> Option<R>) -> Option<R> {
        // SAFETY: the caller's promise.
        let shared = unsafe { self.shared() };
        // SAFETY: the caller's promise.
        let magazine = unsafe { self.magazine(tid) };
        // Relaxed: the light barrier orders this store before the load of the gate for any thief
        // (or allocator's drop) that runs the heavy barrier (see the module docs).
        magazine.busy.store(true, Ordering::Relaxed);
        asymmetric::light();
        // Acquire: if we read the count a thief left when it unregistered (Release), its steals
        // (maybe of this very magazine) happen before our plain accesses.
        let gate = shared.gate.load(Ordering::Acquire);
        let result = if gate == 0 || shared.open_after_fence(gate) {
            op(magazine)
        } else {
            None
        };
        // Release: a thief that sees the mark cleared (Acquire) sees our stores, and the frees of
        // the slots we pushed.
        magazine.busy.store(false, busy_clear_ordering());
        result
    }

    /// Pushes the free slot `index` onto the magazine of thread `tid`, the caller's own;
    /// `false` (nothing done) when the magazine is full or the gate is closed (a thief is
    /// registered, or the allocator is gone): the caller lists or retires the slot instead.
    ///
    /// # Safety
    ///
    /// As [`Stash::as_owner`], and the caller owns slot `index` (listed nowhere).
    #[inline(always)]
    pub(crate) unsafe fn push_own(&self, tid: Tid, index: u32) -> bool {
        // No look at the length before the handshake: a push that finds room pays one load less,
        // a full magazine (rare: its owner drops more than it allocates) the handshake.
        // SAFETY: forwarded.
        unsafe { self.as_owner(tid, |magazine| magazine.push(index).then_some(())) }.is_some()
    }

    /// The last drop of a sole holder, whose slot `index` is still held, onto the magazine of
    /// thread `tid`, the caller's own, in a process with asymmetric barriers. Inside the
    /// owner's side of the handshake, after its light barrier: [`OwnFree::Orphaned`] (nothing
    /// done) if the gate says the allocator is gone, else, if there is room, pushes `index`
    /// and runs `free` (the store that frees the slot's word): [`OwnFree::Pushed`].
    /// [`OwnFree::Refused`] (nothing done) when the magazine is full or a thief is registered.
    ///
    /// The *busy* mark doubles as the drop's half of the orphan handshake (the allocator's drop
    /// waits for every owner's mark to clear, see `orphan`), so once it is cleared the arena may be
    /// freed: the stash comes as a raw pointer, and the clear is made through its `&AtomicBool`
    /// alone.
    ///
    /// # Safety
    ///
    /// `stash` is the stash of a live `Pools` arena whose barrier flag is set, kept alive by the
    /// caller's held slot; `tid` as in [`Stash::as_owner`]; the caller owns slot `index`
    /// (held, listed nowhere), and `free` frees exactly that slot.
    #[inline(always)]
    pub(crate) unsafe fn free_sole_own(
        stash: NonNull<Stash>,
        tid: Tid,
        index: u32,
        free: impl FnOnce(),
    ) -> OwnFree {
        // SAFETY: live until the *busy* clear below (caller's promise); neither reference is used
        // past it.
        let shared = unsafe { stash.as_ref().shared() };
        debug_assert!(shared.plain_barrier);
        let magazine = shared.magazine(tid);
        // Relaxed, then the light barrier: as in `as_owner` (for thieves and for the allocator's
        // drop alike).
        magazine.busy.store(true, Ordering::Relaxed);
        asymmetric::light();
        // Acquire: as in `as_owner`; and if we read `ORPHANED`, the allocator's keepalive bias
        // (added before its Release) happens before our decrement in `release_orphaned_sole`.
        let gate = shared.gate.load(Ordering::Acquire);
        let outcome = if gate != 0 {
            closed_outcome(gate)
        } else if magazine.push(index) {
            free();
            OwnFree::Pushed
        } else {
            OwnFree::Refused
        };
        let busy: &AtomicBool = &magazine.busy;
        // Release: a thief, or the allocator's drop, that sees the mark cleared (Acquire) sees
        // our push and the slot's free. Our last access to the arena.
        busy.store(false, busy_clear_ordering());
        outcome
    }

    /// Waits until no owner is inside an operation that began before the caller's heavy barrier
    /// (the allocator's drop, see `orphan`; nothing for a stash that is not a `Pools` arena's).
    ///
    /// One clear mark seen per magazine suffices: an owner whose mark the heavy barrier did not
    /// order before it reads the gate's `ORPHANED` in that window (the Dekker pair), so its
    /// sole-holder drop leaves its word held, which the scan counts whenever it reads it. Every
    /// one of the `MAX_TIDS` magazines is waited on, whether its number's thread has exited (its
    /// mark stays clear) or the number was given to a new thread (one more short window to wait
    /// out).
    pub(crate) fn wait_until_owners_idle(&self) {
        #[cfg(loom)]
        if ORPHAN_SCAN_IGNORES_BUSY.with(|i| i.get()) {
            return;
        }
        for magazine in self.all() {
            let backoff = crate::sync::Backoff::new();
            // Acquire: the owner's operation, a sole holder's free included, happens before our
            // reads of slot words.
            while magazine.busy.load(Ordering::Acquire) {
                backoff.snooze();
            }
        }
    }

    /// Pops a slot from the magazine of thread `tid`, the caller's own, if any (`None`
    /// also while the gate is closed).
    ///
    /// # Safety
    ///
    /// As [`Stash::as_owner`].
    #[inline(always)]
    pub(crate) unsafe fn pop_own(&self, tid: Tid) -> Option<u32> {
        // No look at the length before the handshake: a pop that finds a slot pays one load less,
        // an empty magazine (once per refill) the handshake.
        // SAFETY: forwarded.
        unsafe { self.as_owner(tid, Magazine::pop) }
    }

    /// Takes a chunk of never-used slots with `take` (given how many it may take, returning the
    /// first and how many it took) inside the owner's side of the handshake: returns the first,
    /// the rest go into the magazine of thread `tid`, the caller's own. `None` if the
    /// magazine has no room, the gate is closed, or `take` found none.
    ///
    /// # Safety
    ///
    /// As [`Stash::as_owner`]; `take` hands out slots listed nowhere.
    #[inline]
    pub(crate) unsafe fn take_fresh_chunk(
        &self,
        tid: Tid,
        take: impl FnOnce(u32) -> Option<(u32, u32)>,
    ) -> Option<u32> {
        // SAFETY: forwarded.
        let shared = unsafe { self.shared() };
        // SAFETY: forwarded.
        let taken = unsafe {
            self.as_owner(tid, |magazine| {
                let room = MAGAZINE - magazine.len();
                let (first, taken) = take(room as u32 + 1)?;
                for index in first + 1..first + taken {
                    let pushed = magazine.push(index);
                    debug_assert!(pushed, "room was left for the chunk");
                }
                Some((first, taken))
            })
        };
        let (first, taken) = taken?;
        if taken > 1 {
            // Relaxed: a statistic.
            shared
                .fresh_kept
                .fetch_add(u64::from(taken - 1), Ordering::Relaxed);
        }
        Some(first)
    }

    /// Takes slots off the free list with `take` (given room for at most `room + 1` indices,
    /// returning how many it wrote, the top first) inside the owner's side of the handshake:
    /// returns the first, the rest go into the magazine of thread `tid`, the caller's
    /// own. [`Refill::NotOwner`] (nothing taken) while the gate is closed.
    ///
    /// # Safety
    ///
    /// As [`Stash::as_owner`]; `take` hands out slots listed nowhere else.
    #[inline]
    pub(crate) unsafe fn refill_own(
        &self,
        tid: Tid,
        take: impl FnOnce(&mut [u32]) -> usize,
    ) -> Refill {
        let mut taken = [0; MAGAZINE + 1];
        let mut take = Some(take);
        #[cfg(loom)]
        let taken_early = if TAKE_OUTSIDE_BUSY.with(|t| t.get()) {
            // SAFETY: forwarded (a read of the length; the owner is the caller).
            let room = MAGAZINE - unsafe { self.magazine(tid) }.len();
            take.take().map(|take| take(&mut taken[..=room]))
        } else {
            None
        };
        // SAFETY: forwarded.
        let ran = unsafe {
            self.as_owner(tid, |magazine| {
                let room = MAGAZINE - magazine.len();
                #[cfg(loom)]
                let count = match (take.take(), taken_early) {
                    (Some(take), _) => take(&mut taken[..=room]),
                    (None, count) => count.unwrap_or(0),
                };
                #[cfg(not(loom))]
                let count = take.take().map_or(0, |take| take(&mut taken[..=room]));
                let Some((&first, rest)) = taken[..count].split_first() else {
                    return Some(Refill::Empty);
                };
                // The next one down the list ends on top, popped next.
                for &index in rest.iter().rev() {
                    let pushed = magazine.push(index);
                    debug_assert!(pushed, "room was left for the slots taken");
                }
                Some(Refill::Taken(first))
            })
        };
        ran.unwrap_or(Refill::NotOwner)
    }

    /// Closes the gate for good: the allocator is gone (its drop, after its keepalive bias and
    /// before its heavy barrier; see `orphan`). Nothing for a stash that is not a `Pools` arena's.
    pub(crate) fn close_orphaned(&self) {
        #[cfg(loom)]
        if SKIP_CLOSE_ORPHANED.with(|skip| skip.get()) {
            return;
        }
        if let Some(shared) = self.magazines.as_deref() {
            // Release: the allocator's keepalive bias happens before the decrement of a drop that
            // reads the bit (Acquire).
            shared.gate.fetch_or(ORPHANED, Ordering::Release);
        }
    }

    /// Registers the caller as a thief until the returned guard drops (see the module docs).
    pub(crate) fn thief(&self) -> Thief<'_> {
        if let Some(shared) = self.magazines.as_deref() {
            // Relaxed: the heavy barrier below makes it visible to every owner's next check.
            shared.gate.fetch_add(1, Ordering::Relaxed);
            asymmetric::heavy_or_fence(shared.plain_barrier);
        }
        Thief { stash: self }
    }

    /// The steals started and done so far: `done` read first, so a steal that starts and ends
    /// between the two reads shows as in flight.
    pub(crate) fn steals(&self) -> Steals {
        let Some(shared) = self.magazines.as_deref() else {
            return Steals {
                started: 0,
                done: 0,
            };
        };
        // Acquire (both): a finished steal's listing happens before our look at the list; a
        // started one is seen by a thread that saw the magazine it emptied (see the module docs).
        let done = shared.steals[1].load(Ordering::Acquire);
        let started = shared.steals[0].load(Ordering::Acquire);
        Steals { started, done }
    }

    /// Reads every magazine once, in order, without registering: each *busy* mark, then its word.
    pub(crate) fn snapshot(&self) -> StashSnapshot {
        let mut snapshot = StashSnapshot {
            words: [pack(0, 0); MAX_TIDS],
            busy: false,
        };
        for (word, magazine) in snapshot.words.iter_mut().zip(self.all()) {
            // Acquire (both): an owner's finished operation, a fresh chunk taken in it, and a
            // steal's start are seen (see the module docs).
            let busy = magazine.busy.load(Ordering::Acquire);
            #[cfg(loom)]
            let busy = busy && UNREGISTERED_CHECK.with(|c| c.get()) != 2;
            snapshot.busy |= busy;
            *word = magazine.word.load(Ordering::Acquire);
        }
        snapshot
    }

    /// How many slots owners popped from their magazines so far (pushes, less the slots still in
    /// them, less the slots stolen); a statistic, exact when nothing runs concurrently.
    pub(crate) fn pops(&self) -> u64 {
        let Some(shared) = self.magazines.as_deref() else {
            return 0;
        };
        let (pushes, held) = shared.magazines.iter().fold((0u64, 0u64), |(p, h), m| {
            // Relaxed: a statistic.
            let word = m.word.load(Ordering::Relaxed);
            (p.wrapping_add(pushes_of(word)), h + u64::from(len_of(word)))
        });
        // Relaxed: a statistic.
        pushes
            .wrapping_sub(held)
            .wrapping_sub(shared.stolen.load(Ordering::Relaxed))
    }

    /// How many never-used slots went into magazines with a chunk (not allocated at once); a
    /// statistic.
    pub(crate) fn fresh_kept(&self) -> u64 {
        // Relaxed: a statistic.
        self.magazines
            .as_deref()
            .map_or(0, |m| m.fresh_kept.load(Ordering::Relaxed))
    }
}

impl Magazines {
    /// The owner's look at a gate it read closed (`gate`, not 0): in a process without asymmetric
    /// barriers (`FENCED`) its light barrier was a compiler fence only, so it runs the `SeqCst`
    /// fence here and reads the gate again: open if that holds `FENCED` alone. Out of line: the
    /// fast path reads an open gate.
    #[cold]
    #[inline(never)]
    fn open_after_fence(&self, gate: usize) -> bool {
        if gate & FENCED == 0 {
            return false;
        }
        #[cfg(loom)]
        if SKIP_GATE_FENCE.with(|skip| skip.get()) {
            // Acquire: as below.
            return self.gate.load(Ordering::Acquire) == FENCED;
        }
        crate::sync::fence(Ordering::SeqCst);
        // Acquire: as in `Stash::as_owner`.
        self.gate.load(Ordering::Acquire) == FENCED
    }
}

/// What [`Stash::free_sole_own`] does at a closed gate (`gate`, not 0; asymmetric barriers, so
/// no `FENCED`). Inline: a call there would cost the drop a stack frame.
#[inline(always)]
fn closed_outcome(gate: usize) -> OwnFree {
    debug_assert_eq!(gate & FENCED, 0);
    if gate & ORPHANED != 0 {
        OwnFree::Orphaned
    } else {
        OwnFree::Refused
    }
}

impl Magazine {
    /// The number of slots (owner; exact inside its operation, else at least the true number:
    /// only steals lower it behind the owner's back).
    #[inline(always)]
    fn len(&self) -> usize {
        // Relaxed: only the owner and (while it keeps off) thieves write the word.
        len_of(self.word.load(Ordering::Relaxed)) as usize
    }

    /// Owner, inside its operation: pushes `index` if there is room.
    #[inline(always)]
    fn push(&self, index: u32) -> bool {
        // Relaxed: see `len`; readers are ordered by the *busy* clear.
        let word = self.word.load(Ordering::Relaxed);
        let len = len_of(word) as usize;
        if len >= MAGAZINE {
            return false;
        }
        // SAFETY: only the owner writes the array, while no thief is registered (see the module
        // docs), and `len < MAGAZINE`.
        self.slots
            .with_mut(|slots| unsafe { slots.cast::<u32>().add(len).write(index) });
        // One more push, one more slot (`len + 1` stays within its field).
        self.word.store(word + pack(1, 0) + 1, Ordering::Relaxed);
        true
    }

    /// Owner, inside its operation: pops the top slot, if any.
    #[inline(always)]
    fn pop(&self) -> Option<u32> {
        // Relaxed: as in `push`.
        let word = self.word.load(Ordering::Relaxed);
        let len = len_of(word) as usize;
        if len == 0 {
            return None;
        }
        debug_assert!(len <= MAGAZINE);
        let index = self.slots.with(|slots| {
            // SAFETY: written by this owner (or read by thieves, which never write it); `len` is
            // at most `MAGAZINE` (only `push` raises it, and not past that): in bounds.
            unsafe { slots.cast::<u32>().add(len - 1).read() }
        });
        // The same pushes, one slot less (`len` is not 0).
        self.word.store(word - 1, Ordering::Relaxed);
        Some(index)
    }
}

/// What [`Stash::free_sole_own`] did.
pub(crate) enum OwnFree {
    /// The slot is in the magazine, and free.
    Pushed,
    /// The allocator is gone: the slot is untouched, still held.
    Orphaned,
    /// The magazine is full or a thief is registered: the slot is untouched, still held.
    Refused,
}

/// What [`Stash::refill_own`] did.
pub(crate) enum Refill {
    /// Took this slot for the caller (and kept the rest in its magazine).
    Taken(u32),
    /// The free list was empty.
    Empty,
    /// The gate is closed (a thief is registered): the caller pops the free list itself.
    NotOwner,
}

/// Slots stolen in one steal: `slots[..len]`.
pub(crate) struct Stolen {
    slots: [u32; MAGAZINE],
    len: usize,
}

impl Stolen {
    /// The slots, the last pushed first.
    pub(crate) fn slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots[..self.len].iter().rev().copied()
    }
}

/// A registered thief (see [`Stash::thief`]): may steal any magazine.
pub(crate) struct Thief<'a> {
    stash: &'a Stash,
}

impl Thief<'_> {
    /// Steals every slot in the magazine of thread number `number` (`None` if it is empty). The
    /// caller must list or claim all of them, then call [`Thief::steal_done`].
    pub(crate) fn steal(&self, number: usize) -> Option<Stolen> {
        let shared = self.stash.magazines.as_deref()?;
        let magazine = &shared.magazines[number];
        let backoff = crate::sync::Backoff::new();
        // Acquire: the owner's operation, begun before our registration and finished, is seen by
        // our reads below (and no later one starts while we are registered).
        while magazine.busy.load(Ordering::Acquire) {
            backoff.snooze();
        }
        // Acquire: if this reads a word another thief's steal emptied, that steal's start is seen
        // by our caller's next look at the steals under way (see the module docs). The owner's
        // pushes are already ordered by the load of *busy* above.
        let mut word = magazine.word.load(Ordering::Acquire);
        loop {
            let len = len_of(word) as usize;
            if len == 0 {
                return None;
            }
            let mut stolen = Stolen {
                slots: [0; MAGAZINE],
                len,
            };
            // SAFETY: no owner writes the array while we are registered, and thieves only read it.
            magazine
                .slots
                .with(|slots| stolen.slots[..len].copy_from_slice(unsafe { &(&*slots)[..len] }));
            // Relaxed: published by the compare-exchange's Release (see the module docs).
            shared.steals[0].fetch_add(steal_count(), Ordering::Relaxed);
            // AcqRel. Release: the start above is seen by a checker that reads the emptied word.
            // Acquire: the owner's pushes (also ordered by the *busy* clear). Keeps the push count.
            match magazine.word.compare_exchange(
                word,
                pack(pushes_of(word), 0),
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    // Relaxed: a statistic.
                    shared.stolen.fetch_add(len as u64, Ordering::Relaxed);
                    return Some(stolen);
                }
                Err(actual) => {
                    // Another thief stole it: this attempt is over.
                    self.steal_done();
                    word = actual;
                }
            }
        }
    }

    /// Ends a steal once its slots are claimed or listed.
    pub(crate) fn steal_done(&self) {
        if let Some(shared) = self.stash.magazines.as_deref() {
            // Release: the listing of the stolen slots happens before the look at the list of a
            // checker that sees this steal done.
            shared.steals[1].fetch_add(steal_count(), Ordering::Release);
        }
    }
}

impl Drop for Thief<'_> {
    fn drop(&mut self) {
        if let Some(shared) = self.stash.magazines.as_deref() {
            // Release: our steals happen before an owner's operation that sees us gone.
            shared.gate.fetch_sub(1, Ordering::Release);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn owner_pushes_and_pops_and_a_thief_steals_all() {
        let plain = asymmetric::available();
        let stash = Stash::for_shared_arena(plain);
        // This test thread is the only owner of every magazine it pushes to or pops from.
        let push = |number: usize, index: u32| {
            let tid = Tid::of_number(number).unwrap();
            // SAFETY: a stash built by `for_shared_arena`; see above for the owner.
            unsafe { stash.push_own(tid, index) }
        };
        let pop = |number: usize| {
            let tid = Tid::of_number(number).unwrap();
            // SAFETY: as in `push`.
            unsafe { stash.pop_own(tid) }
        };
        for index in 0..MAGAZINE as u32 {
            assert!(push(3, index));
        }
        assert!(!push(3, 99), "a full magazine refuses");
        assert_eq!(pop(4), None, "nothing was pushed");
        assert_eq!(pop(3), Some(MAGAZINE as u32 - 1));
        assert_eq!(stash.pops(), 1);
        let before = stash.snapshot();
        assert!(before.holds_slots() && !before.settled_empty());
        let thief = stash.thief();
        assert_eq!(pop(3), None, "owners keep off");
        assert!(!push(3, 99), "owners keep off");
        assert!(thief.steal(2).is_none(), "an empty magazine");
        let stolen = thief.steal(3).expect("a full magazine");
        assert!(!stash.steals().none_in_flight());
        assert_eq!(
            stolen.slots().collect::<Vec<_>>(),
            (0..MAGAZINE as u32 - 1).rev().collect::<Vec<_>>()
        );
        thief.steal_done();
        assert!(stash.steals().none_in_flight());
        assert!(thief.steal(3).is_none());
        drop(thief);
        assert!(stash.snapshot().settled_empty());
        assert_eq!(stash.pops(), 1, "stolen slots are not owner pops");
        assert!(push(3, 5), "owners are back");
        stash.close_orphaned();
        assert!(!push(3, 6), "the allocator is gone");
        assert_eq!(pop(3), None, "the allocator is gone");
    }

    #[test]
    fn owners_without_asymmetric_barriers_fence_and_respect_the_gate() {
        // A stash as built where `membarrier` is unavailable: owners read `FENCED`, fence, and
        // go on while nothing else is in the gate.
        let stash = Stash::for_shared_arena(false);
        let two = Tid::of_number(2).unwrap();
        // SAFETY: a stash built by `for_shared_arena`; this thread is the only owner of magazine 2.
        let push = |index: u32| unsafe { stash.push_own(two, index) };
        // SAFETY: as in `push`.
        let pop = || unsafe { stash.pop_own(two) };
        assert!(push(7) && push(8));
        assert_eq!(pop(), Some(8));
        let thief = stash.thief();
        assert!(!push(9), "owners keep off while a thief is registered");
        assert_eq!(pop(), None, "owners keep off while a thief is registered");
        assert_eq!(
            thief.steal(2).map(|s| s.slots().collect::<Vec<_>>()),
            Some(vec![7])
        );
        thief.steal_done();
        drop(thief);
        assert!(push(10), "owners are back");
        stash.close_orphaned();
        assert!(!push(11), "the allocator is gone");
        assert_eq!(pop(), None, "the allocator is gone");
    }

    #[test]
    fn a_fresh_chunk_fills_the_magazine() {
        let plain = asymmetric::available();
        let stash = Stash::for_shared_arena(plain);
        let one = Tid::of_number(1).unwrap();
        // SAFETY: see the test above (magazine 1).
        let first = unsafe { stash.take_fresh_chunk(one, |max| Some((32, max.min(4)))) };
        assert_eq!(first, Some(32));
        assert_eq!(stash.fresh_kept(), 3);
        // SAFETY: as above.
        let popped: Vec<_> = core::iter::from_fn(|| unsafe { stash.pop_own(one) }).collect();
        assert_eq!(popped, [35, 34, 33]);
    }
}
