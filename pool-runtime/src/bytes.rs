//! `PooledBytes`: a unique, pool-backed byte buffer that can become a typed message in place.

use core::fmt;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use crate::class::SizeClass;
use crate::message::{PooledMessage, SlotLayout};
use crate::message_bytes::MessageBytes;
use crate::ring_ptr::RingPtr;
use crate::slot::arena::Arena;
use crate::slot::release::release_strong;

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
    /// A claimed slot (refcount 1, no weak handle) of a pooled or heap arena.
    Slot {
        data: NonNull<u8>,
        arena: NonNull<Arena>,
        len: usize,
    },
    /// More than any class holds.
    Large(Box<[u8]>),
}

// SAFETY: unique ownership of plain bytes; the slot's bookkeeping is atomic (as `RingPtr`).
unsafe impl Send for PooledBytes {}
// SAFETY: `&PooledBytes` only gives `&[u8]`.
unsafe impl Sync for PooledBytes {}

impl PooledBytes {
    /// Wraps a slot claimed for the caller.
    ///
    /// # Safety
    ///
    /// Slot `index` of the live `arena` is claimed (refcount 1, no weak handle) and handed over,
    /// and `len <= ` its slot size.
    pub(crate) unsafe fn from_claimed(arena: NonNull<Arena>, index: u32, len: usize) -> Self {
        // SAFETY: the claimed slot keeps the arena alive.
        let arena_ref = unsafe { arena.as_ref() };
        debug_assert!(len <= arena_ref.class().slot_size());
        arena_ref.record_write(index);
        PooledBytes {
            repr: Repr::Slot {
                data: arena_ref.slot(index),
                arena,
                len,
            },
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
            Repr::Slot { len, .. } => *len,
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
            Repr::Slot { arena, .. } => {
                // SAFETY: our claimed slot keeps the arena alive.
                let arena = unsafe { arena.as_ref() };
                (arena.kind() != crate::slot::arena::ArenaKind::Heap).then(|| arena.class())
            }
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
        // A constant `true` for all but validated messages, so their check folds away.
        let valid = <T::Bytes as MessageBytes<T>>::ANY_BYTES_VALID
            || <T::Bytes as MessageBytes<T>>::is_valid(&self);
        match self.repr {
            Repr::Slot { data, arena, len } if len == SlotLayout::<T>::SIZE && valid => {
                let _ = ManuallyDrop::new(self);
                // SAFETY: `len == size_of::<T>()` (computed by `SlotLayout`, not taken from the
                // derive), and the slot's class holds `len` bytes, so it holds a `T`; slots are
                // 64-byte aligned and `SlotLayout` checked `align_of::<T>() <= 64`; the bytes
                // are initialised and a valid `T` (any bytes are, or the sealed `MessageBytes`
                // proof's check just said so); our claimed reference passes to the handle.
                Ok(unsafe { RingPtr::from_claimed(data.cast::<T>(), arena) })
            }
            _ => Err(self),
        }
    }
}

impl Deref for PooledBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.repr {
            // SAFETY: `len` initialised bytes of a slot we own exclusively.
            Repr::Slot { data, len, .. } => unsafe {
                core::slice::from_raw_parts(data.as_ptr(), *len)
            },
            Repr::Large(bytes) => bytes,
        }
    }
}

impl DerefMut for PooledBytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        match &mut self.repr {
            // SAFETY: as in `deref`, and `&mut self` makes the access unique.
            Repr::Slot { data, len, .. } => unsafe {
                core::slice::from_raw_parts_mut(data.as_ptr(), *len)
            },
            Repr::Large(bytes) => bytes,
        }
    }
}

impl Drop for PooledBytes {
    fn drop(&mut self) {
        if let Repr::Slot { data, arena, .. } = self.repr {
            // SAFETY: the claimed slot keeps the arena alive until released just below.
            let index = unsafe { arena.as_ref() }.index_of(data.as_ptr());
            // SAFETY: we hold the slot's only reference and give it up.
            unsafe { release_strong(arena, index) };
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
