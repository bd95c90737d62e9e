//! `LocalPools`: single-writer allocation (one owner allocates; anyone clones and drops).

use core::cell::Cell;
use core::ptr::NonNull;

use crate::bytes::PooledBytes;
use crate::class::SizeClass;
use crate::message::{PooledMessage, SlotLayout};
use crate::pool::config::{Overflow, PoolConfig};
use crate::pool::error::PoolError;
use crate::pool::stats::{ClassStats, PoolStats};
use crate::ring_ptr::RingPtr;
use crate::slot::arena::{Arena, ArenaKind};
use crate::slot::handle::SlotHandle;
use crate::slot::orphan::AllocatorShare;

/// Size-class pools with a single owner, the LMAX single-writer way: only the owner allocates
/// (`&mut self`), with no atomic read-modify-write when the slot at hand is free; the messages may
/// be cloned, sent and dropped on any thread, and a slot freed anywhere is reusable by the owner.
///
/// A slot's last drop just writes its state word. The owner keeps a private FIFO of candidate slot
/// indices: it takes the oldest, claims it if its state word says free (one Acquire load, one
/// plain store), and puts it back at the end. Slots found busy are parked and only re-examined when
/// the FIFO runs dry, so long-lived messages cost one look each, not one per allocation, and
/// allocation stays O(1) at high occupancy. Capacity is exact: `allocate` fails only after a pass
/// over every slot found each one in use (a slot reused 2³² times counts as in use while weak
/// handles into its class exist, see [`WeakRingPtr`](crate::WeakRingPtr)).
///
/// `Send` (move it to the thread that owns it), not `Sync`. Dropping it while its messages are
/// alive is safe: their memory lives until the last handle is gone (see [`Pools`](crate::Pools)).
///
/// # Examples
///
/// ```
/// use ringpool::bytemuck::{Pod, Zeroable};
/// use ringpool::{LocalPools, PoolConfig, PoolError, PooledMessage, SizeClass};
///
/// #[derive(Clone, Copy, Debug, Pod, Zeroable, PooledMessage)]
/// #[bytemuck(crate = "ringpool::bytemuck")]
/// #[repr(C)]
/// struct Tick {
///     price: u64,
/// }
///
/// let mut local = LocalPools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 2));
/// let a = local.allocate(Tick { price: 1 }).unwrap();
/// let b = local.allocate(Tick { price: 2 }).unwrap();
/// assert_eq!(
///     local.allocate(Tick { price: 3 }).unwrap_err(),
///     PoolError::Exhausted { class: SizeClass::XS, capacity: 2 }
/// );
/// std::thread::spawn(move || drop(a)).join().unwrap(); // freed on another thread
/// let c = local.allocate(Tick { price: 3 }).unwrap(); // reused by the owner
/// assert_eq!((b.price, c.price), (2, 3));
/// ```
pub struct LocalPools {
    classes: [Option<LocalClass>; SizeClass::COUNT],
    counters: [LocalCounters; SizeClass::COUNT],
    /// The largest `in_use` a `stats()` call counted, per class. A `Cell` because `stats` takes
    /// `&self`; `LocalPools` is not `Sync`, so only its owner ever touches it.
    sampled_high_water: [Cell<usize>; SizeClass::COUNT],
    config: PoolConfig,
}

// SAFETY: the arenas are shared-safe (atomics); the candidate lists are plain data owned by the
// `LocalPools` and move with it. It is not `Sync`: allocation needs the single owner.
unsafe impl Send for LocalPools {}

/// Owner-only counters of one class (plain integers: only the owner writes them).
#[derive(Clone, Copy, Default)]
struct LocalCounters {
    allocations: u64,
    exhausted: u64,
    heap_fallbacks: u64,
    high_water: usize,
}

/// One class: its arena and the owner's view of which slots to try.
struct LocalClass {
    arena: AllocatorShare,
    /// Slots to try next, oldest allocation first.
    candidates: CandidateRing,
    /// Slots found busy; back into `candidates` when it runs dry. Every index is in exactly one of
    /// the two lists.
    parked: Vec<u32>,
    /// The slot claimed last: tried first, because in an allocate/drop loop it is free again and
    /// still in cache (as a heap's most recently freed block is). Only a hint: the slot also stays
    /// in one of the lists above.
    recent: u32,
}

