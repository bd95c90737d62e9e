//! Small per-thread numbers (tids) for the `Pools` stashes: each live thread that allocates through a
//! `Pools` gets a number below [`MAX_TIDS`], unique among live threads and given back when the
//! thread exits, so that it alone owns its magazine in every `Pools` arena (see `stash`). A
//! thread that only drops messages never gets one: its frees go to the shared list, where the
//! allocating threads find them first. Beyond [`MAX_TIDS`] concurrently live threads, the
//! extra threads get none and use the shared free list only: slower, never wrong. Such a thread
//! tries again at its next allocation after any number was given back (one load of a global
//! counter per allocation while it has none), so a long-lived thread that started while all
//! numbers were taken gets one as soon as one frees up.

/// How many threads can hold a number at once (one bit each in the registry word). Fewer under
/// loom, whose models run two or three threads and pay for every atomic cell.
pub(crate) const MAX_TIDS: usize = if cfg!(loom) { 4 } else { 64 };

/// A thread's number as the byte offset of its magazine in a stash's array (number × the size of
/// a `Magazine`), so that the magazine's address is one add. Only this module makes one, and only
/// of a number below [`MAX_TIDS`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Tid(usize);

/// Bytes per number in a [`Tid`]: one magazine.
const STRIDE: usize = size_of::<super::stash::Magazine>();

impl Tid {
    /// Number `number`'s, if it is one (below [`MAX_TIDS`]).
    #[cfg(any(loom, test))]
    pub(crate) const fn of_number(number: usize) -> Option<Tid> {
        if number < MAX_TIDS {
            Some(Tid(number * STRIDE))
        } else {
            None
        }
    }

    /// The number.
    #[cfg(all(test, not(loom)))]
    pub(crate) const fn number(self) -> usize {
        self.0 / STRIDE
    }

    /// The byte offset of the number's magazine: a multiple of the size of a `Magazine`, below
    /// `MAX_TIDS` of them.
    #[inline(always)]
    pub(crate) const fn offset(self) -> usize {
        self.0
    }
}

/// The calling thread's [`Tid`] as read, unchecked (see [`assigned_raw`] and [`number_of`]).
#[derive(Clone, Copy)]
pub(crate) struct RawTid(usize);

#[cfg(not(loom))]
pub(crate) use registry::{assigned, assigned_raw, current};

#[cfg(any(not(loom), test))]
use crate::sync::{AtomicU64, Ordering};

/// Which numbers are held, and how many were given back so far. The one registry of a process
/// is a static (not under loom, whose mock statics do not outlive a model; there the hand-off is
/// modelled on a registry of its own, see `tid_loom_tests`).
#[cfg(any(not(loom), test))]
pub(super) struct Registry {
    /// Bit `n` set: number `n` belongs to a live thread.
    taken: AtomicU64,
    /// Give-backs so far: a thread that found every number taken tries again once this moved.
    given_back: AtomicU64,
}

#[cfg(any(not(loom), test))]
impl Registry {
    #[cfg(not(loom))]
    pub(super) const fn new() -> Self {
        Registry {
            taken: AtomicU64::new(0),
            given_back: AtomicU64::new(0),
        }
    }

    /// Under loom (whose atomics have no `const` constructor): for the hand-off model.
    #[cfg(all(loom, test))]
    pub(super) fn new() -> Self {
        Registry {
            taken: AtomicU64::new(0),
            given_back: AtomicU64::new(0),
        }
    }

    /// Takes the lowest free number, if any.
    pub(super) fn try_take(&self) -> Option<usize> {
        // Relaxed: the compare-exchange below decides.
        let mut taken = self.taken.load(Ordering::Relaxed);
        loop {
            let free = (!taken).trailing_zeros() as usize;
            if free >= MAX_TIDS {
                return None;
            }
            // Acquire: the previous holder's last magazine push (plain stores into its magazine,
            // before its Release give-back) happens before our first look at the cell.
            match self.taken.compare_exchange_weak(
                taken,
                taken | (1 << free),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(free),
                Err(actual) => taken = actual,
            }
        }
    }

    pub(super) fn give_back(&self, number: usize) {
        // Release: our magazine pushes happen before the next holder's Acquire claim.
        self.taken.fetch_and(!(1 << number), give_back_ordering());
        // Relaxed: a hint for threads waiting for a number (they then try `try_take`).
        self.given_back.fetch_add(1, Ordering::Relaxed);
    }

