//! Blocking with bounded CPU use: spin, then yield, then park.
//!
//! A waiter spins briefly (a hand-off between busy threads takes well under a microsecond), then
//! yields its time slice a few times, then parks. The other side calls
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

/// Checks of the condition with a `spin_loop` hint in between before yielding: a few
/// microseconds, longer than a typical hand-off between two running threads. The condition is
/// checked after every hint (no exponential back-off) so a waiter notices an item at once.
const SPIN_ROUNDS: u32 = 256;
/// `yield_now` rounds before parking.
const YIELD_ROUNDS: u32 = 32;

#[cfg(not(loom))]
mod imp {
    use std::sync::Mutex;
    use std::thread::{self, Thread};
    use std::time::Instant;

    use crossbeam_utils::CachePadded;

    use super::{MAX_PARK, SPIN_ROUNDS, YIELD_ROUNDS};
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
            for round in 0..(SPIN_ROUNDS + YIELD_ROUNDS) {
                if ready() {
                    return true;
                }
                if round < SPIN_ROUNDS {
                    core::hint::spin_loop();
                } else {
                    thread::yield_now();
                }
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
            let _ = (super::SPIN_ROUNDS, super::YIELD_ROUNDS, super::MAX_PARK);
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
