//! loom models of "publish vs. go to sleep": a waiter that finds its condition false goes to
//! sleep while a notifier makes it true. A lost wake-up leaves the waiter asleep forever, which
//! loom reports as a deadlock. Each negative control removes one barrier of the Dekker pair and
//! must fail. The models of the switch to symmetric fences run the notifier's light barrier as
//! what it is on hardware (nothing) wherever the waiter no longer runs `membarrier`.

use super::{
    EventCount, MODE_MASK, SYMMETRIC_ACKNOWLEDGED, SYMMETRIC_REQUESTED, force_slow_barrier,
};
use crate::ring::loom_controls::{
    set_ignore_mode, set_skip_generation_check, set_skip_join_notify, set_skip_waiter_barrier,
    set_switch_on_request,
};
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

/// A publish against a sleep on an event count in the symmetric phase, built by `build`: the
/// waiter (the model's main thread) runs only its `SeqCst` fence, and the notifier's light
/// barrier is what it is on hardware: nothing but a compiler fence (`SKIP_LIGHT_BARRIER`). The
/// notifier's own fence, which the mode bit asks for, must order its publish before its load.
/// With `ignore_mode`, the notifier treats the event count as asymmetric (no fence).
fn symmetric_publish_vs_sleep(build: fn() -> EventCount, ignore_mode: bool) {
    loom::model(move || {
        let notify = Arc::new(build());
        let flag = Arc::new(AtomicBool::new(false));
        let notifier = {
            let (notify, flag) = (Arc::clone(&notify), Arc::clone(&flag));
            thread::spawn(move || {
                SKIP_LIGHT_BARRIER.with(|skip| skip.set(true));
                set_ignore_mode(ignore_mode);
                // Release: as the ring's publish.
                flag.store(true, Ordering::Release);
                notify.notify();
            })
        };
        assert!(notify.sleep_until(|| flag.load(Ordering::Acquire), None));
        notifier.join().unwrap();
    });
}

/// A single-notifier event count whose switch was acknowledged before the model starts.
fn switched_to_symmetric() -> EventCount {
    let notify = EventCount::with_one_notifier();
    notify.inner.waiters.fetch_or(MODE_MASK, Ordering::Relaxed);
    notify
}

/// An event count built without `membarrier` (both barriers `SeqCst` fences): it starts in the
/// symmetric phase, so its notifier has no branch on how it was built, and only the mode bit
/// set at construction sends it to the fence.
fn built_symmetric() -> EventCount {
    EventCount::build_with(false, false)
}

#[test]
fn loom_event_count_symmetric_phase_publish_vs_sleep() {
    symmetric_publish_vs_sleep(switched_to_symmetric, false);
}

/// Negative control: after the switch the waiter no longer runs `membarrier`, so a notifier
/// that ignores the mode (a compiler fence, as before the switch) misses its registration.
#[test]
#[should_panic(expected = "deadlock")]
fn loom_negative_control_notifier_ignoring_the_switch_loses_the_wake_up() {
    symmetric_publish_vs_sleep(switched_to_symmetric, true);
}

#[test]
fn loom_event_count_built_symmetric_publish_vs_sleep() {
    symmetric_publish_vs_sleep(built_symmetric, false);
}

/// Negative control: without the fence its mode bit asks for, the notifier of an event count
/// built without `membarrier` misses the waiter's registration.
#[test]
#[should_panic(expected = "deadlock")]
fn loom_negative_control_built_symmetric_notifier_ignoring_the_mode_loses_the_wake_up() {
    symmetric_publish_vs_sleep(built_symmetric, true);
}

/// The switch in flight: the waiter's barriers count as slow, so its first sleep requests the
/// switch; the notifier publishes two items (each with a notify, which acknowledges the
/// request once it sees it) while the waiter sleeps for each in turn, its second sleep on
/// either barrier. loom models `membarrier` against the light barrier as two `SeqCst` fences,
/// so this checks the bookkeeping of the switch, not the step argued in the module docs for a
/// notify that ran only its compiler fence (the next model checks that one).
#[test]
fn loom_event_count_switch_in_flight_publish_vs_sleep() {
    loom::model(|| {
        force_slow_barrier(true);
        let notify = Arc::new(EventCount::with_one_notifier());
        let items = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
        let notifier = {
            let (notify, items) = (Arc::clone(&notify), Arc::clone(&items));
            thread::spawn(move || {
                for item in items.iter() {
                    // Release: as the ring's publish.
                    item.store(true, Ordering::Release);
                    notify.notify();
                }
            })
        };
        for item in items.iter() {
            assert!(notify.sleep_until(|| item.load(Ordering::Acquire), None));
        }
        notifier.join().unwrap();
    });
}