    /// How many numbers were given back so far (a hint, see `FULL`).
    #[cfg_attr(loom, allow(dead_code))]
    pub(super) fn given_back(&self) -> u64 {
        // Relaxed: a hint; `try_take` decides.
        self.given_back.load(Ordering::Relaxed)
    }
}

#[cfg(all(loom, test))]
loom::thread_local! {
    /// loom negative control: give a number back with a Relaxed instead of a Release clear.
    pub(super) static WEAKEN_GIVE_BACK: core::cell::Cell<bool> = core::cell::Cell::new(false);
}

#[cfg(any(not(loom), test))]
#[inline(always)]
fn give_back_ordering() -> Ordering {
    #[cfg(all(loom, test))]
    if WEAKEN_GIVE_BACK.with(|w| w.get()) {
        return Ordering::Relaxed;
    }
    Ordering::Release
}

/// The process's registry of numbers and each thread's claim on it (not under loom, whose mock
/// statics and locals do not outlive a model; there a thread's number is its loom thread index,
/// see below).
#[cfg(not(loom))]
mod registry {
    use core::cell::Cell;

    use super::{RawTid, Registry, Tid};

    const UNASSIGNED: usize = usize::MAX;
    /// The thread is exiting: it takes no number any more.
    const EXITING: usize = usize::MAX - 1;
    /// Every number was held by another live thread at the last try (see `FULL_SEEN`).
    const FULL: usize = usize::MAX - 2;

    static REGISTRY: Registry = Registry::new();

    // The number itself (as its `Tid`'s offset, or one of the values above) lives in a local
    // without a destructor, so the hot path is one thread-local load (no "initialised /
    // destroyed" state to check), and it stays readable while the thread's other locals are
    // destroyed (a message dropped by one of their destructors reads it).
    std::thread_local! {
        static NUMBER: Cell<usize> = const { Cell::new(UNASSIGNED) };
        /// `Registry::given_back` when this thread last found every number taken.
        static FULL_SEEN: Cell<u64> = const { Cell::new(0) };
    }

    /// Gives the thread's number back when the thread exits.
    struct NumberGuard(usize);

    impl Drop for NumberGuard {
        fn drop(&mut self) {
            // Retire the number *before* giving it back: a message dropped later by another
            // destructor of this thread must not fill a cell whose number a new thread may hold.
            // (`try_with`: loom's mock locals may be destroyed in any order; std's cannot fail.)
            let _ = NUMBER.try_with(|n| n.set(EXITING));
            REGISTRY.give_back(self.0);
        }
    }

    std::thread_local! {
        static GUARD: Cell<Option<NumberGuard>> = const { Cell::new(None) };
    }

    #[cold]
    #[inline(never)]
    fn assign() -> Option<Tid> {
        // Register the guard first: if the thread is already exiting (its locals being destroyed),
        // no number is taken, as none could be given back.
        if GUARD.try_with(|_| ()).is_err() {
            let _ = NUMBER.try_with(|n| n.set(EXITING));
            return None;
        }
        // Read before trying: a give-back after this read makes the next allocation try again.
        let seen = REGISTRY.given_back();
        match REGISTRY.try_take() {
            Some(free) => {
                // `try_take` gives numbers below `MAX_TIDS`.
                let tid = Tid(free * super::STRIDE);
                GUARD.with(|guard| guard.set(Some(NumberGuard(free))));
                NUMBER.with(|n| n.set(tid.offset()));
                Some(tid)
            }
            None => {
                FULL_SEEN.with(|s| s.set(seen));
                NUMBER.with(|n| n.set(FULL));
                None
            }
        }
    }

    /// The calling thread's number if it has one (a thread gets one at its first `Pools`
    /// allocation; see [`current`]). Kept to a thread-local load: every message drop inlines it.
    #[inline(always)]
    pub(crate) fn assigned() -> Option<Tid> {
        // A const local without a destructor: always accessible, a plain thread-local load.
        super::number_of(assigned_raw())
    }

