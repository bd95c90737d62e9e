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

/// The wake-ups `waker` has had so far.
fn wakes(waker: &CountingWaker) -> usize {
    waker.0.load(Ordering::Relaxed)
}

/// A waiter whose re-check (after it registered its waker) finds its condition true is not
/// waiting any more: a later notify, which takes another waiter, must not wake its task.
#[test]
fn a_waiter_that_finds_its_condition_at_the_re_check_is_not_woken_later() {
    let notify = EventCount::new();
    let (first_wakes, first_waker) = counting_waker();
    let mut first = AsyncWaiter::default();
    let poll = first.poll_until(&notify, &mut Context::from_waker(&first_waker), || false);
    assert_eq!(poll, Poll::Pending, "it yields once first");
    assert_eq!(wakes(&first_wakes), 1, "the yield wakes its own task");
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
    for _ in 0..2 {
        let poll = second.poll_until(&notify, &mut Context::from_waker(&second_waker), || false);
        assert_eq!(poll, Poll::Pending);
    }
    assert_eq!(wakes(&second_wakes), 1, "woken by its yield only");

    notify.notify();
    assert_eq!(wakes(&second_wakes), 2, "the waiting task is woken");
    assert_eq!(
        wakes(&first_wakes),
        1,
        "a task that is not waiting is not woken"
    );
    first.release(&notify);
    second.release(&notify);
}

/// A waiter that goes pending is woken once by the notify that takes it, and a waiter polled
/// again while still registered (no notify in between) keeps its registration without yielding
/// again: the next notify wakes its newest waker.
#[test]
fn a_pending_waiter_is_woken_once_with_its_newest_waker() {
    let notify = EventCount::new();
    let mut waiter = AsyncWaiter::default();
    let (old_wakes, old_waker) = counting_waker();
    for _ in 0..2 {
        let poll = waiter.poll_until(&notify, &mut Context::from_waker(&old_waker), || false);
        assert_eq!(poll, Poll::Pending);
    }
    let (new_wakes, new_waker) = counting_waker();
    let poll = waiter.poll_until(&notify, &mut Context::from_waker(&new_waker), || false);
    assert_eq!(poll, Poll::Pending);
    assert_eq!(wakes(&new_wakes), 0, "still registered: no second yield");

    notify.notify();
    notify.notify();
    assert_eq!(wakes(&new_wakes), 1, "woken once, by the first notify");
    assert_eq!(
        wakes(&old_wakes),
        1,
        "the replaced waker had only its yield's wake-up"
    );
    waiter.release(&notify);
}

/// An idle waiter wakes its own task at most once per registration: it yields once, then
/// sleeps however often it is polled, until a notify; woken with its condition still false, it
/// yields once more and registers again.
#[test]
fn an_idle_waiter_yields_once_per_registration_then_sleeps() {
    let notify = EventCount::new();
    let mut waiter = AsyncWaiter::default();
    let (task_wakes, waker) = counting_waker();
    let mut poll = || waiter.poll_until(&notify, &mut Context::from_waker(&waker), || false);
    assert_eq!(poll(), Poll::Pending);
    assert_eq!(wakes(&task_wakes), 1, "the yield");
    for _ in 0..3 {
        // The registering poll, then polls the executor makes for its own reasons.
        assert_eq!(poll(), Poll::Pending);
    }
    assert_eq!(
        wakes(&task_wakes),
        1,
        "asleep: no self-wake while registered"
    );
    notify.notify();
    assert_eq!(wakes(&task_wakes), 2, "the notify");
    // Woken, but the condition is still false (the notify was for another waiter's sake).
    assert_eq!(poll(), Poll::Pending);
    assert_eq!(wakes(&task_wakes), 3, "one more yield");
    assert_eq!(poll(), Poll::Pending);
    assert_eq!(poll(), Poll::Pending);
    assert_eq!(wakes(&task_wakes), 3, "registered again, asleep");
    notify.notify();
    assert_eq!(wakes(&task_wakes), 4, "and the next notify wakes it");
    waiter.release(&notify);
}
