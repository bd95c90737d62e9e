//! [`Reader`]s of a ring and their [`ReadBatch`]es.

use core::time::Duration;

use bytemuck::Pod;

use super::Shared;
use super::error::{Overrun, TooManyReaders};
use super::handle::SharedRef;
use super::policy::{Backpressure, Overwrite, Policy};
use super::slots::SlotCursor;
use super::wait::{WaitStrategy, deadline_after};
use crate::sync::Ordering;

/// One reader of a [`Ring`](super::Ring): sees, in order, every item published after it
/// subscribed (under [`Overwrite`], minus the ones reported as [`Overrun`]).
///
/// As an [`Iterator`] it waits (its [`WaitStrategy`]) until the next item and returns `None` once
/// the writer is gone and everything it published has been read. Under [`Backpressure`] it
/// yields clones (`T: Clone`; for a `RingPtr` a refcount increment) — use
/// [`try_read_with`](Reader::try_read_with) or [`ReadBatch::next_ref`] to borrow in place
/// instead. Under [`Overwrite`] it yields `Result<T, Overrun>`.
///
/// Dropping a `Backpressure` reader releases it from the writer's gating.
pub struct Reader<T, P: Policy = Backpressure> {
    shared: SharedRef<Shared<T, P>>,
    /// Backpressure: this reader's entry in the cursor table.
    entry: usize,
    /// The sequence this reader reads next.
    next: u64,
    /// A cached copy of the writer's `published`: items below it are readable.
    available: u64,
    /// How this reader waits for items.
    wait_strategy: WaitStrategy,
    #[cfg(feature = "async")]
    async_waiter: super::async_wait::AsyncWaiter,
}

impl<T, P: Policy> Reader<T, P> {
    pub(super) fn subscribe(shared: &SharedRef<Shared<T, P>>) -> Result<Self, TooManyReaders> {
        let (entry, next) = if P::GATED {
            let joined = shared
                .cursors
                .join(&shared.published)
                .ok_or(TooManyReaders {
                    max_readers: shared.cursors.max_readers(),
                })?;
            // The join showed the writer a lower bound for a moment before raising it to the
            // start: a writer that saw the bound may have gone to sleep on it, so it is told
            // the cursor moved (without this, it slept until some other reader moved).
            #[cfg(loom)]
            let skip = super::loom_controls::skip_join_notify();
            #[cfg(not(loom))]
            let skip = false;
            if !skip {
                shared.writer_wait.notify();
            }
            joined
        } else {
            // Relaxed: a count; nothing else is published through it.
            if shared.overwrite_readers.fetch_add(1, Ordering::Relaxed) >= super::MAX_READERS {
                shared.overwrite_readers.fetch_sub(1, Ordering::Relaxed);
                return Err(TooManyReaders {
                    max_readers: super::MAX_READERS,
                });
            }
            (0, shared.published.load_acquire())
        };
        Ok(Self {
            shared: shared.clone(),
            entry,
            next,
            available: next,
            wait_strategy: WaitStrategy::default(),
            #[cfg(feature = "async")]
            async_waiter: Default::default(),
        })
    }

    /// This reader, waiting for items with `strategy` ([`WaitStrategy::Block`] unless set).
    pub fn with_wait_strategy(mut self, strategy: WaitStrategy) -> Self {
        self.wait_strategy = strategy;
        self
    }

    /// How this reader waits for items.
    pub fn wait_strategy(&self) -> WaitStrategy {
        self.wait_strategy
    }

