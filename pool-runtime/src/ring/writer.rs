//! The single [`Writer`] of a ring and its batch [`Claim`].

use core::time::Duration;

use bytemuck::Pod;

use super::Shared;
use super::error::{ClaimError, Full, TooManyReaders};
use super::handle::SharedRef;
use super::policy::{Backpressure, Overwrite, Policy};
use super::reader::Reader;
use super::slots::SlotCursor;
use super::wait::{WaitStrategy, deadline_after};
use crate::sync::Ordering;

/// The one writer of a [`Ring`](super::Ring). Dropping it ends the stream.
///
/// Under [`Backpressure`] it waits for the slowest reader ([`push`](Writer::push)), gives the
/// item back ([`try_push`](Writer::try_push)) or waits a bounded time
/// ([`push_timeout`](Writer::push_timeout)). Under [`Overwrite`] [`push`](Writer::push) never
/// waits.
pub struct Writer<T, P: Policy = Backpressure> {
    shared: SharedRef<Shared<T, P>>,
    /// The sequence the next item gets; equals the shared `published` outside a claim.
    next: u64,
    /// Backpressure: items below this may be stored without re-scanning the readers (the
    /// slowest cursor seen at the last scan plus one lap).
    limit: u64,
    /// Backpressure, items with drop glue: items below this have been dropped (every reader
    /// was past them). Items `dropped..next` are live in their slots.
    dropped: u64,
    /// How this writer waits for room.
    wait_strategy: WaitStrategy,
    #[cfg(feature = "async")]
    async_waiter: super::async_wait::AsyncWaiter,
}

/// How many free slots a writer blocked on a full ring waits for at first (see `wait_for_room`).
const REFILL: u64 = 32;
/// How many checks it waits for them before settling for the slots it needs.
const REFILL_CHECKS: u32 = 64;

impl<T, P: Policy> Writer<T, P> {
    pub(super) fn new(shared: SharedRef<Shared<T, P>>) -> Self {
        let limit = shared.capacity as u64;
        Self {
            shared,
            next: 0,
            limit,
            dropped: 0,
            wait_strategy: WaitStrategy::default(),
            #[cfg(feature = "async")]
            async_waiter: Default::default(),
        }
    }

    /// This writer, waiting for room with `strategy` ([`WaitStrategy::Block`] unless set; an
    /// [`Overwrite`] writer never waits).
    pub fn with_wait_strategy(mut self, strategy: WaitStrategy) -> Self {
        self.wait_strategy = strategy;
        self
    }

    /// How this writer waits for room.
    pub fn wait_strategy(&self) -> WaitStrategy {
        self.wait_strategy
    }

    /// A new reader starting at this writer's current position: it sees the next item pushed.
    ///
    /// # Errors
    ///
    /// [`TooManyReaders`] if a [`Backpressure`] ring's reader table is full.
    pub fn subscribe(&self) -> Result<Reader<T, P>, TooManyReaders> {
        Reader::subscribe(&self.shared)
    }

    /// How many items this writer has published so far.
    pub fn published(&self) -> u64 {
        self.next
    }

    /// The number of slots of the ring.
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }

    /// Makes items below `self.next` readable and wakes parked readers.
    #[inline]
    fn publish(&self) {
        self.shared.published.store_release(self.next);
        self.shared.reader_wait.notify();
    }

    /// Backpressure: scans the readers' cursors, refreshes the gate and drops every item all
    /// readers are past.
    #[inline]
    fn scan(&mut self) {
        let slowest = self.shared.cursors.min_cursor(self.next);
        self.limit = slowest + self.shared.capacity as u64;
        self.drop_below(slowest);
    }

    /// Drops the live items below `bound`, which is at most the slowest cursor of a scan (so no
    /// reader can read them any more) and at most `next`.
    #[inline]
    fn drop_below(&mut self, bound: u64) {
        if !core::mem::needs_drop::<T>() {
            return;
        }
        debug_assert!(bound <= self.next);
        while self.dropped < bound {
            let seq = self.dropped;
            // Counted first: a panicking `Drop` leaves the item counted as dropped, never twice.
            self.dropped += 1;
            // `seq < bound <= next`, so item `seq` was stored and (being `>= dropped` before the
            // increment) not dropped yet; every reader's cursor was past it at the scan that
            // produced `bound`, and a reader that scan missed starts at or after the `published`
            // the writer had then (`ReaderCursors::join`).
            // SAFETY: so the item is live, no reader reads it again, and only this writer stores
            // into its slot, not before it is dropped.
            unsafe { self.shared.in_place.drop_item(seq) };
        }
    }

    fn check_claim(&self, len: usize) -> Result<(), ClaimError> {
        if len > self.shared.capacity {
            Err(ClaimError::TooLarge {
                requested: len,
                capacity: self.shared.capacity,
            })
        } else {
            Ok(())
        }
    }
}

