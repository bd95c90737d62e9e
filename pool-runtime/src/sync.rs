//! One switch between `loom`'s model-checked primitives and the real ones.
//!
//! Every atomic and every `UnsafeCell` the runtime shares between threads comes from here, so
//! `RUSTFLAGS="--cfg loom"` puts all of them under the model checker at once. `UnsafeCell` is
//! loom's API shape (`with` / `with_mut`) in both builds, so each access is visible to loom.

#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;
#[cfg(loom)]
pub(crate) use loom::hint::spin_loop;
#[cfg(loom)]
pub(crate) use loom::sync::Arc;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
};
#[cfg(loom)]
pub(crate) use loom::thread;

#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) use core::hint::spin_loop;
#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
};
#[cfg(not(loom))]
pub(crate) use std::sync::Arc;
#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) use std::thread;

/// A wait for another thread's few-instruction window: crossbeam's `Backoff` (spin, then yield),
/// or under loom a yield at every step, so the model schedules the thread being waited for.
pub(crate) struct Backoff(#[cfg(not(loom))] crossbeam_utils::Backoff);

impl Backoff {
    pub(crate) fn new() -> Self {
        Backoff(
            #[cfg(not(loom))]
            crossbeam_utils::Backoff::new(),
        )
    }

    /// One step of the wait.
    #[inline]
    pub(crate) fn snooze(&self) {
        #[cfg(loom)]
        thread::yield_now();
        #[cfg(not(loom))]
        self.0.snooze();
    }
}

/// `core::cell::UnsafeCell` with loom's closure-based API, so code is written once for both.
#[cfg(not(loom))]
#[derive(Debug)]
#[repr(transparent)]
pub(crate) struct UnsafeCell<T: ?Sized>(core::cell::UnsafeCell<T>);

#[cfg(not(loom))]
#[allow(dead_code)]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    pub(crate) fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

#[cfg(not(loom))]
#[allow(dead_code)]
impl<T: ?Sized> UnsafeCell<T> {
    /// Runs `f` with a shared raw pointer to the contents.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with an exclusive raw pointer to the contents.
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