    /// How many published items this reader has not read yet. Under [`Overwrite`] a value above
    /// the capacity means the next read reports an [`Overrun`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::ring::Ring;
    ///
    /// let ring = Ring::<u8>::with_capacity(8)?;
    /// let mut writer = ring.writer()?;
    /// let mut reader = ring.subscribe()?;
    /// writer.push(1);
    /// writer.push(2);
    /// assert_eq!(reader.lag(), 2);
    /// reader.try_next();
    /// assert_eq!(reader.lag(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lag(&self) -> u64 {
        self.shared
            .published
            .load_acquire()
            .saturating_sub(self.next)
    }

    /// The sequence number of the next item this reader will read (items are numbered from 0
    /// in publication order).
    pub fn position(&self) -> u64 {
        self.next
    }

    /// Whether the writer has been dropped (items it published may still be unread).
    pub fn is_writer_closed(&self) -> bool {
        self.shared.closed()
    }

    /// The number of slots of the ring.
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }

    /// Whether an item is readable, refreshing the cached `published` if needed.
    #[inline]
    fn has_item(&mut self) -> bool {
        if self.next < self.available {
            return true;
        }
        self.available = self.shared.published.load_acquire();
        self.next < self.available
    }

    /// Waits for an item; `false` if the writer is gone and everything was read, or on timeout.
    #[inline(never)]
    fn wait_for_item(&mut self, deadline: Option<std::time::Instant>) -> bool {
        if self.has_item() {
            return true;
        }
        let shared = &*self.shared;
        let next = self.next;
        let mut available = self.available;
        let mut closed = false;
        self.wait_strategy.wait_until(
            &shared.reader_wait,
            || {
                // Check `closed` before loading `published`: if the writer is gone, this load
                // sees its final count.
                closed = shared.closed();
                available = shared.published.load_acquire();
                next < available || closed
            },
            deadline,
        );
        self.available = available;
        next < available
    }

    /// Async twin of `wait_for_item`: `Ready(true)` when an item is readable, `Ready(false)`
    /// when the writer is gone and everything was read. Inlined with the cached check in
    /// front; the wait stays out of line (its register saves cost the common path a dozen
    /// instructions per item when it was all one function).
    #[cfg(feature = "async")]
    #[inline]
    pub(super) fn poll_item(&mut self, cx: &mut core::task::Context<'_>) -> core::task::Poll<bool> {
        if self.has_item() {
            self.async_waiter.done(&self.shared.reader_wait);
            return core::task::Poll::Ready(true);
        }
        self.poll_wait_for_item(cx)
    }

    /// The waiting part of `poll_item`.
    #[cfg(feature = "async")]
    #[inline(never)]
    fn poll_wait_for_item(&mut self, cx: &mut core::task::Context<'_>) -> core::task::Poll<bool> {
        let shared = &*self.shared;
        let next = self.next;
        let mut available = self.available;
        let poll = self.async_waiter.poll_until(&shared.reader_wait, cx, || {
            // `closed` before `published`, as in `wait_for_item`.
            let closed = shared.closed();
            available = shared.published.load_acquire();
            next < available || closed
        });
        self.available = available;
        poll.map(|()| next < available)
    }

    /// Under Backpressure: tells the writer this reader is done with items below `next`.
    #[inline]
    fn commit(&self) {
        if P::GATED {
            self.shared.cursors.advance(self.entry, self.next);
            self.shared.writer_wait.notify();
        }
    }
}

impl<T> Reader<T, Backpressure> {
    /// Runs `read` on the next item in place, if one is published, and moves past it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::ring::Ring;
    ///
    /// let ring = Ring::<Vec<u8>>::with_capacity(4)?;
    /// let mut writer = ring.writer()?;
    /// let mut reader = ring.subscribe()?;
    /// writer.push(vec![1, 2, 3]);
    /// assert_eq!(reader.try_read_with(|bytes| bytes.len()), Some(3));
    /// assert_eq!(reader.try_read_with(|bytes| bytes.len()), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn try_read_with<R>(&mut self, read: impl FnOnce(&T) -> R) -> Option<R> {
        if !self.has_item() {
            return None;
        }
        Some(self.read_available(read))
    }

    /// Runs `read` on item `next`, which `has_item` (or a wait) found published, moves past it
    /// and commits. Always inlined, with `read` (a clone), into the caller's loop: the item is
    /// then copied once, and only the parts the caller uses are loaded before the commit (as
    /// one call it was copied twice through `memcpy`, every cache line of it).
    #[inline(always)]
    fn read_available<R>(&mut self, read: impl FnOnce(&T) -> R) -> R {
        debug_assert!(self.next < self.available);
        // SAFETY: `next < available <= published` (the caller checked), so the slot holds item
        // `next`; our cursor (registered at subscribe, advanced only by `commit`) is at most
        // `next`, so the writer cannot store item `next + capacity` there while we read.
        let value = unsafe { self.shared.in_place.read_with(self.next, read) };
        self.next += 1;
        self.commit();
        value
    }

    /// Like [`try_read_with`](Self::try_read_with) but waits for the next item; `None` once
    /// the writer is gone and every published item was read.
    pub fn read_with<R>(&mut self, read: impl FnOnce(&T) -> R) -> Option<R> {
        if !self.wait_for_item(None) {
            return None;
        }
        Some(self.read_available(read))
    }

    /// A clone of the next item, if one is published.
    #[inline]
    pub fn try_next(&mut self) -> Option<T>
    where
        T: Clone,
    {
        self.try_read_with(T::clone)
    }

    /// A clone of the next item, waiting at most `timeout` for it. `None` on timeout or when
    /// the writer is gone and every item was read.
    pub fn next_timeout(&mut self, timeout: Duration) -> Option<T>
    where
        T: Clone,
    {
        if !self.wait_for_item(deadline_after(timeout)) {
            return None;
        }
        Some(self.read_available(T::clone))
    }

    /// Everything published so far, as one batch: the reader's position is committed once,
    /// when the batch is dropped (only the items actually taken count as read).
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::ring::Ring;
    ///
    /// let ring = Ring::<String>::with_capacity(8)?;
    /// let mut writer = ring.writer()?;
    /// let mut reader = ring.subscribe()?;
    /// writer.push("a".into());
    /// writer.push("bc".into());
    /// let mut batch = reader.read_batch();
    /// assert_eq!(batch.len(), 2);
    /// let mut total = 0;
    /// while let Some(text) = batch.next_ref() {
    ///     total += text.len(); // borrowed in place, no clone
    /// }
    /// drop(batch);
    /// assert_eq!((total, reader.lag()), (3, 0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_batch(&mut self) -> ReadBatch<'_, T, Backpressure> {
        self.available = self.shared.published.load_acquire();
        ReadBatch::new(self)
    }
}

