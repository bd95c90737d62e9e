//! The reference count that keeps a ring's shared state alive while any of its handles (the
//! `Ring`, the writer, the readers) exists.
//!
//! It is `Arc`'s protocol with one change: the last handle's drop reads the count again with an
//! `Acquire` load instead of issuing `fence(Acquire)`. Both make every other handle's accesses
//! (ordered before its `Release` decrement) happen-before the free; the load is also seen by
//! ThreadSanitizer, which ignores fences and cannot see inside the uninstrumented std `Arc`, and
//! so reported the last handle's free as racing with the other handles' drops.

use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;

use crate::sync::{AtomicUsize, Ordering};

/// The heap block: the count and the shared value.
struct Counted<S> {
    handles: AtomicUsize,
    value: S,
}

/// A counted handle to a heap-allocated `S`, freed with the last handle.
pub(crate) struct SharedRef<S> {
    ptr: NonNull<Counted<S>>,
    /// The handle owns a share of a `Counted<S>` (for drop check and variance).
    _owns: PhantomData<Counted<S>>,
}

// SAFETY: as `Arc<S>`: handles on several threads give shared access to `S` (needs `S: Sync`)
// and whichever thread drops the last one drops `S` (needs `S: Send`).
unsafe impl<S: Send + Sync> Send for SharedRef<S> {}
// SAFETY: as above; `&SharedRef` only gives `&S` and can clone a handle.
unsafe impl<S: Send + Sync> Sync for SharedRef<S> {}

impl<S> SharedRef<S> {
    pub(crate) fn new(value: S) -> Self {
        let counted = Box::new(Counted {
            handles: AtomicUsize::new(1),
            value,
        });
        Self {
            ptr: NonNull::from(Box::leak(counted)),
            _owns: PhantomData,
        }
    }

    /// The count, through a raw pointer: no reference to the whole block is made, so none is
    /// alive when another handle's drop may free it (rust-lang/rust#55005).
    fn handles(&self) -> &AtomicUsize {
        // SAFETY: this handle keeps the block alive while `&self` lives.
        unsafe { &*core::ptr::addr_of!((*self.ptr.as_ptr()).handles) }
    }
}

impl<S> Clone for SharedRef<S> {
    fn clone(&self) -> Self {
        // Relaxed: a new handle is made from an existing one, which keeps the block alive; the
        // count only has to be exact (as `Arc::clone`).
        let before = self.handles().fetch_add(1, Ordering::Relaxed);
        // More handles than half the address space can only come from leaked handles: stop
        // before the count could wrap and free a live block (as `Arc` does).
        if before > isize::MAX as usize {
            std::process::abort();
        }
        Self {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<S> Deref for SharedRef<S> {
    type Target = S;

    fn deref(&self) -> &S {
        // SAFETY: this handle keeps the block alive while `&self` lives.
        unsafe { &*core::ptr::addr_of!((*self.ptr.as_ptr()).value) }
    }
}

impl<S> Drop for SharedRef<S> {
    fn drop(&mut self) {
        // Release: every access this handle made happens-before the last handle's Acquire load
        // below. After this step another thread may free the block: nothing here refers to it.
        if self.handles().fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        // Acquire load, not `fence(Acquire)` (module docs): the other handles' Release
        // decrements happen-before the free.
        #[cfg(loom)]
        let order = if super::loom_controls::weak_teardown() {
            Ordering::Relaxed
        } else {
            Ordering::Acquire
        };
        #[cfg(not(loom))]
        let order = Ordering::Acquire;
        let remaining = self.handles().load(order);
        debug_assert_eq!(remaining, 0);
        // SAFETY: the count reached zero, so this is the last handle: the block was leaked from
        // a `Box` in `new`, is freed once, here, and nobody else can reach it.
        drop(unsafe { Box::from_raw(self.ptr.as_ptr()) });
    }
}
