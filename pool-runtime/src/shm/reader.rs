//! Readers: the cursor protocol (attach, next frame, overrun landing), lazy messages and batches.

use super::copy;
use super::error::ShmError;
use super::layout::{self, FRAME_HEADER_BYTES, FrameKind, NO_FRAME, POSITION_LIMIT, word};
use super::liveness::{self, LockState};
use super::region::{RingView, ShmRing, load_acquire};
use crate::sync::Ordering;

/// How many empty polls a reader makes between two `kill(pid, 0)` liveness checks of the writer.
const EMPTY_POLLS_PER_LIVENESS_CHECK: u32 = 256;
/// How often landing after an overrun retries before giving up for this call.
const LANDING_ATTEMPTS: u32 = 3;

/// One of any number of readers of a [`ShmRing`]. A reader starts after the newest message
/// committed when it was created and sees every later message in order, unless the writer laps
/// it: then it gets [`ShmError::Overrun`] with the exact number of messages it lost, and goes on
/// from the oldest message still in the ring (the newest, if that one is being overwritten).
///
/// Three ways to read: [`receive_next`](Self::receive_next) (one lazy message),
/// [`read_batch`](Self::read_batch) (every pending message, lazily) and
/// [`read_bulk`](Self::read_bulk) (one raw copy of many frames, parsed off the ring).
///
/// # Examples
///
/// ```
/// use ringpool::shm::{ShmError, ShmRing};
///
/// let ring = ShmRing::with_capacity(4096)?;
/// let mut reader = ring.reader()?;
/// let mut writer = ring.writer()?;
/// writer.write(b"a")?;
/// writer.write(b"bc")?;
/// let mut buf = [0u8; 16];
/// let mut lengths = Vec::new();
/// for message in reader.read_batch()? {
///     lengths.push(message?.read(&mut buf)?);
/// }
/// assert_eq!(lengths, [1, 2]);
/// drop(writer);
/// assert!(matches!(reader.receive_next(), Err(ShmError::WriterClosed)));
/// # Ok::<(), ShmError>(())
/// ```
pub struct Reader<'a> {
    ring: ShmRing<'a>,
    cursor: Cursor,
}

/// Where a reader is and what it expects next.
#[derive(Clone, Copy, Debug)]
pub(super) struct Cursor {
    /// Position of the next frame to read (8-aligned) once `state` is `Synced`.
    pub(super) position: u64,
    /// Sequence number the frame at `position` must carry.
    pub(super) expected_seq: u64,
    pub(super) state: CursorState,
    empty_polls: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CursorState {
    /// `position`/`expected_seq` are meaningful.
    Synced,
    /// Not yet placed after the newest committed message.
    Attaching,
    /// Lapped by the writer; `expected_seq` is the first message not delivered.
    Overrun,
}

impl<'a> ShmRing<'a> {
    /// A new reader, placed after the newest committed message (at the start if there is none).
    ///
    /// # Examples
    ///
    /// ```
    /// let ring = ringpool::shm::ShmRing::with_capacity(256)?;
    /// let mut writer = ring.writer()?;
    /// writer.write(b"before")?;
    /// let mut reader = ring.reader()?;
    /// assert!(reader.receive_next()?.is_none()); // joined after "before"
    /// writer.write(b"after")?;
    /// assert_eq!(reader.receive_next()?.unwrap().to_vec()?, b"after");
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ShmError::Corrupt`] if the newest frame recorded in the header is not a valid frame.
    pub fn reader(&self) -> Result<Reader<'a>, ShmError> {
        let mut cursor = Cursor {
            position: 0,
            expected_seq: 0,
            state: CursorState::Attaching,
            empty_polls: 0,
        };
        // May stay `Attaching` if the newest frame is being overwritten right now; the first
        // read retries.
        cursor.ensure_synced(self.view())?;
        Ok(Reader {
            ring: self.clone(),
            cursor,
        })
    }
}

impl<'a> Reader<'a> {
    /// The next message, if one is pending. The payload is not copied until
    /// [`Message::read`]. `Ok(None)` means nothing new yet.
    ///
    /// # Examples
    ///
    /// ```
    /// let ring = ringpool::shm::ShmRing::with_capacity(256)?;
    /// let mut reader = ring.reader()?;
    /// assert!(reader.receive_next()?.is_none());
    /// ring.writer()?.write(&[9; 3])?;
    /// let message = reader.receive_next()?.unwrap();
    /// assert_eq!((message.seq(), message.len()), (0, 3));
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// - [`ShmError::Overrun`] once per gap, with the exact number of messages lost; the next
    ///   call continues with the oldest message still in the ring.
    /// - [`ShmError::WriterClosed`] when everything was read and the writer detached.
    /// - [`ShmError::WriterDied`] when everything readable was read and the writer's process is
    ///   gone (checked every 256 empty polls).
    /// - [`ShmError::Corrupt`] if the ring's contents break the frame format.
    pub fn receive_next(&mut self) -> Result<Option<Message<'_>>, ShmError> {
        let Reader { ring, cursor } = self;
        let view = ring.view();
        let limit = view.published();
        match cursor.next_message(view, limit)? {
            Some(message) => Ok(Some(message)),
            None => {
                cursor.on_empty(view)?;
                Ok(None)
            }
        }
    }

