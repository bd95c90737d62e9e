//! [`ShmRing`]: a formatted ring region (heap, caller memory or mapped file) and the checked view
//! the writer and readers work through.

use super::error::ShmError;
use super::layout::{self, HEADER_WORDS, LAYOUT_VERSION, MAGIC, MIN_CAPACITY, NO_FRAME, word};
use super::liveness::{self, LockState};
use crate::sync::{AtomicU64, Ordering, fence};
use std::sync::Arc;

/// Where a ring's words live. The heap and file variants are reference counted so readers and the
/// writer can be moved to other threads independently.
#[derive(Clone)]
enum Backing<'a> {
    Borrowed(&'a [AtomicU64]),
    Heap(Arc<[AtomicU64]>),
    #[cfg(not(loom))]
    Mapped(Arc<super::mmap::MappedFile>),
}

impl Backing<'_> {
    #[inline]
    fn words(&self) -> &[AtomicU64] {
        match self {
            Self::Borrowed(words) => words,
            Self::Heap(words) => words,
            #[cfg(not(loom))]
            Self::Mapped(file) => file.words(),
        }
    }

    fn is_writable(&self) -> bool {
        match self {
            Self::Borrowed(_) | Self::Heap(_) => true,
            #[cfg(not(loom))]
            Self::Mapped(file) => file.is_writable(),
        }
    }
}

/// A formatted shared-memory broadcast ring: the handle writers and readers are made from.
///
/// The ring lives in a region of 64-bit atomic words: memory the caller provides
/// ([`format`](Self::format) / [`attach`](Self::attach)), a heap allocation
/// ([`with_capacity`](Self::with_capacity)) or, on unix-like hosts, a file mapped into several
/// processes ([`create`](Self::create) / [`open`](Self::open)). Cloning the handle shares the
/// same ring.
///
/// # Examples
///
/// ```
/// use ringpool::shm::ShmRing;
///
/// let ring = ShmRing::with_capacity(4096)?;
/// let mut writer = ring.writer()?;
/// let mut reader = ring.reader()?;
/// writer.write(b"hello")?;
/// let mut buf = [0u8; 64];
/// let message = reader.receive_next()?.expect("one message is pending");
/// let len = message.read(&mut buf)?;
/// assert_eq!(&buf[..len], b"hello");
/// # Ok::<(), ringpool::shm::ShmError>(())
/// ```
#[derive(Clone)]
pub struct ShmRing<'a> {
    backing: Backing<'a>,
    /// Data bytes; a validated power of two ≥ [`MIN_CAPACITY`] that fits the region.
    capacity: u64,
}

impl core::fmt::Debug for ShmRing<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let backing = match self.backing {
            Backing::Borrowed(_) => "borrowed",
            Backing::Heap(_) => "heap",
            #[cfg(not(loom))]
            Backing::Mapped(ref file) if file.is_writable() => "mapped file",
            #[cfg(not(loom))]
            Backing::Mapped(_) => "mapped file, read-only",
        };
        f.debug_struct("ShmRing")
            .field("capacity", &self.capacity)
            .field("backing", &backing)
            .finish()
    }
}

/// What a reader can learn about the writer from the lock word (see [`ShmRing::writer_status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriterStatus {
    /// No writer has attached since the ring was formatted.
    NeverAttached,
    /// A writer holds the lock and its process exists.
    Alive {
        /// Its process id.
        pid: u32,
    },
    /// The last writer detached cleanly.
    Closed {
        /// Its process id.
        pid: u32,
    },
    /// The lock holder's process no longer exists.
    Dead {
        /// Its process id.
        pid: u32,
    },
    /// The lock word holds a value no writer stores: the header is corrupt.
    Invalid,
}

