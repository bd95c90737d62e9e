//! `Allocator`: one trait for every place a slot can come from.

use crate::bytes::PooledBytes;
use crate::message::PooledMessage;
use crate::pool::error::PoolError;
use crate::pool::local::LocalPools;
use crate::pool::pools::Pools;
use crate::ring_ptr::RingPtr;

/// A source of pool slots. Code that only needs *a* slot (the frame readers,
/// [`MessageSet::read_from`](crate::MessageSet::read_from), [`MessageBuffer`](crate::MessageBuffer))
/// takes an `impl Allocator` by value, so one function serves every pool front-end:
///
/// | pass | allocates from | cost per allocation |
/// |---|---|---|
/// | `&pools` (`&Pools`) | a shared pool, any thread | [`Pools::allocate`] |
/// | `&mut local` (`&mut LocalPools`) | a single-writer pool | [`LocalPools::allocate`] |
/// | [`ThreadPools`] | the calling thread's own pools | a thread-local lookup, then as `LocalPools` |
///
/// `&Pools` is `Copy`, so a loop can pass it on every call; a `&mut LocalPools` is passed as
/// `&mut local` each time, and a generic `a: &mut A` as `&mut *a` (every `&mut A` is an
/// allocator too). Each method is `#[inline]` and forwards to the front-end's own method.
///
/// # Examples
///
/// ```
/// use ringpool::bytemuck::{Pod, Zeroable};
/// use ringpool::{Allocator, LocalPools, PoolConfig, PoolError, Pools, PooledMessage, RingPtr,
///     ThreadPools};
///
/// #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
/// #[bytemuck(crate = "ringpool::bytemuck")]
/// #[repr(C)]
/// struct Tick { price: u64 }
///
/// // Written once, callable with any of the three front-ends.
/// fn tick(mut pools: impl Allocator, price: u64) -> Result<RingPtr<Tick>, PoolError> {
///     pools.allocate(Tick { price })
/// }
///
/// let shared = Pools::new(PoolConfig::default());
/// let mut local = LocalPools::new(PoolConfig::default());
/// assert_eq!(tick(&shared, 1)?.price, 1);
/// assert_eq!(tick(&mut local, 2)?.price, 2);
/// assert_eq!(tick(ThreadPools, 3)?.price, 3);
/// # Ok::<(), PoolError>(())
/// ```
pub trait Allocator {
    /// Moves `value` into a free slot of its size class.
    ///
    /// # Errors
    ///
    /// [`PoolError::Exhausted`] when the class is full and its policy is
    /// [`Overflow::Fail`](crate::Overflow::Fail); [`PoolError::ThreadLocalUnavailable`] from
    /// [`ThreadPools`] while the thread is being torn down.
    fn allocate<T: PooledMessage>(&mut self, value: T) -> Result<RingPtr<T>, PoolError>;

    /// A unique buffer of `len` bytes in a slot of the smallest class that holds them (on the
    /// heap above 16 KiB); see [`PooledBytes`].
    ///
    /// # Errors
    ///
    /// As [`allocate`](Self::allocate).
    fn allocate_bytes(&mut self, len: usize) -> Result<PooledBytes, PoolError>;
}

impl Allocator for &Pools {
    #[inline]
    fn allocate<T: PooledMessage>(&mut self, value: T) -> Result<RingPtr<T>, PoolError> {
        Pools::allocate(self, value)
    }

    #[inline]
    fn allocate_bytes(&mut self, len: usize) -> Result<PooledBytes, PoolError> {
        Pools::allocate_bytes(self, len)
    }
}

impl Allocator for Pools {
    #[inline]
    fn allocate<T: PooledMessage>(&mut self, value: T) -> Result<RingPtr<T>, PoolError> {
        Pools::allocate(self, value)
    }

    #[inline]
    fn allocate_bytes(&mut self, len: usize) -> Result<PooledBytes, PoolError> {
        Pools::allocate_bytes(self, len)
    }
}

impl Allocator for LocalPools {
    #[inline]
    fn allocate<T: PooledMessage>(&mut self, value: T) -> Result<RingPtr<T>, PoolError> {
        LocalPools::allocate(self, value)
    }

    #[inline]
    fn allocate_bytes(&mut self, len: usize) -> Result<PooledBytes, PoolError> {
        LocalPools::allocate_bytes(self, len)
    }
}

impl<A: Allocator + ?Sized> Allocator for &mut A {
    #[inline]
    fn allocate<T: PooledMessage>(&mut self, value: T) -> Result<RingPtr<T>, PoolError> {
        (**self).allocate(value)
    }

    #[inline]
    fn allocate_bytes(&mut self, len: usize) -> Result<PooledBytes, PoolError> {
        (**self).allocate_bytes(len)
    }
}

/// The calling thread's own pools: the [`LocalPools`] that
/// [`allocate_from_pool`](crate::allocate_from_pool) uses, created on the thread's first
/// allocation from the global configuration ([`configure_global`](crate::configure_global)).
///
/// A unit value with nothing to carry around: pass `ThreadPools` wherever an [`Allocator`] is
/// wanted. Each allocation costs one thread-local lookup on top of [`LocalPools::allocate`].
///
/// ```
/// use ringpool::{Allocator, ThreadPools};
/// let bytes = ThreadPools.allocate_bytes(40)?;
/// assert_eq!(bytes.class(), Some(ringpool::SizeClass::XS));
/// # Ok::<(), ringpool::PoolError>(())
/// ```
#[cfg(not(loom))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ThreadPools;

#[cfg(not(loom))]
impl Allocator for ThreadPools {
    #[inline]
    fn allocate<T: PooledMessage>(&mut self, value: T) -> Result<RingPtr<T>, PoolError> {
        crate::pool::thread::allocate_from_pool(value)
    }

    #[inline]
    fn allocate_bytes(&mut self, len: usize) -> Result<PooledBytes, PoolError> {
        crate::pool::thread::allocate_bytes_from_pool(len)
    }
}
