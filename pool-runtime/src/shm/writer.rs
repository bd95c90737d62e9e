//! The single writer: lock acquisition, crash recovery and the claim → fill → commit path.

use super::error::ShmError;
use super::layout::{self, FRAME_HEADER_BYTES, FrameKind, NO_FRAME, POSITION_LIMIT, word};
use super::liveness::{self, LockState};
use super::region::{RingView, ShmRing};
use crate::sync::{AtomicU64, Ordering, fence};

/// The one writer of a [`ShmRing`]. It never waits for readers: a reader that falls a whole ring
/// behind is overrun and told so.
///
/// Dropping the writer releases the lock; readers then drain what is left and get
/// [`ShmError::WriterClosed`].
///
/// # Examples
///
/// ```
/// use ringpool::shm::ShmRing;
///
/// let ring = ShmRing::with_capacity(1024)?;
/// let mut writer = ring.writer()?;
/// let mut claim = writer.claim(5)?;
/// claim.buffer_mut().copy_from_slice(b"fresh");
/// let seq = claim.commit();
/// assert_eq!(seq, 0);
/// assert_eq!(writer.write(b"again")?, 1);
/// # Ok::<(), ringpool::shm::ShmError>(())
/// ```
pub struct Writer<'a> {
    ring: ShmRing<'a>,
    pid: u32,
    /// Where the next frame (or the padding before it) starts; always 8-aligned.
    position: u64,
    /// Sequence number of the next message.
    next_seq: u64,
    /// CLAIM_END a previous writer left behind; claims never store below it, so the cursor stays
    /// monotonic across a takeover (readers' validation relies on that).
    claim_floor: u64,
    /// Where [`Claim::buffer_mut`] points: writer-private, copied into the ring on commit.
    staging: Vec<u64>,
    /// The oldest frame (message or padding) not yet overwritten, or `NO_FRAME` before the
    /// first commit; published as `OLDEST_FRAME_START` so a lapped reader can land there.
    oldest: u64,
}

impl<'a> ShmRing<'a> {
    /// Becomes the ring's only writer, resuming after the last committed message.
    ///
    /// The lock is a word in the header holding the writer's process id. It is taken when it is
    /// vacant, released, or held by a process that no longer exists (stale-lock takeover after a
    /// crash, checked with `kill(pid, 0)` on Unix — processes must share a pid namespace; a
    /// not-yet-reaped zombie still counts as alive). A message the dead writer left half-written
    /// is dropped; its sequence number is reused.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::shm::{ShmError, ShmRing};
    ///
    /// let ring = ShmRing::with_capacity(256)?;
    /// let first = ring.writer()?;
    /// assert!(matches!(ring.writer(), Err(ShmError::WriterBusy { .. })));
    /// drop(first);
    /// let _second = ring.writer()?;
    /// # Ok::<(), ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ShmError::WriterBusy`] while a live writer holds the lock; [`ShmError::HeaderCorrupt`] /
    /// [`ShmError::Corrupt`] if the lock word or the cursors cannot be a ring's (e.g. a claim
    /// cursor more than two laps beyond the last committed message); the lock is then handed
    /// back untouched and the ring must be re-formatted before anyone writes to it again;
    /// [`ShmError::ReadOnly`] for a ring opened with
    /// [`open_read_only`](ShmRing::open_read_only).
    pub fn writer(&self) -> Result<Writer<'a>, ShmError> {
        if self.is_read_only() {
            // Its pages are mapped PROT_READ: the lock store below would fault.
            return Err(ShmError::ReadOnly);
        }
        let view = self.view();
        let lock = view.header_word(word::WRITER_LOCK);
        let pid = liveness::current_pid();
        // Acquire: see the previous writer's final cursors once we own the lock.
        let mut observed = lock.load(Ordering::Acquire);
        loop {
            match liveness::decode_lock(observed) {
                LockState::Vacant | LockState::Released(_) => {}
                LockState::Held(holder) if !liveness::process_alive(holder) => {}
                LockState::Held(holder) => return Err(ShmError::WriterBusy { pid: holder }),
                LockState::Invalid => {
                    return Err(ShmError::HeaderCorrupt("invalid writer lock word"));
                }
            }
            // AcqRel: Acquire as above; Release so a reader that sees us as holder also sees
            // nothing older than this attach.
            match lock.compare_exchange(
                observed,
                liveness::held_by(pid),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(now) => observed = now,
            }
        }
        match resume_point(view) {
            Ok(resume) => Ok(Writer {
                ring: self.clone(),
                pid,
                position: resume.position,
                next_seq: resume.next_seq,
                claim_floor: resume.claim_floor,
                staging: Vec::new(),
                oldest: NO_FRAME,
            }),
            Err(error) => {
                // Release: hand the lock back untouched for whoever repairs the ring.
                lock.store(liveness::released_by(pid), Ordering::Release);
                Err(error)
            }
        }
    }
}

