//! An event count (folly's `EventCount`): lets a thread sleep until a condition on other atomics
//! becomes true, without losing a wake-up and without a fence on the notifier's side.
//!
//! # Protocol
//!
//! A waiter whose condition is false *prepares* (adds itself to `waiters` and reads the `epoch`
//! as its key), runs the *waiter barrier*, re-checks the condition, and only then sleeps — on a
//! futex over `epoch` on Linux, a mutex and condition variable elsewhere — for as long as `epoch`
//! still equals its key. A notifier first makes the condition true (the ring's publish or cursor
//! store), runs the *notifier barrier*, and loads `waiters`. Only if that is non-zero does it
//! bump `epoch` (`Release`) and wake the sleepers. So while nobody sleeps, a notify is one
//! load.
//!
//! Why no wake-up is lost: the two sides form a Dekker pair. The waiter stores `waiters` then
//! loads the condition; the notifier stores the condition then loads `waiters`. With the
//! barriers in between, at least one of them sees the other's store:
//!
//! - the waiter's re-check sees the new condition and it does not sleep, or
//! - the notifier sees the waiter and bumps `epoch`. If the waiter read its key after the bump,
//!   its `Acquire` load of `epoch` synchronises with the bump, so its re-check sees the
//!   condition. If it read the key before, the futex (or the condition variable, checked under
//!   its mutex) compares `epoch` with the key atomically with going to sleep: it either finds
//!   them different and returns, or is asleep before the wake.
//!
//! The barriers are an asymmetric pair where the kernel offers one
//! ([`asymmetric`](crate::slot::asymmetric): `membarrier(2)` on Linux): the notifier's is a
//! compiler fence (it only stops the compiler from moving the `waiters` load above the store),
//! and the waiter, which is about to make a system call to sleep anyway, pays for the
//! process-wide barrier. Without `membarrier` both are `SeqCst` fences, whose single total order
//! gives the same either-or. A `SeqCst` fence on the waiter alone would *not* do: a `Release`
//! store followed by a plain load on the notifier is not ordered against the waiter under the
//! C++ memory model (a store buffer lets the load pass the store), which is what the loom
//! model's negative control shows.
//!
//! Sleepers are woken all at once (every reader of a ring waits on the reader event count);
//! each re-checks its own condition. A sleep may end early (a signal, a bump meant for another
//! waiter): callers loop. Nothing relies on a timeout; one is only used for a caller's own
//! deadline.
//!
//! Async waiters (feature `async`) take part in the same protocol: an async waiter registers its
//! waker, counts itself in `waiters` (`Release`, in the upper half, so the notifier can tell
//! threads to wake from wakers to call), runs the waiter barrier and re-checks before returning
//! `Pending`. A notifier that sees the count (`Acquire`) therefore sees the waker. A waiter that
//! is still counted from an earlier poll only re-registers and re-checks: its count is visible
//! already, and the `AcqRel` read-modify-writes of the waker slot order the re-registration
//! against a concurrent wake (whichever comes second sees the other's side).

use std::time::Instant;

use crossbeam_utils::CachePadded;

use crate::slot::asymmetric;
use crate::sync::{AtomicU32, Ordering, fence};

/// One sleeping thread in `waiters`.
const THREAD: u32 = 1;
/// One registered async waiter in `waiters`.
#[cfg(all(feature = "async", not(loom)))]
pub(crate) const ASYNC: u32 = 1 << 16;
/// The sleeping threads' part of `waiters`.
const THREAD_MASK: u32 = (1 << 16) - 1;

