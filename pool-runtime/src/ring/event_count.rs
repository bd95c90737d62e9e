//! An event count (folly's `EventCount`): lets a thread sleep until a condition on other atomics
//! becomes true, without losing a wake-up and without a fence on the notifier's side.
//!
//! # Protocol
//!
//! `waiters` holds how many waiters are *registered* (low half) and a *generation* (top 30 bits).
//! A waiter whose condition is false registers (adds itself to the count and remembers the
//! generation it was counted under), runs the *waiter barrier*, reads the `epoch` as its key,
//! re-checks the condition, checks that it is still registered, and only then sleeps — on a
//! futex over `epoch` on Linux, a mutex and condition variable elsewhere — for as long as
//! `epoch` still equals its key. A notifier first makes the condition true (the ring's publish
//! or cursor store), runs the *notifier barrier*, and loads `waiters`. While the count is zero
//! that is all a notify costs: one load. Otherwise it *takes* every registration at once
//! (compare-exchange to the next generation with a zero count), bumps `epoch` (`Release`) and
//! wakes the sleepers.
//!
//! Taking the registrations is what keeps a busy writer cheap: a woken waiter may wait a long
//! time for a core (the host is loaded, or its core runs the writer), and were it to count
//! itself out only then, every push in the meantime would pay a futex wake for nobody. With
//! the registrations taken, the next push is one load again, and the woken waiter registers
//! afresh if it has to sleep once more. A waiter that finds its condition true (or its
//! deadline passed) before a notifier took it counts itself out with a compare-exchange that
//! only succeeds in its own generation.
//!
//! Why no wake-up is lost: the two sides form a Dekker pair. The waiter stores `waiters` then
//! loads the condition; the notifier stores the condition then loads `waiters`. With the
//! barriers in between, at least one of them sees the other's store:
//!
//! - the waiter's re-check sees the new condition and it does not sleep, or
//! - the notifier sees the registration, takes it and bumps `epoch`. If the waiter's check of
//!   its generation sees the take, it registers again (and the pair starts over). If it does
//!   not, its key was read before the bump: an `Acquire` load of the key that saw the bump
//!   would make the take (sequenced before the bump) visible to the later generation check.
//!   So the futex (or the condition variable, checked under its mutex) finds `epoch` different
//!   from the key, or the waiter is asleep before the wake.
//!
//! A waiter woken without being taken (a signal, a spurious futex return) is still registered
//! and visible to every later notifier: it re-reads its key and re-checks without a second
//! barrier. Generations are 30 bits: a waiter would mistake a taken registration for its own
//! only if 2^30 takes (each one needing a fresh registration and a notify) ran while it was
//! between two instructions of this loop.
//!
//! The barriers are an asymmetric pair where the kernel offers one
//! ([`asymmetric`](crate::slot::asymmetric): `membarrier(2)` on Linux): the notifier's is a
//! compiler fence (it only stops the compiler from moving the `waiters` load above the store),
//! and the waiter, which is about to make a system call to sleep anyway, pays for the
//! process-wide barrier. Without `membarrier` both are `SeqCst` fences, whose single total order
//! gives the same either-or. Such an event count is built in the symmetric phase described
//! below (mode *acknowledged* from the start, so every notifier's first load, made after the
//! construction, sees it): its notifier, too, runs the compiler fence and loads `waiters`, sees
//! the mode bit, and decides from a re-read after a `SeqCst` fence. Every notify's common path
//! is thus the same compiler fence, load and test of one word, with no branch on how the event
//! count was built: on the reader's commit, such a branch sat between the copy of the item and
//! the end of the read, which cost instructions per item (docs/bench-runs/spsc-notes.md).
//! A `SeqCst` fence on the waiter alone would *not* do: a `Release`
//! store followed by a plain load on the notifier is not ordered against the waiter under the
//! C++ memory model (a store buffer lets the load pass the store), which is what the loom
//! model's negative control shows.
//!
//! # The switch to symmetric fences
//!
//! On a loaded host one `membarrier` call can take milliseconds (it waits for every CPU running
//! a thread of the process), and a message published while the waiter is inside it waits too.
//! An event count with a single notifier (a ring's reader side: only its writer notifies; fixed
//! at construction, [`EventCount::with_one_notifier`]) therefore switches itself, once and for
//! good, to a `SeqCst` fence on both sides when a waiter's barrier took longer than
//! [`SLOW_BARRIER`]. Two mode bits in `waiters` (bits 32 and 33, below the generation) say where
//! it stands: *asymmetric*, *requested*, *acknowledged*.
//!
//! - A waiter that timed its `membarrier` above the bound sets *requested* (`Relaxed`: a hint).
//! - A notifier whose one load of `waiters` shows a mode bit runs a `SeqCst` fence and decides
//!   from a re-read of `waiters` made after it; if that shows only *requested*, the re-read is
//!   a `fetch_or` of *acknowledged* (`AcqRel`). From then on each of its loads is
//!   coherence-ordered after its own write, so every later notify fences. With several
//!   notifiers this would not hold (one notifier's acknowledgement says nothing of the others'
//!   loads), which is why the switch is a construction-time property.
//! - A waiter keeps paying `membarrier` until a load of `waiters` in its barrier shows
//!   *acknowledged*, and then runs a `SeqCst` fence instead. Against a notify that fenced, the
//!   two fences give the either-or of the symmetric fallback. A notify that did not fence
//!   loaded `waiters` without a mode bit, so (mode bits are never cleared, and its own later
//!   loads would see its acknowledgement) it ran before the acknowledgement, and its publish
//!   is sequenced before it. Every write to `waiters` is a read-modify-write, so the value the
//!   waiter read is in the acknowledgement's release sequence, and the waiter's `SeqCst` fence
//!   acquires it: the waiter's re-check sees that publish.
//!
//! The mode never goes back: that event count then costs a `SeqCst` fence on every notify. The
//! async waiters run the same waiter barrier, so they follow the same rule.
//!
//! Why not symmetric from the start, given that the `membarrier` interrupts every CPU running a
//! thread of the process: beside two busy threads of the same process (`wake_latency`'s
//! `load2`), a ring built with symmetric fences, and one switched at its first sleep, were
//! measured against this rule, taking turns in the same runs, and neither was told apart from
//! an identical copy of the default (`docs/bench-runs/wake-and-pacing-notes.md`). So the
//! notifier keeps its one load until a barrier proves slow.
//!
//! Sleepers are woken all at once (every reader of a ring waits on the reader event count);
//! each re-checks its own condition. A sleep may end early (a signal, a bump meant for another
//! waiter): callers loop. Nothing relies on a timeout; one is only used for a caller's own
//! deadline.
//!
//! Async waiters (feature `async`) take part in the same protocol: an async waiter registers its
//! waker, counts itself in (`Release`, in the upper quarter of the count, so the notifier can
//! tell threads to wake from wakers to call), runs the waiter barrier and re-checks before
//! returning `Pending`. A notifier that takes the count (`Acquire`) therefore sees the waker. A
//! waiter still registered from an earlier poll (its generation unchanged) only re-registers its
//! waker and re-checks: the `AcqRel` read-modify-writes of the waker slot order the
//! re-registration against a notifier's wake, so either the wake sees the new waker or the
//! waiter's generation check sees the take (and it counts itself in again).

