//! loom models of "publish vs. go to sleep": a waiter that finds its condition false goes to
//! sleep while a notifier makes it true. A lost wake-up leaves the waiter asleep forever, which
//! loom reports as a deadlock. Each negative control removes one barrier of the Dekker pair and
//! must fail.

use super::{EventCount, set_skip_generation_check, set_skip_join_notify, set_skip_waiter_barrier};
use crate::slot::asymmetric::SKIP_LIGHT_BARRIER;
use crate::sync::{Arc, AtomicBool, Ordering, thread};

/// What a negative control weakens, in the thread it names (the knobs are per model thread).
#[derive(Clone, Copy, PartialEq)]
enum Weaken {
    Nothing,
    /// Every waiter skips its barrier before the re-check.
    WaiterBarrier,
    /// The notifier skips its barrier between publish and `waiters` load.
    NotifierBarrier,
}

/// One notifier publishes a flag and notifies; `waiters` threads sleep until they see it.
fn publish_vs_sleep(waiters: usize, weaken: Weaken) {
    loom::model(move || {
        let waiter_knob = move || set_skip_waiter_barrier(weaken == Weaken::WaiterBarrier);
        waiter_knob();
        let notify = Arc::new(EventCount::new());
        let flag = Arc::new(AtomicBool::new(false));
        let sleepers: Vec<_> = (1..waiters)
            .map(|_| {
                let (notify, flag) = (Arc::clone(&notify), Arc::clone(&flag));
                thread::spawn(move || {
                    waiter_knob();
                    // Acquire: pairs with the Release publish.
                    assert!(notify.sleep_until(|| flag.load(Ordering::Acquire), None));
                })
            })
            .collect();
        let notifier = {
            let (notify, flag) = (Arc::clone(&notify), Arc::clone(&flag));
            thread::spawn(move || {
                SKIP_LIGHT_BARRIER.with(|skip| skip.set(weaken == Weaken::NotifierBarrier));
                // Release: as the ring's publish.
                flag.store(true, Ordering::Release);
                notify.notify();
            })
        };
        assert!(notify.sleep_until(|| flag.load(Ordering::Acquire), None));
        notifier.join().unwrap();
        for sleeper in sleepers {
            sleeper.join().unwrap();
        }
    });
}

#[test]
fn loom_event_count_publish_vs_sleep() {
    publish_vs_sleep(1, Weaken::Nothing);
}

#[test]
fn loom_event_count_two_sleepers_one_notify() {
    publish_vs_sleep(2, Weaken::Nothing);
}

/// Negative control: without the waiter's barrier, its re-check can miss the publish while the
/// notifier misses its registration.
#[test]
#[should_panic(expected = "deadlock")]
fn loom_negative_control_waiter_without_barrier_loses_the_wake_up() {
    publish_vs_sleep(1, Weaken::WaiterBarrier);
}

/// Negative control: a notifier whose `waiters` load is not ordered after its publish (no
/// barrier: a `Release` store then a plain load) misses the waiter even though the waiter
/// fences.
#[test]
#[should_panic(expected = "deadlock")]
fn loom_negative_control_notifier_without_barrier_loses_the_wake_up() {
    publish_vs_sleep(1, Weaken::NotifierBarrier);
}

/// Two notifiers each make half of the waiter's condition true. The first notify can take the
/// waiter's registration while its condition is still false: it must register again before it
/// sleeps, or the second notify sees nobody and the waiter sleeps forever.
/// With `skip_generation_check`, the waiter (the model's main thread) skips that check.
fn two_halves_vs_sleep(skip_generation_check: bool) {
    loom::model(move || {
        set_skip_generation_check(skip_generation_check);
        let notify = Arc::new(EventCount::new());
        let halves = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
        let notifiers: Vec<_> = (0..2)
            .map(|half| {
                let (notify, halves) = (Arc::clone(&notify), Arc::clone(&halves));
                thread::spawn(move || {
                    // Release: as the ring's publish.
                    halves[half].store(true, Ordering::Release);
                    notify.notify();
                })
            })
            .collect();
        // Acquire: pairs with the Release stores.
        let both = || halves.iter().all(|half| half.load(Ordering::Acquire));
        assert!(notify.sleep_until(both, None));
        for notifier in notifiers {
            notifier.join().unwrap();
        }
    });
}

#[test]
fn loom_event_count_taken_waiter_registers_again() {
    two_halves_vs_sleep(false);
}

/// Negative control: a waiter that sleeps without checking that a notifier took its
/// registration sleeps unregistered, and the second notify passes it by.
#[test]
#[should_panic(expected = "deadlock")]
fn loom_negative_control_taken_waiter_sleeping_unregistered_loses_the_wake_up() {
    two_halves_vs_sleep(true);
}

/// The ring end to end: a `Block` writer on a one-slot ring and a `Block` reader each wait for
/// the other (the writer for room, the reader for items) over two items.
#[test]
fn loom_ring_block_writer_and_reader_hand_off() {
    use crate::ring::Ring;
    loom::model(|| {
        let ring = Ring::<u64>::with_capacity(1).unwrap();
        let mut writer = ring.writer().unwrap();
        let reader = ring.subscribe().unwrap();
        let consumer = thread::spawn(move || reader.collect::<Vec<_>>());
        writer.push(1);
        writer.push(2);
        drop(writer);
        assert_eq!(consumer.join().unwrap(), [1, 2]);
    });
}

/// A reader joins while the writer fills a one-slot ring. The join shows the writer a lower
/// bound for a moment before raising its cursor; a writer that went to sleep on the bound must
/// be woken by the raise (the reader then never reads: nobody else would wake the writer).
/// With `skip_join_notify`, the joining reader's thread skips its notify.
fn join_while_the_writer_waits(skip_join_notify: bool) {
    use crate::ring::Ring;
    loom::model(move || {
        let ring = Ring::<u64>::with_capacity(1).unwrap();
        // Neither the writer nor the reader is dropped while loom unwinds a deadlock (their
        // drops would call into loom again and abort the test binary).
        let mut writer = core::mem::ManuallyDrop::new(ring.writer().unwrap());
        let joiner = thread::spawn(move || {
            set_skip_join_notify(skip_join_notify);
            let mut reader = ring.subscribe().unwrap();
            if reader.position() == 0 {
                // Joined before item 0: it gates the writer until it reads item 0.
                assert_eq!(reader.next(), Some(0));
            }
            core::mem::ManuallyDrop::new(reader)
        });
        writer.push(0);
        writer.push(1);
        drop(core::mem::ManuallyDrop::into_inner(writer));
        drop(core::mem::ManuallyDrop::into_inner(joiner.join().unwrap()));
    });
}

#[test]
fn loom_ring_join_wakes_a_sleeping_writer() {
    join_while_the_writer_waits(false);
}

/// Negative control: without the join's notify the writer sleeps on the stale bound forever.
#[test]
#[should_panic(expected = "deadlock")]
fn loom_negative_control_join_without_notify_strands_the_writer() {
    join_while_the_writer_waits(true);
}