#[cfg(loom)]
std::thread_local! {
    /// loom negative control: waiters skip their barrier before the re-check.
    static SKIP_WAITER_BARRIER: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

#[cfg(loom)]
std::thread_local! {
    /// loom negative control: a joining reader does not notify the writer.
    static SKIP_JOIN_NOTIFY: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// Whether a joining reader skips its notify (loom negative control).
#[cfg(loom)]
pub(crate) fn skip_join_notify() -> bool {
    SKIP_JOIN_NOTIFY.with(|skip| skip.get())
}

/// loom negative control: joining readers on this thread do not notify the writer.
#[cfg(all(loom, test))]
pub(crate) fn set_skip_join_notify(on: bool) {
    SKIP_JOIN_NOTIFY.with(|skip| skip.set(on));
}

/// loom negative control: make waiters on this thread skip their barrier.
#[cfg(all(loom, test))]
pub(crate) fn set_skip_waiter_barrier(on: bool) {
    SKIP_WAITER_BARRIER.with(|skip| skip.set(on));
}

/// Sleeping waiters of one side of a ring (module docs).
pub(crate) struct EventCount {
    inner: CachePadded<Inner>,
}

struct Inner {
    /// Sleeping threads (low 16 bits) plus registered async waiters (high 16 bits). Read by
    /// every notify.
    waiters: AtomicU32,
    /// Bumped by each notify that finds a waiter; sleepers sleep while it equals their key.
    epoch: AtomicU32,
    /// Whether the asymmetric barrier pair is available (decided once, at construction).
    asymmetric: bool,
    #[cfg(any(loom, not(target_os = "linux")))]
    sleep: fallback::Sleep,
    #[cfg(all(feature = "async", not(loom)))]
    wakers: super::wakers::WakerTable,
}

impl EventCount {
    pub(crate) fn new() -> Self {
        Self {
            inner: CachePadded::new(Inner {
                waiters: AtomicU32::new(0),
                epoch: AtomicU32::new(0),
                asymmetric: asymmetric::available(),
                #[cfg(any(loom, not(target_os = "linux")))]
                sleep: fallback::Sleep::new(),
                #[cfg(all(feature = "async", not(loom)))]
                wakers: super::wakers::WakerTable::new(),
            }),
        }
    }

    /// Wakes every waiter, if there is one. Call after making a waiter's condition true.
    ///
    /// Costs a compiler fence and one `Relaxed` load while nobody waits (a `SeqCst` fence and
    /// the load where `membarrier` is unavailable).
    #[inline]
    pub(crate) fn notify(&self) {
        let inner = &*self.inner;
        if inner.asymmetric {
            asymmetric::light();
        } else {
            fence(Ordering::SeqCst);
        }
        // The barriers order it against the waiter (module docs). Acquire: an async waiter
        // counted itself with Release after registering its waker, so seeing the count means
        // the wake below sees that waker (a plain load on x86).
        let waiters = inner.waiters.load(Ordering::Acquire);
        if waiters != 0 {
            self.notify_slow(waiters);
        }
    }

    #[cold]
    fn notify_slow(&self, waiters: u32) {
        let inner = &*self.inner;
        if waiters & THREAD_MASK != 0 {
            // Release: a waiter that reads the new epoch as its key sees the condition.
            inner.epoch.fetch_add(1, Ordering::Release);
            #[cfg(all(not(loom), target_os = "linux"))]
            futex::wake_all(&inner.epoch);
            #[cfg(any(loom, not(target_os = "linux")))]
            inner.sleep.wake_all();
        }
        #[cfg(all(feature = "async", not(loom)))]
        if waiters & !THREAD_MASK != 0 {
            inner.wakers.wake_all();
        }
    }

    /// The waiter's side of the Dekker pair: after registering, before re-checking.
    #[inline]
    pub(crate) fn waiter_barrier(&self) {
        #[cfg(loom)]
        if SKIP_WAITER_BARRIER.with(|skip| skip.get()) {
            return;
        }
        if self.inner.asymmetric {
            asymmetric::heavy();
        } else {
            fence(Ordering::SeqCst);
        }
    }

    /// Sleeps until `ready()` is true (returns `true`) or `deadline` passes (returns `ready()`).
    /// Checks `ready` at least once before sleeping.
    pub(crate) fn sleep_until(
        &self,
        mut ready: impl FnMut() -> bool,
        deadline: Option<Instant>,
    ) -> bool {
        let inner = &*self.inner;
        loop {
            if ready() {
                return true;
            }
            // Relaxed: the waiter barrier orders it before the re-check (module docs).
            inner.waiters.fetch_add(THREAD, Ordering::Relaxed);
            // Acquire: pairs with the notifier's Release bump (module docs).
            let key = inner.epoch.load(Ordering::Acquire);
            self.waiter_barrier();
            let timed_out = if ready() {
                // Relaxed: only a count; a notifier seeing it too late wakes nobody in vain.
                inner.waiters.fetch_sub(THREAD, Ordering::Relaxed);
                return true;
            } else {
                self.sleep(key, deadline)
            };
            // Relaxed: as above.
            inner.waiters.fetch_sub(THREAD, Ordering::Relaxed);
            if timed_out {
                return ready();
            }
        }
    }

    /// Sleeps while `epoch == key`; `true` if `deadline` has passed.
    fn sleep(&self, key: u32, deadline: Option<Instant>) -> bool {
        let timeout = match deadline {
            None => None,
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                None => return true,
                Some(left) => Some(left),
            },
        };
        #[cfg(all(not(loom), target_os = "linux"))]
        futex::wait(&self.inner.epoch, key, timeout);
        #[cfg(any(loom, not(target_os = "linux")))]
        self.inner.sleep.wait(&self.inner.epoch, key, timeout);
        deadline.is_some_and(|deadline| Instant::now() >= deadline)
    }

    /// Counts an async waiter in, after it registered its waker and before it re-checks.
    #[cfg(all(feature = "async", not(loom)))]
    pub(crate) fn add_async_waiter(&self) {
        // Release: a notifier that sees the count (Acquire) sees the waker registered before
        // it. Ordered before the re-check by `waiter_barrier`, which the caller runs next.
        self.inner.waiters.fetch_add(ASYNC, Ordering::Release);
    }

    /// Counts an async waiter out (it was woken, or gave up waiting).
    #[cfg(all(feature = "async", not(loom)))]
    pub(crate) fn remove_async_waiter(&self) {
        // Relaxed: only a count.
        self.inner.waiters.fetch_sub(ASYNC, Ordering::Relaxed);
    }

    /// The wakers of async waiters.
    #[cfg(all(feature = "async", not(loom)))]
    pub(crate) fn wakers(&self) -> &super::wakers::WakerTable {
        &self.inner.wakers
    }
}

/// The futex calls: wait while the word equals a value, and wake every waiter.
#[cfg(all(not(loom), target_os = "linux"))]
mod futex {
    use core::ptr;
    use core::sync::atomic::AtomicU32;
    use core::time::Duration;

    /// Sleeps while `*word == expected`, at most `timeout`. May return early (spuriously, on a
    /// signal, or because the word already differs).
    pub(super) fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) {
        let timespec = timeout.map(|left| libc::timespec {
            tv_sec: libc::time_t::try_from(left.as_secs()).unwrap_or(libc::time_t::MAX),
            tv_nsec: libc::c_long::from(left.subsec_nanos() as i32),
        });
        let timespec_ptr = timespec
            .as_ref()
            .map_or(ptr::null(), |timespec| timespec as *const libc::timespec);
        // SAFETY: `word` is a live, aligned 32-bit atomic for the duration of the call; the
        // kernel only reads it. `timespec_ptr` is null or points to a timespec on our stack.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                word.as_ptr(),
                libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
                expected,
                timespec_ptr,
            )
        };
    }

    /// Wakes every thread sleeping on `word`.
    pub(super) fn wake_all(word: &AtomicU32) {
        // SAFETY: `word` is a live, aligned 32-bit atomic; FUTEX_WAKE does not access it.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                word.as_ptr(),
                libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
                i32::MAX,
            )
        };
    }
}

