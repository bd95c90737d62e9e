//! Helpers shared by the integration tests of `pool-runtime`.
#![allow(dead_code)]

/// How much of its full iteration count a stress test runs: `RINGPOOL_STRESS_SCALE` (a positive
/// float, default 1.0). CI lowers it under valgrind and the sanitizers, which run 5–20× slower.
pub fn stress_scale() -> f64 {
    std::env::var("RINGPOOL_STRESS_SCALE")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(1.0)
}

/// `full` scaled by [`stress_scale`], never below `min`.
pub fn scaled(full: usize, min: usize) -> usize {
    ((full as f64 * stress_scale()) as usize).max(min)
}