impl ShmRing<'static> {
    /// A ring with `capacity` data bytes on the heap, for threads of this process.
    ///
    /// # Examples
    ///
    /// ```
    /// let ring = ringpool::shm::ShmRing::with_capacity(1 << 16)?;
    /// assert_eq!(ring.capacity(), 1 << 16);
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ShmError::InvalidCapacity`] unless `capacity` is a power of two of at least 64.
    pub fn with_capacity(capacity: usize) -> Result<Self, ShmError> {
        if !capacity.is_power_of_two() || capacity < MIN_CAPACITY {
            return Err(ShmError::InvalidCapacity(capacity));
        }
        let words: Arc<[AtomicU64]> = (0..layout::words_for_capacity(capacity))
            .map(|_| AtomicU64::new(0))
            .collect();
        let capacity = format_words(&words)?;
        Ok(Self {
            backing: Backing::Heap(words),
            capacity,
        })
    }

    #[cfg(not(loom))]
    pub(crate) fn from_mapped(file: Arc<super::mmap::MappedFile>, capacity: u64) -> Self {
        Self {
            backing: Backing::Mapped(file),
            capacity,
        }
    }
}

impl<'a> ShmRing<'a> {
    /// Words a region needs to hold a ring with `capacity` data bytes (a power of two ≥ 64).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ringpool::shm::ShmRing::required_words(1024), 32 + 128);
    /// ```
    pub const fn required_words(capacity: usize) -> usize {
        layout::words_for_capacity(capacity)
    }

    /// Formats `words` as an empty ring (any previous contents and writer lock are discarded) and
    /// returns a handle to it. The data capacity is the largest power of two that fits after the
    /// 256-byte header. Formatting memory that live writers or readers use breaks their streams
    /// (they see corruption or overruns), never memory safety.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::AtomicU64;
    /// use ringpool::shm::ShmRing;
    ///
    /// let words: [AtomicU64; 32 + 64] = [const { AtomicU64::new(0) }; 32 + 64];
    /// let ring = ShmRing::format(&words)?;
    /// assert_eq!(ring.capacity(), 512);
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ShmError::RegionTooSmall`] if fewer than 32 + 8 words are given.
    pub fn format(words: &'a [AtomicU64]) -> Result<Self, ShmError> {
        let capacity = format_words(words)?;
        Ok(Self {
            backing: Backing::Borrowed(words),
            capacity,
        })
    }

    /// Attaches to a ring another party formatted in `words`, checking its header.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::AtomicU64;
    /// use ringpool::shm::{ShmError, ShmRing};
    ///
    /// let words: Vec<AtomicU64> = (0..ShmRing::required_words(256)).map(|_| AtomicU64::new(0)).collect();
    /// assert!(matches!(ShmRing::attach(&words), Err(ShmError::Uninitialized)));
    /// ShmRing::format(&words)?;
    /// assert_eq!(ShmRing::attach(&words)?.capacity(), 256);
    /// # Ok::<(), ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ShmError::RegionTooSmall`], [`ShmError::Uninitialized`], [`ShmError::NotARing`],
    /// [`ShmError::VersionMismatch`] or [`ShmError::HeaderCorrupt`] when the header does not
    /// describe a ring of this layout that fits `words`.
    pub fn attach(words: &'a [AtomicU64]) -> Result<Self, ShmError> {
        let capacity = validate_words(words)?;
        Ok(Self {
            backing: Backing::Borrowed(words),
            capacity,
        })
    }

    /// Data bytes of the ring.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ringpool::shm::ShmRing::with_capacity(128)?.capacity(), 128);
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity as usize
    }

    /// Largest payload one message may carry: `capacity - 16` (one frame may fill the ring),
    /// capped at `u32::MAX`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ringpool::shm::ShmRing::with_capacity(128)?.max_message_len(), 112);
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    pub fn max_message_len(&self) -> usize {
        layout::max_payload(self.capacity) as usize
    }

    /// Whether this handle can only read: true for a file opened with
    /// [`open_read_only`](Self::open_read_only), whose [`writer`](Self::writer) is refused.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!ringpool::shm::ShmRing::with_capacity(256)?.is_read_only());
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    pub fn is_read_only(&self) -> bool {
        !self.backing.is_writable()
    }

    /// What the writer lock says about the writer, checking whether the holder's process still
    /// exists (one `kill(pid, 0)` system call on Unix).
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::shm::{ShmRing, WriterStatus};
    ///
    /// let ring = ShmRing::with_capacity(256)?;
    /// assert_eq!(ring.writer_status(), WriterStatus::NeverAttached);
    /// let writer = ring.writer()?;
    /// assert_eq!(ring.writer_status(), WriterStatus::Alive { pid: std::process::id() });
    /// drop(writer);
    /// assert_eq!(ring.writer_status(), WriterStatus::Closed { pid: std::process::id() });
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    pub fn writer_status(&self) -> WriterStatus {
        self.view().writer_status()
    }

    /// The checked view the protocol code works through.
    #[inline]
    pub(crate) fn view(&self) -> RingView<'_> {
        let words = self.backing.words();
        let data_words = (self.capacity / 8) as usize;
        RingView {
            header: &words[..HEADER_WORDS],
            data: &words[HEADER_WORDS..HEADER_WORDS + data_words],
            capacity: self.capacity,
        }
    }
}