    /// Every message committed so far, as an iterator of lazy messages; the reader's position
    /// moves as the iterator advances. An `Err` item (an overrun or corruption) ends the batch.
    ///
    /// # Examples
    ///
    /// ```
    /// let ring = ringpool::shm::ShmRing::with_capacity(256)?;
    /// let mut reader = ring.reader()?;
    /// let mut writer = ring.writer()?;
    /// for n in 0u8..3 {
    ///     writer.write(&[n])?;
    /// }
    /// let seqs: Vec<u64> = reader.read_batch()?.map(|m| m.map(|m| m.seq())).collect::<Result<_, _>>()?;
    /// assert_eq!(seqs, [0, 1, 2]);
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When nothing is pending: [`ShmError::WriterClosed`] / [`ShmError::WriterDied`] as for
    /// [`receive_next`](Self::receive_next).
    pub fn read_batch(&mut self) -> Result<Batch<'_>, ShmError> {
        let Reader { ring, cursor } = self;
        let view = ring.view();
        let limit = view.published();
        if cursor.state == CursorState::Synced && limit == cursor.position {
            cursor.on_empty(view)?;
        }
        Ok(Batch {
            view,
            cursor,
            limit,
            finished: false,
        })
    }

    /// Bytes committed but not yet read (0 while not placed after an overrun).
    ///
    /// # Examples
    ///
    /// ```
    /// let ring = ringpool::shm::ShmRing::with_capacity(256)?;
    /// let mut reader = ring.reader()?;
    /// ring.writer()?.write(&[1; 8])?;
    /// assert_eq!(reader.lag_bytes(), 24); // 16-byte frame header + 8 payload bytes
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    pub fn lag_bytes(&self) -> u64 {
        match self.cursor.state {
            CursorState::Synced => self
                .ring
                .view()
                .published()
                .saturating_sub(self.cursor.position),
            _ => 0,
        }
    }

    /// The ring this reader reads.
    pub fn ring(&self) -> &ShmRing<'a> {
        &self.ring
    }

    pub(super) fn parts(&mut self) -> (RingView<'_>, &mut Cursor) {
        (self.ring.view(), &mut self.cursor)
    }
}

impl core::fmt::Debug for Reader<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Reader")
            .field("cursor", &self.cursor)
            .finish_non_exhaustive()
    }
}

