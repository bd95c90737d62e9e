//! `Pools`: size-class pools any thread allocates from, without locks, with exact capacity (a
//! steal or a claim may wait out another thread's window of a few instructions; see `slot::stash`).

use core::ptr::NonNull;

use crossbeam_utils::CachePadded;

use crate::bytes::PooledBytes;
use crate::class::SizeClass;
use crate::message::{PooledMessage, SlotLayout};
use crate::pool::config::{Overflow, PoolConfig};
use crate::pool::error::PoolError;
use crate::pool::stats::{ClassStats, PoolStats};
use crate::ring_ptr::RingPtr;
use crate::slot::arena::Arena;
use crate::slot::handle::SlotHandle;
use crate::slot::shared_arenas::{SharedArena, SharedArenas};
use crate::slot::stash::{self, Refill};
use crate::slot::tid;
use crate::sync::{AtomicU64, AtomicUsize, Ordering};

/// Size-class pools shared by any number of threads (`Sync`): allocate, clone and drop anywhere,
/// with no lock on any path (a steal or a claim may wait out another thread's window of a few
/// instructions).
///
/// Each class keeps its free slots in a lock-free stack (one compare-exchange to pop, one to push)
/// and in per-thread *magazines* of up to 28 slots each (the slots the thread freed, took
/// never-used in a chunk of 16, or took off the stack in one compare-exchange when its magazine
/// ran empty). A thread that allocates and frees up to 28 messages at a time
/// uses only its own magazine: plain loads and stores on its own cache lines, no atomic
/// read-modify-write (a `SeqCst` fence each way where `membarrier(2)` is unavailable or
/// `RINGPOOL_NO_MEMBARRIER` is set). The protocol is documented in pool-runtime's `slot::stash`.
///
/// Capacity is exact: while fewer than `capacity` messages of a class are alive or being
/// allocated, `allocate` succeeds, whichever threads freed them, idle or exited ones included (a
/// slot reused 2³² times is held back while weak handles into its class exist, see
/// [`WeakRingPtr`](crate::WeakRingPtr)). When the stack is empty and every slot was handed out,
/// `allocate` steals other threads' magazines, which costs a system call (microseconds), so a
/// class sized with headroom (28 slots per allocating thread) keeps allocation on the fast paths.
///
/// Magazines belong to thread numbers, not threads: the first 64 concurrently live threads that
/// allocate from any `Pools` get one (given back when the thread exits, with its magazines, which
/// the next holder of the number uses); a thread beyond them, or one that only drops messages,
/// frees onto the stack. Each class costs 64 magazines of 128 bytes (8 KiB) for them.
///
/// Memory: a class's arena is created at its first allocation, as a reservation of address space
/// whose pages are committed as slots are first used (slots are handed out in order before any is
/// reused), so a class costs what its peak number of live messages touched, plus its 8 KiB of
/// magazines.
///
/// Dropping the `Pools` (or the [`LocalPools`](crate::LocalPools)) while messages or weak
/// handles are alive is safe: the class's memory stays allocated until the last one is dropped,
/// which frees it. Dropping the pools reads each slot they ever handed out once; each later drop
/// of one of their messages costs a few more instructions and one atomic decrement, with no lock.
///
/// # Examples
///
/// ```
/// use ringpool::bytemuck::{Pod, Zeroable};
/// use ringpool::{PoolConfig, PooledMessage, Pools, RingPtr, SizeClass};
/// use std::sync::Arc;
///
/// #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
/// #[bytemuck(crate = "ringpool::bytemuck")]
/// #[repr(C)]
/// struct SwapEvent {
///     pool: [u8; 20],
///     amount_in: [u8; 32],
///     amount_out: [u8; 32],
/// }
///
/// let pools = Arc::new(Pools::new(PoolConfig::default().with_capacity(SizeClass::S, 4096)));
/// let worker = {
///     let pools = Arc::clone(&pools);
///     std::thread::spawn(move || pools.allocate(SwapEvent::zeroed()).unwrap())
/// };
/// let event: RingPtr<SwapEvent> = worker.join().unwrap();
/// assert_eq!(RingPtr::class(&event), SizeClass::S);
/// assert_eq!(pools.stats().class(SizeClass::S).in_use, 1);
/// ```
pub struct Pools {
    /// Each class's arena, created at its first allocation.
    arenas: SharedArenas,
    counters: [CachePadded<SharedCounters>; SizeClass::COUNT],
    config: PoolConfig,
}

// `Pools` is shared across threads by design (see `SharedArenas` for why that is sound).
const _: () = {
    const fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<Pools>();
};