/// Writes an empty ring's header into `words`; returns the data capacity.
fn format_words(words: &[AtomicU64]) -> Result<u64, ShmError> {
    let capacity = layout::capacity_for_words(words.len()).ok_or(ShmError::RegionTooSmall {
        available: words.len() * 8,
        required: layout::HEADER_BYTES + MIN_CAPACITY,
    })?;
    let header = &words[..HEADER_WORDS];
    // Relaxed: attachers read MAGIC with Acquire; the Release store of MAGIC below publishes
    // every store before it. Clearing MAGIC first makes a concurrent attacher see "uninitialized"
    // rather than a half-written header under the old magic.
    header[word::MAGIC].store(0, Ordering::Relaxed);
    fence(Ordering::Release);
    for (index, value) in [
        (word::LAYOUT_VERSION, LAYOUT_VERSION),
        (word::HEADER_BYTES, layout::HEADER_BYTES as u64),
        (word::CAPACITY, capacity),
        (word::WRITER_LOCK, 0),
        (word::CLAIM_END, 0),
        (word::PUBLISHED, 0),
        (word::LAST_FRAME_START, NO_FRAME),
        (word::OLDEST_FRAME_START, NO_FRAME),
    ] {
        header[index].store(value, Ordering::Relaxed);
    }
    // Release: an attacher that reads MAGIC with Acquire sees the whole header above.
    header[word::MAGIC].store(MAGIC, Ordering::Release);
    Ok(capacity)
}

/// Checks the identity words of a ring in `words`; returns the data capacity.
pub(crate) fn validate_words(words: &[AtomicU64]) -> Result<u64, ShmError> {
    let required = layout::HEADER_BYTES + MIN_CAPACITY;
    if words.len() < required / 8 {
        return Err(ShmError::RegionTooSmall {
            available: words.len() * 8,
            required,
        });
    }
    // Acquire: pairs with the Release store of MAGIC at the end of formatting.
    match load_acquire(&words[word::MAGIC]) {
        MAGIC => {}
        0 => return Err(ShmError::Uninitialized),
        _ => return Err(ShmError::NotARing),
    }
    // Relaxed: written before MAGIC and never again.
    let found = words[word::LAYOUT_VERSION].load(Ordering::Relaxed);
    if found != LAYOUT_VERSION {
        return Err(ShmError::VersionMismatch {
            found,
            expected: LAYOUT_VERSION,
        });
    }
    if words[word::HEADER_BYTES].load(Ordering::Relaxed) != layout::HEADER_BYTES as u64 {
        return Err(ShmError::HeaderCorrupt("unexpected header size"));
    }
    let capacity = words[word::CAPACITY].load(Ordering::Relaxed);
    if !capacity.is_power_of_two() || capacity < MIN_CAPACITY as u64 {
        return Err(ShmError::HeaderCorrupt(
            "capacity is not a power of two of at least 64",
        ));
    }
    let data_bytes = (words.len() - HEADER_WORDS) as u64 * 8;
    if capacity > data_bytes {
        return Err(ShmError::HeaderCorrupt(
            "capacity is larger than the region",
        ));
    }
    Ok(capacity)
}

