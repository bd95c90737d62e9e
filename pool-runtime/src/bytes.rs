//! `PooledBytes`: a unique, pool-backed byte buffer that can become a typed message in place.

use core::fmt;
use core::ops::{Deref, DerefMut};

use crate::class::SizeClass;
use crate::message::PooledMessage;
use crate::ring_ptr::RingPtr;
use crate::slot::handle::SlotHandle;

/// The unique owner of `len` bytes in a pool slot of `SizeClass::for_size(len)`, or on the heap
/// (above 16 KiB, or when the class was full and its policy is
/// [`Overflow::Heap`](crate::Overflow::Heap)).
///
/// The bytes are always initialised: arenas are zeroed once when created, and a reused slot holds
/// whatever its previous occupant left (stale bytes, never uninitialised memory). So a reader can
/// `read_exact` straight into them without zeroing first. A buffer of exactly `T::SIZE` bytes turns
/// into a [`RingPtr<T>`] without a copy ([`into_message`](PooledBytes::into_message)).
///
/// # Examples
///
/// ```
/// use ringpool::bytemuck::{Pod, Zeroable};
/// use ringpool::{LocalPools, PoolConfig, PooledMessage, SizeClass};
/// use std::io::Read;
///
/// #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
/// #[bytemuck(crate = "ringpool::bytemuck")]
/// #[repr(C)]
/// struct Quote {
///     bid: u32,
///     ask: u32,
/// }
///
/// let mut pools = LocalPools::new(PoolConfig::default());
/// let mut bytes = pools.allocate_bytes(Quote::SIZE).unwrap();
/// let wire = [1u8, 0, 0, 0, 2, 0, 0, 0];
/// (&wire[..]).read_exact(&mut bytes).unwrap();
/// assert_eq!(bytes.class(), Some(SizeClass::XS));
/// let quote = bytes.into_message::<Quote>().ok().unwrap();
/// assert_eq!((quote.bid, quote.ask), (1, 2));
/// ```
pub struct PooledBytes {
    repr: Repr,
}

enum Repr {
    /// A claimed slot of a pooled or heap arena, never cloned or downgraded.
    Slot(SlotHandle<[u8]>),
    /// More than any class holds.
    Large(Box<[u8]>),
}

impl PooledBytes {
    /// Wraps the bytes of a slot claimed for the caller.
    #[inline]
    pub(crate) fn from_slot(slot: SlotHandle<[u8]>) -> Self {
        PooledBytes {
            repr: Repr::Slot(slot),
        }
    }

    /// Zeroed heap bytes, for lengths no class holds.
    pub(crate) fn large(len: usize) -> Self {
        PooledBytes {
            repr: Repr::Large(vec![0; len].into_boxed_slice()),
        }
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Slot(slot) => slot.bytes().len(),
            Repr::Large(bytes) => bytes.len(),
        }
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The size class of the slot holding the bytes; `None` when they are on the heap (above
    /// 16 KiB, or an [`Overflow::Heap`](crate::Overflow::Heap) fallback).
    pub fn class(&self) -> Option<SizeClass> {
        match &self.repr {
            Repr::Slot(slot) => (!slot.is_heap_backed()).then(|| slot.class()),
            Repr::Large(_) => None,
        }
    }

    /// Reinterprets the bytes as a `T` in place (no copy) and hands the slot to a [`RingPtr`].
    ///
    /// # Errors
    ///
    /// Gives the buffer back unchanged when `self.len() != size_of::<T>()`, or when the bytes are
    /// not a valid `T` (only possible for a validated message, e.g. a `bool` byte that is not 0
    /// or 1).
    ///
    /// ```
    /// # use ringpool::bytemuck::{Pod, Zeroable};
    /// # use ringpool::{Pools, PoolConfig, PooledMessage};
    /// # #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
    /// # #[bytemuck(crate = "ringpool::bytemuck")]
    /// # #[repr(C)]
    /// # struct Quote { bid: u32, ask: u32 }
    /// let pools = Pools::new(PoolConfig::default());
    /// let wrong = pools.allocate_bytes(7).unwrap();
    /// let Err(back) = wrong.into_message::<Quote>() else {
    ///     panic!("7 bytes are not a Quote");
    /// };
    /// assert_eq!(back.len(), 7);
    /// ```
    pub fn into_message<T: PooledMessage>(self) -> Result<RingPtr<T>, PooledBytes> {
        match self.repr {
            Repr::Slot(slot) => slot
                .into_message::<T>()
                .map(RingPtr::from_slot)
                .map_err(PooledBytes::from_slot),
            Repr::Large(_) => Err(self),
        }
    }
}

impl Deref for PooledBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.repr {
            Repr::Slot(slot) => slot.bytes(),
            Repr::Large(bytes) => bytes,
        }
    }
}

impl DerefMut for PooledBytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        match &mut self.repr {
            Repr::Slot(slot) => slot.bytes_mut(),
            Repr::Large(bytes) => bytes,
        }
    }
}

impl fmt::Debug for PooledBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledBytes")
            .field("len", &self.len())
            .field("class", &self.class())
            .finish_non_exhaustive()
    }
}
