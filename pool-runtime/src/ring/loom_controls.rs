//! Deliberate weakenings of the ring's protocol, for the negative controls of the loom models
//! (`tests/loom_ring.rs`): each must make loom report a failure, which shows the models can
//! catch the bug class. Compiled only under `--cfg loom`; off unless a test switches them on.
//!
//! The switches are thread-local: loom runs a model's threads as coroutines on the test's own
//! thread, so a switch set by one test affects neither the tests running beside it.

use std::cell::Cell;

std::thread_local! {
    static WEAK_PUBLISH: Cell<bool> = const { Cell::new(false) };
    static WEAK_SEQLOCK: Cell<bool> = const { Cell::new(false) };
    static WEAK_JOIN: Cell<bool> = const { Cell::new(false) };
}

/// Publish the writer's sequence with `Relaxed` instead of `Release`.
pub fn set_weak_publish(on: bool) {
    WEAK_PUBLISH.with(|flag| flag.set(on));
}

/// Drop the `Acquire` fence between a seqlock reader's copy and its stamp re-check.
pub fn set_weak_seqlock(on: bool) {
    WEAK_SEQLOCK.with(|flag| flag.set(on));
}

/// Join a reader at the `published` it read before registering, without the `SeqCst` fence and
/// the re-read that make a concurrent writer see it.
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