impl<T> Writer<T, Backpressure> {
    /// Whether `count` more items fit right now, re-scanning the readers if the cached limit
    /// says no.
    #[inline]
    fn has_room(&mut self, count: u64) -> bool {
        self.next + count <= self.limit || self.rescan(count)
    }

    #[cold]
    fn rescan(&mut self, count: u64) -> bool {
        self.scan();
        self.next + count <= self.limit
    }

    /// Drops every item that no reader can read any more, and returns how many it dropped.
    ///
    /// Pushes and claims already do this for items with drop glue, so an item is released at
    /// the latest by the writer's next push once every reader has moved past it (or at once
    /// when no reader is subscribed). Call it when an item's resources are needed back before
    /// the next push: a producer whose pool allocation failed reclaims the pool slots the ring
    /// holds for items the readers are done with, then retries.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::ring::Ring;
    /// use std::rc::Rc;
    ///
    /// let ring = Ring::<Rc<u32>>::with_capacity(8)?;
    /// let mut writer = ring.writer()?;
    /// let mut reader = ring.subscribe()?;
    /// let item = Rc::new(7);
    /// writer.push(Rc::clone(&item));
    /// assert_eq!(reader.try_read_with(|item| **item), Some(7));
    /// assert_eq!(Rc::strong_count(&item), 2); // the ring still holds its copy
    /// assert_eq!(writer.reclaim(), 1);
    /// assert_eq!(Rc::strong_count(&item), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reclaim(&mut self) -> usize {
        let before = self.dropped;
        self.scan();
        (self.dropped - before) as usize
    }

    /// Before a store: drops what the readers are done with (one scan of their cursors, only
    /// for items with drop glue and only while some item is live).
    #[inline]
    pub(super) fn release_read(&mut self) {
        if core::mem::needs_drop::<T>() && self.dropped < self.next {
            self.scan();
        }
    }

    /// Waits until `count` items fit or `deadline` passes; `true` if they fit.
    fn wait_for_room(&mut self, count: u64, deadline: Option<std::time::Instant>) -> bool {
        if self.has_room(count) {
            return true;
        }
        let shared = &*self.shared;
        let next = self.next;
        let mut limit = self.limit;
        // The ring is full: the readers are the bottleneck. For the first checks, wait until they
        // have freed a few slots (`REFILL`), not just `count`: resuming at the first free slot
        // would chase the slowest reader one slot at a time, each step a round trip of its cursor's
        // cache line between the cores (and a scan of the cursors). After `REFILL_CHECKS` checks
        // `count` is enough, so a reader that stops with a slot or two free still lets us go.
        let refill = count.max(REFILL.min(shared.capacity as u64));
        let mut checks = 0u32;
        let fits = self.wait_strategy.wait_until(
            &shared.writer_wait,
            || {
                limit = shared.cursors.min_cursor(next) + shared.capacity as u64;
                checks = checks.saturating_add(1);
                next + count <= limit && (next + refill <= limit || checks > REFILL_CHECKS)
            },
            deadline,
        );
        self.limit = limit;
        self.drop_below(limit - shared.capacity as u64);
        fits || next + count <= limit
    }

    /// Async twin of `wait_for_room(1, None)`; inlined with the cached check in front, the wait
    /// out of line.
    #[cfg(feature = "async")]
    #[inline]
    pub(super) fn poll_room(&mut self, cx: &mut core::task::Context<'_>) -> core::task::Poll<()> {
        if self.has_room(1) {
            self.async_waiter.done(&self.shared.writer_wait);
            return core::task::Poll::Ready(());
        }
        self.poll_wait_for_room(cx)
    }

    /// The waiting part of `poll_room`.
    #[cfg(feature = "async")]
    #[inline(never)]
    fn poll_wait_for_room(&mut self, cx: &mut core::task::Context<'_>) -> core::task::Poll<()> {
        let shared = &*self.shared;
        let next = self.next;
        let mut limit = self.limit;
        let poll = self.async_waiter.poll_until(&shared.writer_wait, cx, || {
            limit = shared.cursors.min_cursor(next) + shared.capacity as u64;
            next < limit
        });
        self.limit = limit;
        self.drop_below(limit - shared.capacity as u64);
        poll
    }

    /// Stores `item` as sequence `seq`.
    ///
    /// The caller checked `seq < self.limit` (every reader is past `seq - capacity`).
    #[inline]
    fn store(&mut self, seq: u64, item: T) {
        debug_assert!(seq < self.limit);
        // Every scan that moved `limit` also dropped the items below `limit - capacity`, so the
        // slot's previous item (`seq - capacity`) is gone: the slot holds nothing to drop.
        debug_assert!(
            !core::mem::needs_drop::<T>() || seq < self.dropped + self.shared.capacity as u64
        );
        // No reader still uses item `seq - capacity`: `limit` is one lap past the smallest cursor
        // of our last scan, and a reader that scan missed starts at or after the `published` we
        // had when scanning (`ReaderCursors::join`).
        // SAFETY: sole writer (one `Writer` per ring, `&mut self`); `seq < limit` (checked by the
        // caller), so by the above no reader touches the slot, none reads item `seq` before it
        // is published, and the slot holds no item with drop glue (see above).
        unsafe { self.shared.in_place.write(seq, item) }
    }

    #[inline]
    pub(super) fn push_unchecked(&mut self, item: T) {
        self.store(self.next, item);
        self.next += 1;
        self.publish();
    }

    /// Publishes `item` if every reader has room for it, or hands it back.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::ring::{Full, Ring};
    ///
    /// let ring = Ring::<u8>::with_capacity(1)?;
    /// let mut writer = ring.writer()?;
    /// let _reader = ring.subscribe()?;
    /// writer.try_push(1)?;
    /// assert_eq!(writer.try_push(2), Err(Full(2)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Full`] with the item when the slowest reader is a whole lap behind.
    #[inline]
    pub fn try_push(&mut self, item: T) -> Result<(), Full<T>> {
        self.release_read();
        if !self.has_room(1) {
            return Err(Full(item));
        }
        self.push_unchecked(item);
        Ok(())
    }

    /// Publishes `item`, waiting (its [`WaitStrategy`]) while the slowest reader is a
    /// whole lap behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::ring::Ring;
    ///
    /// let ring = Ring::<u32>::with_capacity(4)?;
    /// let mut writer = ring.writer()?;
    /// let reader = ring.subscribe()?;
    /// let consumer = std::thread::spawn(move || reader.count());
    /// for i in 0..1000 {
    ///     writer.push(i);
    /// }
    /// drop(writer);
    /// assert_eq!(consumer.join().unwrap(), 1000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn push(&mut self, item: T) {
        self.release_read();
        if !self.has_room(1) {
            self.wait_for_room(1, None);
        }
        self.push_unchecked(item);
    }

    /// Like [`push`](Self::push), but gives up after `timeout`.
    ///
    /// # Errors
    ///
    /// [`Full`] with the item if no slot came free within `timeout`.
    pub fn push_timeout(&mut self, item: T, timeout: Duration) -> Result<(), Full<T>> {
        self.release_read();
        if !self.wait_for_room(1, deadline_after(timeout)) {
            return Err(Full(item));
        }
        self.push_unchecked(item);
        Ok(())
    }

    /// Claims `len` slots, waiting until every reader has room for all of them. Fill them with
    /// [`Claim::push`]; [`Claim::commit`] (or dropping the claim) publishes what was written,
    /// in one step.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::ring::Ring;
    ///
    /// let ring = Ring::<u32>::with_capacity(8)?;
    /// let mut writer = ring.writer()?;
    /// let mut reader = ring.subscribe()?;
    /// let mut claim = writer.claim(3)?;
    /// for i in 0..3 {
    ///     claim.push(i)?;
    /// }
    /// assert_eq!(reader.lag(), 0); // nothing visible before the claim is committed
    /// claim.commit();
    /// assert_eq!(reader.read_batch().collect::<Vec<_>>(), [0, 1, 2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ClaimError::TooLarge`] if `len` exceeds the capacity.
    pub fn claim(&mut self, len: usize) -> Result<Claim<'_, T, Backpressure>, ClaimError> {
        self.check_claim(len)?;
        self.release_read();
        if !self.has_room(len as u64) {
            self.wait_for_room(len as u64, None);
        }
        Ok(Claim::new(self, len))
    }

    /// Claims `len` slots if they are free now.
    ///
    /// # Errors
    ///
    /// [`ClaimError::TooLarge`] if `len` exceeds the capacity, [`ClaimError::Full`] if the
    /// slowest reader has not left room for `len` items.
    pub fn try_claim(&mut self, len: usize) -> Result<Claim<'_, T, Backpressure>, ClaimError> {
        self.check_claim(len)?;
        self.release_read();
        if !self.has_room(len as u64) {
            return Err(ClaimError::Full);
        }
        Ok(Claim::new(self, len))
    }
}

