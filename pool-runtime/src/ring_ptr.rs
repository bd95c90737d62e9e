//! `RingPtr<T>`: a refcounted handle to a message in a pool slot, and its weak counterpart.

use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;

use crate::class::SizeClass;
use crate::message::PooledMessage;
use crate::slot::arena::{Arena, ArenaKind};
use crate::slot::release::{acquire_strong, release_keepalive, release_strong};
use crate::slot::state::refcount_overflow;
use crate::sync::Ordering;

/// A shared, refcounted handle to a `T` in a pool slot: `Arc`'s semantics, no heap allocation.
///
/// `Clone` adds a reference (no copy), `Drop` removes one, and the last drop returns the slot to
/// its allocator, which may be gone by then (the slot's memory lives until its last handle is
/// dropped). Handles may be cloned, sent and dropped on any thread.
///
/// The slot's generation changes with every new occupant: it is bumped when the slot is claimed
/// again rather than by the last drop, which lets a drop that is not the sole holder be a single
/// `fetch_sub` (see [`WeakRingPtr`] for why that keeps upgrades exact). The observable rule is the
/// same: a reused slot never shows its previous message's generation.
///
/// The drop of the only handle of a message that never had a weak handle frees the slot with one
/// plain store (no atomic read-modify-write): nothing else can touch the slot's state then.
/// Other drops, and clones, are one atomic read-modify-write each, like `Arc`; a count above
/// 2²⁹ aborts the process.
///
/// Two words: the payload pointer and the slot's arena; `Option<RingPtr<T>>` is the same size.
/// (Eight bytes would need arenas aligned to a fixed power of two, from which the arena is found by
/// masking the payload pointer; heap fallbacks would then cost that alignment each.)
///
/// # Examples
///
/// ```
/// use ringpool::bytemuck::{Pod, Zeroable};
/// use ringpool::{LocalPools, PoolConfig, PooledMessage, RingPtr, SizeClass};
///
/// #[derive(Clone, Copy, Debug, Pod, Zeroable, PooledMessage)]
/// #[bytemuck(crate = "ringpool::bytemuck")]
/// #[repr(C)]
/// struct Tick {
///     price: u64,
///     qty: u64,
/// }
///
/// let mut pools = LocalPools::new(PoolConfig::default());
/// let tick = pools.allocate(Tick { price: 101, qty: 5 }).unwrap();
/// let for_strategy = tick.clone();
/// assert_eq!(RingPtr::ref_count(&tick), 2);
/// assert!(RingPtr::ptr_eq(&tick, &for_strategy));
/// assert_eq!(for_strategy.price, 101);
/// assert_eq!(RingPtr::class(&tick), SizeClass::XS);
/// assert_eq!(size_of::<RingPtr<Tick>>(), 16);
/// assert_eq!(size_of::<Option<RingPtr<Tick>>>(), 16);
/// ```
pub struct RingPtr<T: PooledMessage> {
    payload: NonNull<T>,
    arena: NonNull<Arena>,
    _owns: PhantomData<T>,
}

// SAFETY: `T: PooledMessage` is `Send + Sync`; the slot's bookkeeping is atomic, and the arena is
// kept alive by the slot being allocated, whichever thread drops last.
unsafe impl<T: PooledMessage> Send for RingPtr<T> {}
// SAFETY: `&RingPtr<T>` gives `&T` (`T: Sync`) and atomic refcount updates only.
unsafe impl<T: PooledMessage> Sync for RingPtr<T> {}

impl<T: PooledMessage> RingPtr<T> {
    /// Wraps a claimed slot holding an initialised `T`.
    ///
    /// # Safety
    ///
    /// `payload` is the start of slot `arena.index_of(payload)` of the live `arena`, holding an
    /// initialised `T`, claimed (refcount 1) and that reference is handed to the new handle.
    #[inline(always)]
    pub(crate) unsafe fn from_claimed(payload: NonNull<T>, arena: NonNull<Arena>) -> Self {
        RingPtr {
            payload,
            arena,
            _owns: PhantomData,
        }
    }

