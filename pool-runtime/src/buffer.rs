//! `MessageBuffer`: a stack-first byte buffer that spills into a pool slot, not the heap.

use core::fmt;
use core::ops::{Deref, DerefMut};
use std::io;

use bytemuck::{AnyBitPattern, NoUninit, Pod, PodCastError};

use crate::class::{SLOT_ALIGN, SizeClass};
use crate::message::{PooledMessage, SlotLayout};
use crate::message_bytes::{MessageBytes, ViewFailure};
use crate::{Allocator, PoolError, PooledBytes};

/// Default inline capacity of a [`MessageBuffer`]: 4 KiB, one `L` slot.
pub const DEFAULT_INLINE_CAPACITY: usize = 4096;

/// The inline bytes, aligned to a cache line like a pool slot, so a typed view of the buffer's
/// start is aligned for every message type whether the bytes are inline or spilled.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct InlineBytes<const N: usize>([u8; N]);

const _: () = assert!(core::mem::align_of::<InlineBytes<1>>() == SLOT_ALIGN);

/// A byte buffer that keeps up to `INLINE` bytes inside itself (on the stack when the buffer is
/// a local) and, when it outgrows them, moves its bytes into a pool slot of the smallest class
/// that holds them — the heap only beyond 16 KiB (XL).
///
/// Meant for assembling or inspecting one message at a time and being reused:
/// [`clear`](Self::clear) empties it and hands any spill slot back to its pool, so a long-lived
/// buffer pins a slot only while it holds a large message. Spill slots come from the
/// [`Allocator`] it was built with: `&Pools`, `&mut LocalPools` (borrowed for the buffer's
/// life), or [`ThreadPools`](crate::ThreadPools), which borrows nothing.
///
/// Typed views ([`view`](Self::view), [`view_at`](Self::view_at)) reinterpret the bytes in place,
/// checking size and alignment through bytemuck: a mismatch is a [`ViewError`], never undefined
/// behaviour. The inline array is 64-byte aligned (as are pool slots), so a view at offset 0 of a
/// buffer up to 16 KiB is aligned for any [`PooledMessage`](crate::PooledMessage).
///
/// # Memory layout
///
/// ```text
/// MessageBuffer<A, INLINE>    (align 64)
/// +-----------------------------+
/// | inline: [u8; INLINE]        |  bytes 0..len while not spilled
/// | len: usize                  |
/// | spill: Option<PooledBytes>  |  Some(slot) once len outgrew INLINE; capacity = slot length
/// | pools: A                    |  the Allocator spill slots come from
/// +-----------------------------+
/// ```
///
/// # Examples
///
/// ```
/// use ringpool::{MessageBuffer, PoolConfig, Pools, SizeClass};
///
/// let pools = Pools::new(PoolConfig::empty().with_capacity(SizeClass::S, 1));
/// let mut buffer = MessageBuffer::<_, 64>::with_inline_capacity(&pools);
/// buffer.extend_from_slice(&[1; 40])?;
/// assert!(!buffer.spilled());
/// buffer.extend_from_slice(&[2; 40])?; // 80 bytes: moves into an S slot (256 bytes)
/// assert!(buffer.spilled());
/// assert_eq!(buffer.capacity(), 256);
/// assert_eq!(buffer.len(), 80);
///
/// let words = buffer.view_at::<[u64; 5]>(40)?;
/// assert_eq!(words[0], u64::from_ne_bytes([2; 8]));
///
/// buffer.clear(); // the S slot goes back to the pool
/// assert!(!buffer.spilled());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct MessageBuffer<A, const INLINE: usize = DEFAULT_INLINE_CAPACITY> {
    /// Holds the bytes while `spill` is `None`.
    inline: InlineBytes<INLINE>,
    /// Bytes in use: `0..len` of the inline array or of the spill slot. Never above `capacity()`.
    len: usize,
    /// The pool slot (or heap block above XL) holding the bytes once they outgrew `INLINE`; its
    /// length is the buffer's capacity.
    spill: Option<PooledBytes>,
    /// Source of spill slots.
    pools: A,
}

/// Why a typed view of a [`MessageBuffer`] was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ViewError {
    /// The bytes at the offset are not exactly `size_of::<T>()` long.
    SizeMismatch {
        /// `size_of::<T>()`.
        expected: usize,
        /// Bytes available at the offset (`len - offset`, 0 past the end).
        actual: usize,
    },
    /// The bytes at the offset are not aligned for `T`.
    Misaligned {
        /// `align_of::<T>()`.
        required: usize,
    },
    /// The bytes are not a valid message of this type ([`view_message`](MessageBuffer::view_message)
    /// of a validated message with, say, a `bool` byte that is not 0 or 1).
    InvalidValue {
        /// The message type's name.
        message: &'static str,
    },
}

impl fmt::Display for ViewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ViewError::SizeMismatch { expected, actual } => {
                write!(f, "cannot view {actual} bytes as a {expected}-byte value")
            }
            ViewError::Misaligned { required } => {
                write!(
                    f,
                    "bytes are not aligned to the {required} bytes the type needs"
                )
            }
            ViewError::InvalidValue { message } => {
                write!(f, "bytes are not a valid `{message}`")
            }
        }
    }
}

