//! loom models of a `Pools` sole holder's last drop that its own magazine *refuses*
//! (`stash::OwnFree::Refused`: the magazine is full, or a thief is registered) racing the
//! allocator's drop (`orphan`). The refused drop has left its *busy* window, so it falls back to
//! steps 1 to 3 of `release` (the `F` mark, the free list, the orphan handshake). In every
//! schedule the arena must be freed, by its last user, once (the arena's loom lifetime cell
//! reports any access that does not happen before the free, the slot shadows any payload write
//! racing a read), and, with a thief, every allocation must succeed (exact capacity).
//!
//! The negative controls skip step 1 after the refusal (`REFUSED_SKIPS_FREEING_MARK`, which acts
//! on the refused path only, so they also show the models reach it): the allocator's scan can then
//! read the word held while the drop reads `orphaned` clear, and the arena leaks.
//!
//! Run: `scripts/loom refused_loom`

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use bytemuck::{Pod, Zeroable};

use super::arena::destroyed;
use super::release::REFUSED_SKIPS_FREEING_MARK;
use super::stash::MAGAZINE;
use crate::class::SizeClass;
use crate::sync::thread;
use crate::{PoolConfig, PooledMessage, Pools, RingPtr};

#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "bytemuck")]
#[repr(C)]
struct Msg {
    value: u64,
}

fn slots(capacity: usize) -> PoolConfig {
    PoolConfig::empty().with_capacity(SizeClass::XS, capacity)
}

/// Runs `f` under loom with at least 4 preemptions (more if `LOOM_MAX_PREEMPTIONS` says so),
/// and returns how many executions it explored. These models are small: at bound 4 a few
/// hundred to about 1 300 executions, well under a second each in release.
fn model(f: impl Fn() + Sync + Send + 'static) -> usize {
    let executions = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&executions);
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(builder.preemption_bound.unwrap_or(0).max(4));
    builder.check(move || {
        counter.fetch_add(1, Relaxed);
        f();
    });
    let explored = executions.load(Relaxed);
    eprintln!("loom: {explored} executions");
    explored
}

/// Drops `message` on this thread (skipping step 1 after a refusal if `skip_mark`).
fn drop_sole_holder(message: RingPtr<Msg>, skip_mark: bool) {
    REFUSED_SKIPS_FREEING_MARK.with(|s| s.set(skip_mark));
    drop(message);
    REFUSED_SKIPS_FREEING_MARK.with(|s| s.set(false));
}

/// This thread fills its magazine (`MAGAZINE` slots freed into it) and keeps one message, then
/// drops that sole holder (refused: the magazine is full) while another thread drops the
/// `Pools`: whether the arena was freed.
fn full_magazine_drop_races_allocator_drop(skip_mark: bool) -> bool {
    let pools = Pools::new(slots(MAGAZINE + 1));
    let mut held: Vec<_> = (0..=MAGAZINE as u64)
        .map(|value| pools.allocate(Msg { value }).unwrap())
        .collect();
    let last = held.pop().unwrap();
    // Onto this thread's magazine, which they fill.
    drop(held);
    let id = RingPtr::arena_id(&last);
    let owner = thread::spawn(move || drop(pools));
    assert_eq!(last.value, MAGAZINE as u64);
    drop_sole_holder(last, skip_mark);
    owner.join().unwrap();
    destroyed::contains(id)
}

/// Every schedule frees the arena exactly once, by whichever of the refused drop and the
/// allocator's drop gives up the last keepalive share.
#[test]
fn refused_loom_full_magazine_drop_races_allocator_drop() {
    model(|| {
        assert!(
            full_magazine_drop_races_allocator_drop(false),
            "arena freed by its last user"
        );
    });
}

/// Negative control: the refused drop without its `F` mark leaks the arena in some schedule.
#[test]
#[should_panic(expected = "arena freed by its last user")]
fn refused_loom_negative_control_full_magazine_drop_without_mark_leaks() {
    model(|| {
        assert!(
            full_magazine_drop_races_allocator_drop(true),
            "arena freed by its last user"
        );
    });
}

