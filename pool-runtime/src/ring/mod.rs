//! A single-writer, multi-reader ring in the style of the LMAX Disruptor.
//!
//! A [`Ring`] holds a power-of-two number of slots. Exactly one [`Writer`] publishes items in
//! order; any number of [`Reader`]s each see the items published after they subscribed, in
//! order. What happens when the writer laps a slow reader is the ring's [`Policy`], chosen by
//! type at construction:
//!
//! - [`Backpressure`] (the default): the writer waits (or [`Writer::try_push`] hands the item
//!   back as [`Full`]). Every reader gets every item exactly once. Any item type works; readers
//!   clone items out ([`Reader::try_next`], iteration — for a `RingPtr` that is a refcount
//!   increment) or borrow them in place ([`Reader::try_read_with`], [`ReadBatch::next_ref`]).
//! - [`Overwrite`]: the writer never waits. A reader that fell more than a lap behind gets
//!   [`Overrun`] with exactly the number of items overwritten before it could read them, then
//!   continues with the oldest item still in the ring (tokio broadcast's `Lagged(n)`): with
//!   capacity 2 and items 1, 2, 3, a reader that read nothing gets `Overrun { missed: 1 }`, then
//!   2 and 3. A capacity-1 ring is a latest-value mailbox. Only for [`bytemuck::Pod`] items,
//!   copied out with a seqlock over atomic words.
//!
//! # Examples
//!
//! ```
//! use ringpool::ring::Ring;
//!
//! let ring = Ring::<u64>::with_capacity(8)?;
//! let mut writer = ring.writer()?;
//! let mut reader = ring.subscribe()?;
//! let handle = std::thread::spawn(move || reader.sum::<u64>());
//! for value in 1..=100 {
//!     writer.push(value);
//! }
//! drop(writer); // ends the stream: the reader's iterator returns `None` after item 100
//! assert_eq!(handle.join().unwrap(), 5050);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Sequences and gating
//!
//! Items are numbered from 0. The writer's `published` counter (on its own cache line) says how
//! many items exist; item `s` lives in slot `s & (capacity - 1)`. Under `Backpressure` each
//! reader has a cursor (also on its own cache line) in a fixed table scanned by the writer:
//! the writer may store item `s` only when every registered cursor is above `s - capacity`.
//! It caches that limit and rescans only when it reaches it, so the common push is one slot
//! write and one `Release` store. A reader caches `published` the same way.
//!
//! With no reader subscribed nothing gates the writer: items are overwritten (and dropped)
//! without being seen, just as a reader subscribing later starts at the writer's current
//! position and never sees older items.
//!
//! # Dropping
//!
//! Dropping the writer ends the stream: readers drain what was published, then their
//! iterators return `None`. Dropping a reader releases its cursor, so it no longer gates the
//! writer.
//!
//! Each item is dropped exactly once, as soon as no reader can read it any more: the writer
//! drops every item all readers have moved past at its next push or claim (one scan of the
//! cursors, only for items with drop glue), or when asked with [`Writer::reclaim`]; with no
//! reader subscribed (the last one dropped) that is everything published. What is left goes
//! with the last handle (ring, writer or reader). So the pool slots a ring of `RingPtr`s holds
//! are bounded by what its slowest reader has not read, plus at most the items read since the
//! writer's last push, not by the ring's capacity. Readers never drop items, so reading costs
//! the same as before; the writer pays one load of each reader's cursor per push.
//!
//! # Sizing pools for a ring
//!
//! A ring of `capacity` entries holds at most `capacity` unread items, whichever readers there
//! are (readers share each item). A producer that allocates from a pool also holds the item it
//! is building, and each reader may hold one clone while it works on it: so a class needs
//! `capacity + 1 + readers` slots for every item of that class to fit, plus whatever readers
//! keep longer. `MessageSet::pool_config_for_ring` applies this rule to every class a message
//! set uses.

#[cfg(feature = "async")]
mod async_wait;
mod error;
mod event_count;
mod handle;
mod policy;
mod reader;
mod sequence;
mod slots;
mod stamped;
mod wait;
#[cfg(feature = "async")]
mod wakers;
mod writer;

#[cfg(loom)]
#[doc(hidden)]
pub mod loom_controls;

use core::marker::PhantomData;

pub use error::{CapacityError, ClaimError, Full, Overrun, TooManyReaders, WriterTaken};
pub use policy::{Backpressure, Overwrite, Policy};
pub use reader::{ReadBatch, Reader};
pub use wait::WaitStrategy;
pub use writer::{Claim, Writer};