    /// Tests only: the id of the arena this message lives in (see `slot::arena::destroyed`).
    #[cfg(test)]
    pub(crate) fn arena_id(this: &Self) -> u64 {
        this.arena().id()
    }

    #[inline(always)]
    fn arena(&self) -> &Arena {
        // SAFETY: our strong reference keeps the slot allocated, hence its arena alive.
        unsafe { self.arena.as_ref() }
    }

    #[inline(always)]
    fn index(&self) -> u32 {
        self.arena().index_of(self.payload.as_ptr().cast())
    }

    /// The number of strong handles to this message.
    pub fn ref_count(this: &Self) -> usize {
        // Acquire, like `Arc::strong_count`.
        this.arena()
            .state(this.index())
            .load(Ordering::Acquire)
            .refcount() as usize
    }

    /// The slot's generation: how many messages it has held, this one included (1 for a fresh
    /// slot's first message, wrapping at 2³² only while no weak handle into the class exists, see
    /// [`WeakRingPtr`]). A reused slot shows a different generation than its previous message.
    pub fn generation(this: &Self) -> u32 {
        // Relaxed: the generation cannot change while we hold a reference.
        this.arena()
            .state(this.index())
            .load(Ordering::Relaxed)
            .generation()
    }

    /// A mutable reference when this is the only handle and no weak handle was ever made to this
    /// message (one could upgrade concurrently); `None` otherwise.
    ///
    /// ```
    /// # use ringpool::bytemuck::{Pod, Zeroable};
    /// # use ringpool::{LocalPools, PoolConfig, PooledMessage, RingPtr};
    /// # #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
    /// # #[bytemuck(crate = "ringpool::bytemuck")]
    /// # #[repr(C)]
    /// # struct Tick { price: u64 }
    /// let mut pools = LocalPools::new(PoolConfig::default());
    /// let mut tick = pools.allocate(Tick { price: 1 }).unwrap();
    /// RingPtr::get_mut(&mut tick).unwrap().price = 2;
    /// let other = tick.clone();
    /// assert!(RingPtr::get_mut(&mut tick).is_none());
    /// drop(other);
    /// assert_eq!(tick.price, 2);
    /// ```
    pub fn get_mut(this: &mut Self) -> Option<&mut T> {
        let index = this.index();
        // Acquire: other holders' drops (Release) happen before our writes.
        let state = this.arena().state(index).load(Ordering::Acquire);
        if !state.is_sole_without_weak() {
            return None;
        }
        this.arena().record_write(index);
        // SAFETY: we hold the only strong handle (`&mut`), and no weak handle exists that could
        // make another; the slot holds an initialised `T`.
        Some(unsafe { this.payload.as_mut() })
    }

    /// Whether both handles point to the same message.
    pub fn ptr_eq(this: &Self, other: &Self) -> bool {
        this.payload == other.payload
    }

    /// A raw pointer to the message, valid while a handle to it exists.
    pub fn as_ptr(this: &Self) -> *const T {
        this.payload.as_ptr()
    }

    /// The size class of the slot (`T::CLASS`).
    pub fn class(this: &Self) -> SizeClass {
        this.arena().class()
    }

    /// Whether the message lives in its own heap block ([`Overflow::Heap`](crate::Overflow::Heap))
    /// rather than a pool slot.
    pub fn is_heap_backed(this: &Self) -> bool {
        this.arena().kind() == ArenaKind::Heap
    }