/// A FIFO of slot indices, as long as the number of slots handed out when it was last rebuilt
/// (its buffer is reserved for the class's capacity up front, so it never reallocates).
struct CandidateRing {
    indices: Vec<u32>,
    head: usize,
    len: usize,
}

impl CandidateRing {
    fn with_capacity(capacity: usize) -> Self {
        CandidateRing {
            indices: Vec::with_capacity(capacity),
            head: 0,
            len: 0,
        }
    }

    #[inline(always)]
    fn pop_front(&mut self) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let index = self.indices[self.head];
        self.head += 1;
        if self.head == self.indices.len() {
            self.head = 0;
        }
        self.len -= 1;
        Some(index)
    }

    /// The oldest candidate; the ring must not be empty.
    #[inline(always)]
    fn front(&self) -> u32 {
        debug_assert!(self.len != 0);
        // SAFETY: `head < indices.len()` while the ring is not empty (it wraps to 0 on reaching
        // the length).
        unsafe { *self.indices.get_unchecked(self.head) }
    }

    /// Moves the front index to the back (it was just claimed: it is the oldest again last).
    #[inline(always)]
    fn rotate_front_to_back(&mut self) {
        let size = self.indices.len();
        if self.len != size {
            let mut tail = self.head + self.len;
            if tail >= size {
                tail -= size;
            }
            self.indices[tail] = self.indices[self.head];
        }
        // With the ring full, the back is the front's own position: nothing to move.
        self.head += 1;
        if self.head == size {
            self.head = 0;
        }
    }

    /// Refills an empty ring with `indices` (every slot handed out so far), oldest first.
    fn refill(&mut self, indices: impl Iterator<Item = u32>) {
        debug_assert_eq!(self.len, 0);
        self.indices.clear();
        self.indices.extend(indices);
        self.head = 0;
        self.len = self.indices.len();
    }
}

impl LocalClass {
    #[inline(always)]
    fn arena(&self) -> &Arena {
        &self.arena
    }

    /// The fast path: the oldest candidates, parking busy ones.
    #[inline(always)]
    fn claim_from_candidates(&mut self) -> Option<u32> {
        if self.arena().try_claim_by_owner(self.recent) {
            return Some(self.recent);
        }
        while self.candidates.len != 0 {
            let index = self.candidates.front();
            if self.arena().try_claim_by_owner(index) {
                self.candidates.rotate_front_to_back();
                self.recent = index;
                return Some(index);
            }
            self.candidates.pop_front();
            self.parked.push(index);
        }
        None
    }

    /// A class's first allocation: its arena, with slot 0 handed out as the first candidate.
    #[cold]
    #[inline(never)]
    fn create(class: SizeClass, capacity: usize) -> LocalClass {
        let arena = AllocatorShare::create(class, capacity, ArenaKind::Local);
        let first = arena.take_fresh().expect("a new arena has a fresh slot");
        let mut candidates = CandidateRing::with_capacity(capacity);
        candidates.refill(core::iter::once(first));
        LocalClass {
            arena,
            candidates,
            parked: Vec::with_capacity(capacity),
            recent: first,
        }
    }

    /// Candidates ran dry (every slot handed out so far is parked, found busy): a slot never
    /// used yet, parked at once (it is busy now).
    fn claim_fresh(&mut self) -> Option<u32> {
        debug_assert_eq!(self.candidates.len, 0);
        let index = self.arena().take_fresh()?;
        let claimed = self.arena().try_claim_by_owner(index);
        debug_assert!(claimed, "a fresh slot is free at generation 0");
        self.parked.push(index);
        self.recent = index;
        Some(index)
    }