use crate::sync::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use event_count::EventCount;
use handle::SharedRef;
use sequence::{ReaderCursors, Sequence};
use slots::InPlaceSlots;
use stamped::StampedSlots;

/// How many readers a [`Backpressure`] ring accepts unless told otherwise.
pub const DEFAULT_MAX_READERS: usize = 32;

/// The most readers one ring can have at a time, whatever its policy: waiting readers are
/// counted in 16-bit fields of one word (see `event_count`).
pub const MAX_READERS: usize = 65_535;

/// State shared by the ring handle, the writer and the readers.
pub(crate) struct Shared<T, P: Policy> {
    /// Items `0..published` are readable. Written by the writer only.
    published: Sequence,
    /// Backpressure: the readers' cursors (empty table for Overwrite).
    cursors: ReaderCursors,
    /// Backpressure: the items, in place (empty for Overwrite).
    in_place: InPlaceSlots<T>,
    /// Overwrite: the items as stamped words (empty for Backpressure).
    stamped: StampedSlots,
    /// The writer parks here while the ring is full.
    writer_wait: EventCount,
    /// Readers park here while there is nothing to read. Only the writer notifies it, so it
    /// may switch to symmetric fences (`event_count` module docs).
    reader_wait: EventCount,
    writer_taken: AtomicBool,
    /// Set (Release) by the writer's drop after its last publish.
    writer_closed: AtomicBool,
    /// Overwrite: the readers alive, at most [`MAX_READERS`] (Backpressure: the cursor table
    /// bounds them).
    overwrite_readers: AtomicUsize,
    /// Backpressure: items below this were dropped by the writer; stored by its drop.
    writer_dropped: AtomicU64,
    capacity: usize,
    _policy: PhantomData<P>,
}

impl<T, P: Policy> Shared<T, P> {
    fn closed(&self) -> bool {
        // Acquire: pairs with the writer's Release in its drop, so a `published` load after
        // this sees the writer's final value.
        self.writer_closed.load(Ordering::Acquire)
    }
}

impl<T, P: Policy> Drop for Shared<T, P> {
    fn drop(&mut self) {
        if !P::GATED || !core::mem::needs_drop::<T>() {
            return;
        }
        // Acquire / Relaxed (under `&mut self` any ordering would do; the last handle's drop
        // synchronised us with every other handle already: `handle.rs`).
        let published = self.published.load_acquire();
        let first_live = self.writer_dropped.load(Ordering::Relaxed);
        for seq in first_live..published {
            // SAFETY: the last handle is gone, so nobody else accesses the slots; items
            // `writer_dropped .. published` are exactly the live ones (the writer dropped every
            // older item, and stored nothing past `published`).
            unsafe { self.in_place.drop_item(seq) };
        }
    }
}

/// A single-writer, multi-reader ring of `T` with full-ring policy `P`.
///
/// The ring is a handle: take its one [`Writer`] with [`writer`](Ring::writer) and subscribe
/// [`Reader`]s with [`subscribe`](Ring::subscribe) (or from the writer). The storage lives until
/// the ring, the writer and every reader are dropped. Handles can move to other threads when
/// `T: Send + Sync` (readers on several threads share each item).
pub struct Ring<T, P: Policy = Backpressure> {
    shared: SharedRef<Shared<T, P>>,
}

fn check_capacity(capacity: usize) -> Result<(), CapacityError> {
    if !capacity.is_power_of_two() {
        return Err(CapacityError::NotPowerOfTwo {
            requested: capacity,
        });
    }
    // Sequences are u64 and stamps hold 2 * sequence + 2: keep a lap far below that range.
    if u64::try_from(capacity).map_or(true, |c| c >= 1 << 40) {
        return Err(CapacityError::TooLarge {
            requested: capacity,
        });
    }
    Ok(())
}

fn new_shared<T, P: Policy>(
    capacity: usize,
    cursors: ReaderCursors,
    in_place: InPlaceSlots<T>,
    stamped: StampedSlots,
) -> Ring<T, P> {
    Ring {
        shared: SharedRef::new(Shared {
            published: Sequence::new(0),
            cursors,
            in_place,
            stamped,
            writer_wait: EventCount::new(),
            reader_wait: EventCount::with_one_notifier(),
            writer_taken: AtomicBool::new(false),
            writer_closed: AtomicBool::new(false),
            overwrite_readers: AtomicUsize::new(0),
            writer_dropped: AtomicU64::new(0),
            capacity,
            _policy: PhantomData,
        }),
    }
}