impl<T: Clone> Iterator for Reader<T, Backpressure> {
    type Item = T;

    /// Always inlined with the cached check in front, so the item is copied once, straight
    /// into the caller's place (see `read_available`); the wait stays out of line.
    #[inline(always)]
    fn next(&mut self) -> Option<T> {
        if !self.has_item() && !self.wait_for_item(None) {
            return None;
        }
        Some(self.read_available(T::clone))
    }
}

/// loom negative control: skip one item too many on an overrun (the old accounting).
#[inline]
fn lossy_lag() -> u64 {
    #[cfg(loom)]
    return u64::from(super::loom_controls::lossy_lag());
    #[cfg(not(loom))]
    0
}

impl<T: Pod> Reader<T, Overwrite> {
    /// Reads item `next`, which is published (`next < available`).
    #[inline]
    pub(super) fn read_published(&mut self) -> Result<T, Overrun> {
        if self.available - self.next > self.shared.capacity as u64 {
            return Err(self.skip_ahead());
        }
        match self.shared.stamped.read::<T>(self.next) {
            Some(item) => {
                self.next += 1;
                Ok(item)
            }
            None => Err(self.skip_ahead()),
        }
    }

    /// Item `next` was overwritten: jump to the oldest item still in the ring and report how
    /// many were skipped.
    #[cold]
    fn skip_ahead(&mut self) -> Overrun {
        self.available = self.shared.published.load_acquire();
        // Items below `published - capacity` had their slots reused by published items. Item
        // `published - capacity` is the oldest one the ring still holds (tokio's `Lagged(n)`
        // semantics); if the writer is already rewriting its slot, the read of it fails its
        // stamp check and the next call reports that one item too. Always move forward by at
        // least one: we get here only when item `next` is gone.
        let holds = self.shared.capacity as u64 - lossy_lag();
        let oldest = self.available.saturating_sub(holds);
        let target = oldest.max(self.next + 1);
        let missed = target - self.next;
        self.next = target;
        Overrun { missed }
    }

    /// The next item if one is published: `Ok(Some(item))`, `Ok(None)` if there is nothing
    /// new, or `Err(Overrun)` once if the writer lapped this reader (the following call
    /// continues with the oldest intact item).
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::ring::{Overwrite, Ring};
    ///
    /// let ring = Ring::<u32, Overwrite>::with_capacity(4)?;
    /// let mut writer = ring.writer()?;
    /// let mut reader = ring.subscribe()?;
    /// writer.push(7);
    /// assert_eq!(reader.try_next(), Ok(Some(7)));
    /// assert_eq!(reader.try_next(), Ok(None));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Overrun`] with the number of items lost.
    #[inline]
    pub fn try_next(&mut self) -> Result<Option<T>, Overrun> {
        if !self.has_item() {
            return Ok(None);
        }
        self.read_published().map(Some)
    }