impl std::error::Error for ViewError {}

impl<A: Allocator> MessageBuffer<A> {
    /// An empty buffer with the default 4 KiB inline part, spilling into `pools`.
    ///
    /// (A const generic default does not guide inference in expressions, so the constructors for
    /// other sizes are [`with_inline_capacity`](Self::with_inline_capacity) and
    /// [`from_slice_inline`](Self::from_slice_inline).)
    pub fn new(pools: A) -> Self {
        Self::with_inline_capacity(pools)
    }

    /// A default-sized buffer holding a copy of `bytes`.
    ///
    /// # Errors
    ///
    /// [`PoolError`] when `bytes` does not fit inline and the pool has no slot for it.
    pub fn from_slice(pools: A, bytes: &[u8]) -> Result<Self, PoolError> {
        Self::from_slice_inline(pools, bytes)
    }
}

impl<A: Allocator, const INLINE: usize> MessageBuffer<A, INLINE> {
    /// An empty buffer with an `INLINE`-byte inline part, spilling into `pools`:
    /// `MessageBuffer::<_, 64>::with_inline_capacity(&pools)`.
    pub fn with_inline_capacity(pools: A) -> Self {
        MessageBuffer {
            inline: InlineBytes([0; INLINE]),
            len: 0,
            spill: None,
            pools,
        }
    }

    /// A buffer with an `INLINE`-byte inline part holding a copy of `bytes`.
    ///
    /// # Errors
    ///
    /// [`PoolError`] when `bytes` does not fit inline and the pool has no slot for it.
    pub fn from_slice_inline(pools: A, bytes: &[u8]) -> Result<Self, PoolError> {
        let mut buffer = Self::with_inline_capacity(pools);
        buffer.extend_from_slice(bytes)?;
        Ok(buffer)
    }

    /// Bytes in the buffer.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` when the buffer holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes the buffer holds without moving: `INLINE`, or the spill slot's size.
    pub fn capacity(&self) -> usize {
        self.spill.as_ref().map_or(INLINE, |spill| spill.len())
    }

    /// `true` once the bytes live in a pool slot (or on the heap) instead of inline.
    pub fn spilled(&self) -> bool {
        self.spill.is_some()
    }

    /// The size class of the spill slot, `None` while inline or when heap-backed (above XL).
    pub fn spill_class(&self) -> Option<SizeClass> {
        self.spill.as_ref().and_then(PooledBytes::class)
    }

    /// Empties the buffer for reuse and returns any spill slot to its pool; the buffer is
    /// inline again afterwards.
    pub fn clear(&mut self) {
        self.len = 0;
        self.spill = None;
    }

    /// Shortens the buffer to `len` bytes (no effect if it is not longer). Keeps any spill slot.
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// The bytes in the buffer.
    pub fn as_slice(&self) -> &[u8] {
        match &self.spill {
            Some(spill) => &spill[..self.len],
            None => &self.inline.0[..self.len],
        }
    }

