//! Async waiting (feature `async`): [`Reader`] as a [`Stream`], [`Reader::read_batch_async`] and
//! [`Writer::push_async`], for any executor.
//!
//! An async waiter takes part in its side's event-count protocol (see `event_count.rs`): it
//! registers its task's waker in its own slot, counts itself in, and re-checks before returning
//! `Pending`, so the other side's next publish or cursor move wakes the task and nothing polls
//! in a loop. The slot is claimed on the first wait and re-registered in place after that: no
//! heap allocation per message (a waker is cloned only when the task's waker changes). A waiter
//! that stops waiting (its condition came true) takes its waker back out of the slot, so a
//! notify that takes other waiters does not wake its task for nothing.
//!
//! Before it registers, a waiter that found nothing yields to the executor once (it wakes its own
//! task and returns `Pending`): the executor runs the tasks queued behind it (the other readers,
//! often the writer) and polls it again, by which time the other side, if it is running, has
//! usually published (or freed room). Registering costs the waiter barrier (a `membarrier`
//! system call that interrupts every core running the process) and, once the task sleeps, a
//! wake-up through the executor, which may have to unpark a worker thread; a yield costs one trip
//! through the executor's queue. It is bounded: a waiter yields at most once per registration
//! (the next poll registers), so an idle task is polled twice and then sleeps until a notify.
//!
//! The paths that find an item (or room) at once are inlined into the caller's future: a check
//! of the reader's cached `published` (or the writer's cached limit) and of one field of the
//! waiter; registering and re-checking stay out of line.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use bytemuck::Pod;
use futures_core::Stream;

use super::error::Overrun;
use super::event_count::{EventCount, Registration};
use super::policy::{Backpressure, Overwrite};
use super::reader::{ReadBatch, Reader};
use super::wakers::WakerSlot;
use super::writer::Writer;

/// How many checks an async waiter makes before it yields (or registers its waker): far fewer
/// than a thread's `Block` wait, because a task that spins holds its worker thread, which the
/// other side's task may be waiting for (64 checks cost `async_fanout_1_to_4` about a third of
/// its throughput on two workers).
const ASYNC_SPIN_CHECKS: u32 = if cfg!(loom) { 1 } else { 4 };

/// One reader's or writer's part in its side's async waiting.
#[derive(Debug, Default)]
pub(crate) struct AsyncWaiter {
    /// The waker slot, claimed at the first wait.
    slot: Option<WakerSlot>,
    /// The registration this waiter is counted in the event count's waiters under, if any (a
    /// notifier may have taken it since: `EventCount::async_waiter_registered`).
    counted: Option<Registration>,
    /// Whether this waiter yielded to the executor since it last registered (or stopped
    /// waiting): the next poll that finds nothing registers instead of yielding again.
    yielded: bool,
}

impl AsyncWaiter {
    /// `Ready` once `ready()` is true; otherwise yields to the executor once (module docs), and
    /// on the next poll registers the task's waker, counts this waiter in and re-checks (in that
    /// order: module docs of `event_count.rs`).
    pub(crate) fn poll_until(
        &mut self,
        notify: &EventCount,
        cx: &mut Context<'_>,
        mut ready: impl FnMut() -> bool,
    ) -> Poll<()> {
        // A few checks first: when the other side is running, the next item (or slot) may be a
        // fraction of a microsecond away, and registering costs the waiter barrier (a
        // `membarrier` system call) and the task a trip through the executor.
        for _ in 0..ASYNC_SPIN_CHECKS {
            if ready() {
                self.done(notify);
                return Poll::Ready(());
            }
            core::hint::spin_loop();
        }
        let is_registered = |counted: Option<Registration>| {
            counted.is_some_and(|registration| notify.async_waiter_registered(registration))
        };
        if !self.yielded && !is_registered(self.counted) {
            // Not counted (or a notifier took us and the condition is still false): one trip
            // through the executor's queue before paying for a registration. The task is
            // polled again without anyone else's notify, so nothing is lost.
            self.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let slot = *self.slot.get_or_insert_with(|| notify.wakers().claim());
        notify.wakers().register(slot, cx.waker());
        // Checked again after the waker is in place (module docs of `event_count.rs`): a take
        // after the check above must either find this waker or be seen here.
        if !is_registered(self.counted) {
            self.yielded = false;
            self.counted = Some(notify.add_async_waiter());
            notify.waiter_barrier();
        }
        if ready() {
            self.done(notify);
            return Poll::Ready(());
        }
        Poll::Pending
    }

    /// Stops counting this waiter (its condition became true). Inlined: on the path that finds
    /// an item (or room) at once it is one check of a field.
    #[inline]
    pub(crate) fn done(&mut self, notify: &EventCount) {
        self.yielded = false;
        if self.counted.is_some() {
            self.stop_waiting(notify);
        }
    }

    /// Counts this waiter out (unless a notifier took it) and takes its waker back out of its
    /// slot: a waiter that is not waiting any more must not be woken by the next notify that
    /// takes another waiter (a wake-up for nothing costs its task a trip through the executor).
    /// A notifier that took this waiter and has not woken it yet then wakes nothing, which is
    /// right: the waiter is running and its condition is true.
    #[cold]
    fn stop_waiting(&mut self, notify: &EventCount) {
        if let Some(registration) = self.counted.take() {
            notify.remove_async_waiter(registration);
        }
        if let Some(slot) = self.slot {
            notify.wakers().unregister(slot);
        }
    }

    /// Gives the waker slot back; called when the reader or writer is dropped.
    pub(crate) fn release(&mut self, notify: &EventCount) {
        self.done(notify);
        if let Some(slot) = self.slot.take() {
            notify.wakers().release(slot);
        }
    }
}

/// A [`Backpressure`] reader as a stream of clones of the items (for a `RingPtr`, a refcount
/// increment); ends once the writer is gone and every item was read. An idle reader's task
/// sleeps until the writer publishes. A `Reader` is an [`Iterator`] too, so `reader.next()`
/// with `StreamExt` in scope is ambiguous: call [`Reader::next_async`].
impl<T: Clone> Stream for Reader<T, Backpressure> {
    type Item = T;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let reader = self.get_mut();
        match reader.poll_item(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(false) => Poll::Ready(None),
            Poll::Ready(true) => Poll::Ready(reader.try_next()),
        }
    }
}