    /// [`assigned`] unchecked (see [`number_of`]): one thread-local load and nothing else, for a
    /// drop that passes it on to an out-of-line step.
    ///
    /// [`number_of`]: super::number_of
    #[inline(always)]
    pub(crate) fn assigned_raw() -> RawTid {
        RawTid(NUMBER.with(Cell::get))
    }

    /// The calling thread's number, assigned on first use; `None` while every number is held by
    /// another live thread (tried again after each give-back), or once the thread has begun
    /// exiting.
    #[inline(always)]
    pub(crate) fn current() -> Option<Tid> {
        // `try_with`: see `NumberGuard::drop` (for std's const local it compiles to a plain load).
        let number = NUMBER.try_with(Cell::get).unwrap_or(EXITING);
        if let Some(tid) = super::number_of(RawTid(number)) {
            Some(tid)
        } else if number == UNASSIGNED
            || (number == FULL && FULL_SEEN.with(Cell::get) != REGISTRY.given_back())
        {
            assign()
        } else {
            None
        }
    }
}

/// The [`Tid`] in a value of `assigned_raw`, if it is one (the thread-local holds a `Tid`'s offset
/// or a value at or above `MAX_TIDS` magazines).
#[inline(always)]
pub(crate) fn number_of(raw: RawTid) -> Option<Tid> {
    (raw.0 < MAX_TIDS * STRIDE).then_some(Tid(raw.0))
}

/// Under loom: as [`current`], raw (`usize::MAX` for none).
#[cfg(loom)]
pub(crate) fn assigned_raw() -> RawTid {
    RawTid(current().map_or(usize::MAX, Tid::offset))
}

/// Under loom: as [`current`] (every model thread has its number from the start).
#[cfg(loom)]
pub(crate) fn assigned() -> Option<Tid> {
    current()
}

#[cfg(loom)]
loom::thread_local! {
    /// loom: this model thread has no number (as a thread beyond the first `MAX_TIDS`).
    pub(crate) static WITHOUT_NUMBER: core::cell::Cell<bool> = core::cell::Cell::new(false);
}

/// Under loom: the model thread's index (0 for the model's main thread), unique within an
/// execution, which is all a model needs; `None` where [`WITHOUT_NUMBER`] is set.
#[cfg(loom)]
pub(crate) fn current() -> Option<Tid> {
    if WITHOUT_NUMBER.with(|w| w.get()) {
        return None;
    }
    let id = format!("{:?}", loom::thread::current().id());
    let number: usize = id
        .trim_start_matches("ThreadId(")
        .trim_end_matches(')')
        .parse()
        .ok()?;
    Tid::of_number(number)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_number_given_back_is_taken_by_a_thread_that_found_none() {
        let registry = Registry::new();
        let held: Vec<_> = (0..MAX_TIDS)
            .map(|_| registry.try_take().expect("numbers left"))
            .collect();
        assert_eq!(held, (0..MAX_TIDS).collect::<Vec<_>>());
        let seen = registry.given_back();
        assert_eq!(registry.try_take(), None, "all taken");
        assert_eq!(registry.given_back(), seen, "no reason to try again yet");
        registry.give_back(37);
        assert_ne!(registry.given_back(), seen, "a waiting thread tries again");
        assert_eq!(registry.try_take(), Some(37));
        assert_eq!(registry.try_take(), None);
    }

    #[test]
    fn live_threads_hold_distinct_numbers_and_give_them_back() {
        let mine = current().expect("a number for the test thread");
        assert_eq!(current(), Some(mine), "stable for the thread's life");
        let (tx, rx) = std::sync::mpsc::channel();
        let (hold_tx, hold_rx) = std::sync::mpsc::channel::<()>();
        let holder = std::thread::spawn(move || {
            tx.send(current()).unwrap();
            hold_rx.recv().unwrap();
        });
        let theirs = rx.recv().unwrap().expect("a number for the second thread");
        assert_ne!(theirs, mine, "two live threads never share a number");
        hold_tx.send(()).unwrap();
        holder.join().unwrap();
        // More threads one after another than there are numbers: each exit gives its number
        // back, or the later ones would find none.
        for _ in 0..MAX_TIDS + 8 {
            let got = std::thread::spawn(current).join().unwrap();
            assert!(got.is_some_and(|tid| tid.number() < MAX_TIDS));
            assert!(got.is_some(), "an exited thread's number is reusable");
        }
    }
}