impl<T> Ring<T, Backpressure> {
    /// A [`Backpressure`] ring of `capacity` slots accepting up to [`DEFAULT_MAX_READERS`]
    /// readers at a time.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::ring::{Full, Ring};
    ///
    /// let ring = Ring::<String>::with_capacity(2)?;
    /// let mut writer = ring.writer()?;
    /// let mut reader = ring.subscribe()?;
    /// writer.try_push("a".to_string())?;
    /// writer.try_push("b".to_string())?;
    /// // The reader has not consumed anything: the item comes back.
    /// let Err(Full(item)) = writer.try_push("c".to_string()) else { unreachable!() };
    /// assert_eq!(item, "c");
    /// assert_eq!(reader.try_next().as_deref(), Some("a"));
    /// writer.try_push(item)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CapacityError::NotPowerOfTwo`] if `capacity` is zero or not a power of two;
    /// [`CapacityError::TooLarge`] if the slots do not fit in memory.
    pub fn with_capacity(capacity: usize) -> Result<Self, CapacityError> {
        Self::with_capacity_and_readers(capacity, DEFAULT_MAX_READERS)
    }

    /// Like [`with_capacity`](Self::with_capacity), with room for `max_readers` readers at a
    /// time (the writer scans that many cursors when it finds the ring full).
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::ring::{Ring, TooManyReaders};
    ///
    /// let ring = Ring::<u32>::with_capacity_and_readers(4, 1)?;
    /// let first = ring.subscribe()?;
    /// assert_eq!(ring.subscribe().unwrap_err(), TooManyReaders { max_readers: 1 });
    /// drop(first);
    /// let _second = ring.subscribe()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`with_capacity`](Self::with_capacity), and [`CapacityError::TooManyReaders`] if
    /// `max_readers` is above [`MAX_READERS`].
    pub fn with_capacity_and_readers(
        capacity: usize,
        max_readers: usize,
    ) -> Result<Self, CapacityError> {
        check_capacity(capacity)?;
        if max_readers > MAX_READERS {
            return Err(CapacityError::TooManyReaders {
                requested: max_readers,
            });
        }
        let in_place = InPlaceSlots::new(capacity)?;
        Ok(new_shared(
            capacity,
            ReaderCursors::new(max_readers),
            in_place,
            StampedSlots::empty(),
        ))
    }
}

impl<T: bytemuck::Pod> Ring<T, Overwrite> {
    /// An [`Overwrite`] ring of `capacity` slots. Up to [`MAX_READERS`] readers may subscribe.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::ring::{Overrun, Overwrite, Ring};
    ///
    /// let ring = Ring::<u64, Overwrite>::with_capacity(4)?;
    /// let mut writer = ring.writer()?;
    /// let mut reader = ring.subscribe()?;
    /// for value in 0..10 {
    ///     writer.push(value); // never waits
    /// }
    /// // Items 0..=5 were overwritten; the ring still holds the last four.
    /// assert_eq!(reader.try_next(), Err(Overrun { missed: 6 }));
    /// assert_eq!(reader.try_next(), Ok(Some(6)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CapacityError::NotPowerOfTwo`] if `capacity` is zero or not a power of two;
    /// [`CapacityError::TooLarge`] if the slots do not fit in memory.
    pub fn with_capacity(capacity: usize) -> Result<Self, CapacityError> {
        check_capacity(capacity)?;
        let stamped = StampedSlots::new(capacity, core::mem::size_of::<T>())?;
        Ok(new_shared(
            capacity,
            ReaderCursors::new(0),
            InPlaceSlots::empty(),
            stamped,
        ))
    }
}

impl<T, P: Policy> Ring<T, P> {
    /// Takes the ring's single writer.
    ///
    /// # Errors
    ///
    /// [`WriterTaken`] if the writer was taken before (even if it has been dropped since: a
    /// dropped writer ends the stream for good).
    pub fn writer(&self) -> Result<Writer<T, P>, WriterTaken> {
        // AcqRel: exactly one caller wins the flag; nothing else is ordered by it.
        if self.shared.writer_taken.swap(true, Ordering::AcqRel) {
            return Err(WriterTaken);
        }
        Ok(Writer::new(self.shared.clone()))
    }

    /// A new reader that starts at the writer's current position.
    ///
    /// # Errors
    ///
    /// [`TooManyReaders`] if a [`Backpressure`] ring's reader table is full, or if an
    /// [`Overwrite`] ring already has [`MAX_READERS`] readers.
    pub fn subscribe(&self) -> Result<Reader<T, P>, TooManyReaders> {
        Reader::subscribe(&self.shared)
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }
}

impl<T, P: Policy> core::fmt::Debug for Ring<T, P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ring")
            .field("capacity", &self.shared.capacity)
            .field("published", &self.shared.published.load_acquire())
            .field("gated", &P::GATED)
            .finish()
    }
}
