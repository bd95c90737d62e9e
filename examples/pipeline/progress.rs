//! Counters the actors publish and the status line reads; each on its own cache line so the
//! publishing actors do not slow each other down.

use std::sync::atomic::{AtomicU64, Ordering};

/// A value one actor publishes and others only read for display.
#[repr(align(128))]
#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn publish(&self, value: u64) {
        // Relaxed: a display figure; nothing is synchronised through it.
        self.0.store(value, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Pool facts the decoder publishes for the status line (it owns the pools).
pub const CLASSES: usize = 5;

pub struct Progress {
    pub fed: Counter,
    pub decoded: Counter,
    pub handled: Vec<Counter>,
    /// Slots in use per size class (XS..XL), as last published by the decoder.
    pub pool_in_use: [Counter; CLASSES],
    pub pool_capacity: [Counter; CLASSES],
}

impl Progress {
    pub fn new(readers: usize) -> Self {
        Progress {
            fed: Counter::default(),
            decoded: Counter::default(),
            handled: (0..readers).map(|_| Counter::default()).collect(),
            pool_in_use: Default::default(),
            pool_capacity: Default::default(),
        }
    }
}
