//! Deliberate weakenings of the ring's protocol, for the negative controls of the loom models
//! (`tests/loom_ring.rs`, and the event count's in `event_count/loom_tests.rs` and
//! `async_wait/loom_tests.rs`): each must make loom report a failure, which shows the models can
//! catch the bug class. Compiled only under `--cfg loom`; off unless a test switches them on.
//!
//! The switches are loom thread-locals: each model thread (and each execution of a model)
//! starts with every switch off, and a switch set in one model thread weakens only that
//! thread's steps. A control sets its switch inside the model, in the thread whose step it
//! weakens (the writer for a publish, the reader for its cursor or seqlock, the joining reader
//! for a join, every thread that may drop the last handle for the teardown, the waiter or the
//! notifier for an event count's steps).

use core::cell::Cell;

loom::thread_local! {
    static WEAK_PUBLISH: Cell<bool> = Cell::new(false);
    static WEAK_SEQLOCK: Cell<bool> = Cell::new(false);
    static WEAK_JOIN: Cell<bool> = Cell::new(false);
    static LOSSY_LAG: Cell<bool> = Cell::new(false);
    static WEAK_ADVANCE: Cell<bool> = Cell::new(false);
    static WEAK_TEARDOWN: Cell<bool> = Cell::new(false);
    static RELAXED_JOIN_CLAIM: Cell<bool> = Cell::new(false);
    static SKIP_JOIN_BARRIER: Cell<bool> = Cell::new(false);
    static SKIP_JOIN_NOTIFY: Cell<bool> = Cell::new(false);
    static IGNORE_MODE: Cell<bool> = Cell::new(false);
    static SWITCH_ON_REQUEST: Cell<bool> = Cell::new(false);
    static SKIP_WAITER_BARRIER: Cell<bool> = Cell::new(false);
    static SKIP_GENERATION_CHECK: Cell<bool> = Cell::new(false);
}

/// On an overrun, skip the oldest item still in the ring too (the accounting before exact lag
/// counts): a lapped reader then loses one item more than it must. Set in the reader's thread.
pub fn set_lossy_lag(on: bool) {
    LOSSY_LAG.with(|flag| flag.set(on));
}

/// A reader moves its cursor with `Relaxed` instead of `Release`, so the writer may drop an item
/// without the reader's read of it happening before. Set in the reader's thread.
pub fn set_weak_advance(on: bool) {
    WEAK_ADVANCE.with(|flag| flag.set(on));
}

pub(crate) fn lossy_lag() -> bool {
    LOSSY_LAG.with(Cell::get)
}

pub(crate) fn weak_advance() -> bool {
    WEAK_ADVANCE.with(Cell::get)
}

/// Publish the writer's sequence with `Relaxed` instead of `Release`. Set in the writer's
/// thread.
pub fn set_weak_publish(on: bool) {
    WEAK_PUBLISH.with(|flag| flag.set(on));
}

/// Drop the `Acquire` fence between a seqlock reader's copy and its stamp re-check. Set in the
/// reader's thread.
pub fn set_weak_seqlock(on: bool) {
    WEAK_SEQLOCK.with(|flag| flag.set(on));
}

/// Join a reader at the `published` it read before registering, without the `SeqCst` fence and
/// the re-read that make a concurrent writer see it. Set in the joining thread.
pub fn set_weak_join(on: bool) {
    WEAK_JOIN.with(|flag| flag.set(on));
}

pub(crate) fn weak_join() -> bool {
    WEAK_JOIN.with(Cell::get)
}

pub(crate) fn weak_publish() -> bool {
    WEAK_PUBLISH.with(Cell::get)
}

pub(crate) fn weak_seqlock() -> bool {
    WEAK_SEQLOCK.with(Cell::get)
}

/// The last handle's drop re-reads the shared state's count with `Relaxed` instead of `Acquire`,
/// so it may free the state without the other handles' accesses happening before. Set in every
/// thread that may drop the last handle.
pub fn set_weak_teardown(on: bool) {
    WEAK_TEARDOWN.with(|flag| flag.set(on));
}

pub(crate) fn weak_teardown() -> bool {
    WEAK_TEARDOWN.with(Cell::get)
}

/// A joining reader claims its cursor entry with a `Relaxed` CAS instead of `Acquire` (the
/// ordering before the fix for ThreadSanitizer's report), so the entry's last reader's reads
/// reach the writer only through the join's barrier. Set in the joining thread.
pub fn set_relaxed_join_claim(on: bool) {
    RELAXED_JOIN_CLAIM.with(|flag| flag.set(on));
}

pub(crate) fn relaxed_join_claim() -> bool {
    RELAXED_JOIN_CLAIM.with(Cell::get)
}

/// A joining reader skips its barrier (keeping the re-read of `published`): the join as
/// ThreadSanitizer sees it, since TSan ignores fences and `membarrier`. Set in the joining thread.
pub fn set_skip_join_barrier(on: bool) {
    SKIP_JOIN_BARRIER.with(|flag| flag.set(on));
}

pub(crate) fn skip_join_barrier() -> bool {
    SKIP_JOIN_BARRIER.with(Cell::get)
}

/// A joining reader does not notify the writer's event count, so a writer asleep on the bound
/// the join showed for a moment is not told the cursor moved. Set in the joining thread.
pub fn set_skip_join_notify(on: bool) {
    SKIP_JOIN_NOTIFY.with(|flag| flag.set(on));
}

pub(crate) fn skip_join_notify() -> bool {
    SKIP_JOIN_NOTIFY.with(Cell::get)
}

/// An event count's notifier ignores the mode bits, so it does not fence after the switch to
/// symmetric fences (or, built without `membarrier`, at all). Set in the notifier's thread.
pub fn set_ignore_mode(on: bool) {
    IGNORE_MODE.with(|flag| flag.set(on));
}

pub(crate) fn ignore_mode() -> bool {
    IGNORE_MODE.with(Cell::get)
}

/// An event count's waiter drops `membarrier` for a fence as soon as a switch to symmetric
/// fences is requested, not once it is acknowledged. Set in the waiter's thread.
pub fn set_switch_on_request(on: bool) {
    SWITCH_ON_REQUEST.with(|flag| flag.set(on));
}

pub(crate) fn switch_on_request() -> bool {
    SWITCH_ON_REQUEST.with(Cell::get)
}

/// An event count's waiter (thread or async) skips its barrier between registering and
/// re-checking its condition. Set in the waiter's thread.
pub fn set_skip_waiter_barrier(on: bool) {
    SKIP_WAITER_BARRIER.with(|flag| flag.set(on));
}

pub(crate) fn skip_waiter_barrier() -> bool {
    SKIP_WAITER_BARRIER.with(Cell::get)
}

/// An event count's waiter sleeps (a thread) or stays pending (an async waiter) without
/// checking that it is still registered, even when a notifier took it. Set in the waiter's
/// thread.
pub fn set_skip_generation_check(on: bool) {
    SKIP_GENERATION_CHECK.with(|flag| flag.set(on));
}

pub(crate) fn skip_generation_check() -> bool {
    SKIP_GENERATION_CHECK.with(Cell::get)
}
