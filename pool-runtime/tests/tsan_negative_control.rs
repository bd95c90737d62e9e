//! Negative control for the ThreadSanitizer run: a deliberate data race that TSan must report.
//!
//! `scripts/sanitizers tsan` runs this test explicitly and fails the CI run if TSan stays quiet
//! about it, so a clean TSan run of the real tests means something (the instrumentation is on,
//! and the suppressions in `scripts/tsan-suppressions.txt` don't hide races in our own code).
//!
//! The race is undefined behaviour, so the test is `#[ignore]`d and, even when ignored tests are
//! included, does nothing unless `RINGPOOL_TSAN_NEGATIVE_CONTROL=1` is set; only the sanitizer
//! script sets it.
#![cfg(not(loom))]

use std::cell::UnsafeCell;
use std::thread;

/// The variable `scripts/sanitizers` sets to arm the race.
const ARM_VARIABLE: &str = "RINGPOOL_TSAN_NEGATIVE_CONTROL";

/// A counter shared between threads without any synchronisation: exactly the bug TSan exists to
/// catch, and the shape of "a published sequence written without atomics".
struct UnsynchronisedCounter(UnsafeCell<u64>);

// SAFETY: this is deliberately NOT sound. It lets two threads write the same `u64` with no
// happens-before edge between them so that ThreadSanitizer has a race to report. It exists only
// in this ignored, env-gated test.
unsafe impl Sync for UnsynchronisedCounter {}

#[test]
#[ignore = "deliberate data race; run only by `scripts/sanitizers tsan` under ThreadSanitizer"]
fn tsan_negative_control_unsynchronised_writes_are_reported() {
    if std::env::var(ARM_VARIABLE).as_deref() != Ok("1") {
        eprintln!("{ARM_VARIABLE} is not 1: not running the deliberate data race");
        return;
    }
    let counter: &'static UnsynchronisedCounter =
        Box::leak(Box::new(UnsynchronisedCounter(UnsafeCell::new(0))));
    let racers: Vec<_> = (0..2)
        .map(|_| {
            thread::spawn(move || {
                for _ in 0..1_000 {
                    let cell = counter.0.get();
                    // SAFETY: deliberately unsound (see `UnsynchronisedCounter`): a plain
                    // read-modify-write racing the other thread's, for TSan to report.
                    unsafe { cell.write_volatile(cell.read_volatile() + 1) };
                }
            })
        })
        .collect();
    // Explicit joins: TSan does not see the implicit join of `thread::scope`.
    for racer in racers {
        racer.join().expect("racing thread panicked");
    }
    // SAFETY: both writers were joined above, so this read races nothing.
    let total = unsafe { *counter.0.get() };
    assert!(
        total <= 2_000,
        "two threads of 1000 increments cannot exceed 2000, got {total}"
    );
}