impl<T: Pod> Writer<T, Overwrite> {
    /// Publishes `item`, overwriting the oldest item; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::ring::{Overwrite, Ring};
    ///
    /// let ring = Ring::<u64, Overwrite>::with_capacity(2)?;
    /// let mut writer = ring.writer()?;
    /// for i in 0..100 {
    ///     writer.push(i); // no reader keeps up, and that is fine
    /// }
    /// assert_eq!(writer.published(), 100);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn push(&mut self, item: T) {
        self.shared.stamped.write(self.next, &item);
        self.next += 1;
        self.publish();
    }

    /// Claims `len` slots to fill and publish in one step; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::ring::{Overwrite, Ring};
    ///
    /// let ring = Ring::<[u8; 4], Overwrite>::with_capacity(4)?;
    /// let mut writer = ring.writer()?;
    /// let mut reader = ring.subscribe()?;
    /// let mut claim = writer.claim(2)?;
    /// claim.push(*b"ping")?;
    /// claim.push(*b"pong")?;
    /// claim.commit();
    /// let items: Result<Vec<_>, _> = reader.read_batch().collect();
    /// assert_eq!(items?, [*b"ping", *b"pong"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ClaimError::TooLarge`] if `len` exceeds the capacity.
    pub fn claim(&mut self, len: usize) -> Result<Claim<'_, T, Overwrite>, ClaimError> {
        self.check_claim(len)?;
        Ok(Claim::new(self, len))
    }
}

