//! Unit tests of [`AsyncWaiter`] over an event count, with wakers that count their wake-ups.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use super::{ASYNC_SPIN_CHECKS, AsyncWaiter};
use crate::ring::event_count::EventCount;

/// A waker that counts how often it was woken.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let counter = Arc::new(CountingWaker::default());
    (Arc::clone(&counter), Waker::from(counter))
}

/// A waiter whose re-check (after it registered its waker) finds its condition true is not
/// waiting any more: a later notify, which takes another waiter, must not wake its task.
#[test]
fn a_waiter_that_finds_its_condition_at_the_re_check_is_not_woken_later() {
    let notify = EventCount::new();
    let (first_wakes, first_waker) = counting_waker();
    let mut first = AsyncWaiter::default();
    // False for the spin checks, true at the re-check after registering.
    let mut checks = 0;
    let poll = first.poll_until(&notify, &mut Context::from_waker(&first_waker), || {
        checks += 1;
        checks > ASYNC_SPIN_CHECKS
    });
    assert_eq!(poll, Poll::Ready(()));
    assert_eq!(
        checks,
        ASYNC_SPIN_CHECKS + 1,
        "it registered, then re-checked"
    );

    let (second_wakes, second_waker) = counting_waker();
    let mut second = AsyncWaiter::default();
    let poll = second.poll_until(&notify, &mut Context::from_waker(&second_waker), || false);
    assert_eq!(poll, Poll::Pending);

    notify.notify();
    assert_eq!(
        second_wakes.0.load(Ordering::Relaxed),
        1,
        "the waiting task is woken"
    );
    assert_eq!(
        first_wakes.0.load(Ordering::Relaxed),
        0,
        "a task that is not waiting is not woken"
    );
    first.release(&notify);
    second.release(&notify);
}

/// A waiter that goes pending is woken once by the notify that takes it, and a waiter polled
/// again while still registered (no notify in between) keeps its registration: the next
/// notify wakes its newest waker.
#[test]
fn a_pending_waiter_is_woken_once_with_its_newest_waker() {
    let notify = EventCount::new();
    let mut waiter = AsyncWaiter::default();
    let (old_wakes, old_waker) = counting_waker();
    let poll = waiter.poll_until(&notify, &mut Context::from_waker(&old_waker), || false);
    assert_eq!(poll, Poll::Pending);
    let (new_wakes, new_waker) = counting_waker();
    let poll = waiter.poll_until(&notify, &mut Context::from_waker(&new_waker), || false);
    assert_eq!(poll, Poll::Pending);

    notify.notify();
    notify.notify();
    assert_eq!(
        new_wakes.0.load(Ordering::Relaxed),
        1,
        "woken once, by the first notify"
    );
    assert_eq!(
        old_wakes.0.load(Ordering::Relaxed),
        0,
        "the replaced waker is not woken"
    );
    waiter.release(&notify);
}