    /// Candidates ran dry and every slot was handed out: one pass over every slot (all parked).
    #[cold]
    fn claim_after_rescan(&mut self, counters: &mut LocalCounters) -> Option<u32> {
        debug_assert_eq!(self.candidates.len, 0);
        self.candidates.refill(self.parked.drain(..));
        let claimed = self.claim_from_candidates();
        // Every parked slot was seen busy during this pass.
        let seen_busy = self.parked.len() + usize::from(claimed.is_some());
        counters.high_water = counters.high_water.max(seen_busy);
        claimed
    }
}

impl LocalPools {
    /// Pools for `config`. Each class's arena is created at its first allocation (see
    /// [`PoolConfig`] for the memory this costs).
    ///
    /// # Panics
    ///
    /// If a capacity is above [`PoolConfig::max_capacity`]; [`LocalPools::try_new`] returns the
    /// error instead.
    pub fn new(config: PoolConfig) -> Self {
        match Self::try_new(config) {
            Ok(pools) => pools,
            Err(e) => panic!("{e}"),
        }
    }

    /// Like [`LocalPools::new`], with an invalid configuration as an error.
    ///
    /// # Errors
    ///
    /// [`PoolError::CapacityTooLarge`] for a class above [`PoolConfig::max_capacity`] (at most
    /// [`PoolConfig::MAX_CLASS_CAPACITY`]).
    pub fn try_new(config: PoolConfig) -> Result<Self, PoolError> {
        crate::pool::pools::validate(&config)?;
        Ok(LocalPools {
            classes: Default::default(),
            counters: [LocalCounters::default(); SizeClass::COUNT],
            sampled_high_water: Default::default(),
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
    pub fn allocate<T: PooledMessage>(&mut self, value: T) -> Result<RingPtr<T>, PoolError> {
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
    /// [`PoolError::Exhausted`] as for [`LocalPools::allocate`]. Above 16 KiB the bytes always come
    /// from the heap.
    pub fn allocate_bytes(&mut self, len: usize) -> Result<PooledBytes, PoolError> {
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
    fn claim(&mut self, class: SizeClass) -> Result<(NonNull<Arena>, u32), PoolError> {
        if let Some(local) = &mut self.classes[class.index()]
            && let Some(index) = local.claim_from_candidates()
        {
            self.counters[class.index()].allocations += 1;
            return Ok((local.arena.as_ptr(), index));
        }
        self.claim_slow(class)
    }

    #[cold]
    #[inline(never)]
    fn claim_slow(&mut self, class: SizeClass) -> Result<(NonNull<Arena>, u32), PoolError> {
        let capacity = self.config.capacity(class);
        let counters = &mut self.counters[class.index()];
        let slot = &mut self.classes[class.index()];
        if slot.is_none() && capacity > 0 {
            *slot = Some(LocalClass::create(class, capacity));
        }
        if let Some(local) = slot
            && let Some(index) = local
                .claim_from_candidates()
                .or_else(|| local.claim_fresh())
                .or_else(|| local.claim_after_rescan(counters))
        {
            counters.allocations += 1;
            return Ok((local.arena.as_ptr(), index));
        }
        counters.exhausted += 1;
        counters.high_water = counters.high_water.max(capacity);
        match self.config.overflow(class) {
            Overflow::Fail => Err(PoolError::Exhausted { class, capacity }),
            Overflow::Heap => {
                counters.heap_fallbacks += 1;
                Ok((Arena::create_heap_claimed(class), 0))
            }
        }
    }

    /// A snapshot of every class's counters. `in_use` is counted by reading each slot's state.
    pub fn stats(&self) -> PoolStats {
        let mut stats = PoolStats::default();
        for class in SizeClass::ALL {
            let counters = self.counters[class.index()];
            let in_use = self.classes[class.index()]
                .as_ref()
                .map_or(0, |c| c.arena().count_in_use());
            let sampled = &self.sampled_high_water[class.index()];
            sampled.set(sampled.get().max(in_use));
            stats.classes[class.index()] = ClassStats {
                capacity: self.config.capacity(class),
                in_use,
                high_water: counters.high_water.max(sampled.get()),
                allocations: counters.allocations,
                exhausted: counters.exhausted,
                heap_fallbacks: counters.heap_fallbacks,
            };
        }
        stats
    }
}

impl core::fmt::Debug for LocalPools {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LocalPools")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