impl Cursor {
    /// Places an attaching or overrun cursor. `Ok(true)` once synced; `Ok(false)` if the frame
    /// to land on is being overwritten right now (try again later).
    ///
    /// # Errors
    ///
    /// [`ShmError::Overrun`] with the messages lost when an overrun cursor lands;
    /// [`ShmError::Corrupt`] if the newest-frame cursor is not a frame.
    pub(super) fn ensure_synced(&mut self, view: RingView<'_>) -> Result<bool, ShmError> {
        match self.state {
            CursorState::Synced => Ok(true),
            CursorState::Attaching => {
                let Some((last, seq, bytes)) = newest_frame(view, 0)? else {
                    self.position = 0;
                    self.expected_seq = 0;
                    self.state = CursorState::Synced;
                    return Ok(true);
                };
                let Some(bytes) = bytes else { return Ok(false) };
                self.position = last + bytes;
                self.expected_seq = seq.wrapping_add(1);
                self.state = CursorState::Synced;
                Ok(true)
            }
            CursorState::Overrun => {
                if let Some((oldest, seq)) = oldest_frame(view, self.position, self.expected_seq) {
                    // Land on the oldest frame still in the ring: the next read returns it (or
                    // skips its padding to the message that follows).
                    let missed = seq - self.expected_seq;
                    self.position = oldest;
                    self.expected_seq = seq;
                    self.state = CursorState::Synced;
                    return if missed == 0 {
                        Ok(true)
                    } else {
                        Err(ShmError::Overrun { missed })
                    };
                }
                let Some((last, seq, bytes)) = newest_frame(view, self.position)? else {
                    return Err(ShmError::Corrupt("overrun before any message was written"));
                };
                if bytes.is_none() {
                    return Ok(false);
                }
                if seq < self.expected_seq {
                    return Err(ShmError::Corrupt(
                        "newest message is older than one already read",
                    ));
                }
                let missed = seq - self.expected_seq;
                // Land on the newest committed message: the next read returns it.
                self.position = last;
                self.expected_seq = seq;
                self.state = CursorState::Synced;
                if missed == 0 {
                    Ok(true)
                } else {
                    Err(ShmError::Overrun { missed })
                }
            }
        }
    }

    /// Parses the next message below `limit`, skipping padding. `Ok(None)`: nothing (yet).
    pub(super) fn next_message<'r>(
        &mut self,
        view: RingView<'r>,
        limit: u64,
    ) -> Result<Option<Message<'r>>, ShmError> {
        let capacity = view.capacity();
        let mut landed = false;
        loop {
            if self.state == CursorState::Overrun {
                landed = true;
            }
            if !self.ensure_synced(view)? {
                return Ok(None);
            }
            let position = self.position;
            let ahead = limit.wrapping_sub(position);
            if ahead == 0 || ahead > u64::MAX / 2 {
                return Ok(None);
            }
            if ahead > capacity {
                if landed {
                    // `limit` was loaded before the newest frame's start (or before the
                    // `PUBLISHED` the oldest frame was checked against, within a lap of it), and
                    // a frame is never longer than the ring: not in a well-formed ring.
                    return Err(ShmError::Corrupt(
                        "published cursor beyond the newest frame",
                    ));
                }
                self.state = CursorState::Overrun;
                continue;
            }
            let room = layout::room_in_lap(position, capacity);
            if room < FRAME_HEADER_BYTES {
                self.position = position + room;
                continue;
            }
            let (seq_word, kind_word) = view.load_frame_header(position);
            if !view.intact(position) {
                self.state = CursorState::Overrun;
                continue;
            }
            let frame = layout::decode_frame(seq_word, kind_word, position, capacity)
                .map_err(ShmError::Corrupt)?;
            if frame.bytes > ahead {
                return Err(ShmError::Corrupt("frame runs past the published cursor"));
            }
            self.position = position + frame.bytes;
            match frame.kind {
                FrameKind::Padding => continue,
                FrameKind::Message { seq, len } => {
                    if seq != self.expected_seq {
                        self.position = position;
                        return Err(ShmError::Corrupt("message sequence number out of order"));
                    }
                    self.expected_seq = seq.wrapping_add(1);
                    self.empty_polls = 0;
                    return Ok(Some(Message {
                        view,
                        position,
                        seq,
                        len,
                    }));
                }
            }
        }
    }

    /// Nothing to read: report a closed or dead writer once the ring is drained.
    pub(super) fn on_empty(&mut self, view: RingView<'_>) -> Result<(), ShmError> {
        self.empty_polls = self.empty_polls.wrapping_add(1);
        // Acquire: pairs with the writer's Release on detach (final PUBLISHED visible after it).
        let lock = liveness::decode_lock(load_acquire(view.header_word(word::WRITER_LOCK)));
        let error = match lock {
            LockState::Vacant => return Ok(()),
            LockState::Invalid => return Err(ShmError::Corrupt("invalid writer lock word")),
            LockState::Released(_) => ShmError::WriterClosed,
            LockState::Held(pid) => {
                if !self
                    .empty_polls
                    .is_multiple_of(EMPTY_POLLS_PER_LIVENESS_CHECK)
                    || liveness::process_alive(pid)
                {
                    return Ok(());
                }
                // Relaxed: only compared, the dead writer stores nothing more.
                let claimed = view.header_word(word::CLAIM_END).load(Ordering::Relaxed);
                ShmError::WriterDied {
                    pid,
                    mid_message: claimed > view.published(),
                }
            }
        };
        if self.state == CursorState::Synced && view.published() != self.position {
            // More was committed before the writer went: read that first.
            return Ok(());
        }
        Err(error)
    }
}

