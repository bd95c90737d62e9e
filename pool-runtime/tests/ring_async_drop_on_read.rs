//! `Writer::push_async` keeps the ring's drop rule like `push`: an item every reader is past is
//! dropped at the writer's next push, so a ring of pooled messages holds no slot for items
//! already read.
#![cfg(all(feature = "async", not(loom)))]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use pool_runtime::ring::Ring;

/// Polls `future` once; the ring below always has room, so `push_async` completes at once.
fn poll_once<F: Future>(future: F) -> Poll<F::Output> {
    let mut future = pin!(future);
    future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn push_async_drops_the_items_every_reader_is_past() {
    let ring = Ring::<Arc<u64>>::with_capacity(8).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    let first = Arc::new(0);
    assert!(poll_once(writer.push_async(Arc::clone(&first))).is_ready());
    assert_eq!(reader.try_read_with(|item| **item), Some(0));
    assert!(poll_once(writer.push_async(Arc::new(1))).is_ready());
    assert_eq!(
        Arc::strong_count(&first),
        1,
        "the item the reader was past is dropped at the next push_async, as at the next push"
    );
}

/// The stream path keeps the same rule: each `next_async` commits the reader's position at
/// once (no batching of commits that would keep slots longer), and the writer's next
/// `push_async` drops the item. tokio's broadcast drops a value inside the last receiver's
/// `recv`; here the ring's copy lives until the writer's next push (or `Writer::reclaim`),
/// which keeps reads free of drops (module docs of `ring`).
#[test]
fn an_item_streamed_by_every_reader_is_dropped_at_the_next_push_async() {
    let ring = Ring::<Arc<u64>>::with_capacity(8).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut readers = [ring.subscribe().unwrap(), ring.subscribe().unwrap()];
    let first = Arc::new(0);
    assert!(poll_once(writer.push_async(Arc::clone(&first))).is_ready());
    for reader in &mut readers {
        let Poll::Ready(Some(item)) = poll_once(reader.next_async()) else {
            panic!("item 0 is published");
        };
        assert_eq!(*item, 0);
    }
    assert_eq!(
        Arc::strong_count(&first),
        2,
        "the ring's copy stays until the writer's next push"
    );
    assert!(poll_once(writer.push_async(Arc::new(1))).is_ready());
    assert_eq!(
        Arc::strong_count(&first),
        1,
        "every reader is past item 0: the next push_async dropped it"
    );
}