    /// Everything published so far, as one batch of `Result<T, Overrun>` (an overrun in the
    /// middle is reported in place and the batch goes on from the oldest intact item).
    pub fn read_batch(&mut self) -> ReadBatch<'_, T, Overwrite> {
        self.available = self.shared.published.load_acquire();
        ReadBatch::new(self)
    }
}

impl<T: Pod> Iterator for Reader<T, Overwrite> {
    type Item = Result<T, Overrun>;

    /// Inlined like the `Backpressure` reader's `next`; the wait stays out of line.
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if !self.has_item() && !self.wait_for_item(None) {
            return None;
        }
        Some(self.read_published())
    }
}

impl<T, P: Policy> Drop for Reader<T, P> {
    fn drop(&mut self) {
        #[cfg(feature = "async")]
        self.async_waiter.release(&self.shared.reader_wait);
        if P::GATED {
            self.shared.cursors.leave(self.entry);
            self.shared.writer_wait.notify();
        } else {
            // Relaxed: as in `subscribe`.
            self.shared
                .overwrite_readers
                .fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl<T, P: Policy> core::fmt::Debug for Reader<T, P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Reader")
            .field("position", &self.next)
            .finish_non_exhaustive()
    }
}

/// The items published when [`Reader::read_batch`] was called. Under [`Backpressure`] it yields
/// clones (or borrows with [`next_ref`](ReadBatch::next_ref)) and commits the reader's position
/// once, on drop; under [`Overwrite`] it yields `Result<T, Overrun>`.
pub struct ReadBatch<'r, T, P: Policy = Backpressure> {
    reader: &'r mut Reader<T, P>,
    /// The batch's position. Backpressure: items `reader.next..next` were taken; the reader
    /// moves to `next` when the batch drops, so the loop over the batch stores nothing but
    /// this field (which the compiler keeps in a register). Overwrite: equal to `reader.next`.
    next: u64,
    /// One past the last sequence of the batch.
    end: u64,
    /// Backpressure: the slot of sequence `next`, stepped per item without reloading anything
    /// from the ring (see `InPlaceSlots::cursor_at`); `reader` keeps the slots alive.
    slots: SlotCursor<T>,
}

impl<'r, T, P: Policy> ReadBatch<'r, T, P> {
    /// Everything the reader's cached `available` says is published.
    fn new(reader: &'r mut Reader<T, P>) -> Self {
        let (next, end) = (reader.next, reader.available);
        let slots = reader.shared.in_place.cursor_at(next);
        Self {
            reader,
            next,
            end,
            slots,
        }
    }

    /// How many items of the batch are left.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.next) as usize
    }

    /// Whether the batch is exhausted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> ReadBatch<'_, T, Backpressure> {
    /// The next item of the batch, borrowed in place until the next call.
    #[inline]
    pub fn next_ref(&mut self) -> Option<&T> {
        if self.next >= self.end {
            return None;
        }
        self.next += 1;
        // The cursor started on slot `reader.next` and steps once per item, so it is on the slot
        // of the sequence just taken, which is below `end <= published`.
        // SAFETY: that slot holds the item, and the writer leaves it alone while our registered
        // cursor is at or below it; the reader (borrowed by the batch) keeps the ring, and so
        // its non-empty (Backpressure) slot array, alive.
        let item = unsafe { self.slots.next_ptr() };
        // SAFETY: the cursor is committed only when this batch drops, so the slot keeps the item
        // for as long as the returned borrow (tied to `&mut self`) lives.
        Some(unsafe { &*item })
    }
}

impl<T: Clone> Iterator for ReadBatch<'_, T, Backpressure> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        self.next_ref().cloned()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), Some(self.len()))
    }
}

impl<T: Pod> Iterator for ReadBatch<'_, T, Overwrite> {
    type Item = Result<T, Overrun>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let item = self.reader.read_published();
        self.next = self.reader.next;
        Some(item)
    }
}

impl<T, P: Policy> Drop for ReadBatch<'_, T, P> {
    fn drop(&mut self) {
        // Backpressure: one cursor store (and notify) per batch, none for a batch nothing was
        // taken from, so a reader polling an empty ring leaves the writer's line alone.
        if self.reader.next != self.next {
            self.reader.next = self.next;
            self.reader.commit();
        }
    }
}
