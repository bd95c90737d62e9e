//! `FrameError`: everything that can go wrong turning bytes into a frame or a frame into a message.

use core::fmt;
use std::io;

use crate::PoolError;

/// Which part of a frame the stream ended in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameSection {
    /// The 8-byte [`FrameHeader`](crate::frame::FrameHeader).
    Header,
    /// The payload announced by the header.
    Payload,
}

impl fmt::Display for FrameSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FrameSection::Header => "header",
            FrameSection::Payload => "payload",
        })
    }
}

/// Why a frame could not be read or decoded.
///
/// Where the stream is left after each error is part of the contract; see each variant. Only
/// [`UnknownTypeId`](FrameError::UnknownTypeId), [`TypeMismatch`](FrameError::TypeMismatch),
/// [`LengthMismatch`](FrameError::LengthMismatch) and [`InvalidValue`](FrameError::InvalidValue)
/// leave the stream at the next frame boundary (the
/// whole frame was consumed), so reading can continue after them.
///
/// # Examples
///
/// ```
/// use ringpool::frame::{FrameError, FrameSection};
///
/// let eof = FrameError::Truncated { section: FrameSection::Header, expected: 8, received: 0 };
/// assert!(eof.is_end_of_stream());
/// assert_eq!(eof.to_string(), "stream ended after 0 of 8 frame header bytes");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum FrameError {
    /// The reader failed (other than with `Interrupted`, which is retried). The stream is
    /// somewhere inside the frame being read; that frame is lost and its slot returned.
    Io(io::Error),
    /// The stream ended inside a frame: `received` of the `expected` bytes of `section` arrived.
    ///
    /// The reader has consumed everything up to its end. `Header` with `received == 0` is a clean
    /// end of stream between frames ([`is_end_of_stream`](FrameError::is_end_of_stream)). A
    /// payload slot that was reserved has already been returned to its pool.
    Truncated {
        /// The part of the frame that was cut short.
        section: FrameSection,
        /// Bytes that part needed.
        expected: usize,
        /// Bytes that arrived before the end of the stream.
        received: usize,
    },
    /// The header announced a payload longer than the reader's configured maximum. Detected
    /// before any payload byte is read or any memory reserved: the stream is positioned right
    /// after the 8-byte header, at the start of the oversized payload.
    TooLarge {
        /// Payload length announced by the header (or passed to a writer).
        payload_len: u64,
        /// The largest payload accepted.
        max_payload: usize,
    },
    /// A [`MessageSet`](crate::frame::MessageSet) has no member with this type id. The frame was
    /// consumed whole; its slot is returned when this error is created.
    UnknownTypeId {
        /// The type id in the frame's header.
        type_id: u16,
    },
    /// [`Frame::decode::<T>`](crate::frame::Frame::decode) on a frame of another type. The frame
    /// was consumed whole.
    TypeMismatch {
        /// `T::TYPE_ID`.
        expected: u16,
        /// The type id in the frame's header.
        actual: u16,
    },
    /// The frame's type id is `T`'s but its payload is not `T::SIZE` bytes long (a peer built
    /// from another version of `T`). The frame was consumed whole.
    LengthMismatch {
        /// The frame's type id.
        type_id: u16,
        /// `T::SIZE`.
        expected: usize,
        /// The frame's payload length.
        actual: usize,
    },
    /// The frame's type id and length are `T`'s, but its bytes are not a valid `T`: a validated
    /// message (`#[ringpool::message(validated)]`) with, say, a `bool` byte that is not 0 or 1
    /// or an enum byte that names no variant. The frame was consumed whole and its slot
    /// returned; no `T` was made from the bytes.
    InvalidValue {
        /// The frame's type id.
        type_id: u16,
        /// The message type's name ([`PooledMessage::NAME`](crate::PooledMessage::NAME)).
        message: &'static str,
    },
    /// No slot for the payload: the pool's class is exhausted (or has no capacity). The header
    /// was read, the payload was not: the stream is at the start of the payload.
    Pool(PoolError),
}

impl FrameError {
    /// `true` for a clean end of stream: the stream ended exactly at a frame boundary (zero bytes
    /// of the next header arrived). Every other error means a frame was lost or rejected.
    ///
    /// ```
    /// use ringpool::frame::{FrameError, FrameSection};
    /// let cut = FrameError::Truncated { section: FrameSection::Header, expected: 8, received: 3 };
    /// assert!(!cut.is_end_of_stream());
    /// ```
    pub fn is_end_of_stream(&self) -> bool {
        matches!(
            self,
            FrameError::Truncated {
                section: FrameSection::Header,
                received: 0,
                ..
            }
        )
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Io(error) => write!(f, "frame i/o failed: {error}"),
            FrameError::Truncated {
                section,
                expected,
                received,
            } => write!(
                f,
                "stream ended after {received} of {expected} frame {section} bytes"
            ),
            FrameError::TooLarge {
                payload_len,
                max_payload,
            } => write!(
                f,
                "frame payload of {payload_len} bytes exceeds the maximum of {max_payload}"
            ),
            FrameError::UnknownTypeId { type_id } => {
                write!(f, "no message in the set has type id {type_id:#06x}")
            }
            FrameError::TypeMismatch { expected, actual } => write!(
                f,
                "frame has type id {actual:#06x}, expected {expected:#06x}"
            ),
            FrameError::LengthMismatch {
                type_id,
                expected,
                actual,
            } => write!(
                f,
                "frame of type id {type_id:#06x} has a {actual}-byte payload, the message is {expected} bytes"
            ),
            FrameError::InvalidValue { type_id, message } => write!(
                f,
                "frame of type id {type_id:#06x} holds bytes that are not a valid `{message}`"
            ),
            FrameError::Pool(error) => write!(f, "no pool slot for the frame payload: {error}"),
        }
    }
}

impl std::error::Error for FrameError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FrameError::Io(error) => Some(error),
            FrameError::Pool(error) => Some(error),
            _ => None,
        }
    }
}

impl From<io::Error> for FrameError {
    fn from(error: io::Error) -> Self {
        FrameError::Io(error)
    }
}

impl From<PoolError> for FrameError {
    fn from(error: PoolError) -> Self {
        FrameError::Pool(error)
    }
}