/// Relaxed statistics of one `Pools` class.
///
/// Most allocations are not counted here: the free list's tag counts pops, the magazines count
/// pushes (from which owners' pops follow), the fresh counter counts never-used slots; the sum,
/// plus `steals`, minus `skipped_pops`, is the allocation count.
#[derive(Default)]
struct SharedCounters {
    /// Pops of slots that were put back unclaimed (generation wrap, see `claim_past_wrapping_slot`).
    skipped_pops: AtomicU64,
    /// Allocations of a slot stolen from a magazine (see `claim_when_list_empty`).
    steals: AtomicU64,
    exhausted: AtomicU64,
    heap_fallbacks: AtomicU64,
    high_water: AtomicUsize,
}

/// Checks every class capacity of `config`: at most [`PoolConfig::max_capacity`], so the free
/// list's 24-bit indices hold it and `capacity × slot size` fits in `isize` (an arena's layout)
/// on every target.
pub(crate) fn validate(config: &PoolConfig) -> Result<(), PoolError> {
    for class in SizeClass::ALL {
        let requested = config.capacity(class);
        let max = PoolConfig::max_capacity(class);
        if requested > max {
            return Err(PoolError::CapacityTooLarge {
                class,
                requested,
                max,
            });
        }
    }
    Ok(())
}

impl Pools {
    /// Pools for `config`. Each class's arena is created at its first allocation (see
    /// [`PoolConfig`] for the memory this costs).
    ///
    /// # Panics
    ///
    /// If a capacity is above [`PoolConfig::max_capacity`]; [`Pools::try_new`] returns the error
    /// instead.
    pub fn new(config: PoolConfig) -> Self {
        match Self::try_new(config) {
            Ok(pools) => pools,
            Err(e) => panic!("{e}"),
        }
    }

    /// Like [`Pools::new`], with an invalid configuration as an error.
    ///
    /// # Errors
    ///
    /// [`PoolError::CapacityTooLarge`] for a class above [`PoolConfig::max_capacity`] (at most
    /// [`PoolConfig::MAX_CLASS_CAPACITY`]).
    ///
    /// ```
    /// use ringpool::{PoolConfig, PoolError, Pools, SizeClass};
    /// let too_big = PoolConfig::empty().with_capacity(SizeClass::XS, usize::MAX);
    /// assert!(matches!(Pools::try_new(too_big), Err(PoolError::CapacityTooLarge { .. })));
    /// ```
    pub fn try_new(config: PoolConfig) -> Result<Self, PoolError> {
        validate(&config)?;
        Ok(Pools {
            arenas: SharedArenas::new(),
            counters: core::array::from_fn(|_| CachePadded::new(SharedCounters::default())),
            config,
        })
    }

    /// The configuration these pools were built with.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// Moves `value` into a free slot of `T::CLASS`.
    ///
    /// # Errors
    ///
    /// [`PoolError::Exhausted`] when every slot of the class is in use and its policy is
    /// [`Overflow::Fail`]. With [`Overflow::Heap`] the message goes to the heap instead.
    #[inline(always)]
    pub fn allocate<T: PooledMessage>(&self, value: T) -> Result<RingPtr<T>, PoolError> {
        let class = SlotLayout::<T>::CHECKED_CLASS;
        let (arena, index) = self.claim(class)?;
        // SAFETY: `claim` returns a live arena of `class` and a slot claimed for us alone.
        let slot = unsafe { SlotHandle::write_claimed(arena, index, class, value) };
        Ok(RingPtr::from_slot(slot))
    }

    /// A unique buffer of `len` bytes in a slot of `SizeClass::for_size(len)` (see [`PooledBytes`]).
    ///
    /// # Errors
    ///
    /// [`PoolError::Exhausted`] as for [`Pools::allocate`]. Above 16 KiB the bytes always come from
    /// the heap.
    ///
    /// ```
    /// use ringpool::{PoolConfig, Pools, SizeClass};
    /// let pools = Pools::new(PoolConfig::default());
    /// let mut bytes = pools.allocate_bytes(100).unwrap();
    /// bytes[..3].copy_from_slice(b"abc");
    /// assert_eq!((bytes.len(), bytes.class()), (100, Some(SizeClass::S)));
    /// ```
    pub fn allocate_bytes(&self, len: usize) -> Result<PooledBytes, PoolError> {
        match SizeClass::for_size(len) {
            None => Ok(PooledBytes::large(len)),
            Some(class) => {
                let (arena, index) = self.claim(class)?;
                // SAFETY: a slot just claimed for us of a class that holds `len` bytes.
                let slot = unsafe { SlotHandle::claimed_bytes(arena, index, len) };
                Ok(PooledBytes::from_slot(slot))
            }
        }
    }

