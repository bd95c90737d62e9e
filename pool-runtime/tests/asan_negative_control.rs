//! Negative control for the AddressSanitizer run: a read through a stale pointer into a freed
//! pool slot, which ASan must report as `use-after-poison`.
//!
//! A freed slot stays allocated inside the pool's arena, so ASan alone cannot tell it is dead;
//! the pools poison free slots under `--cfg ringpool_asan` (see `slot/poison.rs`).
//! `scripts/sanitizers asan` runs this test explicitly and fails the CI run unless ASan reports
//! it, which shows that the poisoning is really on in the build whose clean run CI relies on.
//!
//! The stale read is undefined behaviour, so the test is `#[ignore]`d and, even when ignored
//! tests are included, does nothing unless `RINGPOOL_ASAN_NEGATIVE_CONTROL=1` is set; only the
//! sanitizer script sets it.
#![cfg(not(loom))]

use pool_runtime::bytemuck::{Pod, Zeroable};
use pool_runtime::{LocalPools, PoolConfig, PooledMessage, RingPtr, SizeClass};

/// The variable `scripts/sanitizers` sets to arm the stale read.
const ARM_VARIABLE: &str = "RINGPOOL_ASAN_NEGATIVE_CONTROL";

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Probe {
    words: [u64; 8],
}

#[test]
#[ignore = "deliberate use of a freed slot; run only by `scripts/sanitizers asan` under ASan"]
fn asan_negative_control_stale_slot_read_is_reported() {
    if std::env::var(ARM_VARIABLE).as_deref() != Ok("1") {
        eprintln!("{ARM_VARIABLE} is not 1: not running the deliberate stale read");
        return;
    }
    let mut pools = LocalPools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 4));
    let message = pools
        .allocate(Probe { words: [7; 8] })
        .expect("a fresh pool has a free XS slot");
    let stale: *const Probe = RingPtr::as_ptr(&message);
    // The last handle goes: the slot is freed (and poisoned) while the arena stays allocated,
    // because `pools` is still alive.
    drop(message);
    // SAFETY: deliberately unsound: `stale` points into a freed slot. This is the read ASan must
    // report as use-after-poison; the test exists only to show that it does.
    let first_word = unsafe { std::ptr::addr_of!((*stale).words[0]).read_volatile() };
    // Only reached when poisoning is off: say so, and fail.
    panic!("ASan did not report the stale read (read {first_word}); is --cfg ringpool_asan set?");
}
