//! `PoolConfig`: how many slots each size class gets, and what happens when a class runs out.

use crate::class::SizeClass;

/// What `allocate` does when every slot of a class is in use.
///
/// # Examples
///
/// ```
/// use ringpool::{Overflow, PoolConfig, SizeClass};
///
/// const CONFIG: PoolConfig = PoolConfig::empty()
///     .with_capacity(SizeClass::S, 8)
///     .with_overflow(SizeClass::S, Overflow::Heap);
/// assert_eq!(CONFIG.overflow(SizeClass::S), Overflow::Heap);
/// assert_eq!(CONFIG.overflow(SizeClass::M), Overflow::Fail);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Overflow {
    /// Return [`PoolError::Exhausted`](crate::PoolError::Exhausted): memory stays bounded.
    #[default]
    Fail,
    /// Put the message in its own heap block. It behaves exactly like a pooled one through
    /// [`RingPtr`](crate::RingPtr) and is counted in [`ClassStats::heap_fallbacks`](crate::ClassStats).
    Heap,
}

/// Capacity and overflow policy of each size class: how many slots a [`Pools`](crate::Pools) or
/// [`LocalPools`](crate::LocalPools) reserves for it.
///
/// Every builder is a `const fn`, so a configuration can be a `const` (the `MessageSet` derive
/// builds one). A class with capacity 0 has no slots: with [`Overflow::Fail`] every allocation of
/// it fails, with [`Overflow::Heap`] every one goes to the heap.
///
/// # Memory
///
/// Each class with capacity `n` reserves, at its first allocation, one anonymous mapping of
/// `n × slot_size` payload bytes plus 8 bytes of state per slot (plus 4 bytes per slot of free-list
/// links for a [`Pools`](crate::Pools)). That is address space: the kernel commits a page when a
/// slot or state word on it is first touched, and slots are handed out in order before any is
/// reused, so resident memory follows the class's peak number of live messages, not `n`. On top,
/// a `Pools` class has 8 KiB of per-thread magazines, and a
/// [`LocalPools`](crate::LocalPools) class reserves 8 bytes per slot for its candidate lists
/// (written only as slots are used). A class never allocated from costs nothing.
///
/// [`PoolConfig::default()`] is modest:
///
/// | class | slot size | slots | payload |
/// |-------|-----------|-------|---------|
/// | XS    | 64 B      | 4096  | 256 KiB |
/// | S     | 256 B     | 2048  | 512 KiB |
/// | M     | 1 KiB     | 512   | 512 KiB |
/// | L     | 4 KiB     | 128   | 512 KiB |
/// | XL    | 16 KiB    | 32    | 512 KiB |
///
/// 2.25 MiB of payload and about 110 KiB of metadata, all with [`Overflow::Fail`].
///
/// # Examples
///
/// ```
/// use ringpool::{PoolConfig, SizeClass};
///
/// let config = PoolConfig::default().with_capacity(SizeClass::S, 4096);
/// assert_eq!(config.capacity(SizeClass::S), 4096);
/// assert_eq!(config.capacity(SizeClass::XS), 4096);
/// assert_eq!(PoolConfig::empty().capacity(SizeClass::XL), 0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PoolConfig {
    capacities: [usize; SizeClass::COUNT],
    overflows: [Overflow; SizeClass::COUNT],
}

impl PoolConfig {
    /// The largest capacity a class may have (16 777 215 slots).
    pub const MAX_CLASS_CAPACITY: usize = (1 << 24) - 1;

    /// The largest capacity `class` may have on this target: [`PoolConfig::MAX_CLASS_CAPACITY`],
    /// or fewer where `capacity × slot size` would not fit in `isize` (a 32-bit target's `XL`
    /// class, for instance, stops at 131 071 slots).
    ///
    /// ```
    /// use ringpool::{PoolConfig, SizeClass};
    /// # #[cfg(target_pointer_width = "64")]
    /// assert_eq!(PoolConfig::max_capacity(SizeClass::XL), PoolConfig::MAX_CLASS_CAPACITY);
    /// ```
    pub const fn max_capacity(class: SizeClass) -> usize {
        max_capacity_within(class, isize::MAX as usize)
    }

    /// Slots per class in [`PoolConfig::default()`], `XS` first.
    pub const DEFAULT_CAPACITIES: [usize; SizeClass::COUNT] = [4096, 2048, 512, 128, 32];

    /// Every class with capacity 0 and [`Overflow::Fail`].
    pub const fn empty() -> Self {
        PoolConfig {
            capacities: [0; SizeClass::COUNT],
            overflows: [Overflow::Fail; SizeClass::COUNT],
        }
    }

    /// The default configuration (see the type's docs), usable in `const` context.
    pub const fn const_default() -> Self {
        PoolConfig {
            capacities: Self::DEFAULT_CAPACITIES,
            overflows: [Overflow::Fail; SizeClass::COUNT],
        }
    }

    /// Sets the number of slots of `class`.
    ///
    /// A capacity above [`PoolConfig::max_capacity`] (at most [`PoolConfig::MAX_CLASS_CAPACITY`])
    /// is rejected when the pools are built ([`Pools::try_new`](crate::Pools::try_new)).
    #[must_use]
    pub const fn with_capacity(mut self, class: SizeClass, slots: usize) -> Self {
        self.capacities[class.index()] = slots;
        self
    }