/// Where a new writer continues.
struct ResumePoint {
    position: u64,
    next_seq: u64,
    claim_floor: u64,
}

/// Reads the committed state a previous writer left. We hold the lock, so nothing moves.
fn resume_point(view: RingView<'_>) -> Result<ResumePoint, ShmError> {
    let capacity = view.capacity();
    // Relaxed: the lock's Acquire ordered these after the previous writer's stores.
    let claim_end = view.header_word(word::CLAIM_END).load(Ordering::Relaxed);
    let published = view.header_word(word::PUBLISHED).load(Ordering::Relaxed);
    let last = view
        .header_word(word::LAST_FRAME_START)
        .load(Ordering::Relaxed);
    if last == NO_FRAME {
        if published != 0 {
            return Err(ShmError::Corrupt("bytes published but no frame recorded"));
        }
        return resume_at(0, 0, claim_end, capacity);
    }
    if last >= POSITION_LIMIT
        || !last.is_multiple_of(8)
        || layout::room_in_lap(last, capacity) < FRAME_HEADER_BYTES
    {
        return Err(ShmError::Corrupt(
            "last frame start is not a frame position",
        ));
    }
    let (seq_word, kind_word) = view.load_frame_header(last);
    let frame =
        layout::decode_frame(seq_word, kind_word, last, capacity).map_err(ShmError::Corrupt)?;
    let FrameKind::Message { seq, .. } = frame.kind else {
        return Err(ShmError::Corrupt("last frame start names a padding frame"));
    };
    let position = last + frame.bytes;
    if published == last {
        // The previous writer died between recording the frame and publishing it; the frame is
        // complete, so publish it now. Release: as for every PUBLISHED store.
        view.header_word(word::PUBLISHED)
            .store(position, Ordering::Release);
    } else if published != position {
        return Err(ShmError::Corrupt(
            "published cursor disagrees with the last frame",
        ));
    }
    resume_at(position, seq.wrapping_add(1), claim_end, capacity)
}

/// A resume point, after checking that the claim cursor left behind is plausible: a dead
/// writer's claim covers at most a padding frame and one frame beyond `position`. Policy for an
/// implausible one (a corrupt or hostile header): the writer is refused with
/// [`ShmError::Corrupt`] and the lock handed back; nothing is repaired in place, the ring must be
/// re-formatted ([`ShmRing::format`] / [`ShmRing::create`]). Readers report the same cursor as
/// `Corrupt` (see `RingView::claim_plausible`).
fn resume_at(
    position: u64,
    next_seq: u64,
    claim_end: u64,
    capacity: u64,
) -> Result<ResumePoint, ShmError> {
    if claim_end > position + 2 * capacity {
        return Err(ShmError::Corrupt("claim cursor far beyond the last frame"));
    }
    Ok(ResumePoint {
        position,
        next_seq,
        claim_floor: claim_end.max(position),
    })
}

impl<'a> Writer<'a> {
    /// Largest payload [`claim`](Self::claim) and [`write`](Self::write) accept.
    ///
    /// # Examples
    ///
    /// ```
    /// let ring = ringpool::shm::ShmRing::with_capacity(64)?;
    /// assert_eq!(ring.writer()?.max_message_len(), 48);
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    pub fn max_message_len(&self) -> usize {
        self.ring.max_message_len()
    }