/// A load with Acquire ordering, made of a `Relaxed` load and an `Acquire` fence (which gives the
/// same synchronization with the writer's `Release` stores). Every load a reader makes is
/// `Relaxed` because readers may map the file read-only, and Rust guarantees atomic accesses to
/// read-only memory only for `Relaxed` loads (of at most 8 bytes on 64-bit targets).
#[inline]
pub(crate) fn load_acquire(word: &AtomicU64) -> u64 {
    let value = word.load(Ordering::Relaxed);
    fence(Ordering::Acquire);
    value
}

/// The header and data words of one ring, with the capacity already validated. Every index it
/// computes is masked into the data ring, so no cursor value read from shared memory can address
/// outside it.
#[derive(Clone, Copy)]
pub(crate) struct RingView<'r> {
    header: &'r [AtomicU64],
    data: &'r [AtomicU64],
    capacity: u64,
}

impl<'r> RingView<'r> {
    #[inline]
    pub(crate) fn capacity(&self) -> u64 {
        self.capacity
    }

    #[inline]
    pub(crate) fn header_word(&self, index: usize) -> &'r AtomicU64 {
        &self.header[index]
    }

    /// End of the committed frames. Acquire: pairs with the writer's Release store, so every
    /// frame below it is visible (or was overwritten since, which validation catches).
    #[inline]
    pub(crate) fn published(&self) -> u64 {
        load_acquire(&self.header[word::PUBLISHED])
    }

    /// Start of the newest fully written message frame. Acquire for the same reason as
    /// [`published`](Self::published).
    #[inline]
    pub(crate) fn last_frame_start(&self) -> u64 {
        load_acquire(&self.header[word::LAST_FRAME_START])
    }

    /// Start of the oldest frame the writer had not begun to overwrite (a hint, see
    /// `layout::word::OLDEST_FRAME_START`). Acquire for the same reason as
    /// [`published`](Self::published), and like it a `Relaxed` load plus a fence: the mapping
    /// may be read-only.
    #[inline]
    pub(crate) fn oldest_frame_start(&self) -> u64 {
        load_acquire(&self.header[word::OLDEST_FRAME_START])
    }

    /// Whether the bytes of the frame at `start` that were just copied with Relaxed loads are
    /// the committed ones: true when the writer has not claimed anything at or beyond
    /// `start + capacity` (the next lap's copy of `start`).
    ///
    /// The Acquire fence pairs with the writer's Release fence after its claim store: if any
    /// copied word came from a store made after a claim, that claim (or a later one) is what the
    /// CLAIM_END load sees, so an overlapping overwrite cannot go unnoticed.
    #[inline]
    pub(crate) fn intact(&self, start: u64) -> bool {
        #[cfg(all(loom, test))]
        match weakened::mode() {
            weakened::Mode::Sound => fence(Ordering::Acquire),
            weakened::Mode::NoAcquireFence => {}
            weakened::Mode::NoCheck => return true,
        }
        #[cfg(not(all(loom, test)))]
        fence(Ordering::Acquire);
        // Relaxed: ordered by the fence above.
        let claimed = self.header[word::CLAIM_END].load(Ordering::Relaxed);
        // `claimed < start` only in a corrupt ring; wrapping makes it huge, i.e. "not intact".
        claimed.wrapping_sub(start) <= self.capacity
    }

    /// Whether `CLAIM_END` holds a value a writer could have stored: at most two laps (a padding
    /// frame and one frame) beyond a committed position. Readers call it when a copy keeps failing
    /// validation, so that a corrupt or hostile claim cursor (say `1 << 61`) is reported as
    /// corruption instead of making every copy look overwritten forever.
    ///
    /// Never false for a sound ring: the writer stores each claim with `Release` after it stored
    /// (or, on takeover, acquired) the `PUBLISHED` value `p` the claim was computed from, and a
    /// claim is at most `p + 2 * capacity`. The `Acquire` load below synchronizes with that store,
    /// so the `PUBLISHED` load after it returns `p` or a later (larger) value.
    pub(crate) fn claim_plausible(&self) -> bool {
        let claimed = load_acquire(&self.header[word::CLAIM_END]);
        // Relaxed: ordered after the Acquire load above (coherence gives `p` or newer).
        let published = self.header[word::PUBLISHED].load(Ordering::Relaxed);
        claimed <= published.saturating_add(2 * self.capacity)
    }

    /// Data-word index of `position` (taken modulo the capacity).
    #[inline]
    pub(crate) fn word_index(&self, position: u64) -> usize {
        ((position & (self.capacity - 1)) / 8) as usize
    }

    /// Relaxed loads of the two header words of the frame at `position`; the caller has checked
    /// that `position` is 8-aligned with at least 16 bytes left in its lap.
    #[inline]
    pub(crate) fn load_frame_header(&self, position: u64) -> (u64, u64) {
        let index = self.word_index(position);
        // Relaxed: validated afterwards with `intact`.
        (
            self.data[index].load(Ordering::Relaxed),
            self.data[index + 1].load(Ordering::Relaxed),
        )
    }

    /// The payload words of a decoded frame at `position` carrying `len` bytes.
    #[inline]
    pub(crate) fn payload_words(&self, position: u64, len: u64) -> &'r [AtomicU64] {
        let first = self.word_index(position) + 2;
        &self.data[first..first + len.div_ceil(8) as usize]
    }

    /// The data words from `position` to the end of its lap.
    #[inline]
    pub(crate) fn words_to_lap_end(&self, position: u64) -> &'r [AtomicU64] {
        &self.data[self.word_index(position)..]
    }

    /// All data words.
    #[inline]
    pub(crate) fn data(&self) -> &'r [AtomicU64] {
        self.data
    }

    /// See [`ShmRing::writer_status`].
    pub(crate) fn writer_status(&self) -> WriterStatus {
        // Acquire: pairs with the writer's Release store on detach, so a reader that sees
        // `Closed` also sees the final PUBLISHED.
        match liveness::decode_lock(load_acquire(&self.header[word::WRITER_LOCK])) {
            LockState::Vacant => WriterStatus::NeverAttached,
            LockState::Released(pid) => WriterStatus::Closed { pid },
            LockState::Held(pid) if liveness::process_alive(pid) => WriterStatus::Alive { pid },
            LockState::Held(pid) => WriterStatus::Dead { pid },
            LockState::Invalid => WriterStatus::Invalid,
        }
    }
}

/// Deliberately broken validation for the loom negative controls (the crate's own loom tests
/// only). The mode is per OS thread: loom runs a whole model on the thread that calls
/// `loom::model`.
#[cfg(all(loom, test))]
pub(crate) mod weakened {
    use std::cell::Cell;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum Mode {
        /// The real protocol.
        Sound,
        /// Validation loads CLAIM_END without the Acquire fence before it.
        NoAcquireFence,
        /// Copies are never validated.
        NoCheck,
    }

    std::thread_local! {
        static MODE: Cell<Mode> = const { Cell::new(Mode::Sound) };
    }

    pub(crate) fn mode() -> Mode {
        MODE.with(Cell::get)
    }

    /// Runs `f` with validation weakened to `mode`.
    pub(crate) fn with<R>(mode: Mode, f: impl FnOnce() -> R) -> R {
        struct Restore;
        impl Drop for Restore {
            fn drop(&mut self) {
                MODE.with(|m| m.set(Mode::Sound));
            }
        }
        MODE.with(|m| m.set(mode));
        let _restore = Restore;
        f()
    }
}