use std::time::Instant;

use crossbeam_utils::CachePadded;

use crate::slot::asymmetric;
use crate::sync::{AtomicU32, AtomicU64, Ordering, fence};

/// One sleeping thread in `waiters`.
const THREAD: u64 = 1;
/// One registered async waiter in `waiters`.
#[cfg(feature = "async")]
const ASYNC: u64 = 1 << 16;
/// The sleeping threads' part of `waiters`.
const THREAD_MASK: u64 = (1 << 16) - 1;
/// Both counts: the low half of `waiters`.
const COUNT_MASK: u64 = (1 << 32) - 1;
/// Mode bit: a waiter asked for symmetric fences (module docs).
const SYMMETRIC_REQUESTED: u64 = 1 << 32;
/// Mode bit: the notifier fences on every notify from now on (module docs).
const SYMMETRIC_ACKNOWLEDGED: u64 = 1 << 33;
/// Both mode bits.
const MODE_MASK: u64 = SYMMETRIC_REQUESTED | SYMMETRIC_ACKNOWLEDGED;
/// One generation: bits 34..64 of `waiters`.
const GENERATION: u64 = 1 << 34;

/// A waiter's `membarrier` that took longer than this makes a single-notifier event count switch
/// to symmetric fences. On a quiet host the longest call seen was 85 µs (`perf trace`,
/// docs/bench-runs/wake-and-pacing-notes.md); on a loaded one, 42 ms.
// loom has no clock: its models force the bound with a knob.
#[cfg_attr(loom, allow(dead_code))]
pub(crate) const SLOW_BARRIER: core::time::Duration = core::time::Duration::from_micros(200);