    /// Sequence number the next message gets (messages are numbered 0, 1, 2, … per ring).
    ///
    /// # Examples
    ///
    /// ```
    /// let ring = ringpool::shm::ShmRing::with_capacity(256)?;
    /// let mut writer = ring.writer()?;
    /// writer.write(b"x")?;
    /// assert_eq!(writer.next_seq(), 1);
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Reserves a message of exactly `len` bytes. Fill [`Claim::buffer_mut`], then
    /// [`Claim::commit`] (or drop the claim) to publish it. The buffer is writer-private memory,
    /// copied into the ring with atomic word stores on commit; its initial contents are
    /// unspecified (left over from earlier claims), so overwrite all of it. Claims never allocate
    /// once the largest size has been claimed once.
    ///
    /// # Examples
    ///
    /// ```
    /// let ring = ringpool::shm::ShmRing::with_capacity(256)?;
    /// let mut writer = ring.writer()?;
    /// let mut claim = writer.claim(3)?;
    /// claim.buffer_mut().copy_from_slice(&[1, 2, 3]);
    /// drop(claim); // commits
    /// assert_eq!(writer.next_seq(), 1);
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ShmError::MessageTooLarge`] if `len` exceeds [`max_message_len`](Self::max_message_len);
    /// nothing is written.
    pub fn claim(&mut self, len: usize) -> Result<Claim<'_, 'a>, ShmError> {
        self.check_len(len)?;
        let words = len.div_ceil(8);
        if self.staging.len() < words {
            self.staging.resize(words, 0);
        }
        Ok(Claim {
            writer: self,
            len,
            published: false,
        })
    }

    /// Writes one message (claim, copy, commit in one step) and returns its sequence number.
    ///
    /// # Examples
    ///
    /// ```
    /// let ring = ringpool::shm::ShmRing::with_capacity(256)?;
    /// let mut writer = ring.writer()?;
    /// assert_eq!(writer.write(b"tick")?, 0);
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ShmError::MessageTooLarge`] if the payload exceeds
    /// [`max_message_len`](Self::max_message_len); nothing is written.
    pub fn write(&mut self, payload: &[u8]) -> Result<u64, ShmError> {
        self.check_len(payload.len())?;
        Ok(self.commit_frame(payload.len() as u64, |words| {
            super::copy::store_bytes(payload, words)
        }))
    }

    fn check_len(&self, len: usize) -> Result<(), ShmError> {
        let max = self.max_message_len();
        if len > max {
            return Err(ShmError::MessageTooLarge { len, max });
        }
        Ok(())
    }

    /// Writes one frame of `len` payload bytes (`fill` stores the payload words) and publishes it.
    fn commit_frame(&mut self, len: u64, fill: impl FnOnce(&[AtomicU64])) -> u64 {
        let view = self.ring.view();
        let capacity = view.capacity();
        let seq = self.next_seq;
        let frame = layout::frame_bytes(len);
        let room = layout::room_in_lap(self.position, capacity);
        // A frame never straddles the end of the ring: pad out the lap first.
        let start = if frame > room {
            self.position + room
        } else {
            self.position
        };
        let end = start + frame;
        self.oldest = advance_oldest(view, self.oldest, self.position, start, end);
        // Announce every byte about to be overwritten before touching any of them. Release fence
        // after the store: all later data stores are ordered after the announcement, so a reader
        // whose copy observed any of them sees this claim when it validates (its Acquire fence
        // synchronizes with this fence). The store itself is Release too: a reader that acquires
        // this claim also sees the PUBLISHED value it was computed from, which is how
        // `RingView::claim_plausible` tells a real claim (≤ PUBLISHED + 2 laps) from a corrupt one.
        view.header_word(word::CLAIM_END)
            .store(end.max(self.claim_floor), Ordering::Release);
        fence(Ordering::Release);
        let data = view.data();
        if start != self.position && room >= FRAME_HEADER_BYTES {
            let index = view.word_index(self.position);
            // Relaxed: published by the Release stores below, validated by readers.
            data[index].store(seq, Ordering::Relaxed);
            data[index + 1].store(
                layout::padding_word(room - FRAME_HEADER_BYTES),
                Ordering::Relaxed,
            );
        }
        let index = view.word_index(start);
        data[index].store(seq, Ordering::Relaxed);
        data[index + 1].store(layout::message_word(len), Ordering::Relaxed);
        fill(view.payload_words(start, len));
        // Release: a reader that acquires either cursor sees the whole frame. LAST_FRAME_START
        // first, so a reader that acquires PUBLISHED also finds it at least this new.
        view.header_word(word::LAST_FRAME_START)
            .store(start, Ordering::Release);
        view.header_word(word::PUBLISHED)
            .store(end, Ordering::Release);
        // Release: as for the cursors above (a reader validates the frame it names anyway).
        view.header_word(word::OLDEST_FRAME_START)
            .store(self.oldest, Ordering::Release);
        self.position = end;
        self.next_seq = seq.wrapping_add(1);
        seq
    }
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        // Release: a reader that sees "released" (Acquire) also sees the final PUBLISHED.
        // Only if we still hold it: another process may have taken it over believing us dead.
        let _ = self
            .ring
            .view()
            .header_word(word::WRITER_LOCK)
            .compare_exchange(
                liveness::held_by(self.pid),
                liveness::released_by(self.pid),
                Ordering::Release,
                Ordering::Relaxed,
            );
    }
}

impl core::fmt::Debug for Writer<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Writer")
            .field("pid", &self.pid)
            .field("position", &self.position)
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

/// A message being written: fill [`buffer_mut`](Self::buffer_mut), then [`commit`](Self::commit).
/// Dropping the claim commits too — except while the thread is panicking, when the half-filled
/// message is discarded (nothing of it ever reached the ring).
///
/// # Examples
///
/// ```
/// let ring = ringpool::shm::ShmRing::with_capacity(256)?;
/// let mut writer = ring.writer()?;
/// let mut claim = writer.claim(4)?;
/// claim.buffer_mut().copy_from_slice(&7u32.to_le_bytes());
/// assert_eq!(claim.len(), 4);
/// assert_eq!(claim.commit(), 0);
/// # Ok::<(), ringpool::shm::ShmError>(())
/// ```
#[must_use = "a claim publishes its message when committed or dropped, bytes of earlier \
              messages where `buffer_mut` was not written"]
pub struct Claim<'w, 'a> {
    writer: &'w mut Writer<'a>,
    len: usize,
    published: bool,
}

impl Claim<'_, '_> {
    /// The message's bytes, exactly as long as claimed.
    pub fn buffer_mut(&mut self) -> &mut [u8] {
        let words = self.len.div_ceil(8);
        &mut bytemuck::cast_slice_mut::<u64, u8>(&mut self.writer.staging[..words])[..self.len]
    }

