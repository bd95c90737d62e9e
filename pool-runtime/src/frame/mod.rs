//! TLV frames: messages on a byte stream, read straight into pooled slots.
//!
//! A frame is an 8-byte little-endian header followed by the payload:
//!
//! ```text
//! byte  0   1   2   3   4   5   6   7   8 ...
//!     +-------+-------+---------------+------------------------+
//!     |type id| flags |  payload len  | payload (len bytes)    |
//!     | u16 LE| u16 LE|    u32 LE     | the message's bytes    |
//!     +-------+-------+---------------+------------------------+
//! ```
//!
//! - bytes 0–1, `type_id`: [`PooledMessage::TYPE_ID`](crate::PooledMessage::TYPE_ID) of the
//!   payload's message (`#[pooled(type_id = N)]` or the stable hash of the type's name);
//! - bytes 2–3, `flags`: application bits, carried verbatim; [`write_frame`] sends 0 and
//!   ringpool never interprets them;
//! - bytes 4–7, `payload_len`: payload bytes that follow (0 to `u32::MAX`; readers reject lengths
//!   above their configured maximum, 16 KiB by default);
//! - bytes 8…: the payload, for a typed message exactly its in-memory bytes (bytemuck's
//!   `bytes_of` or zerocopy's `as_bytes`), so peers must share endianness (little-endian) and
//!   the message's `#[repr(C)]` layout. There is no padding between frames and no trailer.
//!
//! Reading ([`read_frame`], [`FrameReader`]) copies the payload once, from the reader into a
//! slot of the class its length needs, taken from any [`Allocator`](crate::Allocator), and
//! allocates nothing on the heap for payloads up to 16 KiB. [`Frame::decode`] then turns that slot into a typed [`RingPtr<T>`](crate::RingPtr) without
//! copying. A [`MessageSet`] (usually `#[derive(MessageSet)]`) decodes by type id into an enum of
//! the messages an endpoint handles; reading through it ([`MessageSet::read_from`],
//! [`FrameReader::read_set`]) skips frames of other types without taking a slot.
//!
//! Bad input never panics and never leaks a slot; each case has its own [`FrameError`], and
//! [`FrameReader`] documents where each leaves the stream. A reader that hands out one byte per
//! `read` works (short reads are resumed; `Interrupted` is retried). A `Write` that reports more
//! bytes written than it was given gets [`FrameError::Io`] of kind `InvalidData`, never the panic
//! std's `write_all`, `BufWriter` and `IoSlice::advance_slices` raise on such a count.
//!
//! With the `tokio` feature, [`FrameReader::read_async`] and friends do the same over tokio's
//! `AsyncRead` / `AsyncWrite`. Those futures are **not cancellation-safe**: dropping one
//! mid-frame (e.g. losing a `select!`) loses the bytes it consumed and leaves the stream inside a
//! frame, so read frames from one task that awaits each read to completion.

#[cfg(feature = "tokio")]
mod async_io;
mod error;
mod header;
mod message_set;
mod pooled_frame;
mod read;
mod write;

#[cfg(feature = "tokio")]
pub use async_io::{read_frame_async, write_frame_async, write_frame_bytes_async};
pub use error::{FrameError, FrameSection};
pub use header::FrameHeader;
pub use message_set::MessageSet;
pub use pooled_frame::Frame;
pub use read::{FrameReader, read_frame};
pub use write::{FrameWriter, write_frame, write_frame_bytes};
