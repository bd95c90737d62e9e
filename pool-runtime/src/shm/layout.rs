//! Where everything lives in a ring region, and how a frame's two header words are encoded.
//!
//! A region is a slice of 64-bit words: a 256-byte header followed by the data ring.
//!
//! # Memory layout
//!
//! ```text
//! byte   0  ┌──────────────────────────────────────────────────────────────┐
//!           │ line 0: MAGIC · LAYOUT_VERSION · HEADER_BYTES · CAPACITY     │ written once
//! byte  64  ├──────────────────────────────────────────────────────────────┤
//!           │ line 1: WRITER_LOCK (pid | state)                            │ writer attach/close
//! byte 128  ├──────────────────────────────────────────────────────────────┤
//!           │ line 2: CLAIM_END · PUBLISHED · LAST_FRAME_START · OLDEST_FRAME_START │ every commit
//! byte 192  ├──────────────────────────────────────────────────────────────┤
//!           │ line 3: reserved (keeps the data off the cursor line's pair) │
//! byte 256  ├──────────────────────────────────────────────────────────────┤
//!           │ data ring: CAPACITY bytes (a power of two ≥ 64)              │
//!           │ [seq][kind|len][payload … padded to 8] [seq][kind|len][…] …  │
//!           └──────────────────────────────────────────────────────────────┘
//! ```
//!
//! Positions are monotonic byte counters (`u64`, never wrapped in practice); the byte a position
//! names lives at data offset `position % CAPACITY`. Frames start at multiples of 8 and never
//! straddle the end of the data ring: when a frame does not fit in what is left of the lap, the
//! writer fills the rest with a padding frame (or, if fewer than 16 bytes are left, skips them —
//! both sides apply the same rule) and starts the frame at the next lap.
//!
//! The three cursors share one cache line on purpose: the writer stores all three on every commit,
//! and a reader that loads `PUBLISHED` then finds `CLAIM_END` in the same line when it validates.

/// `b"RPOOLSHM"` read as a little-endian `u64`; a region whose first word differs is not a ring.
pub(crate) const MAGIC: u64 = u64::from_le_bytes(*b"RPOOLSHM");
/// Bumped whenever the meaning of any header word or frame word changes.
pub(crate) const LAYOUT_VERSION: u64 = 1;

/// Bytes of one cache line, the unit the header is laid out in.
pub(crate) const CACHE_LINE_BYTES: usize = 64;
/// Bytes before the data ring.
pub(crate) const HEADER_BYTES: usize = 4 * CACHE_LINE_BYTES;
/// Words before the data ring.
pub(crate) const HEADER_WORDS: usize = HEADER_BYTES / 8;
/// Smallest data ring: room for a few small frames.
pub(crate) const MIN_CAPACITY: usize = 64;
/// Bytes of a frame header: the sequence word and the kind/length word.
pub(crate) const FRAME_HEADER_BYTES: u64 = 16;

/// Word indices inside the header.
pub(crate) mod word {
    use super::CACHE_LINE_BYTES;
    const LINE_WORDS: usize = CACHE_LINE_BYTES / 8;

    pub(crate) const MAGIC: usize = 0;
    pub(crate) const LAYOUT_VERSION: usize = 1;
    pub(crate) const HEADER_BYTES: usize = 2;
    pub(crate) const CAPACITY: usize = 3;
    /// `writer_lock` encoding in `liveness.rs`.
    pub(crate) const WRITER_LOCK: usize = LINE_WORDS;
    /// Highest position the writer may have stored into (monotonic). Stored before the bytes.
    pub(crate) const CLAIM_END: usize = 2 * LINE_WORDS;
    /// End of the last committed frame: readers may read everything below it.
    pub(crate) const PUBLISHED: usize = 2 * LINE_WORDS + 1;
    /// Start of the newest fully written message frame, or [`super::NO_FRAME`].
    pub(crate) const LAST_FRAME_START: usize = 2 * LINE_WORDS + 2;
    /// Start of the oldest frame the writer had not begun to overwrite at its last commit (a
    /// message, or the padding before one), or [`super::NO_FRAME`]. A hint: a lapped reader lands
    /// there if the frame is still intact, and on the newest frame otherwise. A writer of an
    /// older layout leaves it `NO_FRAME`, and readers validate it like every other cursor.
    pub(crate) const OLDEST_FRAME_START: usize = 2 * LINE_WORDS + 3;
}

