//! Publishing [`PoolStats`] through the [`metrics`] facade (feature `metrics`), so whatever
//! exporter the application installed (Prometheus, StatsD, ...) shows the pools.

use metrics::{Unit, counter, describe_counter, describe_gauge, gauge};

use crate::pool::stats::PoolStats;

/// Slots of the class (gauge).
pub(crate) const CAPACITY: &str = "ringpool_pool_capacity_slots";
/// Slots in use when the stats were taken (gauge).
pub(crate) const IN_USE: &str = "ringpool_pool_in_use_slots";
/// Sampled peak of slots in use (gauge).
pub(crate) const HIGH_WATER: &str = "ringpool_pool_high_water_slots";
/// Allocations served from the class's slots (counter).
pub(crate) const ALLOCATIONS: &str = "ringpool_pool_allocations_total";
/// Allocations that found the class full (counter).
pub(crate) const EXHAUSTED: &str = "ringpool_pool_exhausted_total";
/// Allocations served from the heap because the class was full (counter).
pub(crate) const HEAP_FALLBACKS: &str = "ringpool_pool_heap_fallbacks_total";

impl PoolStats {
    /// Publishes every class's counters through the `metrics` facade's current recorder, labelled
    /// `pool = <pool>` and `class = "XS"` … `"XL"`: capacity, in use and high water as gauges
    /// (`ringpool_pool_capacity_slots`, `ringpool_pool_in_use_slots`,
    /// `ringpool_pool_high_water_slots`), allocations, exhausted and heap fallbacks as counters
    /// set to their running totals (`ringpool_pool_allocations_total`,
    /// `ringpool_pool_exhausted_total`, `ringpool_pool_heap_fallbacks_total`).
    ///
    /// Call it periodically (say once a second) with a fresh `stats()` snapshot; with no recorder
    /// installed it does nothing. Costs a few label allocations and 30 recorder calls per call: it
    /// is not for the message path.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::{PoolConfig, Pools};
    ///
    /// let pools = Pools::new(PoolConfig::default());
    /// // With an exporter installed (e.g. metrics-exporter-prometheus), the gauges and counters
    /// // appear there; without one, this is a no-op.
    /// pools.stats().publish_metrics("decoder");
    /// ```
    pub fn publish_metrics(&self, pool: &str) {
        describe();
        for (class, stats) in self.iter() {
            let labels = [
                ("pool", pool.to_owned()),
                ("class", class.name().to_owned()),
            ];
            gauge!(CAPACITY, &labels).set(stats.capacity as f64);
            gauge!(IN_USE, &labels).set(stats.in_use as f64);
            gauge!(HIGH_WATER, &labels).set(stats.high_water as f64);
            counter!(ALLOCATIONS, &labels).absolute(stats.allocations);
            counter!(EXHAUSTED, &labels).absolute(stats.exhausted);
            counter!(HEAP_FALLBACKS, &labels).absolute(stats.heap_fallbacks);
        }
    }
}

/// Units and help texts, given to the recorder on every publish (a recorder installed after
/// the first publish still gets them; recorders keep the latest).
fn describe() {
    describe_gauge!(CAPACITY, Unit::Count, "Slots of the size class.");
    describe_gauge!(IN_USE, Unit::Count, "Slots of the size class in use.");
    describe_gauge!(
        HIGH_WATER,
        Unit::Count,
        "Sampled peak of slots of the size class in use."
    );
    describe_counter!(
        ALLOCATIONS,
        Unit::Count,
        "Allocations served from the size class's slots."
    );
    describe_counter!(
        EXHAUSTED,
        Unit::Count,
        "Allocations that found the size class full."
    );
    describe_counter!(
        HEAP_FALLBACKS,
        Unit::Count,
        "Allocations served from the heap because the size class was full."
    );
}
