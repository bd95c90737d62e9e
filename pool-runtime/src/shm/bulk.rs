//! `read_bulk`: one raw copy of a window of frames, validated once, parsed off the ring.

use super::copy;
use super::error::ShmError;
use super::layout::{self, FRAME_HEADER_BYTES, FrameKind};
use super::reader::{CursorState, Reader};

/// How many leading padding-only windows `read_bulk` skips in one call (one per lap at most).
const PADDING_SKIPS: u32 = 2;

impl Reader<'_> {
    /// Copies as many whole pending frames as fit in `buf` with one pass of atomic word loads,
    /// validates the copy once, and returns the messages parsed out of `buf`. Cheaper per
    /// message than [`read_batch`](Self::read_batch) when many are pending; an overrun anywhere
    /// in the window discards the whole copy.
    ///
    /// # Examples
    ///
    /// ```
    /// let ring = ringpool::shm::ShmRing::with_capacity(1024)?;
    /// let mut reader = ring.reader()?;
    /// let mut writer = ring.writer()?;
    /// writer.write(b"one")?;
    /// writer.write(b"two")?;
    /// let mut window = [0u8; 256];
    /// let payloads: Vec<&[u8]> = reader.read_bulk(&mut window)?.map(|m| m.payload).collect();
    /// assert_eq!(payloads, [&b"one"[..], &b"two"[..]]);
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// - [`ShmError::BufferTooSmall`] if the next frame alone does not fit in `buf` (a frame
    ///   takes 16 bytes plus its payload rounded up to 8).
    /// - [`ShmError::Overrun`], [`ShmError::WriterClosed`], [`ShmError::WriterDied`],
    ///   [`ShmError::Corrupt`] as for [`receive_next`](Self::receive_next).
    pub fn read_bulk<'b>(&mut self, buf: &'b mut [u8]) -> Result<Bulk<'b>, ShmError> {
        let (view, cursor) = self.parts();
        let capacity = view.capacity();
        for _ in 0..PADDING_SKIPS {
            if !cursor.ensure_synced(view)? {
                cursor.on_empty(view)?;
                break;
            }
            let limit = view.published();
            let start = cursor.position;
            let ahead = limit.wrapping_sub(start);
            if ahead == 0 || ahead > u64::MAX / 2 {
                cursor.on_empty(view)?;
                break;
            }
            if ahead > capacity {
                cursor.state = CursorState::Overrun;
                cursor.ensure_synced(view)?;
                break;
            }
            let window = ahead.min((buf.len() / 8 * 8) as u64) as usize;
            let in_lap = window.min(layout::room_in_lap(start, capacity) as usize);
            copy::load_bytes(view.words_to_lap_end(start), &mut buf[..in_lap]);
            copy::load_bytes(view.data(), &mut buf[in_lap..window]);
            if !view.intact(start) {
                cursor.state = CursorState::Overrun;
                cursor.ensure_synced(view)?;
                break;
            }
            let parsed = parse_window(&buf[..window], start, capacity, cursor.expected_seq, ahead)?;
            if parsed.consumed == 0 && window as u64 == ahead {
                return Err(ShmError::Corrupt("published cursor points inside a frame"));
            }
            if parsed.consumed == 0 {
                return Err(ShmError::BufferTooSmall {
                    needed: parsed.needed,
                    available: buf.len(),
                });
            }
            cursor.position = start + parsed.consumed as u64;
            let first_seq = cursor.expected_seq;
            cursor.expected_seq = first_seq.wrapping_add(parsed.messages);
            if parsed.messages > 0 {
                return Ok(Bulk {
                    window: &buf[..parsed.consumed],
                    start,
                    capacity,
                    next_seq: first_seq,
                    left: parsed.messages,
                });
            }
        }
        Ok(Bulk {
            window: &[],
            start: 0,
            capacity,
            next_seq: 0,
            left: 0,
        })
    }
}

/// What a window holds.
struct ParsedWindow {
    /// Bytes up to the end of the last whole frame (or skipped lap tail).
    consumed: usize,
    /// Messages among them.
    messages: u64,
    /// When nothing fits: bytes the buffer needs for the first frame.
    needed: usize,
}

