//! One monotonic clock for the whole process, so feed and strategies can subtract timestamps.

use std::time::Instant;

/// Nanoseconds since the pipeline started (monotonic, shared by every thread).
#[derive(Clone, Copy)]
pub struct Clock {
    epoch: Instant,
}

impl Clock {
    pub fn start() -> Self {
        Clock {
            epoch: Instant::now(),
        }
    }

    pub fn now_ns(&self) -> u64 {
        // u64 nanoseconds overflow after 584 years of uptime.
        self.epoch.elapsed().as_nanos() as u64
    }
}