/// A notify that ran only its compiler fence, against a waiter on its fence: the notifier
/// publishes and notifies (light barrier modelled as nothing, as on hardware), then, once the
/// waiter's request is visible, notifies again, which acknowledges it. The waiter requests,
/// waits until it reads the mode it switches on, and sleeps on its `SeqCst` fence alone. With
/// the acknowledgement, the publish is ordered before the ack the waiter's fence acquires.
/// With `switch_on_request`, the waiter drops `membarrier` on its own request, and the first
/// notify (which may not see the request) is the only one that can wake it.
fn compiler_fence_notify_vs_switched_waiter(switch_on_request: bool) {
    loom::model(move || {
        set_switch_on_request(switch_on_request);
        let notify = Arc::new(EventCount::with_one_notifier());
        let flag = Arc::new(AtomicBool::new(false));
        let notifier = {
            let (notify, flag) = (Arc::clone(&notify), Arc::clone(&flag));
            thread::spawn(move || {
                SKIP_LIGHT_BARRIER.with(|skip| skip.set(true));
                // Release: as the ring's publish.
                flag.store(true, Ordering::Release);
                notify.notify();
                if !switch_on_request {
                    while notify.mode() & SYMMETRIC_REQUESTED == 0 {
                        thread::yield_now();
                    }
                    notify.notify();
                }
            })
        };
        // The waiter's earlier slow barrier.
        notify
            .inner
            .waiters
            .fetch_or(SYMMETRIC_REQUESTED, Ordering::Relaxed);
        let switched = if switch_on_request {
            SYMMETRIC_REQUESTED
        } else {
            SYMMETRIC_ACKNOWLEDGED
        };
        while notify.mode() & switched == 0 {
            thread::yield_now();
        }
        assert!(notify.sleep_until(|| flag.load(Ordering::Acquire), None));
        notifier.join().unwrap();
    });
}

#[test]
fn loom_event_count_compiler_fence_notify_vs_switched_waiter() {
    compiler_fence_notify_vs_switched_waiter(false);
}

/// Negative control: a waiter that drops `membarrier` before the notifier acknowledged (on the
/// request) can sleep through a notify that ran only its compiler fence.
#[test]
#[should_panic(expected = "deadlock")]
fn loom_negative_control_switch_before_the_acknowledgement_loses_the_wake_up() {
    compiler_fence_notify_vs_switched_waiter(true);
}

/// The async reader in the symmetric phase: a ring whose reader side switched before the model
/// starts; the task runs the same waiter barrier (its `SeqCst` fence alone) and the writer's
/// light barrier is modelled as what it is on hardware (nothing). With `ignore_mode`, the
/// writer's notify treats the event count as asymmetric.
#[cfg(feature = "async")]
fn async_reader_in_symmetric_phase(ignore_mode: bool) {
    use crate::ring::Ring;
    use core::mem::ManuallyDrop;
    loom::model(move || {
        let ring = Ring::<u64>::with_capacity(1).unwrap();
        ring.shared
            .reader_wait
            .inner
            .waiters
            .fetch_or(MODE_MASK, Ordering::Relaxed);
        // Nothing is dropped while loom unwinds a deadlock (async_wait's loom models).
        let mut reader = ManuallyDrop::new(ring.subscribe().unwrap());
        let mut writer = ManuallyDrop::new(ring.writer().unwrap());
        drop(ring);
        let publisher = thread::spawn(move || {
            SKIP_LIGHT_BARRIER.with(|skip| skip.set(true));
            set_ignore_mode(ignore_mode);
            writer.push(7);
            writer
        });
        assert_eq!(loom::future::block_on(reader.next_async()), Some(7));
        drop(ManuallyDrop::into_inner(publisher.join().unwrap()));
        drop(ManuallyDrop::into_inner(reader));
    });
}

#[cfg(feature = "async")]
#[test]
fn loom_event_count_async_reader_in_symmetric_phase() {
    async_reader_in_symmetric_phase(false);
}

/// Negative control: the async reader's fence alone, against a writer that ignores the switch.
#[cfg(feature = "async")]
#[test]
#[should_panic(expected = "deadlock")]
fn loom_negative_control_async_reader_vs_writer_ignoring_the_switch_loses_the_wake_up() {
    async_reader_in_symmetric_phase(true);
}