impl<T, P: Policy> Drop for Writer<T, P> {
    fn drop(&mut self) {
        #[cfg(feature = "async")]
        self.async_waiter.release(&self.shared.writer_wait);
        // The end of the stream is recorded by the guard's drop, which also runs if an item's
        // `Drop` panics in the scan: otherwise the shared state's drop would start from a stale
        // `writer_dropped` and drop again the items this writer already dropped.
        let close = CloseOnDrop(self);
        if P::GATED {
            // Items every reader is done with go now; the rest go with the last handle, which
            // learns from `writer_dropped` where the live items start.
            close.0.scan();
        }
    }
}

/// Records the writer's end when dropped, even while unwinding out of [`Writer`]'s drop.
struct CloseOnDrop<'w, T, P: Policy>(&'w mut Writer<T, P>);

impl<T, P: Policy> Drop for CloseOnDrop<'_, T, P> {
    fn drop(&mut self) {
        let shared = &*self.0.shared;
        if P::GATED {
            // Relaxed: read only by the shared state's drop, after the last handle's drop synchronised it
            // with the writer's drop. `dropped` counts an item whose `Drop` panicked as dropped.
            shared
                .writer_dropped
                .store(self.0.dropped, Ordering::Relaxed);
        }
        // Release: orders every publish before the flag, so a reader that sees the flag
        // (Acquire) and then loads `published` gets the final count.
        shared.writer_closed.store(true, Ordering::Release);
        shared.reader_wait.notify();
    }
}

