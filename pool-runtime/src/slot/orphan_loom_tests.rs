//! loom models of the orphaned sole holder's drop (`release::release_orphaned_sole`): a drop that
//! reads `orphaned` set before it writes its slot's word leaves the word held and gives up the
//! slot's share. The allocator's scan must count that share whether it reads the word before or
//! after; the negative control tidies the word to free first, so a scan after it counts nothing,
//! and the arena leaks.
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test --release -p pool-runtime --lib -- orphan_loom`

use bytemuck::{Pod, Zeroable};

use super::arena::destroyed;
use super::release::TIDY_ORPHANED_WORD;
use crate::class::SizeClass;
use crate::sync::thread;
use crate::{LocalPools, PoolConfig, PooledMessage, Pools, RingPtr};

#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "bytemuck")]
#[repr(C)]
struct Msg {
    value: u64,
}

fn slots(capacity: usize) -> PoolConfig {
    PoolConfig::empty().with_capacity(SizeClass::XS, capacity)
}

/// Runs `f` under loom with at least 3 preemptions (more if `LOOM_MAX_PREEMPTIONS` says so): the
/// schedule the negative controls need, the drop landing between the owner's store of `orphaned`
/// and its scan, takes 3 (2 explore no such schedule). These models are small: a few hundred
/// executions each.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(builder.preemption_bound.unwrap_or(0).max(3));
    builder.check(f);
}

/// An allocator is dropped while another thread drops its only message (a sole holder), the
/// thread tidying its word first if `tidy`: whether the arena was freed.
fn owner_dropped_while_sole_holder_drops<A: Send + 'static>(
    tidy: bool,
    owner: A,
    message: RingPtr<Msg>,
) -> bool {
    let id = RingPtr::arena_id(&message);
    let t = thread::spawn(move || {
        TIDY_ORPHANED_WORD.with(|t| t.set(tidy));
        assert_eq!(message.value, 1);
        drop(message);
        TIDY_ORPHANED_WORD.with(|t| t.set(false));
    });
    drop(owner);
    t.join().unwrap();
    destroyed::contains(id)
}

fn local_owner_dropped_while_sole_holder_drops(tidy: bool) -> bool {
    let mut local = LocalPools::new(slots(1));
    let message = local.allocate(Msg { value: 1 }).unwrap();
    owner_dropped_while_sole_holder_drops(tidy, local, message)
}

fn shared_owner_dropped_while_sole_holder_drops(tidy: bool) -> bool {
    let shared = Pools::new(slots(1));
    let message = shared.allocate(Msg { value: 1 }).unwrap();
    owner_dropped_while_sole_holder_drops(tidy, shared, message)
}

/// Every schedule frees the arena exactly once (the lifetime cell catches a use after it),
/// including those where the drop reads `orphaned` set before the allocator's scan reads its word,
/// and those where it reads it after.
#[test]
fn orphan_loom_local_sole_holder_leaves_its_word_held() {
    model(|| {
        assert!(
            local_owner_dropped_while_sole_holder_drops(false),
            "arena freed by its last user"
        );
    });
}

/// The same for a `Pools` slot (whose live drops go through the magazines).
#[test]
fn orphan_loom_shared_sole_holder_leaves_its_word_held() {
    model(|| {
        assert!(
            shared_owner_dropped_while_sole_holder_drops(false),
            "arena freed by its last user"
        );
    });
}

/// Negative control: a drop that stores its word free before giving up its share lets a later
/// scan count no share for it; the keepalive never reaches 0 and the arena leaks.
#[test]
#[should_panic(expected = "arena freed by its last user")]
fn orphan_loom_negative_control_local_tidied_word_leaks() {
    model(|| {
        assert!(
            local_owner_dropped_while_sole_holder_drops(true),
            "arena freed by its last user"
        );
    });
}

/// The same negative control for a `Pools` slot.
#[test]
#[should_panic(expected = "arena freed by its last user")]
fn orphan_loom_negative_control_shared_tidied_word_leaks() {
    model(|| {
        assert!(
            shared_owner_dropped_while_sole_holder_drops(true),
            "arena freed by its last user"
        );
    });
}

/// Two sole holders of one `LocalPools` arena dropped on two threads while the owner drops it: the
/// two decrements race each other and the owner's count; whichever is last frees the arena.
#[test]
fn orphan_loom_two_sole_holders_race_the_owner() {
    model(|| {
        let mut local = LocalPools::new(slots(2));
        let a = local.allocate(Msg { value: 1 }).unwrap();
        let b = local.allocate(Msg { value: 2 }).unwrap();
        let id = RingPtr::arena_id(&a);
        let t1 = thread::spawn(move || assert_eq!(a.value, 1));
        let t2 = thread::spawn(move || assert_eq!(b.value, 2));
        drop(local);
        t1.join().unwrap();
        t2.join().unwrap();
        assert!(destroyed::contains(id), "arena freed by its last user");
    });
}
