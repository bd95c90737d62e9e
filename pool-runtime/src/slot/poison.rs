//! AddressSanitizer poisoning of free slots (`--cfg ringpool_asan`), so a read through a stale
//! pointer into a freed slot is reported even though the memory stays allocated in our arena.
//! Without the cfg these are no-ops.

// SAFETY: these are the ASan runtime's public interface (`sanitizer/asan_interface.h`), declared
// with its C signatures (`void f(void const volatile *addr, size_t size)`). `--cfg ringpool_asan` is
// only set together with `-Zsanitizer=address`, which links that runtime.
#[cfg(ringpool_asan)]
unsafe extern "C" {
    fn __asan_poison_memory_region(addr: *const u8, size: usize);
    fn __asan_unpoison_memory_region(addr: *const u8, size: usize);
}

/// Marks `len` bytes at `addr` as not addressable.
#[inline(always)]
pub(crate) fn poison(addr: *const u8, len: usize) {
    #[cfg(ringpool_asan)]
    // SAFETY: the ASan runtime only records the range in its shadow memory; it never dereferences
    // `addr`. Callers pass ranges inside arenas they keep allocated.
    unsafe {
        __asan_poison_memory_region(addr, len)
    };
    let _ = (addr, len);
}

/// Marks `len` bytes at `addr` as addressable again.
#[inline(always)]
pub(crate) fn unpoison(addr: *const u8, len: usize) {
    #[cfg(ringpool_asan)]
    // SAFETY: as in `poison`, only ASan's shadow memory is written.
    unsafe {
        __asan_unpoison_memory_region(addr, len)
    };
    let _ = (addr, len);
}