/// Where there is no futex (and under loom): a mutex and a condition variable that compare the
/// epoch under the mutex, which gives the futex's atomic "compare and sleep".
#[cfg(any(loom, not(target_os = "linux")))]
mod fallback {
    use core::time::Duration;

    #[cfg(loom)]
    use loom::sync::{Condvar, Mutex};
    #[cfg(not(loom))]
    use std::sync::{Condvar, Mutex};

    use crate::sync::{AtomicU32, Ordering};

    pub(super) struct Sleep {
        lock: Mutex<()>,
        woken: Condvar,
    }

    impl Sleep {
        pub(super) fn new() -> Self {
            Self {
                lock: Mutex::new(()),
                woken: Condvar::new(),
            }
        }

        pub(super) fn wait(&self, epoch: &AtomicU32, key: u32, timeout: Option<Duration>) {
            let guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            // Relaxed: the mutex orders it against `wake_all`'s bump-then-lock.
            if epoch.load(Ordering::Relaxed) != key {
                return;
            }
            match timeout {
                None => drop(self.woken.wait(guard)),
                #[cfg(not(loom))]
                Some(timeout) => drop(self.woken.wait_timeout(guard, timeout)),
                // loom has no clock: a deadline wait returns and the caller re-checks.
                #[cfg(loom)]
                Some(_) => drop(guard),
            }
        }

        /// Called after the epoch bump: a waiter either compared before it (and is waiting on
        /// the condition variable once we hold the mutex) or sees the new epoch.
        pub(super) fn wake_all(&self) {
            drop(self.lock.lock().unwrap_or_else(|e| e.into_inner()));
            self.woken.notify_all();
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests;
