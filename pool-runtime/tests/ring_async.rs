//! The async ring (feature `async`): readers as `Stream`s and `Writer::push_async` on tokio's
//! current-thread and multi-thread runtimes, overruns through the stream, idle readers that
//! sleep until woken, and cancellation.
#![cfg(all(feature = "async", not(loom)))]

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use pool_runtime::ring::{Overrun, Overwrite, Reader, Ring};

/// `StreamExt::next` without the dependency.
async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

async fn collect<S: Stream + Unpin>(mut stream: S) -> Vec<S::Item> {
    let mut items = Vec::new();
    while let Some(item) = next(&mut stream).await {
        items.push(item);
    }
    items
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

#[test]
fn reader_and_writer_share_one_current_thread_runtime() {
    current_thread().block_on(async {
        let ring = Ring::<u64>::with_capacity(4).unwrap();
        let mut writer = ring.writer().unwrap();
        let reader = ring.subscribe().unwrap();
        let consumer = tokio::spawn(collect(reader));
        for item in 0..10_000 {
            writer.push_async(item).await;
        }
        drop(writer);
        assert_eq!(consumer.await.unwrap(), (0..10_000).collect::<Vec<_>>());
    });
}

// TSan: tokio's multi-thread scheduler synchronises through std's (uninstrumented) mutexes,
// which TSan reports as races inside tokio; the cross-thread wake-ups of our own protocol are
// covered under TSan by `tasks_and_threads_wake_each_other` below.
#[test]
#[cfg_attr(
    ringpool_tsan,
    ignore = "tokio's multi-thread runtime is not TSan-clean"
)]
fn four_readers_on_a_multi_thread_runtime() {
    let runtime = multi_thread_runtime();
    runtime.block_on(async {
        let ring = Ring::<Arc<u64>>::with_capacity(8).unwrap();
        let mut writer = ring.writer().unwrap();
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let reader = ring.subscribe().unwrap();
                tokio::spawn(async move {
                    let items = collect(reader).await;
                    items.iter().map(|item| **item).collect::<Vec<_>>()
                })
            })
            .collect();
        let producer = tokio::spawn(async move {
            for item in 0..20_000 {
                writer.push_async(Arc::new(item)).await;
            }
        });
        producer.await.unwrap();
        for reader in readers {
            assert_eq!(reader.await.unwrap(), (0..20_000).collect::<Vec<_>>());
        }
    });
}

/// A minimal executor for the cross-thread tests: its waker sets `woken`, a flag of the test's
/// own (so ThreadSanitizer sees every synchronisation, unlike a runtime's std mutexes; one per
/// test, since tests run in parallel), and it polls again only after a wake-up. A lost wake-up
/// hangs it.
fn block_on_flag<F: std::future::Future>(woken: &'static AtomicBool, future: F) -> F::Output {
    use std::task::{RawWaker, RawWakerVTable, Waker};

    fn clone(flag: *const ()) -> RawWaker {
        RawWaker::new(flag, &VTABLE)
    }
    fn wake(flag: *const ()) {
        // SAFETY: every waker of this vtable is made from a `&'static AtomicBool`.
        let flag = unsafe { &*flag.cast::<AtomicBool>() };
        // Release: pairs with the executor's Acquire swap.
        flag.store(true, Ordering::Release);
    }
    fn drop_waker(_: *const ()) {}
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop_waker);

    let flag = (woken as *const AtomicBool).cast::<()>();
    // SAFETY: the vtable's functions only read the flag, which lives forever, through atomics.
    let waker = unsafe { Waker::from_raw(RawWaker::new(flag, &VTABLE)) };
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // Acquire: pairs with the waker's Release.
        while !woken.swap(false, Ordering::Acquire) {
            std::thread::yield_now();
        }
    }
}

/// Two worker threads: on 2 vCPUs, tasks really run in parallel with each other.
fn multi_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

/// A writer thread pushes `0..2000` into a ring of 2, blocking (`Block`) while it is full; `read`
/// drains the reader on a task woken through `woken`, and must get every item in order.
fn drain_from_a_blocking_writer_thread<F: std::future::Future<Output = Vec<u64>>>(
    woken: &'static AtomicBool,
    read: impl FnOnce(Reader<u64>) -> F,
) {
    let ring = Ring::<u64>::with_capacity(2).unwrap();
    let mut writer = ring.writer().unwrap();
    let reader = ring.subscribe().unwrap();
    let producer = std::thread::spawn(move || {
        for item in 0..2_000 {
            writer.push(item);
        }
    });
    let items = block_on_flag(woken, read(reader));
    producer.join().unwrap();
    assert!(items.into_iter().eq(0..2_000));
}

