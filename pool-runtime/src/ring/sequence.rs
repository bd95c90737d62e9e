//! Sequence counters, each on its own cache line, and the table of reader cursors that gates a
//! [`Backpressure`](super::Backpressure) writer.
//!
//! Sequences count items: the writer's `published` is the number of items readers may read
//! (items `0..published`), a reader's cursor is the number of items it has finished with. They
//! are `u64` and only grow, so they never wrap in practice (2^64 items).

use crossbeam_utils::CachePadded;

use crate::slot::asymmetric;
use crate::sync::{AtomicU64, AtomicUsize, Ordering, fence};

/// A reader-table entry nobody owns.
const FREE: u64 = u64::MAX;

/// One `u64` sequence on its own cache line, so the writer's and the readers' counters never
/// share a line (false sharing would make every publish invalidate every reader's line).
pub(crate) struct Sequence(CachePadded<AtomicU64>);

impl Sequence {
    pub(crate) fn new(value: u64) -> Self {
        Self(CachePadded::new(AtomicU64::new(value)))
    }

    /// Reads the sequence; `Acquire` so the items it counts are visible to the caller.
    #[inline]
    pub(crate) fn load_acquire(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Publishes a new value; `Release` so everything written before (the items, or a reader's
    /// reads of them) happens-before whatever the loader does after its `Acquire`.
    #[inline]
    pub(crate) fn store_release(&self, value: u64) {
        #[cfg(loom)]
        if super::loom_controls::weak_publish() {
            self.0.store(value, Ordering::Relaxed);
            return;
        }
        self.0.store(value, Ordering::Release);
    }
}

/// The cursors of the readers of a `Backpressure` ring: a fixed table of cache-padded entries,
/// each `FREE` or the sequence its reader will read next (every item below it is done).
///
/// Invariant: an entry `i < high_water` may be owned; entries at or past `high_water` are `FREE`.
/// The writer scans `0..high_water` for the minimum to know which slots it may overwrite.
pub(crate) struct ReaderCursors {
    entries: Box<[CachePadded<AtomicU64>]>,
    high_water: CachePadded<AtomicUsize>,
    /// Whether the join handshake uses the asymmetric barrier (a compiler fence on the writer,
    /// `membarrier` on the rare joiner) instead of a `SeqCst` fence on both sides.
    asymmetric: bool,
}

impl ReaderCursors {
    pub(crate) fn new(max_readers: usize) -> Self {
        Self {
            entries: (0..max_readers)
                .map(|_| CachePadded::new(AtomicU64::new(FREE)))
                .collect(),
            high_water: CachePadded::new(AtomicUsize::new(0)),
            asymmetric: asymmetric::available(),
        }
    }

    pub(crate) fn max_readers(&self) -> usize {
        self.entries.len()
    }

    /// Registers a reader and returns `(entry index, first sequence to read)`, or `None` when the
    /// table is full. The reader starts at the writer's current `published` position.
    ///
    /// The join races with a writer that is computing its gate or dropping read items. Protocol
    /// (a Dekker pair with [`min_cursor`](Self::min_cursor)): the reader stores a lower bound
    /// `p0` in its entry and raises `high_water`, then a full barrier, then reads `published`
    /// again as `p1 >= p0` and starts at `p1`. The writer has a barrier between its last
    /// `published` store and its scan. Either the writer's barrier comes first — then the reader
    /// sees at least the `published` the writer had when it scanned, and the writer, which
    /// drops only items below that value and gates at most one lap past it, touches nothing at
    /// or after `p1` — or the reader's barrier comes first and the writer's scan sees the entry
    /// (`p0` or later), which bounds both its drops and its gate.
    ///
    /// Where `membarrier` works the writer's barrier is a compiler fence and the joiner's is
    /// `membarrier` (`crate::slot::asymmetric`): the writer scans on every push of an item with
    /// drop glue, so it must not pay a `SeqCst` fence each time; joins are rare. Elsewhere
    /// both are `SeqCst` fences.
    ///
    /// Reusing an entry: the entry's last reader (maybe on another thread) stored `FREE` with
    /// `Release` after its last reads, and the writer may overwrite the slots it read once it
    /// sees any later value of the entry. Our cursor stores are plain `Release` stores, which
    /// end that reader's release sequence: a writer that reads them synchronises with us only.
    /// So the claim that reads `FREE` is `Acquire`, and the last reader's reads happen-before
    /// our stores and, through them, the writer's overwrite. The barrier after the claim would
    /// order them too (a `SeqCst` fence acquires what the relaxed claim read), but not as
    /// ThreadSanitizer sees it (it ignores fences and `membarrier`), nor in the language's
    /// model where the barrier is a `membarrier` system call.
    pub(crate) fn join(&self, published: &Sequence) -> Option<(usize, u64)> {
        let lower_bound = published.load_acquire();
        #[cfg(loom)]
        let claim = if super::loom_controls::relaxed_join_claim() {
            Ordering::Relaxed
        } else {
            Ordering::Acquire
        };
        #[cfg(not(loom))]
        let claim = Ordering::Acquire;
        let index = self.entries.iter().position(|entry| {
            // Relaxed on failure: a taken entry tells us nothing we need to order with.
            // Acquire on success: we read the `FREE` of the entry's last reader (a `Release`
            // store, `leave`), so its reads of the slots happen-before our own `Release` cursor
            // stores, the only ones the writer acquires from now on ("Reusing an entry" above).
            entry
                .compare_exchange(FREE, lower_bound, claim, Ordering::Relaxed)
                .is_ok()
        })?;
        // Relaxed: ordered before the writer's scan by the barrier below (see above).
        self.high_water.fetch_max(index + 1, Ordering::Relaxed);
        #[cfg(loom)]
        if super::loom_controls::weak_join() {
            return Some((index, lower_bound));
        }
        self.join_barrier();
        let start = published.load_acquire();
        // Release: this only moves the cursor forward; the writer reads it with Acquire.
        self.entries[index].store(start, Ordering::Release);
        Some((index, start))
    }

    /// The joiner's side of the barrier pair with [`min_cursor`](Self::min_cursor).
    #[inline]
    fn join_barrier(&self) {
        #[cfg(loom)]
        if super::loom_controls::skip_join_barrier() {
            return;
        }
        if self.asymmetric {
            asymmetric::heavy();
        } else {
            fence(Ordering::SeqCst);
        }
    }

    /// Reader `index` has finished with every item below `next`.
    ///
    /// `Release`: the reader's reads of those slots happen-before the writer's `Acquire` load
    /// in [`min_cursor`](Self::min_cursor), and so before it overwrites them.
    #[inline]
    pub(crate) fn advance(&self, index: usize, next: u64) {
        #[cfg(loom)]
        if super::loom_controls::weak_advance() {
            self.entries[index].store(next, Ordering::Relaxed);
            return;
        }
        self.entries[index].store(next, Ordering::Release);
    }

    /// Unregisters reader `index`: it no longer gates the writer.
    ///
    /// `Release` for the same reason as [`advance`](Self::advance): its last reads must
    /// happen-before the writer reuses those slots.
    pub(crate) fn leave(&self, index: usize) {
        self.entries[index].store(FREE, Ordering::Release);
    }

    /// The smallest cursor of all registered readers, or `if_none` when there are none.
    ///
    /// Called by the writer only. The leading barrier pairs with the one in
    /// [`join`](Self::join); the `Acquire` loads pair with the readers' `Release` stores.
    #[inline]
    pub(crate) fn min_cursor(&self, if_none: u64) -> u64 {
        if self.asymmetric {
            asymmetric::light();
        } else {
            fence(Ordering::SeqCst);
        }
        // Relaxed: the fence above orders this load; entries past it are FREE anyway.
        let high_water = self.high_water.load(Ordering::Relaxed);
        self.entries[..high_water]
            .iter()
            .map(|entry| entry.load(Ordering::Acquire))
            .filter(|&cursor| cursor != FREE)
            .min()
            .unwrap_or(if_none)
    }
}