    /// Sets what happens when `class` is full.
    #[must_use]
    pub const fn with_overflow(mut self, class: SizeClass, overflow: Overflow) -> Self {
        self.overflows[class.index()] = overflow;
        self
    }

    /// Sets the overflow policy of every class.
    #[must_use]
    pub const fn with_overflow_all(mut self, overflow: Overflow) -> Self {
        self.overflows = [overflow; SizeClass::COUNT];
        self
    }

    /// The number of slots of `class`.
    pub const fn capacity(&self, class: SizeClass) -> usize {
        self.capacities[class.index()]
    }

    /// What happens when `class` is full.
    pub const fn overflow(&self, class: SizeClass) -> Overflow {
        self.overflows[class.index()]
    }

    /// Slots one class needs so that every item of that class in a
    /// [`Ring`](crate::ring::Ring) of `ring_capacity` entries with `readers` readers fits:
    /// `ring_capacity + 1 + readers`.
    ///
    /// The ring holds at most `ring_capacity` items no reader can skip yet (it drops each item
    /// once every reader is past it), the producer holds the one it is building, and each
    /// reader may hold one clone while it works on it. Items a reader keeps longer need slots of
    /// their own on top.
    ///
    /// ```
    /// use ringpool::PoolConfig;
    /// assert_eq!(PoolConfig::slots_for_ring(1024, 2), 1027);
    /// ```
    pub const fn slots_for_ring(ring_capacity: usize, readers: usize) -> usize {
        ring_capacity.saturating_add(1).saturating_add(readers)
    }

    /// This configuration with every class that has slots raised to at least
    /// [`slots_for_ring`](Self::slots_for_ring)`(ring_capacity, readers)`, so a producer feeding
    /// such a ring never finds a class exhausted while the ring holds its items (classes with
    /// no slots stay empty).
    ///
    /// ```
    /// use ringpool::{PoolConfig, SizeClass};
    ///
    /// let config = PoolConfig::empty()
    ///     .with_capacity(SizeClass::XL, 32)
    ///     .sized_for_ring(1024, 1);
    /// assert_eq!(config.capacity(SizeClass::XL), 1026);
    /// assert_eq!(config.capacity(SizeClass::XS), 0);
    /// ```
    #[must_use]
    pub const fn sized_for_ring(mut self, ring_capacity: usize, readers: usize) -> Self {
        let needed = Self::slots_for_ring(ring_capacity, readers);
        let mut i = 0;
        while i < SizeClass::COUNT {
            if self.capacities[i] != 0 && self.capacities[i] < needed {
                self.capacities[i] = needed;
            }
            i += 1;
        }
        self
    }

    /// Payload bytes this configuration allocates per allocator (metadata not included).
    ///
    /// ```
    /// assert_eq!(ringpool::PoolConfig::default().payload_bytes(), 2304 * 1024);
    /// ```
    pub const fn payload_bytes(&self) -> usize {
        let mut total = 0;
        let mut i = 0;
        while i < SizeClass::COUNT {
            // Saturating: an oversized configuration is rejected when pools are built, not here.
            total = self.capacities[i]
                .saturating_mul(SizeClass::ALL[i].slot_size())
                .saturating_add(total);
            i += 1;
        }
        total
    }
}

/// The largest capacity of `class` whose payload (`capacity × slot size` bytes) is at most
/// `max_bytes`, capped at [`PoolConfig::MAX_CLASS_CAPACITY`].
pub(crate) const fn max_capacity_within(class: SizeClass, max_bytes: usize) -> usize {
    let by_size = max_bytes / class.slot_size();
    if by_size < PoolConfig::MAX_CLASS_CAPACITY {
        by_size
    } else {
        PoolConfig::MAX_CLASS_CAPACITY
    }
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self::const_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Finding: on a 32-bit target `capacity << slot_shift` could wrap (XL at 2¹⁸ slots is 2³²
    /// bytes). Simulate that target's `isize::MAX`.
    #[test]
    fn capacity_limit_keeps_payload_within_isize_on_32_bit() {
        let isize_max_32 = i32::MAX as usize;
        let xl = max_capacity_within(SizeClass::XL, isize_max_32);
        assert_eq!(xl, (1 << 17) - 1);
        assert!(xl * SizeClass::XL.slot_size() <= isize_max_32);
        assert!((xl + 1) * SizeClass::XL.slot_size() > isize_max_32);
        assert_eq!(
            max_capacity_within(SizeClass::XS, isize_max_32),
            PoolConfig::MAX_CLASS_CAPACITY
        );
        for class in SizeClass::ALL {
            assert!(PoolConfig::max_capacity(class) <= PoolConfig::MAX_CLASS_CAPACITY);
            assert!(
                PoolConfig::max_capacity(class)
                    .checked_mul(class.slot_size())
                    .is_some_and(|bytes| bytes <= isize::MAX as usize)
            );
        }
    }

    #[test]
    fn payload_bytes_saturates_instead_of_overflowing() {
        let huge = PoolConfig::empty().with_capacity(SizeClass::XL, usize::MAX);
        assert_eq!(huge.payload_bytes(), usize::MAX);
    }
}
