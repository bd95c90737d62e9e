//! loom models of async waiting (the async half of the event count): a task that finds its
//! condition false registers its waker, counts itself in and re-checks, while a thread on the
//! other side of the ring makes the condition true and notifies. A lost wake-up leaves the task
//! pending forever, which loom's `block_on` reports as a deadlock. The negative controls remove
//! the waiter's barrier from the task's thread, or let a task woken with its condition still
//! false keep a registration a notifier took, and must fail.
//!
//! Nothing here is dropped while loom unwinds a deadlock (a drop would call into loom again and
//! abort the test binary): the ring's handles are `ManuallyDrop` until the model's end.

use core::mem::ManuallyDrop;

use loom::future::block_on;

use crate::ring::Ring;
use crate::ring::loom_controls::{set_skip_generation_check, set_skip_waiter_barrier};
use crate::slot::asymmetric::SKIP_LIGHT_BARRIER;
use crate::sync::thread;

/// An async reader task waits for the item a writer thread publishes. With
/// `skip_waiter_barrier`, the task's thread (the model's main thread) skips the barrier between
/// counting itself in and re-checking.
fn reader_task_vs_publish(skip_waiter_barrier: bool) {
    loom::model(move || {
        set_skip_waiter_barrier(skip_waiter_barrier);
        let ring = Ring::<u64>::with_capacity(1).unwrap();
        let mut reader = ManuallyDrop::new(ring.subscribe().unwrap());
        let mut writer = ManuallyDrop::new(ring.writer().unwrap());
        drop(ring);
        // The writer stays alive until the read is done: its drop's notify (the end of the
        // stream) would otherwise wake a task whose first wake-up was lost.
        let publisher = thread::spawn(move || {
            writer.push(7);
            writer
        });
        assert_eq!(block_on(reader.next_async()), Some(7));
        let writer = publisher.join().unwrap();
        drop(ManuallyDrop::into_inner(writer));
        drop(ManuallyDrop::into_inner(reader));
    });
}

#[test]
fn loom_async_reader_task_wakes_on_publish() {
    reader_task_vs_publish(false);
}

/// Negative control: a task that re-checks without the barrier can miss the publish while the
/// writer's notify misses its registration.
#[test]
#[should_panic(expected = "deadlock")]
fn loom_negative_control_async_reader_without_barrier_loses_the_wake_up() {
    reader_task_vs_publish(true);
}

/// An async writer task fills a one-slot ring and waits for room (`push_async`) while a reader
/// thread reads the first item. With `skip_barriers`, the writer's thread (the model's main
/// thread) skips the waiter barrier, and also the light barrier its re-check (a scan of the
/// cursors) runs for the join protocol, which loom, unlike the hardware, models as a `SeqCst`
/// fence; the reader polls instead of sleeping, so only the writer task's wake-up is at stake.
fn writer_task_vs_read(skip_barriers: bool) {
    loom::model(move || {
        set_skip_waiter_barrier(skip_barriers);
        SKIP_LIGHT_BARRIER.with(|skip| skip.set(skip_barriers));
        let ring = Ring::<u64>::with_capacity(1).unwrap();
        let mut writer = ManuallyDrop::new(ring.writer().unwrap());
        let mut reader = ManuallyDrop::new(ring.subscribe().unwrap());
        drop(ring);
        let consumer = thread::spawn(move || {
            while reader.try_next().is_none() {
                thread::yield_now();
            }
            reader
        });
        block_on(async {
            writer.push_async(1).await;
            // The ring is full until the reader's commit: this waits for its notify.
            writer.push_async(2).await;
        });
        let reader = consumer.join().unwrap();
        drop(ManuallyDrop::into_inner(reader));
        drop(ManuallyDrop::into_inner(writer));
    });
}

#[test]
fn loom_async_writer_task_wakes_on_read() {
    writer_task_vs_read(false);
}

/// Negative control: an async writer that re-checks the readers' cursors without a barrier can
/// miss the reader's commit while the reader's notify misses its registration.
#[test]
#[should_panic(expected = "deadlock")]
fn loom_negative_control_async_writer_without_barrier_loses_the_wake_up() {
    writer_task_vs_read(true);
}

/// An async writer task waits for room on a one-slot ring read by two reader threads: the
/// first reader's commit wakes the task while the second still gates it, so the task, woken
/// with its condition still false, must count itself in again before returning `Pending`, or
/// the second reader's commit finds nobody to wake. With `skip_generation_check`, the writer's
/// thread (the model's main thread) takes a registration a notifier took for its own.
fn writer_task_vs_two_reads(skip_generation_check: bool) {
    loom::model(move || {
        set_skip_generation_check(skip_generation_check);
        let ring = Ring::<u64>::with_capacity(1).unwrap();
        let mut writer = ManuallyDrop::new(ring.writer().unwrap());
        let mut readers: Vec<_> = (0..2)
            .map(|_| ManuallyDrop::new(ring.subscribe().unwrap()))
            .collect();
        drop(ring);
        // Published before the readers start, so each reads it in one step (no polling loop
        // to multiply the model's executions).
        writer.push(1);
        let readers: Vec<_> = readers
            .drain(..)
            .map(|mut reader| {
                thread::spawn(move || {
                    assert_eq!(reader.try_next(), Some(1));
                    reader
                })
            })
            .collect();
        // Room comes once both readers have read item 1.
        block_on(writer.push_async(2));
        for reader in readers {
            drop(ManuallyDrop::into_inner(reader.join().unwrap()));
        }
        drop(ManuallyDrop::into_inner(writer));
    });
}

#[test]
fn loom_async_writer_task_woken_early_waits_again() {
    writer_task_vs_two_reads(false);
}

/// Negative control: a task that takes the registration a notifier took for its own returns
/// `Pending` uncounted, and the last commit passes it by.
#[test]
#[should_panic(expected = "deadlock")]
fn loom_negative_control_async_waiter_keeping_a_taken_registration_loses_the_wake_up() {
    writer_task_vs_two_reads(true);
}