/// A reader task woken by a writer on another thread (which itself blocks, `Block`, on the
/// full ring until the task reads), then a `push_async` task woken by a reader thread. (`u64`
/// items: std's `Arc` drop uses a fence that TSan misreports.)
#[test]
fn tasks_and_threads_wake_each_other() {
    static WOKEN: AtomicBool = AtomicBool::new(false);
    drain_from_a_blocking_writer_thread(&WOKEN, collect);

    let ring = Ring::<u64>::with_capacity(2).unwrap();
    let mut writer = ring.writer().unwrap();
    let reader = ring.subscribe().unwrap();
    let consumer = std::thread::spawn(move || reader.collect::<Vec<_>>());
    block_on_flag(&WOKEN, async move {
        for item in 0..2_000 {
            writer.push_async(item).await;
        }
    });
    assert!(consumer.join().unwrap().into_iter().eq(0..2_000));
}

#[test]
fn an_overwrite_stream_reports_what_it_missed() {
    current_thread().block_on(async {
        let ring = Ring::<u64, Overwrite>::with_capacity(4).unwrap();
        let mut writer = ring.writer().unwrap();
        let mut reader = ring.subscribe().unwrap();
        for item in 0..10 {
            writer.push(item);
        }
        // Items 0..=5 were overwritten; the ring still holds the last four.
        assert_eq!(next(&mut reader).await, Some(Err(Overrun { missed: 6 })));
        assert_eq!(next(&mut reader).await, Some(Ok(6)));
        assert_eq!(next(&mut reader).await, Some(Ok(7)));
        let consumer = tokio::spawn(collect(reader));
        tokio::task::yield_now().await;
        writer.push(10);
        drop(writer);
        assert_eq!(consumer.await.unwrap(), [Ok(8), Ok(9), Ok(10)]);
    });
}

/// Counts how often the inner stream is polled.
struct CountPolls<S> {
    inner: S,
    polls: Arc<AtomicUsize>,
}

impl<S: Stream + Unpin> Stream for CountPolls<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        self.polls.fetch_add(1, Ordering::Relaxed);
        Pin::new(&mut self.inner).poll_next(cx)
    }
}

#[test]
fn an_idle_reader_task_sleeps_until_the_writer_publishes() {
    current_thread().block_on(async {
        let ring = Ring::<u64>::with_capacity(4).unwrap();
        let mut writer = ring.writer().unwrap();
        let polls = Arc::new(AtomicUsize::new(0));
        let mut reader = CountPolls {
            inner: ring.subscribe().unwrap(),
            polls: Arc::clone(&polls),
        };
        let consumer = tokio::spawn(async move { next(&mut reader).await });
        // The runtime is free to run the consumer as often as it likes; a reader that polled
        // itself in a loop would be polled thousands of times while the runtime sleeps here.
        // It yields once before it registers (two polls), then sleeps.
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(polls.load(Ordering::Relaxed), 2, "polled while idle");
        writer.push_async(7).await;
        assert_eq!(consumer.await.unwrap(), Some(7));
        assert_eq!(polls.load(Ordering::Relaxed), 3);
    });
}

#[test]
fn push_async_waits_for_room_and_a_read_wakes_it() {
    current_thread().block_on(async {
        let ring = Ring::<u64>::with_capacity(2).unwrap();
        let mut writer = ring.writer().unwrap();
        let mut reader: Reader<u64> = ring.subscribe().unwrap();
        writer.push_async(1).await;
        writer.push_async(2).await;
        let producer = tokio::spawn(async move {
            writer.push_async(3).await;
            writer
        });
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(!producer.is_finished());
        assert_eq!(next(&mut reader).await, Some(1));
        let writer = producer.await.unwrap();
        assert_eq!(writer.published(), 3);
        drop(writer);
        assert_eq!(collect(reader).await, [2, 3]);
    });
}

