//! `PoolStats::publish_metrics` (feature `metrics`): what a `metrics` recorder receives.
#![cfg(all(not(loom), feature = "metrics"))]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, Key, KeyName, Metadata, Recorder, SharedString,
    Unit,
};
use pool_runtime::{LocalPools, Overflow, PoolConfig, SizeClass};

/// A value one series holds: counters as integers, gauges as floats.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Value {
    Counter(u64),
    Gauge(f64),
}

/// Series are keyed by `name{label=value,...}` with the labels sorted.
type Series = Arc<Mutex<BTreeMap<String, Value>>>;

/// A recorder that keeps the last value of every series and every description.
#[derive(Default)]
struct TestRecorder {
    series: Series,
    descriptions: Mutex<BTreeMap<String, (Option<Unit>, String)>>,
}

struct Handle {
    series: Series,
    key: String,
}

impl CounterFn for Handle {
    fn increment(&self, value: u64) {
        let mut series = self.series.lock().unwrap();
        let entry = series.entry(self.key.clone()).or_insert(Value::Counter(0));
        if let Value::Counter(total) = entry {
            *total += value;
        }
    }

    fn absolute(&self, value: u64) {
        let mut series = self.series.lock().unwrap();
        series.insert(self.key.clone(), Value::Counter(value));
    }
}

impl GaugeFn for Handle {
    fn increment(&self, _: f64) {
        panic!("publish_metrics sets gauges, it never increments them");
    }

    fn decrement(&self, _: f64) {
        panic!("publish_metrics sets gauges, it never decrements them");
    }

    fn set(&self, value: f64) {
        let mut series = self.series.lock().unwrap();
        series.insert(self.key.clone(), Value::Gauge(value));
    }
}

impl TestRecorder {
    fn handle(&self, key: &Key) -> Arc<Handle> {
        let mut labels: Vec<String> = key
            .labels()
            .map(|label| format!("{}={}", label.key(), label.value()))
            .collect();
        labels.sort();
        Arc::new(Handle {
            series: Arc::clone(&self.series),
            key: format!("{}{{{}}}", key.name(), labels.join(",")),
        })
    }

    fn value(&self, name: &str, pool: &str, class: &str) -> Option<Value> {
        let key = format!("{name}{{class={class},pool={pool}}}");
        self.series.lock().unwrap().get(&key).copied()
    }

    fn describe(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        let mut descriptions = self.descriptions.lock().unwrap();
        descriptions.insert(key.as_str().to_owned(), (unit, description.into_owned()));
    }
}

impl Recorder for TestRecorder {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(key, unit, description);
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(key, unit, description);
    }

    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {
        panic!("publish_metrics publishes no histogram");
    }

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.handle(key))
    }

    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.handle(key))
    }

    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        panic!("publish_metrics publishes no histogram");
    }
}

const GAUGES: [&str; 3] = [
    "ringpool_pool_capacity_slots",
    "ringpool_pool_in_use_slots",
    "ringpool_pool_high_water_slots",
];
const COUNTERS: [&str; 3] = [
    "ringpool_pool_allocations_total",
    "ringpool_pool_exhausted_total",
    "ringpool_pool_heap_fallbacks_total",
];

#[test]
fn every_class_is_published_with_its_counters() {
    // XS: 2 slots, overflow to the heap; S: 1 slot that fails when full.
    let config = PoolConfig::empty()
        .with_capacity(SizeClass::XS, 2)
        .with_overflow(SizeClass::XS, Overflow::Heap)
        .with_capacity(SizeClass::S, 1);
    let mut pools = LocalPools::new(config);
    let held: Vec<_> = (0..3).map(|_| pools.allocate_bytes(8).unwrap()).collect();
    let s_slot = pools.allocate_bytes(100).unwrap();
    assert!(pools.allocate_bytes(100).is_err(), "S is full and fails");

    let recorder = TestRecorder::default();
    metrics::with_local_recorder(&recorder, || pools.stats().publish_metrics("decoder"));

    let xs = pools.stats().class(SizeClass::XS);
    assert_eq!((xs.in_use, xs.exhausted, xs.heap_fallbacks), (2, 1, 1));
    let expect = |name: &str, class: &str, value: Value| {
        assert_eq!(
            recorder.value(name, "decoder", class),
            Some(value),
            "{name} of {class}"
        );
    };
    expect(GAUGES[0], "XS", Value::Gauge(2.0));
    expect(GAUGES[1], "XS", Value::Gauge(2.0));
    expect(GAUGES[2], "XS", Value::Gauge(2.0));
    expect(COUNTERS[0], "XS", Value::Counter(2));
    expect(COUNTERS[1], "XS", Value::Counter(1));
    expect(COUNTERS[2], "XS", Value::Counter(1));
    expect(GAUGES[0], "S", Value::Gauge(1.0));
    expect(GAUGES[1], "S", Value::Gauge(1.0));
    expect(COUNTERS[0], "S", Value::Counter(1));
    expect(COUNTERS[1], "S", Value::Counter(1));
    expect(COUNTERS[2], "S", Value::Counter(0));
    // Every class, every metric, and nothing else.
    let series = recorder.series.lock().unwrap().clone();
    assert_eq!(series.len(), 5 * 6, "{series:#?}");
    for class in SizeClass::ALL {
        for name in GAUGES.iter().chain(&COUNTERS) {
            assert!(recorder.value(name, "decoder", class.name()).is_some());
        }
    }
    // Each metric is described once, as a count.
    let descriptions = recorder.descriptions.lock().unwrap().clone();
    assert_eq!(descriptions.len(), 6);
    for name in GAUGES.iter().chain(&COUNTERS) {
        let (unit, help) = &descriptions[*name];
        assert_eq!(*unit, Some(Unit::Count), "{name}");
        assert!(!help.is_empty(), "{name}");
    }

    // Published again after the slots came back: the gauges follow, the counters keep their
    // running totals (set, not added to).
    drop(held);
    drop(s_slot);
    metrics::with_local_recorder(&recorder, || pools.stats().publish_metrics("decoder"));
    expect(GAUGES[1], "XS", Value::Gauge(0.0));
    expect(GAUGES[2], "XS", Value::Gauge(2.0));
    expect(COUNTERS[0], "XS", Value::Counter(2));
    expect(COUNTERS[2], "XS", Value::Counter(1));
}

#[test]
fn pools_are_told_apart_by_their_label() {
    let first = LocalPools::new(PoolConfig::empty().with_capacity(SizeClass::M, 3));
    let second = LocalPools::new(PoolConfig::empty().with_capacity(SizeClass::M, 5));
    let recorder = TestRecorder::default();
    metrics::with_local_recorder(&recorder, || {
        first.stats().publish_metrics("first");
        second.stats().publish_metrics("second");
    });
    assert_eq!(
        recorder.value(GAUGES[0], "first", "M"),
        Some(Value::Gauge(3.0))
    );
    assert_eq!(
        recorder.value(GAUGES[0], "second", "M"),
        Some(Value::Gauge(5.0))
    );
}