    /// A weak handle: does not keep the message alive, and upgrades only while this very message
    /// (not a later occupant of its slot) is alive.
    ///
    /// ```
    /// # use ringpool::bytemuck::{Pod, Zeroable};
    /// # use ringpool::{LocalPools, PoolConfig, PooledMessage, RingPtr, SizeClass};
    /// # #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
    /// # #[bytemuck(crate = "ringpool::bytemuck")]
    /// # #[repr(C)]
    /// # struct Tick { price: u64 }
    /// let mut pools = LocalPools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 1));
    /// let first = pools.allocate(Tick { price: 1 }).unwrap();
    /// let weak = RingPtr::downgrade(&first);
    /// assert_eq!(weak.upgrade().unwrap().price, 1);
    /// drop(first);
    /// let second = pools.allocate(Tick { price: 2 }).unwrap(); // same slot, next generation
    /// assert!(weak.upgrade().is_none());
    /// # drop(second);
    /// ```
    pub fn downgrade(this: &Self) -> WeakRingPtr<T> {
        let arena = this.arena();
        let index = this.index();
        // Relaxed: the flag only has to be seen by a later last-drop of this occupancy, which reads
        // this same word after us in its modification order.
        let state = arena.state(index).flag_weak(Ordering::Relaxed);
        // Relaxed, as `Arc::downgrade`'s count: our strong reference keeps the arena alive.
        arena.keepalive().fetch_add(1, Ordering::Relaxed);
        WeakRingPtr {
            payload: this.payload,
            arena: this.arena,
            generation: state.generation(),
            _refers: PhantomData,
        }
    }

    /// Test support: raises the refcount to its limit so that the next clone aborts. The message
    /// then never returns to its pool. Only with the `test-hooks` feature, which only this
    /// crate's own tests enable.
    #[cfg(feature = "test-hooks")]
    #[doc(hidden)]
    pub fn __saturate_ref_count_for_tests(this: &Self) {
        this.arena().state(this.index()).saturate_for_tests();
    }
}

#[cfg(feature = "test-hooks")]
impl<T: PooledMessage> RingPtr<T> {
    /// Test support: sets the generation of this message's slot, as if the slot had been reused
    /// that many times (to test generation wrapping without 2³² allocations). Only with the
    /// `test-hooks` feature, which only this crate's own tests enable.
    ///
    /// # Safety
    ///
    /// No weak handle to an earlier message of this slot has generation `generation`, and no weak
    /// handle to this message exists (it would stop upgrading).
    #[doc(hidden)]
    pub unsafe fn __set_generation_for_tests(this: &Self, generation: u32) {
        this.arena()
            .state(this.index())
            .set_generation_for_tests(generation);
    }
}

impl<T: PooledMessage> Deref for RingPtr<T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        #[cfg(loom)]
        self.arena().record_read(self.index());
        // SAFETY: the slot holds an initialised `T` (written before the handle was made), and no
        // one writes it while a strong handle exists (`get_mut` needs the only one).
        unsafe { self.payload.as_ref() }
    }
}

impl<T: PooledMessage> Clone for RingPtr<T> {
    #[inline(always)]
    fn clone(&self) -> Self {
        acquire_strong(self.arena(), self.index());
        RingPtr {
            payload: self.payload,
            arena: self.arena,
            _owns: PhantomData,
        }
    }
}

impl<T: PooledMessage> Drop for RingPtr<T> {
    #[inline(always)]
    fn drop(&mut self) {
        let index = self.index();
        // SAFETY: this handle's strong reference is given up here and never used again.
        unsafe { release_strong(self.arena, index) };
    }
}

impl<T: PooledMessage + fmt::Debug> fmt::Debug for RingPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RingPtr")
            .field("value", &**self)
            .field("class", &RingPtr::class(self))
            .field("slot", &self.index())
            .field("generation", &RingPtr::generation(self))
            .field("ref_count", &RingPtr::ref_count(self))
            .field("heap", &RingPtr::is_heap_backed(self))
            .finish()
    }
}

impl<T: PooledMessage + PartialEq> PartialEq for RingPtr<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