/// An [`Overwrite`] reader as a stream of `Result<T, Overrun>`, like its [`Iterator`]: an
/// `Err(Overrun)` says how many items the writer overwrote before this reader got to them.
impl<T: Pod> Stream for Reader<T, Overwrite> {
    type Item = Result<T, Overrun>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let reader = self.get_mut();
        match reader.poll_item(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(false) => Poll::Ready(None),
            Poll::Ready(true) => Poll::Ready(Some(reader.read_published())),
        }
    }
}

/// The future of `next_async`: the stream's next item. A named future rather than an `async fn`
/// so that its `poll` inlines into the caller's state machine (an `async fn` over `poll_fn`
/// left a call with a dozen instructions of register saves per item).
struct NextItem<'s, S> {
    stream: &'s mut S,
}

impl<S: Stream + Unpin> Future for NextItem<'_, S> {
    type Output = Option<S::Item>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.stream).poll_next(cx)
    }
}

impl<T: Clone> Reader<T, Backpressure> {
    /// The next item, waiting without blocking the thread; `None` once the writer is gone and
    /// every item was read. The async twin of [`Iterator::next`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::ring::Ring;
    ///
    /// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    /// let ring = Ring::<u64>::with_capacity(8)?;
    /// let mut writer = ring.writer()?;
    /// let mut reader = ring.subscribe()?;
    /// let total = runtime.block_on(async move {
    ///     let sum = tokio::spawn(async move {
    ///         let mut sum = 0;
    ///         while let Some(item) = reader.next_async().await {
    ///             sum += item; // the task sleeps between items
    ///         }
    ///         sum
    ///     });
    ///     for item in 1..=100 {
    ///         writer.push_async(item).await; // waits, without blocking the thread, while full
    ///     }
    ///     drop(writer); // ends the stream
    ///     sum.await
    /// })?;
    /// assert_eq!(total, 5050);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_async(&mut self) -> impl Future<Output = Option<T>> + '_ {
        NextItem { stream: self }
    }
}

impl<T> Reader<T, Backpressure> {
    /// Everything published so far as one batch, waiting without blocking the thread until
    /// there is at least one item; `None` once the writer is gone and every item was read. The
    /// async twin of [`read_batch`](Reader::read_batch) (which returns an empty batch instead
    /// of waiting): one wait and one position commit per batch instead of per item, and items
    /// borrowed in place ([`ReadBatch::next_ref`]) instead of cloned.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::ring::Ring;
    ///
    /// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    /// let ring = Ring::<String>::with_capacity(8)?;
    /// let mut writer = ring.writer()?;
    /// let mut reader = ring.subscribe()?;
    /// let total = runtime.block_on(async move {
    ///     let bytes = tokio::spawn(async move {
    ///         let mut bytes = 0;
    ///         while let Some(mut batch) = reader.read_batch_async().await {
    ///             while let Some(text) = batch.next_ref() {
    ///                 bytes += text.len(); // borrowed in place, no clone
    ///             }
    ///         }
    ///         bytes
    ///     });
    ///     for word in ["async", "batch"] {
    ///         writer.push_async(word.to_string()).await;
    ///     }
    ///     drop(writer); // ends the stream
    ///     bytes.await
    /// })?;
    /// assert_eq!(total, 10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn read_batch_async(&mut self) -> Option<ReadBatch<'_, T, Backpressure>> {
        if core::future::poll_fn(|cx| self.poll_item(cx)).await {
            Some(self.read_batch())
        } else {
            None
        }
    }
}

impl<T: Pod> Reader<T, Overwrite> {
    /// Everything published so far as one batch of `Result<T, Overrun>`, waiting without
    /// blocking the thread until there is at least one item; `None` once the writer is gone and
    /// every item was read. The async twin of [`read_batch`](Reader::read_batch).
    pub async fn read_batch_async(&mut self) -> Option<ReadBatch<'_, T, Overwrite>> {
        if core::future::poll_fn(|cx| self.poll_item(cx)).await {
            Some(self.read_batch())
        } else {
            None
        }
    }

    /// The next item or overrun, waiting without blocking the thread; `None` once the writer
    /// is gone and every item was read. The async twin of [`Iterator::next`].
    pub fn next_async(&mut self) -> impl Future<Output = Option<Result<T, Overrun>>> + '_ {
        NextItem { stream: self }
    }
}

impl<T> Writer<T, Backpressure> {
    /// Publishes `item`, waiting without blocking the thread while the slowest reader is a
    /// whole lap behind: the async twin of [`push`](Writer::push). If the future is dropped
    /// before it completes, `item` is dropped unpublished.
    ///
    /// # Examples
    ///
    /// See [`Reader::next_async`].
    pub async fn push_async(&mut self, item: T) {
        // As in `push`: first drop what every reader is past (the ring's drop rule).
        self.release_read();
        core::future::poll_fn(|cx| self.poll_room(cx)).await;
        self.push_unchecked(item);
    }
}

#[cfg(all(test, loom))]
mod loom_tests;

#[cfg(all(test, not(loom)))]
mod tests;