    #[inline(always)]
    fn claim(&self, class: SizeClass) -> Result<(NonNull<Arena>, u32), PoolError> {
        if let Some(arena) = self
            .arenas
            .get_or_create(class, || self.config.capacity(class))
        {
            let arena_ref = arena.get();
            // The slot this thread freed last, from its own magazine: plain loads and stores on
            // its own cache line (see `stash`).
            if let Some(index) = arena.pop_own() {
                if arena_ref.try_claim_popped(index) {
                    return Ok((arena.as_ptr(), index));
                }
                self.set_aside_wrapping_slot(class, arena_ref, index);
            }
            if let Some(index) = self.claim_from_list(class, arena) {
                return Ok((arena.as_ptr(), index));
            }
            if let Some(index) = self.claim_when_list_empty(class, arena) {
                return Ok((arena.as_ptr(), index));
            }
        }
        self.claim_overflow(class)
    }

    /// Pops the shared free list until a slot is claimed, or takes a never-used slot when the list
    /// is empty (`None`: the list is empty and every slot was handed out, or the list holds only
    /// slots that may not be claimed yet). A thread with a magazine takes up to a magazine's
    /// worth off the list at once and keeps the rest there (see `stash`), so a thread that
    /// allocates what other threads free pays one compare-exchange per batch, not per slot.
    #[inline(always)]
    fn claim_from_list(&self, class: SizeClass, arena: SharedArena<'_>) -> Option<u32> {
        let index = match arena.refill_own() {
            Refill::Taken(index) => index,
            Refill::Empty => return Self::claim_fresh(arena),
            Refill::NotOwner => match arena.free_stack().pop() {
                Some(index) => index,
                None => return Self::claim_fresh(arena),
            },
        };
        if arena.try_claim_popped(index) {
            return Some(index);
        }
        self.claim_past_wrapping_slot(class, arena, index)
    }

    /// A never-used slot (its word is zero: free, generation 0), if any is left. A thread with a
    /// magazine takes a chunk and keeps the rest there, so that neighbouring slots (whose state
    /// words share cache lines) belong to one thread (see `stash`).
    #[inline(never)]
    fn claim_fresh(arena: SharedArena<'_>) -> Option<u32> {
        if arena.fresh_exhausted() {
            return None;
        }
        let index = match arena.take_fresh_chunk_own(stash::FRESH_CHUNK) {
            Some(index) => index,
            None => arena.take_fresh()?,
        };
        let claimed = arena.try_claim_popped(index);
        debug_assert!(claimed, "a fresh slot is free at generation 0");
        Some(index)
    }

    /// A slot taken from a magazine that may not be claimed yet (its generation would wrap while
    /// weak handles exist): onto the free list, where `claim_past_wrapping_slot` deals with it.
    #[cold]
    #[inline(never)]
    fn set_aside_wrapping_slot(&self, class: SizeClass, arena: &Arena, wrapping: u32) {
        // Relaxed: a statistic (this take is not an allocation).
        self.counters[class.index()]
            .skipped_pops
            .fetch_add(1, Ordering::Relaxed);
        arena.free_stack().push(wrapping);
    }

    /// The free list is empty and every slot was handed out: the free slots, if any, are in
    /// threads' magazines (or being freed right now). Steals a magazine, or reports the class
    /// exhausted only once the list and the fresh slots were found empty between two equal reads
    /// of the steals under way (none in flight) while no magazine held a slot: at that moment no
    /// slot was listed or cached anywhere, nor in transit between the two (see `stash`), so every
    /// slot was in use, being freed, or being taken by an owner (whose allocation then gets it).
    #[cold]
    #[inline(never)]
    fn claim_when_list_empty(&self, class: SizeClass, arena: SharedArena<'_>) -> Option<u32> {
        let stash = arena.stash();
        // No magazine holds a slot: decided without registering as a thief (which costs a barrier
        // on every thread of the process, see `stash`). The magazines read before the list, then
        // again after it, each owner idle and nothing pushed in between.
        for _ in 0..stash::unregistered_checks() {
            let steals = stash.steals();
            let before = stash.snapshot();
            if before.holds_slots() || !steals.none_in_flight() {
                break;
            }
            if let Some(index) = self.claim_from_list(class, arena) {
                return Some(index);
            }
            let after = stash.snapshot();
            if after == before && after.settled_empty() && stash.steals() == steals {
                return None;
            }
            if after.holds_slots() {
                break;
            }
        }
        let thief = stash.thief();
        let backoff = crate::sync::Backoff::new();
        loop {
            // While we are registered no owner fills its magazine, so one pass over them suffices.
            let steals = stash.steals();
            for number in 0..tid::MAX_TIDS {
                if let Some(stolen) = thief.steal(number) {
                    let mut slots = stolen.slots();
                    let top = slots.next().expect("a steal takes at least one slot");
                    for index in slots {
                        arena.free_stack().push(index);
                    }
                    let claimed = arena.try_claim_popped(top);
                    if !claimed {
                        self.set_aside_wrapping_slot(class, &arena, top);
                    }
                    thief.steal_done();
                    if claimed {
                        // Relaxed: a statistic.
                        self.counters[class.index()]
                            .steals
                            .fetch_add(1, Ordering::Relaxed);
                        return Some(top);
                    }
                }
            }
            if let Some(index) = self.claim_from_list(class, arena) {
                return Some(index);
            }
            if steals.none_in_flight() && stash.steals() == steals {
                return None;
            }
            // Another thief's steal is listing its slots: look again.
            backoff.snooze();
        }
    }

