//! `Frame`: a header plus its payload, already sitting in a pooled slot.

use crate::frame::error::FrameError;
use crate::frame::header::FrameHeader;
use crate::message::{PooledMessage, SlotLayout};
use crate::{PooledBytes, RingPtr};

/// One frame read off a stream: its header and its payload, which lives in a pool slot of the
/// class its length needs (or on the heap above XL). Dropping the frame returns the slot.
///
/// [`decode`](Frame::decode) turns the payload into a typed [`RingPtr<T>`] without copying: the
/// slot the reader filled becomes the message's slot.
///
/// # Examples
///
/// ```
/// use ringpool::bytemuck::{Pod, Zeroable};
/// use ringpool::frame::{read_frame, write_frame};
/// use ringpool::{PoolConfig, Pools, PooledMessage, SizeClass};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, PooledMessage)]
/// #[bytemuck(crate = "ringpool::bytemuck")]
/// #[repr(C)]
/// #[pooled(type_id = 1)]
/// struct Trade { price: u64, qty: u64 }
///
/// let pools = Pools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 4));
/// let mut wire = Vec::new();
/// write_frame(&mut wire, &Trade { price: 101, qty: 3 })?;
///
/// let frame = read_frame(&mut wire.as_slice(), &pools)?;
/// assert_eq!((frame.type_id(), frame.len()), (1, 16));
/// let trade = frame.decode::<Trade>()?;
/// assert_eq!(*trade, Trade { price: 101, qty: 3 });
/// # Ok::<(), ringpool::frame::FrameError>(())
/// ```
#[derive(Debug)]
pub struct Frame {
    /// The header as read; `header.payload_len == payload.len()`.
    header: FrameHeader,
    /// The payload bytes, uniquely owned.
    payload: PooledBytes,
}

/// The error for a payload of the right type id and length whose bytes are not a valid `T`.
/// Out of line for the same reason as `into_mismatch`; the payload's slot is released here.
#[cold]
#[inline(never)]
fn invalid_value<T: PooledMessage>(header: FrameHeader, payload: PooledBytes) -> FrameError {
    drop(payload);
    FrameError::InvalidValue {
        type_id: header.type_id,
        message: T::NAME,
    }
}

impl Frame {
    /// Pairs a header with the payload read for it.
    #[inline]
    pub(crate) fn new(header: FrameHeader, payload: PooledBytes) -> Self {
        debug_assert_eq!(header.payload_len_usize(), payload.len());
        Frame { header, payload }
    }

    /// The frame's header.
    pub fn header(&self) -> FrameHeader {
        self.header
    }

    /// The message type id from the header.
    #[inline]
    pub fn type_id(&self) -> u16 {
        self.header.type_id
    }

    /// The flags from the header.
    pub fn flags(&self) -> u16 {
        self.header.flags
    }

    /// Payload length in bytes.
    pub fn len(&self) -> usize {
        self.payload.len()
    }

    /// `true` for a frame with no payload bytes.
    pub fn is_empty(&self) -> bool {
        self.payload.is_empty()
    }

    /// The payload bytes.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The payload bytes, mutably (to fix up a message in place before decoding it).
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.payload
    }

    /// The payload as an owned pooled buffer, for variable-length messages.
    pub fn into_payload(self) -> PooledBytes {
        self.payload
    }

    /// Turns the frame into a typed message without copying: the payload's slot becomes the
    /// message's slot.
    ///
    /// # Examples
    ///
    /// See [`Frame`].
    ///
    /// # Errors
    ///
    /// - [`FrameError::TypeMismatch`] when the frame's type id is not `T::TYPE_ID`;
    /// - [`FrameError::LengthMismatch`] when the type id matches but the payload is not
    ///   `T::SIZE` bytes;
    /// - [`FrameError::InvalidValue`] when type id and length match but the bytes are not a valid
    ///   `T` (validated messages only: their `bool` and enum fields are checked here).
    ///
    /// The frame (and its slot) is dropped in every case.
    #[inline]
    pub fn decode<T: PooledMessage>(self) -> Result<RingPtr<T>, FrameError> {
        let size = SlotLayout::<T>::SIZE;
        if self.type_id() != T::TYPE_ID || self.len() != size {
            return Err(self.into_mismatch(T::TYPE_ID, size));
        }
        let header = self.header;
        // With type id and length right, `into_message` fails only on bytes that are not a
        // valid `T`; the payload (and its slot) is dropped with the error.
        self.payload
            .into_message::<T>()
            .map_err(|payload| invalid_value::<T>(header, payload))
    }

    /// The error for decoding this frame as a message of `type_id` and `size` bytes, which it is
    /// not. Out of line, with the frame's drop (the slot's release) inside, so the success path
    /// of [`decode`](Self::decode) stays small enough to inline into a `MessageSet`'s dispatch.
    #[cold]
    #[inline(never)]
    fn into_mismatch(self, type_id: u16, size: usize) -> FrameError {
        if self.type_id() != type_id {
            FrameError::TypeMismatch {
                expected: type_id,
                actual: self.type_id(),
            }
        } else {
            FrameError::LengthMismatch {
                type_id,
                expected: size,
                actual: self.len(),
            }
        }
    }
}
