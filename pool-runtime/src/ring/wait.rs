//! Blocking with bounded CPU use: spin, then yield, then park.
//!
//! A waiter checks its condition [`SPIN_CHECKS`] times with a spin hint in between (a hand-off
//! between running threads takes well under a microsecond), then yields its time slice for up to
//! [`YIELD_FOR`], then parks. A deadline is honoured in every phase. The other side calls
//! [`WaitQueue::notify`] after every publish / cursor move; it costs one `Relaxed` load of a
//! counter on its own cache line while nobody is parked.
//!
//! Wake-ups are best effort: the notifier does not fence between its store (publish or cursor)
//! and its load of the parked count, because a `SeqCst` fence per item would cost more than the
//! hand-off itself. A wake-up can therefore be missed in a narrow window, so a parked waiter
//! also wakes by itself after at most [`MAX_PARK`] and re-checks. A missed wake-up costs latency
//! (bounded by `MAX_PARK`), never a hang or a lost item.

use std::time::{Duration, Instant};

/// The longest a waiter stays parked before re-checking its condition by itself.
pub(crate) const MAX_PARK: Duration = Duration::from_millis(1);

/// How many times a waiter checks the condition, with a `spin_loop` hint in between (no
/// exponential back-off, so it notices an item at once), before it starts yielding. Kept short:
/// when the other side is not running (more runnable threads than cores), spinning only delays
/// it, and yielding lets it run.
const SPIN_CHECKS: u32 = 64;
/// How long a waiter keeps yielding its time slice before it parks. On an oversubscribed
/// machine the other side may simply not be running; yielding lets it run without the cost of
/// a park/unpark round trip through the kernel.
const YIELD_FOR: Duration = Duration::from_micros(500);

#[cfg(not(loom))]
mod imp {
    use std::sync::Mutex;
    use std::thread::{self, Thread};
    use std::time::Instant;

    use crossbeam_utils::CachePadded;

    use super::{MAX_PARK, SPIN_CHECKS, YIELD_FOR};
    use crate::sync::{AtomicUsize, Ordering};

    /// Threads parked waiting for one side of a ring to move.
    pub(crate) struct WaitQueue {
        /// How many threads are registered in `threads`; read on every notify.
        parked: CachePadded<AtomicUsize>,
        threads: Mutex<Vec<Thread>>,
    }

    impl WaitQueue {
        pub(crate) fn new() -> Self {
            Self {
                parked: CachePadded::new(AtomicUsize::new(0)),
                threads: Mutex::new(Vec::new()),
            }
        }

        /// Wakes every parked waiter if there is one.
        #[inline]
        pub(crate) fn notify(&self) {
            // Relaxed: a stale zero only delays a waiter by at most MAX_PARK (module docs).
            if self.parked.load(Ordering::Relaxed) != 0 {
                self.notify_slow();
            }
        }

        #[cold]
        fn notify_slow(&self) {
            let threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
            for waiter in threads.iter() {
                waiter.unpark();
            }
        }

        /// Waits until `ready()` is true (returns `true`) or `deadline` passes (returns `false`).
        pub(crate) fn wait_until(
            &self,
            mut ready: impl FnMut() -> bool,
            deadline: Option<Instant>,
        ) -> bool {
            // Spin a few checks, then yield for a bounded time: at most about YIELD_FOR of CPU
            // before the first park.
            for _ in 0..SPIN_CHECKS {
                if ready() {
                    return true;
                }
                core::hint::spin_loop();
            }
            let began = Instant::now();
            loop {
                if ready() {
                    return true;
                }
                let now = Instant::now();
                if deadline.is_some_and(|deadline| now >= deadline) {
                    return ready();
                }
                if now.duration_since(began) >= YIELD_FOR {
                    break;
                }
                thread::yield_now();
            }
            let me = thread::current();
            loop {
                if ready() {
                    return true;
                }
                let timeout = match deadline {
                    None => MAX_PARK,
                    Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                        None => return ready(),
                        Some(left) => left.min(MAX_PARK),
                    },
                };
                self.threads
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(me.clone());
                // SeqCst: registered before the re-check below, so a notifier that stores
                // after our re-check and loads `parked` with a fence of its own would see us.
                self.parked.fetch_add(1, Ordering::SeqCst);
                if !ready() {
                    thread::park_timeout(timeout);
                }
                // Relaxed: only the count matters; the list is protected by the mutex.
                self.parked.fetch_sub(1, Ordering::Relaxed);
                let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(at) = threads.iter().position(|t| t.id() == me.id()) {
                    threads.swap_remove(at);
                }
            }
        }
    }
}

#[cfg(loom)]
mod imp {
    use std::time::Instant;

    /// Under loom, waiting is a yield loop: loom explores the interleavings instead.
    pub(crate) struct WaitQueue;

    impl WaitQueue {
        pub(crate) fn new() -> Self {
            Self
        }

        pub(crate) fn notify(&self) {}

        pub(crate) fn wait_until(
            &self,
            mut ready: impl FnMut() -> bool,
            deadline: Option<Instant>,
        ) -> bool {
            let _ = (super::SPIN_CHECKS, super::YIELD_FOR, super::MAX_PARK);
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
    }
}

pub(crate) use imp::WaitQueue;

/// `now + timeout`, or `None` (wait forever) if that overflows `Instant`.
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}