/// This thread keeps a sole holder and, with `spare`, has freed one more slot into its magazine
/// (room for one more). Another thread, owning the `Pools`, allocates: the list empty and every
/// slot handed out, it registers as a thief and steals this thread's magazine, or takes the
/// dropped slot off the free list (waiting for its step 3). It drops its message onto its own
/// magazine and drops the `Pools`, while this thread drops its sole holder (refused while the
/// thief is registered, then listed). With `spare` the thief always gets a slot (at most two
/// messages alive); without, it may find the one slot still held. `got_dropped_slot` counts the
/// executions where the thief got the slot this thread dropped. Returns whether the arena was
/// freed.
fn thief_refused_drop_races_allocator_drop(
    spare: bool,
    skip_mark: bool,
    got_dropped_slot: &AtomicUsize,
) -> bool {
    let pools = Pools::new(slots(if spare { 2 } else { 1 }));
    if spare {
        // Onto this thread's magazine.
        drop(pools.allocate(Msg { value: 1 }).unwrap());
    }
    let mine = pools.allocate(Msg { value: 2 }).unwrap();
    let id = RingPtr::arena_id(&mine);
    let my_slot = core::ptr::from_ref::<Msg>(&mine) as usize;
    let thief = thread::spawn(move || {
        let theirs = pools.allocate(Msg { value: 3 });
        if spare {
            assert!(
                theirs.is_ok(),
                "a slot was free: at most two messages alive"
            );
        }
        let got_mine = theirs.as_ref().is_ok_and(|theirs| {
            assert_eq!(theirs.value, 3);
            core::ptr::from_ref::<Msg>(theirs) as usize == my_slot
        });
        drop(theirs);
        drop(pools);
        got_mine
    });
    assert_eq!(mine.value, 2);
    drop_sole_holder(mine, skip_mark);
    if thief.join().unwrap() {
        got_dropped_slot.fetch_add(1, Relaxed);
    }
    destroyed::contains(id)
}

/// Runs the thief model, and checks that it explored both outcomes of the thief's allocation
/// (the dropped slot, or the spare one / none).
fn thief_model(spare: bool, skip_mark: bool) {
    let got_dropped_slot = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&got_dropped_slot);
    let explored = model(move || {
        assert!(
            thief_refused_drop_races_allocator_drop(spare, skip_mark, &counter),
            "arena freed by its last user"
        );
    });
    let got = got_dropped_slot.load(Relaxed);
    assert!(
        0 < got && got < explored,
        "the thief got the dropped slot in {got} of {explored} executions"
    );
}

/// Every schedule hands the thief a slot (stolen from this thread's magazine), and frees the
/// arena exactly once.
#[test]
fn refused_loom_thief_refused_drop_races_allocator_drop() {
    thief_model(true, false);
}

/// Negative control: the drop refused because of the thief, without its `F` mark, leaks the
/// arena in some schedule.
#[test]
#[should_panic(expected = "arena freed by its last user")]
fn refused_loom_negative_control_thief_refused_drop_without_mark_leaks() {
    thief_model(true, true);
}

/// One slot: the thief finds no magazine to steal and pops the refused drop's slot off the free
/// list (waiting for its step 3), or finds the class exhausted; every schedule frees the arena
/// exactly once, and the thief's payload write follows this thread's read.
#[test]
fn refused_loom_thief_pops_refused_slot_races_allocator_drop() {
    thief_model(false, false);
}

/// Negative control: the refused drop lists its slot without its `F` mark, so the scan can read
/// it held while the drop reads `orphaned` clear: the arena leaks in some schedule.
#[test]
#[should_panic(expected = "arena freed by its last user")]
fn refused_loom_negative_control_thief_pops_unmarked_slot_is_caught() {
    thief_model(false, true);
}
