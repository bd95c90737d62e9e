//! Typed errors of the ring: construction, subscription, pushing, claiming and reading.

use core::fmt;

/// A ring could not be built with the requested capacity.
///
/// # Examples
///
/// ```
/// use ringpool::ring::{CapacityError, Ring};
///
/// let err = Ring::<u64>::with_capacity(100).unwrap_err();
/// assert_eq!(err, CapacityError::NotPowerOfTwo { requested: 100 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityError {
    /// The capacity is zero or not a power of two (the ring indexes slots with a bit mask).
    NotPowerOfTwo {
        /// The capacity asked for.
        requested: usize,
    },
    /// The slot array (or the reader table) would not fit in the address space.
    TooLarge {
        /// The capacity asked for.
        requested: usize,
    },
    /// More readers than [`MAX_READERS`](super::MAX_READERS) were asked for.
    TooManyReaders {
        /// The reader count asked for.
        requested: usize,
    },
}

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotPowerOfTwo { requested } => write!(
                f,
                "ring capacity must be a power of two (1, 2, 4, ...), got {requested}"
            ),
            Self::TooLarge { requested } => {
                write!(f, "ring capacity {requested} is too large to allocate")
            }
            Self::TooManyReaders { requested } => write!(
                f,
                "a ring has at most {} readers, {requested} were asked for",
                super::MAX_READERS
            ),
        }
    }
}

impl std::error::Error for CapacityError {}

/// The ring's writer was already taken: a ring has exactly one [`Writer`](super::Writer).
///
/// # Examples
///
/// ```
/// use ringpool::ring::{Ring, WriterTaken};
///
/// let ring = Ring::<u64>::with_capacity(8).unwrap();
/// let _writer = ring.writer().unwrap();
/// assert_eq!(ring.writer().unwrap_err(), WriterTaken);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterTaken;

impl fmt::Display for WriterTaken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the ring's single writer was already taken")
    }
}

impl std::error::Error for WriterTaken {}

/// Every reader slot of a [`Backpressure`](super::Backpressure) ring is in use, or an
/// [`Overwrite`](super::Overwrite) ring already has [`MAX_READERS`](super::MAX_READERS) readers.
///
/// The writer scans a fixed table of reader cursors; its size is chosen at construction
/// ([`Ring::with_capacity_and_readers`](super::Ring::with_capacity_and_readers)). A dropped
/// reader frees its slot for the next subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyReaders {
    /// The size of the reader table (an Overwrite ring: [`MAX_READERS`](super::MAX_READERS)).
    pub max_readers: usize,
}

impl fmt::Display for TooManyReaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "all {} reader slots of the ring are in use",
            self.max_readers
        )
    }
}

impl std::error::Error for TooManyReaders {}

/// The ring had no free slot: the item is handed back unchanged.
///
/// Returned by [`Writer::try_push`](super::Writer::try_push) and
/// [`Writer::push_timeout`](super::Writer::push_timeout) of a
/// [`Backpressure`](super::Backpressure) ring, and by [`Claim::push`](super::Claim::push) once a
/// claim is filled.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Full<T>(pub T);

impl<T> Full<T> {
    /// The item that was not pushed.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Full(..)")
    }
}

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the ring is full")
    }
}

impl<T> std::error::Error for Full<T> {}

/// A batch could not be claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimError {
    /// More slots were asked for than the ring has; such a claim could never be granted.
    TooLarge {
        /// Slots asked for.
        requested: usize,
        /// The ring's capacity.
        capacity: usize,
    },
    /// [`Writer::try_claim`](super::Writer::try_claim) only: not enough free slots right now.
    Full,
}

impl fmt::Display for ClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge {
                requested,
                capacity,
            } => write!(
                f,
                "cannot claim {requested} slots of a ring with capacity {capacity}"
            ),
            Self::Full => f.write_str("not enough free slots in the ring"),
        }
    }
}

impl std::error::Error for ClaimError {}

/// An [`Overwrite`](super::Overwrite) reader fell behind by more than the ring holds and the
/// writer overwrote items it had not read yet.
///
/// `missed` items were overwritten before this reader could read them; it continues with the
/// oldest item still in the ring, as tokio broadcast's `Lagged(n)` does. Every published item
/// is either returned or counted in exactly one `Overrun`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overrun {
    /// How many items this reader lost.
    pub missed: u64,
}

impl fmt::Display for Overrun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "reader overrun: {} items were overwritten before being read",
            self.missed
        )
    }
}

impl std::error::Error for Overrun {}