/// The oldest frame the writer had not begun to overwrite (`OLDEST_FRAME_START`), if it is
/// still intact, lies ahead of `not_before` and within a lap of `PUBLISHED`, and its sequence
/// number is at least `expected_seq`: `(start, seq)`, where `seq` is the frame's message number
/// (a padding frame carries the number of the message after it). `None` otherwise: the caller
/// lands on the newest frame instead. Only a hint, so every check failing just means `None`.
fn oldest_frame(view: RingView<'_>, not_before: u64, expected_seq: u64) -> Option<(u64, u64)> {
    let capacity = view.capacity();
    let oldest = view.oldest_frame_start();
    if oldest == NO_FRAME
        || oldest >= POSITION_LIMIT
        || oldest < not_before
        || !oldest.is_multiple_of(8)
        || layout::room_in_lap(oldest, capacity) < FRAME_HEADER_BYTES
    {
        return None;
    }
    let (seq_word, kind_word) = view.load_frame_header(oldest);
    if !view.intact(oldest) {
        return None;
    }
    let frame = layout::decode_frame(seq_word, kind_word, oldest, capacity).ok()?;
    let seq = match frame.kind {
        FrameKind::Message { seq, .. } => seq,
        FrameKind::Padding => seq_word,
    };
    // The reader's limit is a `PUBLISHED` it loaded earlier; landing within a lap of the current
    // one keeps it within a lap of that limit too.
    let published = view.published();
    if seq < expected_seq || published < oldest || published - oldest > capacity {
        return None;
    }
    Some((oldest, seq))
}

