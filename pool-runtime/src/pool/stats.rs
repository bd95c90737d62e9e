//! `PoolStats` / `ClassStats`: what a pool reports about its classes.

use crate::class::SizeClass;

/// Counters of one size class of an allocator.
///
/// # Examples
///
/// ```
/// use ringpool::{LocalPools, PoolConfig, SizeClass};
///
/// let mut pools = LocalPools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 4));
/// let bytes = pools.allocate_bytes(8).unwrap();
/// let xs = pools.stats().class(SizeClass::XS);
/// assert_eq!((xs.capacity, xs.in_use, xs.allocations), (4, 1, 1));
/// drop(bytes);
/// assert_eq!(pools.stats().class(SizeClass::XS).in_use, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ClassStats {
    /// Slots of the class.
    pub capacity: usize,
    /// Slots in use now (heap fallbacks not included). Counted when `stats()` runs, by reading
    /// every slot's state word, so the hot paths keep no shared counter for it.
    pub in_use: usize,
    /// The largest `in_use` seen: by a `stats()` call, by an allocation that had to rescan the
    /// class (a `LocalPools` then knows how many slots it found busy), or `capacity` once the class
    /// was exhausted. A sampled peak, not a precise one.
    pub high_water: usize,
    /// Successful allocations from the class's slots (for a [`Pools`](crate::Pools), counted by
    /// its free list's tag, modulo 2⁴⁰).
    pub allocations: u64,
    /// Allocations that found the class full (whether they then failed or went to the heap).
    pub exhausted: u64,
    /// Allocations served from the heap because the class was full and its policy is
    /// [`Overflow::Heap`](crate::Overflow::Heap).
    pub heap_fallbacks: u64,
}

/// A snapshot of every class's [`ClassStats`].
///
/// # Examples
///
/// ```
/// use ringpool::{PoolConfig, Pools, SizeClass};
///
/// let pools = Pools::new(PoolConfig::default());
/// assert_eq!(pools.stats().class(SizeClass::L).capacity, 128);
/// assert_eq!(pools.stats().iter().count(), 5);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PoolStats {
    pub(crate) classes: [ClassStats; SizeClass::COUNT],
}

impl PoolStats {
    /// The counters of `class`.
    pub fn class(&self, class: SizeClass) -> ClassStats {
        self.classes[class.index()]
    }

    /// Every class with its counters, `XS` first.
    pub fn iter(&self) -> impl Iterator<Item = (SizeClass, ClassStats)> + '_ {
        SizeClass::ALL.iter().map(|c| (*c, self.classes[c.index()]))
    }

    /// Slots in use over all classes.
    pub fn total_in_use(&self) -> usize {
        self.classes.iter().map(|c| c.in_use).sum()
    }
}
