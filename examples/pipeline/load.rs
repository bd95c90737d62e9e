//! `--background-load N`: busy threads beside the pipeline, the way a shared host looks. A
//! waiter that yields in a loop or relies on a timed self-wake shows up as milliseconds of
//! latency here.
//!
//! `benches/wake_latency.rs` includes this file too (`#[path]`), for its loaded runs: std only.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};

/// Busy threads that spin until dropped.
pub struct BackgroundLoad {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl BackgroundLoad {
    /// Starts `threads` threads that never block.
    pub fn start(threads: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..threads)
            .map(|index| {
                let stop = Arc::clone(&stop);
                thread::Builder::new()
                    .name(format!("load-{index}"))
                    .spawn(move || {
                        let mut spins = 0u64;
                        // Relaxed: a flag with nothing to publish.
                        while !stop.load(Ordering::Relaxed) {
                            spins = black_box(spins.wrapping_add(1));
                        }
                    })
                    .expect("spawning a load thread")
            })
            .collect();
        Self { stop, threads }
    }
}

impl Drop for BackgroundLoad {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}
