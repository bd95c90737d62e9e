//! The one error type of the shared-memory ring.

use core::fmt;

/// Everything that can go wrong attaching to, writing to or reading from a shared-memory ring.
///
/// Attach-time errors (`RegionTooSmall`, `NotARing`, `Uninitialized`, `VersionMismatch`,
/// `HeaderCorrupt`, `Io`) mean the region or file cannot be used. Run-time errors are either
/// expected flow (`Overrun`, `WriterClosed`) or a reason to stop (`WriterDied`, `Corrupt`).
#[derive(Debug)]
#[non_exhaustive]
pub enum ShmError {
    /// The region or file cannot hold a header and the smallest data ring.
    RegionTooSmall {
        /// Bytes available.
        available: usize,
        /// Bytes needed at least.
        required: usize,
    },
    /// The region does not start with the ring's magic number: it is not a ring.
    NotARing,
    /// The magic number is still zero: a creator has not finished formatting the region yet.
    Uninitialized,
    /// The region was formatted by another layout version of this crate.
    VersionMismatch {
        /// Version found in the header.
        found: u64,
        /// Version this build reads and writes.
        expected: u64,
    },
    /// The header's identity words are inconsistent (capacity not a power of two, larger than the
    /// region, header size unexpected).
    HeaderCorrupt(&'static str),
    /// A requested data capacity is not a power of two of at least 64 bytes.
    InvalidCapacity(usize),
    /// A message does not fit in the ring; nothing was written.
    MessageTooLarge {
        /// Payload bytes asked for.
        len: usize,
        /// Largest payload the ring accepts.
        max: usize,
    },
    /// The destination buffer cannot hold the message (or, for `read_bulk`, the next frame).
    BufferTooSmall {
        /// Bytes the buffer needs.
        needed: usize,
        /// Bytes it has.
        available: usize,
    },
    /// The writer overwrote messages before this reader got to them. `missed` is exactly the
    /// number of messages this reader will never see; the reader continues after the gap.
    Overrun {
        /// Messages lost by this reader.
        missed: u64,
    },
    /// Another live process (or this one) already holds the writer lock.
    WriterBusy {
        /// Process id of the lock holder.
        pid: u32,
    },
    /// Everything was read and the writer detached cleanly. Keep polling if a new writer may
    /// attach later.
    WriterClosed,
    /// The process holding the writer lock no longer exists; `mid_message` tells whether it died
    /// between announcing a frame and publishing it (that frame is lost, never returned).
    WriterDied {
        /// Process id of the dead writer.
        pid: u32,
        /// Whether a frame was claimed but never published.
        mid_message: bool,
    },
    /// The ring's contents break the frame format (bad frame kind, length or sequence number).
    /// The reader refuses to go on from here; nothing invalid is returned as a message.
    Corrupt(&'static str),
    /// [`ShmRing::writer`](super::ShmRing::writer) on a ring opened with
    /// [`ShmRing::open_read_only`](super::ShmRing::open_read_only): its mapping cannot be written.
    ReadOnly,
    /// Creating, sizing or mapping a file failed.
    Io(std::io::Error),
}

impl fmt::Display for ShmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RegionTooSmall {
                available,
                required,
            } => write!(
                f,
                "shared-memory region of {available} bytes is too small: a ring needs at least {required}"
            ),
            Self::NotARing => {
                f.write_str("region is not a ringpool shared-memory ring (bad magic)")
            }
            Self::Uninitialized => f.write_str("shared-memory ring is not formatted yet"),
            Self::VersionMismatch { found, expected } => write!(
                f,
                "shared-memory ring has layout version {found}, this build uses {expected}"
            ),
            Self::HeaderCorrupt(what) => write!(f, "shared-memory ring header is corrupt: {what}"),
            Self::InvalidCapacity(capacity) => write!(
                f,
                "ring capacity {capacity} must be a power of two of at least 64 bytes"
            ),
            Self::MessageTooLarge { len, max } => {
                write!(
                    f,
                    "message of {len} bytes exceeds the ring's maximum of {max}"
                )
            }
            Self::BufferTooSmall { needed, available } => {
                write!(
                    f,
                    "buffer of {available} bytes is too small, {needed} needed"
                )
            }
            Self::Overrun { missed } => {
                write!(f, "reader overrun by the writer: {missed} messages lost")
            }
            Self::WriterBusy { pid } => write!(f, "ring already has a live writer (pid {pid})"),
            Self::WriterClosed => f.write_str("writer closed the ring and every message was read"),
            Self::WriterDied {
                pid,
                mid_message: true,
            } => {
                write!(f, "writer process {pid} died in the middle of a message")
            }
            Self::WriterDied {
                pid,
                mid_message: false,
            } => {
                write!(f, "writer process {pid} died without closing the ring")
            }
            Self::Corrupt(what) => write!(f, "shared-memory ring contents are corrupt: {what}"),
            Self::ReadOnly => {
                f.write_str("shared-memory ring was opened read-only: it can be read, not written")
            }
            Self::Io(error) => write!(f, "shared-memory file: {error}"),
        }
    }
}

impl std::error::Error for ShmError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<std::io::Error> for ShmError {
    fn from(error: std::io::Error) -> Self {
        Self::Io(error)
    }
}
