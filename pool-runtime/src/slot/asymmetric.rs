//! An asymmetric memory barrier: a cheap side that only stops the compiler from reordering, and an
//! expensive side that makes every thread of the process execute a full barrier, with
//! `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` on Linux.
//!
//! Together they give the store→load ordering of a Dekker handshake without a fence on the hot
//! side: if the light side stores *A* then loads *B*, and the heavy side stores *B*, runs
//! [`heavy`], then loads *A*, then at least one of the two loads sees the other side's store (the
//! heavy barrier lands on the light thread either before its load of *B*, which then sees *B*, or
//! after its store of *A*, which the barrier then makes visible to the heavy side's load).
//!
//! Where the system call is missing (not Linux, an old kernel, a sandbox or valgrind refusing it)
//! [`available`] is false and callers use their read-modify-write path instead; setting the
//! environment variable `RINGPOOL_NO_MEMBARRIER` forces that (CI runs the pool tests both ways).
//! Under loom both sides are `SeqCst` fences, which is what the kernel barrier amounts to.

#[cfg(not(loom))]
use core::sync::atomic::{AtomicU8, Ordering};

// loom's own thread-local: set in one model thread, it weakens that thread only.
#[cfg(loom)]
loom::thread_local! {
    /// loom negative control: the owner side without its barrier.
    pub(crate) static SKIP_LIGHT_BARRIER: core::cell::Cell<bool> = core::cell::Cell::new(false);
}

#[cfg(loom)]
loom::thread_local! {
    /// loom: [`available`] answers false in this model thread, as where `RINGPOOL_NO_MEMBARRIER`
    /// is set, so a model can build arenas without asymmetric barriers next to the others.
    pub(crate) static MODEL_NO_MEMBARRIER: core::cell::Cell<bool> = core::cell::Cell::new(false);
}

/// Orders the light side's earlier stores before its later loads, as seen by a thread that ran
/// [`heavy`] in between. Costs nothing at run time (a compiler fence).
#[inline(always)]
pub(crate) fn light() {
    #[cfg(loom)]
    if !SKIP_LIGHT_BARRIER.with(|skip| skip.get()) {
        crate::sync::fence(crate::sync::Ordering::SeqCst);
    }
    #[cfg(not(loom))]
    core::sync::atomic::compiler_fence(Ordering::SeqCst);
}

/// The light side where [`heavy`] is `available` (`plain`), else a full `SeqCst` fence: the side
/// of a Dekker handshake that runs often.
#[inline(always)]
pub(crate) fn light_or_fence(plain: bool) {
    if plain {
        light();
    } else {
        crate::sync::fence(crate::sync::Ordering::SeqCst);
    }
}

/// [`heavy`] where it is `available` (`plain`), else a full `SeqCst` fence: the rare side.
pub(crate) fn heavy_or_fence(plain: bool) {
    if plain {
        heavy();
    } else {
        crate::sync::fence(crate::sync::Ordering::SeqCst);
    }
}

/// Makes every thread of the process execute a full memory barrier before this returns. Only call
/// when [`available`] returned true.
#[cold]
pub(crate) fn heavy() {
    #[cfg(loom)]
    crate::sync::fence(crate::sync::Ordering::SeqCst);
    #[cfg(all(not(loom), target_os = "linux", not(miri)))]
    {
        loop {
            // SAFETY: membarrier takes two integer arguments and touches no memory of ours.
            let result = unsafe {
                libc::syscall(
                    libc::SYS_membarrier,
                    MEMBARRIER_CMD_PRIVATE_EXPEDITED,
                    0 as libc::c_uint,
                )
            };
            if result == 0 {
                return;
            }
            match std::io::Error::last_os_error().raw_os_error() {
                // Transient (the kernel could not allocate its CPU mask, or a signal came):
                // the barrier has not happened yet, so try again.
                Some(libc::ENOMEM | libc::EINTR | libc::EAGAIN) => std::thread::yield_now(),
                // Registered in `available`, which the caller checked, so nothing else can
                // fail. Going on without the barrier would break the handshakes built on it,
                // and unwinding from a drop is no better: stop the process with the reason.
                _ => {
                    eprintln!(
                        "ringpool: membarrier failed after a successful registration: {}",
                        std::io::Error::last_os_error()
                    );
                    std::process::abort();
                }
            }
        }
    }
    #[cfg(all(not(loom), not(all(target_os = "linux", not(miri)))))]
    unreachable!("asymmetric barriers are not available on this target");
}

#[cfg(all(not(loom), target_os = "linux", not(miri)))]
const MEMBARRIER_CMD_PRIVATE_EXPEDITED: libc::c_int = 1 << 3;
#[cfg(all(not(loom), target_os = "linux", not(miri)))]
const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_int = 1 << 4;

#[cfg(not(loom))]
const UNKNOWN: u8 = 0;
#[cfg(not(loom))]
const YES: u8 = 1;
#[cfg(not(loom))]
const NO: u8 = 2;

#[cfg(not(loom))]
static AVAILABLE: AtomicU8 = AtomicU8::new(UNKNOWN);

/// Whether [`heavy`] works in this process (registering for it on the first call).
pub(crate) fn available() -> bool {
    #[cfg(loom)]
    return !MODEL_NO_MEMBARRIER.with(|no| no.get())
        && std::env::var_os("RINGPOOL_NO_MEMBARRIER").is_none();
    #[cfg(not(loom))]
    {
        // Relaxed: the answer is the same from every thread; racing first calls both register,
        // which is harmless.
        match AVAILABLE.load(Ordering::Relaxed) {
            YES => true,
            NO => false,
            _ => {
                let yes = register();
                AVAILABLE.store(if yes { YES } else { NO }, Ordering::Relaxed);
                yes
            }
        }
    }
}

#[cfg(all(not(loom), target_os = "linux", not(miri)))]
fn register() -> bool {
    if std::env::var_os("RINGPOOL_NO_MEMBARRIER").is_some() {
        return false;
    }
    // SAFETY: membarrier takes two integer arguments and touches no memory of ours.
    let result = unsafe {
        libc::syscall(
            libc::SYS_membarrier,
            MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
            0 as libc::c_uint,
        )
    };
    result == 0
}

#[cfg(all(not(loom), not(all(target_os = "linux", not(miri)))))]
fn register() -> bool {
    false
}
