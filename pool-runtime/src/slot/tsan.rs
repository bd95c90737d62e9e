//! ThreadSanitizer annotations (`--cfg ringpool_tsan`) for locks TSan cannot see.
//!
//! std is not instrumented on a stable toolchain, so when a `std::sync::Mutex` is taken on its
//! contended path TSan misses the acquire and reports the data the mutex guards as racing. Code
//! that holds such a lock calls [`acquired`] right after taking it and [`releasing`] right before
//! letting it go, naming the lock's address: TSan then sees the happens-before edge the mutex
//! really provides, and the code under the lock needs no suppression. Without the cfg these are
//! no-ops.

// SAFETY: these are the TSan runtime's public interface (`sanitizer/tsan_interface.h`:
// `void __tsan_acquire(void *addr)`, `void __tsan_release(void *addr)`), declared with their C
// signatures. `--cfg ringpool_tsan` is only set together with `-Zsanitizer=thread`, which links it.
#[cfg(ringpool_tsan)]
unsafe extern "C" {
    fn __tsan_acquire(addr: *mut core::ffi::c_void);
    fn __tsan_release(addr: *mut core::ffi::c_void);
}

/// Tells TSan that the lock at `lock` was just acquired.
#[inline(always)]
pub(crate) fn acquired<L>(lock: &L) {
    #[cfg(ringpool_tsan)]
    // SAFETY: TSan only records a synchronisation event keyed by the address; it never
    // dereferences it.
    unsafe {
        __tsan_acquire(core::ptr::from_ref(lock).cast_mut().cast())
    };
    let _ = lock;
}

/// Tells TSan that the lock at `lock` is about to be released.
#[inline(always)]
pub(crate) fn releasing<L>(lock: &L) {
    #[cfg(ringpool_tsan)]
    // SAFETY: as in `acquired`: an event keyed by the address, no access to it.
    unsafe {
        __tsan_release(core::ptr::from_ref(lock).cast_mut().cast())
    };
    let _ = lock;
}