impl<T, P: Policy> core::fmt::Debug for Writer<T, P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Writer")
            .field("published", &self.next)
            .finish_non_exhaustive()
    }
}

/// Slots claimed by [`Writer::claim`], filled in order and published together when the claim
/// is [`commit`](Claim::commit)ted or dropped. Only the items pushed are published.
#[must_use = "a claim publishes the items pushed into it when committed or dropped; one dropped \
              at once publishes nothing"]
pub struct Claim<'w, T, P: Policy = Backpressure> {
    /// Backpressure: the slot the next push fills (sequence `writer.next + written`), stepped
    /// per item without reloading anything from the ring (see `InPlaceSlots::cursor_at`);
    /// `writer` keeps the slots alive.
    slots: SlotCursor<T>,
    writer: &'w mut Writer<T, P>,
    len: usize,
    written: usize,
}

impl<'w, T, P: Policy> Claim<'w, T, P> {
    fn new(writer: &'w mut Writer<T, P>, len: usize) -> Self {
        Self {
            slots: writer.shared.in_place.cursor_at(writer.next),
            writer,
            len,
            written: 0,
        }
    }

    /// How many slots were claimed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the claim has no slots.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many claimed slots are still unfilled.
    pub fn remaining(&self) -> usize {
        self.len - self.written
    }

    /// Publishes the items pushed so far (the same as dropping the claim).
    pub fn commit(self) {}
}

impl<T> Claim<'_, T, Backpressure> {
    /// Fills the next claimed slot.
    ///
    /// # Errors
    ///
    /// [`Full`] with the item if all claimed slots are filled.
    #[inline]
    pub fn push(&mut self, item: T) -> Result<(), Full<T>> {
        if self.written == self.len {
            return Err(Full(item));
        }
        let seq = self.writer.next + self.written as u64;
        // The claim was granted with room for `len` items (`has_room` or a wait), so
        // `seq < next + len <= limit`; the checks `Writer::store` makes apply as they are.
        debug_assert!(seq < self.writer.limit);
        debug_assert!(
            !core::mem::needs_drop::<T>()
                || seq < self.writer.dropped + self.writer.shared.capacity as u64
        );
        // The cursor started on slot `writer.next` and steps once per push, so it is on slot `seq`.
        // SAFETY: as in `Writer::store`: sole writer (the claim borrows it mutably), `seq < limit`
        // (above), so no reader touches the slot and it holds nothing to drop; the claim's writer
        // keeps the ring, and so its non-empty (Backpressure) slot array, alive.
        unsafe { self.slots.write_next(item) };
        self.written += 1;
        Ok(())
    }
}

impl<T: Pod> Claim<'_, T, Overwrite> {
    /// Fills the next claimed slot.
    ///
    /// # Errors
    ///
    /// [`Full`] with the item if all claimed slots are filled.
    #[inline]
    pub fn push(&mut self, item: T) -> Result<(), Full<T>> {
        if self.written == self.len {
            return Err(Full(item));
        }
        let seq = self.writer.next + self.written as u64;
        self.writer.shared.stamped.write(seq, &item);
        self.written += 1;
        Ok(())
    }
}

impl<T, P: Policy> Drop for Claim<'_, T, P> {
    fn drop(&mut self) {
        if self.written != 0 {
            self.writer.next += self.written as u64;
            self.writer.publish();
        }
    }
}
