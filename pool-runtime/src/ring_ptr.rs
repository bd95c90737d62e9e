//! `RingPtr<T>`: a refcounted handle to a message in a pool slot, and its weak counterpart.

use core::fmt;
use core::ops::Deref;

use crate::class::SizeClass;
use crate::message::PooledMessage;
use crate::slot::handle::{SlotHandle, WeakSlotHandle};

/// A shared, refcounted handle to a `T` in a pool slot: `Arc`'s semantics, no heap allocation.
///
/// `Clone` adds a reference (no copy), `Drop` removes one, and the last drop returns the slot to
/// its allocator, which may be gone by then (the slot's memory lives until its last handle is
/// dropped). Handles may be cloned, sent and dropped on any thread.
///
/// Each new occupant of a slot gets a new [generation](RingPtr::generation), which a
/// [`WeakRingPtr`] checks before it upgrades.
///
/// Cost: a clone is one atomic increment, like `Arc`'s; a drop that is not the last is one load
/// and one atomic decrement. The last drop of a message that never had a weak handle frees its
/// slot with plain stores (no atomic read-modify-write). A count above 2²⁷ aborts the process.
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
    slot: SlotHandle<T>,
}

impl<T: PooledMessage> RingPtr<T> {
    /// Wraps a strong slot handle.
    #[inline(always)]
    pub(crate) fn from_slot(slot: SlotHandle<T>) -> Self {
        RingPtr { slot }
    }

    /// Tests only: the id of the arena this message lives in (see `slot::arena::destroyed`).
    #[cfg(test)]
    pub(crate) fn arena_id(this: &Self) -> u64 {
        this.slot.arena_id()
    }

    /// The number of strong handles to this message.
    pub fn ref_count(this: &Self) -> usize {
        this.slot.ref_count()
    }

    /// The slot's generation: how many messages it has held, this one included (1 for a fresh
    /// slot's first message, wrapping at 2³² only while no weak handle into the class exists, see
    /// [`WeakRingPtr`]). A reused slot shows a different generation than its previous message.
    pub fn generation(this: &Self) -> u32 {
        this.slot.generation()
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
        this.slot.get_mut()
    }

    /// Whether both handles point to the same message.
    pub fn ptr_eq(this: &Self, other: &Self) -> bool {
        core::ptr::eq(this.slot.as_ptr(), other.slot.as_ptr())
    }

    /// A raw pointer to the message, valid while a handle to it exists.
    pub fn as_ptr(this: &Self) -> *const T {
        this.slot.as_ptr()
    }

    /// The size class of the slot (`T::CLASS`).
    pub fn class(this: &Self) -> SizeClass {
        this.slot.class()
    }

    /// Whether the message lives in its own heap block ([`Overflow::Heap`](crate::Overflow::Heap))
    /// rather than a pool slot.
    pub fn is_heap_backed(this: &Self) -> bool {
        this.slot.is_heap_backed()
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
        WeakRingPtr {
            slot: this.slot.downgrade(),
        }
    }

    /// Test support: raises the refcount to its limit so that the next clone aborts. The message
    /// then never returns to its pool. Only with the `test-hooks` feature, which only this
    /// crate's own tests enable.
    #[cfg(feature = "test-hooks")]
    #[doc(hidden)]
    pub fn __saturate_ref_count_for_tests(this: &Self) {
        this.slot.saturate_ref_count_for_tests();
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
        // SAFETY: forwarded from our caller.
        unsafe { this.slot.set_generation_for_tests(generation) };
    }
}

impl<T: PooledMessage> Deref for RingPtr<T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        self.slot.get()
    }
}

impl<T: PooledMessage> Clone for RingPtr<T> {
    #[inline(always)]
    fn clone(&self) -> Self {
        RingPtr {
            slot: self.slot.clone(),
        }
    }
}

impl<T: PooledMessage + fmt::Debug> fmt::Debug for RingPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RingPtr")
            .field("value", &**self)
            .field("class", &RingPtr::class(self))
            .field("slot", &self.slot.index())
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
/// Cost: an upgrade is one compare-exchange (generation check and increment at once). A weak
/// handle keeps its class's memory (not the message) alive.
///
/// A slot reused 2³² times, whose 32-bit generation would wrap, is not reused while any weak
/// handle into its pool's class exists (it counts as in use), so a weak handle never upgrades
/// into a later occupant.
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
    slot: WeakSlotHandle<T>,
}

impl<T: PooledMessage> WeakRingPtr<T> {
    /// A strong handle to the message if it is still alive.
    pub fn upgrade(&self) -> Option<RingPtr<T>> {
        self.slot.upgrade().map(RingPtr::from_slot)
    }

    /// The generation of the message this handle refers to.
    pub fn generation(&self) -> u32 {
        self.slot.generation()
    }
}

impl<T: PooledMessage> Clone for WeakRingPtr<T> {
    fn clone(&self) -> Self {
        WeakRingPtr {
            slot: self.slot.clone(),
        }
    }
}

impl<T: PooledMessage> fmt::Debug for WeakRingPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakRingPtr")
            .field("class", &self.slot.class())
            .field("generation", &self.slot.generation())
            .finish_non_exhaustive()
    }
}