/// Walks the frames copied into `window` (which starts at ring position `start`), checking
/// every header the same way the lazy reader does.
fn parse_window(
    window: &[u8],
    start: u64,
    capacity: u64,
    expected_seq: u64,
    published_ahead: u64,
) -> Result<ParsedWindow, ShmError> {
    let mut offset = 0usize;
    let mut messages = 0u64;
    let needed = loop {
        let position = start + offset as u64;
        let remaining = window.len() - offset;
        let room = layout::room_in_lap(position, capacity);
        if room < FRAME_HEADER_BYTES {
            if room as usize > remaining {
                break offset + room as usize + FRAME_HEADER_BYTES as usize;
            }
            offset += room as usize;
            continue;
        }
        if remaining < FRAME_HEADER_BYTES as usize {
            break offset + FRAME_HEADER_BYTES as usize;
        }
        let (seq_word, kind_word) = read_header(&window[offset..offset + 16]);
        let frame = layout::decode_frame(seq_word, kind_word, position, capacity)
            .map_err(ShmError::Corrupt)?;
        if frame.bytes > published_ahead - offset as u64 {
            return Err(ShmError::Corrupt("frame runs past the published cursor"));
        }
        if frame.bytes as usize > remaining {
            break offset + frame.bytes as usize;
        }
        if let FrameKind::Message { seq, .. } = frame.kind {
            if seq != expected_seq.wrapping_add(messages) {
                return Err(ShmError::Corrupt("message sequence number out of order"));
            }
            messages += 1;
        }
        offset += frame.bytes as usize;
    };
    Ok(ParsedWindow {
        consumed: offset,
        messages,
        needed,
    })
}

fn read_header(bytes: &[u8]) -> (u64, u64) {
    let mut seq = [0u8; 8];
    let mut kind = [0u8; 8];
    seq.copy_from_slice(&bytes[..8]);
    kind.copy_from_slice(&bytes[8..16]);
    (u64::from_ne_bytes(seq), u64::from_ne_bytes(kind))
}

/// Messages parsed out of a [`Reader::read_bulk`] copy; every frame in it was already checked.
#[derive(Clone, Debug)]
pub struct Bulk<'b> {
    window: &'b [u8],
    /// Ring position of `window[0]`, to apply the lap rules while walking.
    start: u64,
    capacity: u64,
    next_seq: u64,
    left: u64,
}

/// One message of a [`Bulk`] copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BulkMessage<'b> {
    /// Its sequence number.
    pub seq: u64,
    /// Its payload, inside the caller's buffer.
    pub payload: &'b [u8],
}

impl Bulk<'_> {
    /// Messages not yet yielded.
    pub fn remaining(&self) -> usize {
        self.left as usize
    }
}

impl<'b> Iterator for Bulk<'b> {
    type Item = BulkMessage<'b>;

    fn next(&mut self) -> Option<BulkMessage<'b>> {
        while self.left > 0 && !self.window.is_empty() {
            let room = layout::room_in_lap(self.start, self.capacity);
            if room < FRAME_HEADER_BYTES {
                self.advance(room as usize);
                continue;
            }
            let (seq_word, kind_word) = read_header(self.window.get(..16)?);
            // Already checked by `parse_window`; a failure here would only end the iteration.
            let frame =
                layout::decode_frame(seq_word, kind_word, self.start, self.capacity).ok()?;
            let bytes = self.window.get(..frame.bytes as usize)?;
            self.advance(frame.bytes as usize);
            if let FrameKind::Message { len, .. } = frame.kind {
                let message = BulkMessage {
                    seq: self.next_seq,
                    payload: &bytes[16..16 + len as usize],
                };
                self.next_seq = self.next_seq.wrapping_add(1);
                self.left -= 1;
                return Some(message);
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl Bulk<'_> {
    fn advance(&mut self, bytes: usize) {
        let bytes = bytes.min(self.window.len());
        self.window = &self.window[bytes..];
        self.start += bytes as u64;
    }
}