    /// The bytes in the buffer, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        match &mut self.spill {
            Some(spill) => &mut spill[..self.len],
            None => &mut self.inline.0[..self.len],
        }
    }

    /// Appends `bytes`, spilling into a larger slot first if they don't fit.
    ///
    /// # Errors
    ///
    /// [`PoolError`] when a spill is needed and the pool has no slot of the class; the buffer is
    /// then unchanged.
    ///
    /// # Panics
    ///
    /// As [`reserve`](Self::reserve).
    pub fn extend_from_slice(&mut self, bytes: &[u8]) -> Result<(), PoolError> {
        self.reserve(bytes.len())?;
        let start = self.len;
        self.len += bytes.len();
        self.as_mut_slice()[start..].copy_from_slice(bytes);
        Ok(())
    }

    /// Appends the bytes of a plain-data value (e.g. a message, or a field of one).
    ///
    /// # Errors
    ///
    /// As [`extend_from_slice`](Self::extend_from_slice).
    pub fn push_value<T: NoUninit>(&mut self, value: &T) -> Result<(), PoolError> {
        self.extend_from_slice(bytemuck::bytes_of(value))
    }

    /// Makes room for `additional` more bytes: nothing if they fit, else a move into a slot of the
    /// smallest class holding `len + additional` bytes (a heap block, at least doubling, above
    /// XL).
    ///
    /// # Errors
    ///
    /// [`PoolError`] when the pool has no slot of that class; the buffer is then unchanged.
    ///
    /// # Panics
    ///
    /// Like `Vec::reserve`, when the heap block needed above XL is larger than `isize::MAX`
    /// bytes (e.g. `reserve(usize::MAX)`); a failed heap allocation aborts.
    pub fn reserve(&mut self, additional: usize) -> Result<(), PoolError> {
        let needed = self.len.saturating_add(additional);
        if needed <= self.capacity() {
            return Ok(());
        }
        let new_capacity = match SizeClass::for_size(needed) {
            Some(class) => class.slot_size(),
            None => needed.max(self.capacity().saturating_mul(2)),
        };
        let mut grown = self.pools.allocate_bytes(new_capacity)?;
        grown[..self.len].copy_from_slice(self.as_slice());
        // Replacing the old spill drops it, returning its slot.
        self.spill = Some(grown);
        Ok(())
    }

    /// The whole buffer viewed as a `T`, without copying.
    ///
    /// # Errors
    ///
    /// [`ViewError::SizeMismatch`] unless `len() == size_of::<T>()`; [`ViewError::Misaligned`]
    /// when the bytes are not aligned for `T` (never for `align_of::<T>() <= 64` up to 16 KiB:
    /// inline bytes and slots are 64-byte aligned).
    pub fn view<T: AnyBitPattern>(&self) -> Result<&T, ViewError> {
        self.view_at(0)
    }

    /// The bytes from `offset` to the end viewed as a `T`, without copying.
    ///
    /// # Errors
    ///
    /// [`ViewError::SizeMismatch`] unless exactly `size_of::<T>()` bytes follow `offset`;
    /// [`ViewError::Misaligned`] when they are not aligned for `T`.
    pub fn view_at<T: AnyBitPattern>(&self, offset: usize) -> Result<&T, ViewError> {
        let bytes = self.as_slice().get(offset..).unwrap_or(&[]);
        bytemuck::try_from_bytes(bytes).map_err(view_error::<T>(bytes.len()))
    }

    /// The whole buffer viewed as the pooled message `T`, without copying: for any message,
    /// including validated ones (zerocopy's `TryFromBytes`), whose bytes are checked first.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::{MessageBuffer, PoolConfig, Pools, ViewError};
    ///
    /// #[ringpool::message]
    /// struct Ping { seq: u64 }
    ///
    /// let pools = Pools::new(PoolConfig::default());
    /// let mut buffer = MessageBuffer::new(&pools);
    /// buffer.push_value(&7u64)?;
    /// assert_eq!(buffer.view_message::<Ping>()?.seq, 7);
    /// buffer.push_value(&1u8)?;
    /// assert!(matches!(buffer.view_message::<Ping>(), Err(ViewError::SizeMismatch { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ViewError::SizeMismatch`] and [`ViewError::Misaligned`] as for [`view`](Self::view);
    /// [`ViewError::InvalidValue`] when the bytes are not a valid `T`.
    pub fn view_message<T: PooledMessage>(&self) -> Result<&T, ViewError> {
        let bytes = self.as_slice();
        let expected = SlotLayout::<T>::SIZE;
        if bytes.len() != expected {
            return Err(ViewError::SizeMismatch {
                expected,
                actual: bytes.len(),
            });
        }
        <T::Bytes as MessageBytes<T>>::view(bytes).map_err(|error| match error {
            ViewFailure::Misaligned => ViewError::Misaligned {
                required: core::mem::align_of::<T>(),
            },
            ViewFailure::SizeMismatch => ViewError::SizeMismatch {
                expected,
                actual: bytes.len(),
            },
            ViewFailure::InvalidValue => ViewError::InvalidValue { message: T::NAME },
        })
    }

    /// The whole buffer viewed as a mutable `T`, without copying.
    ///
    /// # Errors
    ///
    /// As [`view`](Self::view).
    pub fn view_mut<T: Pod>(&mut self) -> Result<&mut T, ViewError> {
        let bytes = self.as_mut_slice();
        let actual = bytes.len();
        bytemuck::try_from_bytes_mut(bytes).map_err(view_error::<T>(actual))
    }
}

/// Maps bytemuck's cast error to a [`ViewError`] naming `T`'s requirements.
fn view_error<T>(actual: usize) -> impl FnOnce(PodCastError) -> ViewError {
    move |error| match error {
        PodCastError::TargetAlignmentGreaterAndInputNotAligned
        | PodCastError::AlignmentMismatch => ViewError::Misaligned {
            required: core::mem::align_of::<T>(),
        },
        PodCastError::SizeMismatch | PodCastError::OutputSliceWouldHaveSlop => {
            ViewError::SizeMismatch {
                expected: core::mem::size_of::<T>(),
                actual,
            }
        }
    }
}

impl<A: Allocator, const INLINE: usize> Deref for MessageBuffer<A, INLINE> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl<A: Allocator, const INLINE: usize> DerefMut for MessageBuffer<A, INLINE> {
    fn deref_mut(&mut self) -> &mut [u8] {
        self.as_mut_slice()
    }
}

impl<A: Allocator, const INLINE: usize> fmt::Debug for MessageBuffer<A, INLINE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageBuffer")
            .field("len", &self.len)
            .field("capacity", &self.capacity())
            .field("spilled", &self.spilled())
            .finish_non_exhaustive()
    }
}

/// Writing appends; a failed spill is an `io::Error` of kind `OutOfMemory` wrapping the
/// [`PoolError`]. So frames can be assembled in place with
/// [`write_frame`](crate::frame::write_frame).
impl<A: Allocator, const INLINE: usize> io::Write for MessageBuffer<A, INLINE> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.extend_from_slice(bytes)
            .map_err(|error| io::Error::new(io::ErrorKind::OutOfMemory, error))?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