    /// `wrapping` was popped but may not be claimed yet (its generation would wrap while weak handles
    /// into the arena exist): pops further until a slot is claimed or the list is empty, then
    /// pushes the skipped slots back (they stay free, and are claimed once no weak handle remains).
    #[cold]
    #[inline(never)]
    fn claim_past_wrapping_slot(
        &self,
        class: SizeClass,
        arena: SharedArena<'_>,
        wrapping: u32,
    ) -> Option<u32> {
        let mut skipped = vec![wrapping];
        let claimed = loop {
            match arena.free_stack().pop() {
                None => break Self::claim_fresh(arena),
                Some(index) if arena.try_claim_popped(index) => break Some(index),
                Some(index) => skipped.push(index),
            }
        };
        // Relaxed: a statistic (these pops are not allocations).
        self.counters[class.index()]
            .skipped_pops
            .fetch_add(skipped.len() as u64, Ordering::Relaxed);
        for index in skipped {
            arena.free_stack().push(index);
        }
        claimed
    }

    #[cold]
    #[inline(never)]
    fn claim_overflow(&self, class: SizeClass) -> Result<(NonNull<Arena>, u32), PoolError> {
        let counters = &self.counters[class.index()];
        let capacity = self.config.capacity(class);
        // Relaxed: statistics.
        counters.exhausted.fetch_add(1, Ordering::Relaxed);
        counters.high_water.fetch_max(capacity, Ordering::Relaxed);
        match self.config.overflow(class) {
            Overflow::Fail => Err(PoolError::Exhausted { class, capacity }),
            Overflow::Heap => {
                counters.heap_fallbacks.fetch_add(1, Ordering::Relaxed);
                Ok((Arena::create_heap_claimed(class), 0))
            }
        }
    }

    /// A snapshot of every class's counters. `in_use` is counted by reading each slot's state.
    pub fn stats(&self) -> PoolStats {
        let mut stats = PoolStats::default();
        for class in SizeClass::ALL {
            let counters = &self.counters[class.index()];
            let arena = self.arenas.get(class).map(SharedArena::get);
            let in_use = arena.map_or(0, Arena::count_in_use);
            // Relaxed: statistics.
            // Both count modulo 2⁴⁰ here (the tag's width); wrapping, as a racing read may see a
            // skipped pop before the pop itself. Fresh slots are allocations without a pop.
            let allocations = arena
                .map_or(0, |a| {
                    a.free_stack()
                        .pops()
                        .wrapping_add(a.stash().pops())
                        .wrapping_add(u64::from(a.used()))
                        .wrapping_sub(a.stash().fresh_kept())
                })
                .wrapping_add(counters.steals.load(Ordering::Relaxed))
                .wrapping_sub(counters.skipped_pops.load(Ordering::Relaxed))
                & ((1 << 40) - 1);
            // Relaxed: statistics.
            let high_water = counters
                .high_water
                .fetch_max(in_use, Ordering::Relaxed)
                .max(in_use);
            stats.classes[class.index()] = ClassStats {
                capacity: self.config.capacity(class),
                in_use,
                high_water,
                allocations,
                exhausted: counters.exhausted.load(Ordering::Relaxed),
                heap_fallbacks: counters.heap_fallbacks.load(Ordering::Relaxed),
            };
        }
        stats
    }
}

impl core::fmt::Debug for Pools {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pools")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