    /// Claimed payload length.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the claim is for an empty message.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Publishes the message and returns its sequence number.
    pub fn commit(mut self) -> u64 {
        self.publish()
    }

    fn publish(&mut self) -> u64 {
        self.published = true;
        let words = self.len.div_ceil(8);
        let staging = core::mem::take(&mut self.writer.staging);
        let seq = self.writer.commit_frame(self.len as u64, |ring_words| {
            for (ring_word, value) in ring_words.iter().zip(&staging[..words]) {
                // Relaxed: ordered by the fence and Release stores in `commit_frame`.
                ring_word.store(*value, Ordering::Relaxed);
            }
        });
        self.writer.staging = staging;
        seq
    }
}

impl Drop for Claim<'_, '_> {
    fn drop(&mut self) {
        if !self.published && !std::thread::panicking() {
            self.publish();
        }
    }
}

impl core::fmt::Debug for Claim<'_, '_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Claim")
            .field("len", &self.len)
            .field("seq", &self.writer.next_seq)
            .finish()
    }
}

/// `oldest` moved past every frame the claim of `position..end` (message at `start`) will
/// overwrite, reading the frame headers the writer stored one lap ago, before they are
/// overwritten. If it runs into the frames about to be written, or a header it cannot decode
/// (a corrupted region), it settles on the first new frame.
fn advance_oldest(view: RingView<'_>, oldest: u64, position: u64, start: u64, end: u64) -> u64 {
    let capacity = view.capacity();
    let overwritten_below = end.saturating_sub(capacity);
    let mut oldest = oldest;
    if oldest == NO_FRAME {
        oldest = start;
    }
    while oldest < overwritten_below && oldest < position {
        let room = layout::room_in_lap(oldest, capacity);
        if room < FRAME_HEADER_BYTES {
            oldest += room;
            continue;
        }
        let (seq_word, kind_word) = view.load_frame_header(oldest);
        match layout::decode_frame(seq_word, kind_word, oldest, capacity) {
            Ok(frame) => oldest += frame.bytes,
            Err(_) => oldest = start,
        }
    }
    let room = layout::room_in_lap(oldest, capacity);
    if oldest < position && room < FRAME_HEADER_BYTES {
        // Bytes too few for a frame are skipped: the next frame starts the next lap.
        oldest += room;
    }
    if oldest >= position {
        // Every older frame goes: the new padding frame (if one is written) is the oldest.
        let padded =
            start != position && layout::room_in_lap(position, capacity) >= FRAME_HEADER_BYTES;
        oldest = if padded { position } else { start };
    }
    oldest
}