#[test]
fn a_cancelled_push_async_drops_its_item_and_the_writer_goes_on() {
    current_thread().block_on(async {
        let ring = Ring::<Arc<u64>>::with_capacity(1).unwrap();
        let mut writer = ring.writer().unwrap();
        let mut reader = ring.subscribe().unwrap();
        writer.push_async(Arc::new(1)).await;
        let item = Arc::new(2);
        let timed_out = tokio::time::timeout(
            Duration::from_millis(2),
            writer.push_async(Arc::clone(&item)),
        )
        .await;
        assert!(timed_out.is_err());
        assert_eq!(
            Arc::strong_count(&item),
            1,
            "the cancelled push dropped its item"
        );
        assert_eq!(next(&mut reader).await.as_deref(), Some(&1));
        writer.push_async(item).await;
        drop(writer);
        assert_eq!(next(&mut reader).await.as_deref(), Some(&2));
        assert_eq!(next(&mut reader).await, None);
    });
}

#[test]
fn readers_dropped_while_waiting_leave_the_ring_working() {
    current_thread().block_on(async {
        let ring = Ring::<u64>::with_capacity(4).unwrap();
        let mut writer = ring.writer().unwrap();
        for _ in 0..100 {
            let mut reader = ring.subscribe().unwrap();
            let waited = tokio::time::timeout(Duration::from_micros(10), next(&mut reader)).await;
            assert!(waited.is_err());
        }
        let reader = ring.subscribe().unwrap();
        let consumer = tokio::spawn(collect(reader));
        tokio::task::yield_now().await;
        writer.push_async(1).await;
        drop(writer);
        assert_eq!(consumer.await.unwrap(), [1]);
    });
}

/// Reads every item with `read_batch_async`, borrowing each in place, and returns them.
async fn collect_batches(mut reader: Reader<u64>) -> Vec<u64> {
    let mut items = Vec::new();
    while let Some(mut batch) = reader.read_batch_async().await {
        assert!(
            !batch.is_empty(),
            "an awaited batch holds at least one item"
        );
        while let Some(item) = batch.next_ref() {
            items.push(*item);
        }
    }
    items
}

#[test]
fn batch_readers_and_a_writer_share_one_current_thread_runtime() {
    current_thread().block_on(async {
        let ring = Ring::<u64>::with_capacity(4).unwrap();
        let mut writer = ring.writer().unwrap();
        let readers: Vec<_> = (0..2)
            .map(|_| tokio::spawn(collect_batches(ring.subscribe().unwrap())))
            .collect();
        for item in 0..1_000 {
            writer.push_async(item).await;
        }
        drop(writer);
        for reader in readers {
            assert!(reader.await.unwrap().into_iter().eq(0..1_000));
        }
    });
}

#[test]
#[cfg_attr(
    ringpool_tsan,
    ignore = "tokio's multi-thread runtime is not TSan-clean"
)]
fn four_batch_readers_on_a_multi_thread_runtime() {
    let runtime = multi_thread_runtime();
    runtime.block_on(async {
        let ring = Ring::<u64>::with_capacity(8).unwrap();
        let mut writer = ring.writer().unwrap();
        let readers: Vec<_> = (0..4)
            .map(|_| tokio::spawn(collect_batches(ring.subscribe().unwrap())))
            .collect();
        tokio::spawn(async move {
            for item in 0..20_000 {
                writer.push_async(item).await;
            }
        })
        .await
        .unwrap();
        for reader in readers {
            assert!(reader.await.unwrap().into_iter().eq(0..20_000));
        }
    });
}

/// A batch-reading task woken by a writer thread that blocks on the full ring until the task
/// commits a batch.
#[test]
fn a_batch_reader_task_and_a_writer_thread_wake_each_other() {
    static WOKEN: AtomicBool = AtomicBool::new(false);
    drain_from_a_blocking_writer_thread(&WOKEN, collect_batches);
}

#[test]
fn an_overwrite_batch_reports_what_it_missed_in_place() {
    current_thread().block_on(async {
        let ring = Ring::<u64, Overwrite>::with_capacity(4).unwrap();
        let mut writer = ring.writer().unwrap();
        let mut reader = ring.subscribe().unwrap();
        for item in 0..10 {
            writer.push(item);
        }
        let batch: Vec<_> = reader.read_batch_async().await.unwrap().collect();
        assert_eq!(
            batch,
            [Err(Overrun { missed: 6 }), Ok(6), Ok(7), Ok(8), Ok(9)]
        );
        drop(writer);
        assert!(reader.read_batch_async().await.is_none());
    });
}