#[cfg(loom)]
loom::thread_local! {
    /// loom model knob: this thread's waiter barriers count as slow (loom has no clock).
    static SLOW_BARRIER_FORCED: core::cell::Cell<bool> = core::cell::Cell::new(false);
}

#[cfg(all(test, not(loom)))]
std::thread_local! {
    /// Test knob: this thread's waiter barriers count as slow (a bound of zero).
    static SLOW_BARRIER_FORCED: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// Test knob: waiter barriers on this thread count as slower than [`SLOW_BARRIER`].
#[cfg(test)]
pub(crate) fn force_slow_barrier(on: bool) {
    SLOW_BARRIER_FORCED.with(|forced| forced.set(on));
}

/// The generation a waiter was registered under (module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Registration(u64);

fn generation(waiters: u64) -> u64 {
    waiters / GENERATION
}

/// Sleeping waiters of one side of a ring (module docs).
pub(crate) struct EventCount {
    inner: CachePadded<Inner>,
}

struct Inner {
    /// Registered threads (bits 0..16) and async waiters (bits 16..32), the mode bits of the
    /// switch to symmetric fences (32, 33), and the generation (bits 34..64), which each notify
    /// that takes the registrations moves on. Read by every notify.
    waiters: AtomicU64,
    /// Bumped by each notify that takes a thread; sleepers sleep while it equals their key.
    epoch: AtomicU32,
    /// Whether the asymmetric barrier pair is available (decided once, at construction). Read
    /// by the waiter's barrier; the notifier learns it from the mode bits (module docs).
    asymmetric: bool,
    /// Whether a slow waiter barrier may switch this event count to symmetric fences: only
    /// with the asymmetric pair and a single notifier (module docs).
    may_switch: bool,
    #[cfg(any(loom, not(target_os = "linux")))]
    sleep: fallback::Sleep,
    #[cfg(feature = "async")]
    wakers: super::wakers::WakerTable,
}

impl EventCount {
    /// An event count any number of threads may notify. Keeps the asymmetric barrier pair for
    /// good.
    pub(crate) fn new() -> Self {
        Self::build(false)
    }

    /// An event count that only one thread at a time notifies (each notify happens before the
    /// next one's, as the ring's single writer's do). Switches to symmetric fences when its
    /// waiters' barrier proves slow (module docs).
    pub(crate) fn with_one_notifier() -> Self {
        Self::build(true)
    }

    fn build(one_notifier: bool) -> Self {
        Self::build_with(asymmetric::available(), one_notifier)
    }

    /// An event count that uses the asymmetric barrier pair if `asymmetric`, else `SeqCst`
    /// fences on both sides (the symmetric phase from the start: module docs).
    fn build_with(asymmetric: bool, one_notifier: bool) -> Self {
        let mode = if asymmetric {
            0
        } else {
            SYMMETRIC_ACKNOWLEDGED
        };
        Self {
            inner: CachePadded::new(Inner {
                waiters: AtomicU64::new(mode),
                epoch: AtomicU32::new(0),
                asymmetric,
                may_switch: asymmetric && one_notifier,
                #[cfg(any(loom, not(target_os = "linux")))]
                sleep: fallback::Sleep::new(),
                #[cfg(feature = "async")]
                wakers: super::wakers::WakerTable::new(),
            }),
        }
    }

    /// Wakes every registered waiter, if there is one. Call after making a waiter's condition
    /// true.
    ///
    /// Costs a compiler fence and one `Relaxed` load while nobody waits (plus, out of line, a
    /// `SeqCst` fence and a second load where `membarrier` is unavailable, or after a switch
    /// to symmetric fences).
    #[inline]
    pub(crate) fn notify(&self) {
        let inner = &*self.inner;
        asymmetric::light();
        // The barriers order it against the waiter (module docs); a mode bit sends us to the
        // slow path, which fences and decides from a re-read. Relaxed: the take below acquires
        // what the registrations released.
        let waiters = inner.waiters.load(Ordering::Relaxed);
        if waiters & (COUNT_MASK | MODE_MASK) != 0 {
            self.notify_slow(waiters);
        }
    }

    #[cold]
    fn notify_slow(&self, mut waiters: u64) {
        let inner = &*self.inner;
        #[cfg(loom)]
        let ignore_mode = super::loom_controls::ignore_mode();
        #[cfg(not(loom))]
        let ignore_mode = false;
        if waiters & MODE_MASK != 0 && !ignore_mode {
            // Symmetric fences (built without `membarrier`, switched, or switching): decide from
            // a read after a fence.
            fence(Ordering::SeqCst);
            waiters = if waiters & SYMMETRIC_ACKNOWLEDGED == 0 {
                // AcqRel: Release makes our earlier publishes visible to a waiter whose fence
                // acquires the acknowledgement (module docs); Acquire as the take's.
                inner
                    .waiters
                    .fetch_or(SYMMETRIC_ACKNOWLEDGED, Ordering::AcqRel)
                    | SYMMETRIC_ACKNOWLEDGED
            } else {
                // Relaxed: ordered by the fence, as the first load by the barrier.
                inner.waiters.load(Ordering::Relaxed)
            };
        }
        // Take every registration: the next generation, nobody counted.
        let taken = loop {
            if waiters & COUNT_MASK == 0 {
                // Another notifier took them after our load; it wakes them, and they re-check
                // after its wake (or register afresh, ordered against our load by the barriers).
                return;
            }
            let next = (waiters & !COUNT_MASK).wrapping_add(GENERATION);
            // AcqRel: Acquire sees the wakers async waiters registered before counting
            // themselves in (Release); Release orders the take before our epoch bump for the
            // waiter's generation check (module docs).
            match inner.waiters.compare_exchange_weak(
                waiters,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => break waiters,
                Err(actual) => waiters = actual,
            }
        };
        if taken & THREAD_MASK != 0 {
            // Release: a waiter that reads the new epoch as its key sees the take and the
            // condition.
            inner.epoch.fetch_add(1, Ordering::Release);
            #[cfg(all(not(loom), target_os = "linux"))]
            futex::wake_all(&inner.epoch);
            #[cfg(any(loom, not(target_os = "linux")))]
            inner.sleep.wake_all();
        }
        #[cfg(feature = "async")]
        if taken & !THREAD_MASK & COUNT_MASK != 0 {
            inner.wakers.wake_all();
        }
    }

    /// The waiter's side of the Dekker pair: after registering, before re-checking. A
    /// `membarrier` call, or a `SeqCst` fence once the notifier acknowledged a switch to
    /// symmetric fences (module docs).
    #[inline]
    pub(crate) fn waiter_barrier(&self) {
        #[cfg(loom)]
        if super::loom_controls::skip_waiter_barrier() {
            return;
        }
        let inner = &*self.inner;
        if !inner.asymmetric {
            fence(Ordering::SeqCst);
            return;
        }
        if !inner.may_switch {
            asymmetric::heavy();
            return;
        }
        // Relaxed: the fence below acquires the acknowledgement (module docs).
        let waiters = inner.waiters.load(Ordering::Relaxed);
        #[cfg(loom)]
        let switched = if super::loom_controls::switch_on_request() {
            MODE_MASK
        } else {
            SYMMETRIC_ACKNOWLEDGED
        };
        #[cfg(not(loom))]
        let switched = SYMMETRIC_ACKNOWLEDGED;
        if waiters & switched != 0 {
            fence(Ordering::SeqCst);
        } else {
            self.timed_heavy(waiters);
        }
    }

    /// `membarrier`, asking for symmetric fences if it took longer than [`SLOW_BARRIER`].
    fn timed_heavy(&self, waiters: u64) {
        #[cfg(not(loom))]
        let start = Instant::now();
        asymmetric::heavy();
        if waiters & SYMMETRIC_REQUESTED != 0 {
            return;
        }
        #[cfg(loom)]
        let slow = SLOW_BARRIER_FORCED.with(|forced| forced.get());
        #[cfg(all(test, not(loom)))]
        let slow =
            SLOW_BARRIER_FORCED.with(|forced| forced.get()) || start.elapsed() > SLOW_BARRIER;
        #[cfg(all(not(test), not(loom)))]
        let slow = start.elapsed() > SLOW_BARRIER;
        if slow {
            // Relaxed: a request; the acknowledgement carries the ordering (module docs).
            self.inner
                .waiters
                .fetch_or(SYMMETRIC_REQUESTED, Ordering::Relaxed);
        }
    }

    /// Where the switch to symmetric fences stands: the mode bits of `waiters`.
    #[cfg(test)]
    fn mode(&self) -> u64 {
        self.inner.waiters.load(Ordering::Relaxed) & MODE_MASK
    }

    /// Counts one waiter of kind `unit` in; the caller runs `waiter_barrier` next.
    fn register(&self, unit: u64) -> Registration {
        // Release: a notifier that takes the count (Acquire) sees what was done before it (an
        // async waiter's waker). Ordered before the re-check by `waiter_barrier`.
        Registration(generation(
            self.inner.waiters.fetch_add(unit, Ordering::Release),
        ))
    }

    /// Whether `registration` still counts (no notifier took it).
    fn is_registered(&self, registration: Registration) -> bool {
        // Relaxed: see the module docs for why a take this load misses comes with an epoch
        // bump the caller's key predates.
        generation(self.inner.waiters.load(Ordering::Relaxed)) == registration.0
    }

    /// Counts one waiter of kind `unit` out, unless a notifier already took it.
    fn deregister(&self, unit: u64, registration: Registration) {
        let waiters = &self.inner.waiters;
        // Relaxed: only the count; it is ours to remove while the generation is ours.
        let mut current = waiters.load(Ordering::Relaxed);
        while generation(current) == registration.0 {
            match waiters.compare_exchange_weak(
                current,
                current - unit,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
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
            let registration = self.register(THREAD);
            self.waiter_barrier();
            // Registered: sleep until taken (or the deadline), re-checking after each wake.
            loop {
                // Acquire: pairs with the notifier's Release bump (module docs).
                let key = inner.epoch.load(Ordering::Acquire);
                if ready() {
                    self.deregister(THREAD, registration);
                    return true;
                }
                #[cfg(loom)]
                let check = !super::loom_controls::skip_generation_check();
                #[cfg(not(loom))]
                let check = true;
                if check && !self.is_registered(registration) {
                    // A notifier took us: register again before sleeping.
                    break;
                }
                if self.sleep(key, deadline) {
                    self.deregister(THREAD, registration);
                    return ready();
                }
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

    /// Counts an async waiter in, after it registered its waker and before it re-checks (the
    /// caller runs `waiter_barrier` in between).
    #[cfg(feature = "async")]
    pub(crate) fn add_async_waiter(&self) -> Registration {
        self.register(ASYNC)
    }

    /// Whether an async waiter's registration still counts (no notifier took it).
    #[cfg(feature = "async")]
    pub(crate) fn async_waiter_registered(&self, registration: Registration) -> bool {
        #[cfg(loom)]
        if super::loom_controls::skip_generation_check() {
            return true;
        }
        self.is_registered(registration)
    }

    /// Counts an async waiter out (its condition became true, or it gave up waiting), unless a
    /// notifier already took it.
    #[cfg(feature = "async")]
    pub(crate) fn remove_async_waiter(&self, registration: Registration) {
        self.deregister(ASYNC, registration);
    }

    /// The wakers of async waiters.
    #[cfg(feature = "async")]
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

#[cfg(all(test, not(loom)))]
mod tests;