/// A non-owning handle to a message: [`upgrade`](WeakRingPtr::upgrade) gives a [`RingPtr`] while
/// the message is alive, and `None` once it was dropped, even if its slot now holds another one.
///
/// The slot's generation and refcount are one atomic word, so the check and the increment are a
/// single compare-exchange. A weak handle keeps its arena's memory (not the message) alive.
///
/// Generations are 32 bits. So that a weak handle held across 2³² reuses of its slot can never
/// upgrade into a later occupant (which would be undefined behaviour: that occupant's holder may
/// rely on there being no weak handle, as [`RingPtr::get_mut`] does), a slot whose generation
/// would wrap is not reused while any weak handle into its pool's class exists: the allocator
/// skips it (it counts as in use), and reuses it, at generation 0, once those weak handles are
/// dropped. Only slots reused 2³² times are affected.
///
/// # Examples
///
/// ```
/// use ringpool::bytemuck::{Pod, Zeroable};
/// use ringpool::{Pools, PoolConfig, PooledMessage, RingPtr};
///
/// #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
/// #[bytemuck(crate = "ringpool::bytemuck")]
/// #[repr(C)]
/// struct Order {
///     id: u64,
/// }
///
/// let pools = Pools::new(PoolConfig::default());
/// let order = pools.allocate(Order { id: 9 }).unwrap();
/// let watcher = RingPtr::downgrade(&order);
/// assert_eq!(watcher.upgrade().map(|o| o.id), Some(9));
/// drop(order);
/// assert!(watcher.upgrade().is_none());
/// ```
pub struct WeakRingPtr<T: PooledMessage> {
    payload: NonNull<T>,
    arena: NonNull<Arena>,
    generation: u32,
    _refers: PhantomData<T>,
}

// SAFETY: as `RingPtr`: `T` is `Send + Sync` and the shared state is atomic.
unsafe impl<T: PooledMessage> Send for WeakRingPtr<T> {}
// SAFETY: as `RingPtr`.
unsafe impl<T: PooledMessage> Sync for WeakRingPtr<T> {}

impl<T: PooledMessage> WeakRingPtr<T> {
    #[inline(always)]
    fn arena(&self) -> &Arena {
        // SAFETY: our keepalive reference keeps the arena allocated.
        unsafe { self.arena.as_ref() }
    }

    /// A strong handle to the message if it is still alive.
    pub fn upgrade(&self) -> Option<RingPtr<T>> {
        let state = self
            .arena()
            .state(self.arena().index_of(self.payload.as_ptr().cast()));
        // Relaxed: the CAS below decides.
        let mut current = state.load(Ordering::Relaxed);
        loop {
            if current.generation() != self.generation || current.refcount() == 0 {
                return None;
            }
            if current.is_at_refcount_limit() {
                refcount_overflow();
            }
            // Success Acquire (as `Weak::upgrade`): the message's write happens before our reads.
            match state.compare_exchange_weak(
                current,
                current.with_one_more(),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    // SAFETY: we just added a strong reference to this same occupancy.
                    return Some(unsafe { RingPtr::from_claimed(self.payload, self.arena) });
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// The generation of the message this handle refers to.
    pub fn generation(&self) -> u32 {
        self.generation
    }
}

impl<T: PooledMessage> Clone for WeakRingPtr<T> {
    fn clone(&self) -> Self {
        // Relaxed: our own keepalive reference keeps the arena alive.
        self.arena().keepalive().fetch_add(1, Ordering::Relaxed);
        WeakRingPtr {
            payload: self.payload,
            arena: self.arena,
            generation: self.generation,
            _refers: PhantomData,
        }
    }
}

impl<T: PooledMessage> Drop for WeakRingPtr<T> {
    fn drop(&mut self) {
        // SAFETY: this handle's keepalive reference is given up and the arena not touched again.
        unsafe { release_keepalive(self.arena) };
    }
}

impl<T: PooledMessage> fmt::Debug for WeakRingPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakRingPtr")
            .field("class", &self.arena().class())
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}