/// Positions at or beyond this are treated as corruption (a real ring would need 2^62 bytes of
/// traffic to get there); keeping cursors below it makes every position sum overflow-free.
pub(crate) const POSITION_LIMIT: u64 = 1 << 62;

/// `LAST_FRAME_START` before the first message.
pub(crate) const NO_FRAME: u64 = u64::MAX;

/// High half of the kind/length word of a message frame (`"MSG"`).
const KIND_MESSAGE: u64 = 0x004D_5347;
/// High half of the kind/length word of a padding frame (`"PAD"`).
const KIND_PADDING: u64 = 0x0050_4144;

// Layout facts the reader and writer rely on.
const _: () = assert!(HEADER_BYTES.is_multiple_of(CACHE_LINE_BYTES));
const _: () = assert!(word::OLDEST_FRAME_START < HEADER_WORDS);
const _: () =
    assert!(MIN_CAPACITY.is_power_of_two() && MIN_CAPACITY as u64 >= 2 * FRAME_HEADER_BYTES);

/// Bytes a frame carrying `len` payload bytes occupies (header + payload rounded up to 8).
#[inline]
pub(crate) const fn frame_bytes(len: u64) -> u64 {
    FRAME_HEADER_BYTES + len.div_ceil(8) * 8
}

/// Largest payload a ring of `capacity` bytes accepts: one frame may fill the whole ring, and the
/// length field is 32 bits wide.
#[inline]
pub(crate) const fn max_payload(capacity: u64) -> u64 {
    let fits = capacity - FRAME_HEADER_BYTES;
    if fits > u32::MAX as u64 {
        u32::MAX as u64
    } else {
        fits
    }
}

/// The kind/length word of a message frame.
#[inline]
pub(crate) const fn message_word(len: u64) -> u64 {
    (KIND_MESSAGE << 32) | len
}

/// The kind/length word of a padding frame whose payload is `len` bytes.
#[inline]
pub(crate) const fn padding_word(len: u64) -> u64 {
    (KIND_PADDING << 32) | len
}

/// What a decoded frame header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FrameKind {
    /// A message with its sequence number and payload length.
    Message { seq: u64, len: u64 },
    /// Filler up to the end of the lap.
    Padding,
}

/// A frame header that passed every bounds check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) kind: FrameKind,
    /// Whole frame size in bytes (header + padded payload).
    pub(crate) bytes: u64,
}

/// Decodes the header words `(seq_word, kind_word)` of a frame starting at `position`, checking
/// that the frame stays inside the current lap of a `capacity`-byte ring.
///
/// # Errors
///
/// A static description of what is wrong when the words cannot be a frame at that position.
pub(crate) fn decode_frame(
    seq_word: u64,
    kind_word: u64,
    position: u64,
    capacity: u64,
) -> Result<Frame, &'static str> {
    let room = capacity - (position & (capacity - 1));
    let len = kind_word & u64::from(u32::MAX);
    let bytes = frame_bytes(len);
    if bytes > room {
        return Err("frame runs past the end of the ring");
    }
    match kind_word >> 32 {
        KIND_MESSAGE => Ok(Frame {
            kind: FrameKind::Message { seq: seq_word, len },
            bytes,
        }),
        KIND_PADDING if bytes == room => Ok(Frame {
            kind: FrameKind::Padding,
            bytes,
        }),
        KIND_PADDING => Err("padding frame does not end the lap"),
        _ => Err("unknown frame kind"),
    }
}

/// Bytes left in the lap at `position`; fewer than a frame header means "skip to the next lap".
#[inline]
pub(crate) const fn room_in_lap(position: u64, capacity: u64) -> u64 {
    capacity - (position & (capacity - 1))
}

/// Data capacity (bytes) a region of `words` words provides: the largest power of two that fits
/// after the header.
pub(crate) fn capacity_for_words(words: usize) -> Option<u64> {
    let data_bytes = words.checked_sub(HEADER_WORDS)?.checked_mul(8)?;
    if data_bytes < MIN_CAPACITY {
        return None;
    }
    // Largest power of two ≤ data_bytes.
    Some(1u64 << (usize::BITS - 1 - data_bytes.leading_zeros()))
}

/// Words a region needs for a data ring of `capacity` bytes.
pub(crate) const fn words_for_capacity(capacity: usize) -> usize {
    HEADER_WORDS + capacity / 8
}
