//! Unit tests of the event count: registrations taken and counted out, and the switch to
//! symmetric fences.

use std::sync::atomic::{AtomicBool, Ordering};

use super::{COUNT_MASK, EventCount};

/// The pipeline regression: a woken sleeper that has not run yet must not keep every later
/// notify on the slow path. The notify that wakes it takes its registration, synchronously.
#[test]
fn a_notify_that_wakes_a_sleeper_leaves_no_registration_behind() {
    let notify = EventCount::new();
    let ready = AtomicBool::new(false);
    let registrations = || notify.inner.waiters.load(Ordering::Relaxed) & COUNT_MASK;
    // Joined explicitly: ThreadSanitizer misreports the implicit join of a scope.
    std::thread::scope(|scope| {
        let sleeper = scope.spawn(|| {
            notify.sleep_until(|| ready.load(Ordering::Acquire), None);
        });
        while registrations() == 0 {
            std::thread::yield_now();
        }
        ready.store(true, Ordering::Release);
        notify.notify();
        assert_eq!(
            registrations(),
            0,
            "the wake took the sleeper's registration"
        );
        sleeper.join().unwrap();
    });
    assert_eq!(
        registrations(),
        0,
        "the woken sleeper did not count itself in again"
    );
}

/// A waiter whose condition came true before any notify counts itself out (its own
/// generation), so the next notify is one load.
#[test]
fn a_cancelled_wait_counts_itself_out() {
    let notify = EventCount::new();
    let mut checks = 0;
    // False at the first check, true at the re-check after registering.
    assert!(notify.sleep_until(
        || {
            checks += 1;
            checks > 1
        },
        None
    ));
    assert_eq!(notify.inner.waiters.load(Ordering::Relaxed) & COUNT_MASK, 0);
}

/// The switch to symmetric fences on a ring in use: a `Block` reader whose barriers count as
/// slow (the test knob: a bound of zero) sleeps before every item; its first sleep asks for the
/// switch, the writer's next notify acknowledges it, and the later sleeps use a fence. Every
/// item arrives, in order, and no wake-up is lost across the switch (a lost one would leave
/// the reader asleep and the test hanging).
#[test]
fn a_slow_barrier_switches_the_reader_side_to_symmetric_fences_without_losing_a_wake_up() {
    use super::{MODE_MASK, SYMMETRIC_ACKNOWLEDGED, THREAD_MASK, force_slow_barrier};
    use crate::ring::Ring;

    const ITEMS: u64 = 200;
    let ring = Ring::<u64>::with_capacity(4).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    let reader_wait = &ring.shared.reader_wait;
    let sleeping = || reader_wait.inner.waiters.load(Ordering::Relaxed) & THREAD_MASK != 0;
    let built = if reader_wait.inner.asymmetric {
        0
    } else {
        // No membarrier (RINGPOOL_NO_MEMBARRIER): symmetric from the start.
        SYMMETRIC_ACKNOWLEDGED
    };
    assert_eq!(reader_wait.mode(), built, "a new ring starts as built");
    std::thread::scope(|scope| {
        let consumer = scope.spawn(move || {
            force_slow_barrier(true);
            let received: Vec<u64> = reader.by_ref().collect();
            force_slow_barrier(false);
            received
        });
        for item in 0..ITEMS {
            // Publish only once the reader has registered to sleep: every item goes through a
            // wake-up, before, during and after the switch.
            while !sleeping() {
                std::thread::yield_now();
            }
            writer.push(item);
        }
        drop(writer);
        assert_eq!(consumer.join().unwrap(), (0..ITEMS).collect::<Vec<_>>());
    });
    let expected = if reader_wait.inner.asymmetric {
        // The first sleep's barrier asked, the next notify acknowledged.
        MODE_MASK
    } else {
        // Nothing to switch: no request was made.
        built
    };
    assert_eq!(reader_wait.mode(), expected);
}

/// The writer's side (notified by every reader) never switches, however slow its barrier.
#[test]
fn an_event_count_with_several_notifiers_never_switches() {
    use super::force_slow_barrier;

    let notify = EventCount::new();
    let ready = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let sleeper = scope.spawn(|| {
            force_slow_barrier(true);
            notify.sleep_until(|| ready.load(Ordering::Acquire), None);
        });
        while notify.inner.waiters.load(Ordering::Relaxed) & COUNT_MASK == 0 {
            std::thread::yield_now();
        }
        ready.store(true, Ordering::Release);
        notify.notify();
        sleeper.join().unwrap();
    });
    notify.notify();
    // Built without membarrier (RINGPOOL_NO_MEMBARRIER) it is symmetric from the start.
    let built = if notify.inner.asymmetric {
        0
    } else {
        super::SYMMETRIC_ACKNOWLEDGED
    };
    assert_eq!(notify.mode(), built);
}

/// An event count built without `membarrier` starts in the symmetric phase (its notifier
/// fences because of the mode bit, with no branch on how it was built), and a wake-up through
/// it is not lost: a sleeper registered before the publish is woken and counted out.
#[test]
fn an_event_count_without_membarrier_starts_symmetric_and_wakes_its_sleeper() {
    use super::{MODE_MASK, SYMMETRIC_ACKNOWLEDGED};

    let notify = EventCount::build_with(false, true);
    assert_eq!(notify.mode(), SYMMETRIC_ACKNOWLEDGED);
    let ready = AtomicBool::new(false);
    let registrations = || notify.inner.waiters.load(Ordering::Relaxed) & COUNT_MASK;
    std::thread::scope(|scope| {
        let sleeper = scope.spawn(|| notify.sleep_until(|| ready.load(Ordering::Acquire), None));
        while registrations() == 0 {
            std::thread::yield_now();
        }
        ready.store(true, Ordering::Release);
        notify.notify();
        assert_eq!(registrations(), 0, "the notify took the sleeper");
        assert!(sleeper.join().unwrap());
    });
    // The take kept the mode, and no waiter asked for a switch (there is nothing to switch).
    assert_eq!(notify.mode() & MODE_MASK, SYMMETRIC_ACKNOWLEDGED);
}
