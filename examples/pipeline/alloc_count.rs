//! A global allocator that counts heap allocations per thread, so the summary can say how many
//! allocations each stage made per message (ringpool's hot path should make none).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Forwards to the system allocator and counts, in a thread-local counter, every allocation
/// (`alloc`, `alloc_zeroed` and `realloc`). Thread-local so counting adds no shared cache-line
/// traffic that would slow the baseline down unfairly.
pub struct CountingAllocator;

thread_local! {
    // `const` initialisation and a type without `Drop`: no lazy init and no destructor, so this
    // is safe to touch from inside the allocator (it never allocates itself).
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // `try_with` only fails while the thread is being torn down; not counting then is fine.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

/// Allocations made so far by the calling thread.
pub fn thread_allocations() -> u64 {
    ALLOCATIONS.try_with(Cell::get).unwrap_or(0)
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so it upholds
// exactly the `GlobalAlloc` contract `System` does; the counting touches only a thread-local
// `Cell` and never allocates or unwinds.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded verbatim; the caller guarantees `layout` has a non-zero size.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded verbatim; the caller guarantees `layout` has a non-zero size.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded verbatim; `ptr` came from this allocator, i.e. from `System`, with
        // this `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded verbatim; `ptr`/`layout` describe a live `System` block and
        // `new_size` is non-zero, as the caller guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
