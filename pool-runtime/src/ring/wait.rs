//! How a blocked side of a ring waits: the [`WaitStrategy`] it was given, over the side's
//! [`EventCount`].
//!
//! `Block` spins a few checks, then sleeps on the event count (whose module docs give the
//! protocol). The spin is short on purpose: it catches an item from a writer that is running
//! right now, and costs nothing a scheduler would notice when the writer is not. Beside two
//! busy threads of the same process (`wake_latency`'s `load2`), no spin at all, 8 and 512 checks
//! were measured against the 64 kept here, each taking turns with the others in the same runs:
//! none was told apart from an identical copy of the default (the counts and the method are in
//! `docs/bench-runs/wake-and-pacing-notes.md`), so the spin stays as it is.

use std::time::{Duration, Instant};

use super::event_count::EventCount;

/// How a ring's [`Reader`](super::Reader) waits for an item, or its
/// [`Writer`](super::Writer) for room, as in the LMAX Disruptor. Set per side with
/// `with_wait_strategy`; the other side keeps its own.
///
/// # Examples
///
/// ```
/// use ringpool::ring::{Ring, WaitStrategy};
///
/// let ring = Ring::<u64>::with_capacity(64)?;
/// let writer = ring.writer()?.with_wait_strategy(WaitStrategy::Yield);
/// let reader = ring.subscribe()?.with_wait_strategy(WaitStrategy::BusySpin);
/// assert_eq!(reader.wait_strategy(), WaitStrategy::BusySpin);
/// # drop((writer, reader));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WaitStrategy {
    /// Re-checks in a loop with a spin hint and never gives up its core: the lowest wake-up
    /// latency, and one full core burnt for as long as it waits. Only for a thread pinned to a
    /// core of its own; on a shared core it delays the very thread it waits for.
    BusySpin,
    /// Spins a few checks, then yields its time slice between checks. Uses a core's idle time
    /// while waiting (100% of a core when nothing else is runnable), and under load each
    /// yield can hand the core away for a whole scheduler slice (milliseconds).
    Yield,
    /// Spins a few checks (1–2 µs), then sleeps in the kernel until the other side
    /// wakes it (a futex on Linux): no CPU while asleep. Each sleep costs the waiter a process-wide
    /// barrier first (`membarrier` on Linux: a system call that interrupts every other CPU then
    /// running a thread of the process), and ending it costs the other side one system call
    /// (once per sleep, not per item). The default.
    #[default]
    Block,
}

/// How many checks `Block` and `Yield` spin before sleeping or yielding: a hand-off between
/// running threads takes well under a microsecond, and when the other side is not running
/// spinning only delays it.
const SPIN_CHECKS: u32 = if cfg!(loom) { 1 } else { 64 };
/// `BusySpin` and `Yield` read the clock once per this many checks when given a deadline.
const CLOCK_EVERY: u32 = 64;

impl WaitStrategy {
    /// Waits until `ready()` is true (returns `true`) or `deadline` passes (returns `false`);
    /// `notify` is the event count the other side notifies after each change.
    pub(crate) fn wait_until(
        self,
        notify: &EventCount,
        mut ready: impl FnMut() -> bool,
        deadline: Option<Instant>,
    ) -> bool {
        #[cfg(loom)]
        if self != Self::Block {
            return loom_spin(ready, deadline);
        }
        let spin_checks = match self {
            Self::BusySpin => u32::MAX,
            Self::Yield | Self::Block => SPIN_CHECKS,
        };
        let mut checks = 0u32;
        loop {
            if ready() {
                return true;
            }
            checks = checks.wrapping_add(1);
            if checks.is_multiple_of(CLOCK_EVERY) && deadline.is_some_and(|d| Instant::now() >= d) {
                return ready();
            }
            if self == Self::BusySpin || checks < spin_checks {
                crate::sync::spin_loop();
            } else if self == Self::Yield {
                crate::sync::thread::yield_now();
            } else {
                return notify.sleep_until(ready, deadline);
            }
        }
    }
}

/// Under loom a spinning strategy must yield to let the model run the other side.
#[cfg(loom)]
fn loom_spin(mut ready: impl FnMut() -> bool, deadline: Option<Instant>) -> bool {
    loop {
        if ready() {
            return true;
        }
        if deadline.is_some() {
            return false;
        }
        loom::thread::yield_now();
    }
}

/// `now + timeout`, or `None` (wait forever) if that overflows `Instant`.
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}