/// The newest fully written message frame, no older than `not_before`: `(start, seq, Some(bytes))`,
/// `(start, seq, None)` if its header was being overwritten on every attempt, or `None` when no
/// message was ever written.
fn newest_frame(
    view: RingView<'_>,
    not_before: u64,
) -> Result<Option<(u64, u64, Option<u64>)>, ShmError> {
    let capacity = view.capacity();
    for _ in 0..LANDING_ATTEMPTS {
        let last = view.last_frame_start();
        if last == NO_FRAME {
            return Ok(None);
        }
        if last >= POSITION_LIMIT {
            return Err(ShmError::Corrupt("newest-frame cursor out of range"));
        }
        if last.wrapping_sub(not_before) > u64::MAX / 2 {
            return Err(ShmError::Corrupt("newest frame is behind the reader"));
        }
        if !last.is_multiple_of(8) || layout::room_in_lap(last, capacity) < FRAME_HEADER_BYTES {
            return Err(ShmError::Corrupt(
                "newest-frame cursor is not a frame position",
            ));
        }
        let (seq_word, kind_word) = view.load_frame_header(last);
        if !view.intact(last) {
            // A claim no writer could have made would fail every validation forever.
            if !view.claim_plausible() {
                return Err(ShmError::Corrupt(
                    "claim cursor far beyond the published cursor",
                ));
            }
            continue;
        }
        let frame =
            layout::decode_frame(seq_word, kind_word, last, capacity).map_err(ShmError::Corrupt)?;
        let FrameKind::Message { seq, .. } = frame.kind else {
            return Err(ShmError::Corrupt(
                "newest-frame cursor names a padding frame",
            ));
        };
        return Ok(Some((last, seq, Some(frame.bytes))));
    }
    Ok(Some((0, 0, None)))
}

/// A message in the ring, not yet copied. [`read`](Self::read) copies it out and then checks
/// that the writer did not overwrite it meanwhile. Cheap to copy; reading later is fine (it may
/// then report an overrun).
#[derive(Clone, Copy)]
pub struct Message<'r> {
    view: RingView<'r>,
    position: u64,
    seq: u64,
    len: u64,
}

impl Message<'_> {
    /// The message's sequence number (0 for the ring's first message).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Payload length in bytes.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies the payload into `buf` (with atomic word loads), then validates it; returns the
    /// payload length.
    ///
    /// # Examples
    ///
    /// ```
    /// let ring = ringpool::shm::ShmRing::with_capacity(256)?;
    /// let mut reader = ring.reader()?;
    /// ring.writer()?.write(b"payload")?;
    /// let message = reader.receive_next()?.unwrap();
    /// let mut buf = [0u8; 7];
    /// assert_eq!(message.read(&mut buf)?, 7);
    /// assert_eq!(&buf, b"payload");
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ShmError::BufferTooSmall`] if `buf` is shorter than the payload (nothing copied);
    /// [`ShmError::Overrun`] with `missed: 1` if the writer overwrote the message before or during
    /// the copy — `buf` then holds garbage and must be ignored.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize, ShmError> {
        let len = self.len as usize;
        let Some(dst) = buf.get_mut(..len) else {
            return Err(ShmError::BufferTooSmall {
                needed: len,
                available: buf.len(),
            });
        };
        copy::load_bytes(self.view.payload_words(self.position, self.len), dst);
        if !self.view.intact(self.position) {
            return Err(ShmError::Overrun { missed: 1 });
        }
        Ok(len)
    }

    /// [`read`](Self::read) into a new `Vec`.
    ///
    /// # Errors
    ///
    /// [`ShmError::Overrun`] as for [`read`](Self::read).
    pub fn to_vec(&self) -> Result<Vec<u8>, ShmError> {
        let mut buf = vec![0; self.len as usize];
        self.read(&mut buf)?;
        Ok(buf)
    }
}

impl core::fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Message")
            .field("seq", &self.seq)
            .field("len", &self.len)
            .finish()
    }
}

/// The messages pending when [`Reader::read_batch`] was called.
pub struct Batch<'r> {
    view: RingView<'r>,
    cursor: &'r mut Cursor,
    limit: u64,
    finished: bool,
}

impl<'r> Iterator for Batch<'r> {
    type Item = Result<Message<'r>, ShmError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.cursor.next_message(self.view, self.limit) {
            Ok(Some(message)) => Some(Ok(message)),
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(error) => {
                self.finished = true;
                Some(Err(error))
            }
        }
    }
}

impl core::fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Batch")
            .field("limit", &self.limit)
            .field("cursor", &self.cursor)
            .finish()
    }
}
