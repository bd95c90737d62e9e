//! The in-process ring against its peers: rtrb (SPSC), disruptor (LMAX port) and crossbeam's
//! `ArrayQueue`, all moving the same 256-byte message by value.
//!
//! Groups (peers in the same group):
//! - `ring_spsc/*`: one producer, one consumer, per-message hand-off (time per message).
//!   `ringpool` waits with the default `WaitStrategy::Block` (spin, then sleep on a futex: each
//!   sleep costs the other side a wake-up system call); `ringpool_yield` with
//!   `WaitStrategy::Yield`, the same spin-then-yield loop the peers here use, so it compares the
//!   hand-off itself.
//! - `ring_spsc_batch64/*`: the same, published and consumed in batches of 64 (time per message),
//!   with `ringpool` (`Block`) and `ringpool_yield` (`Yield`, the peers' own wait) as above.
//! - `ring_spsc_ring_ptr/*`: the same hand-off of pooled `RingPtr<Msg>` handles, allocated from one
//!   `Pools` by the producer: ringpool's writer drops each handle once the reader is past it (its
//!   per-push cursor scan, the cost of dropping on read), rtrb's consumer drops it on pop.
//! - `ring_broadcast_1_to_{1,2,4}/*`: one writer, N readers each seeing every message (time per
//!   message; per-reader throughput is its inverse).
//!
//! Before criterion runs, a custom loop measures round-trip latency (ping over one ring, pong
//! over another) with hdrhistogram and prints p50/p99/p99.9 — criterion reports means only.
//!
//! `cargo bench --bench ring -- --warm-up-time 1 --measurement-time 3`
//! (`RING_BENCH_SKIP_LATENCY=1` skips the latency report.)

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, measurement::WallTime};
use crossbeam_queue::ArrayQueue;
use disruptor::{BusySpin, Producer};
use hdrhistogram::Histogram;
use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::ring::{Ring, WaitStrategy};
use ringpool::{PoolConfig, PooledMessage, Pools, RingPtr};

const CAPACITY: usize = 1024;
const BATCH: usize = 64;
/// Wall-clock budget of each round-trip loop (a busy-spinning peer on an oversubscribed machine
/// can take milliseconds per trip); the report says how many trips fitted.
const LATENCY_BUDGET: Duration = Duration::from_secs(10);

/// A 256-byte message, moved by value (or allocated from a pool in `ring_spsc_ring_ptr`).
///
/// Aligned to a cache line so that every peer's slots are: ringpool aligns its slot array to
/// 64 bytes whatever the item, while rtrb, the disruptor and `ArrayQueue` allocate theirs with
/// the item's own alignment, and for 256 KiB glibc returns a page plus 16 bytes. With 8-byte
/// alignment each of their messages then spans five lines, and `consume` (first and last word)
/// touches line `4i` and line `4i + 4`, which is also message `i + 1`'s first: about one new
/// line per message against two for aligned slots, so the comparison measured malloc's offset
/// as much as the hand-off (docs/bench-runs/spsc-notes.md).
#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C, align(64))]
struct Msg {
    seq: u64,
    body: [u64; 31],
}

const _: () = assert!(size_of::<Msg>() == 256 && align_of::<Msg>() == 64);

#[inline]
fn msg(seq: u64) -> Msg {
    Msg {
        seq,
        body: [seq; 31],
    }
}

/// The peers' wait loop: spin a little, then yield the time slice, as the ring's own waits do
/// (a pure spin loop collapses when the two threads share a busy core).
#[derive(Default)]
struct Relax(u32);

impl Relax {
    #[inline]
    fn wait(&mut self) {
        if self.0 < 64 {
            self.0 += 1;
            std::hint::spin_loop();
        } else {
            thread::yield_now();
        }
    }

    #[inline]
    fn reset(&mut self) {
        self.0 = 0;
    }
}

#[inline]
fn consume(m: &Msg) -> u64 {
    black_box(m.seq ^ m.body[30])
}

/// Runs `messages` (rounded up to whole batches where needed) and scales back to `iters`.
fn per_message(iters: u64, round_to: u64, run: impl FnOnce(u64) -> Duration) -> Duration {
    let messages = iters.div_ceil(round_to).max(1) * round_to;
    let elapsed = run(messages);
    elapsed.mul_f64(iters as f64 / messages as f64)
}

fn spsc_ringpool(messages: u64, batched: bool, strategy: WaitStrategy) -> Duration {
    let ring = Ring::<Msg>::with_capacity(CAPACITY).unwrap();
    let mut writer = ring.writer().unwrap().with_wait_strategy(strategy);
    let mut reader = ring.subscribe().unwrap().with_wait_strategy(strategy);
    let consumer = thread::spawn(move || {
        let mut seen = 0;
        if batched {
            while seen < messages {
                let mut got = 0;
                for m in reader.read_batch() {
                    consume(&m);
                    got += 1;
                }
                if got == 0 {
                    // Nothing pending: wait (spin, yield, park) for the next one.
                    reader.read_with(consume);
                    got = 1;
                }
                seen += got;
            }
        } else {
            for m in reader.by_ref().take(messages as usize) {
                consume(&m);
            }
        }
    });
    let start = Instant::now();
    if batched {
        for base in (0..messages).step_by(BATCH) {
            let mut claim = writer.claim(BATCH).unwrap();
            for seq in base..base + BATCH as u64 {
                let _ = claim.push(msg(seq));
            }
        }
    } else {
        for seq in 0..messages {
            writer.push(msg(seq));
        }
    }
    consumer.join().unwrap();
    start.elapsed()
}

fn spsc_rtrb(messages: u64, batched: bool) -> Duration {
    let (mut producer, mut consumer) = rtrb::RingBuffer::<Msg>::new(CAPACITY);
    let reader = thread::spawn(move || {
        let mut seen = 0;
        let mut relax = Relax::default();
        while seen < messages {
            if batched {
                let ready = consumer.slots();
                if ready == 0 {
                    relax.wait();
                    continue;
                }
                for m in consumer.read_chunk(ready).unwrap() {
                    consume(&m);
                    seen += 1;
                }
            } else if let Ok(m) = consumer.pop() {
                consume(&m);
                seen += 1;
            } else {
                relax.wait();
                continue;
            }
            relax.reset();
        }
    });
    let mut relax = Relax::default();
    let start = Instant::now();
    if batched {
        for base in (0..messages).step_by(BATCH) {
            let chunk = loop {
                match producer.write_chunk_uninit(BATCH) {
                    Ok(chunk) => break chunk,
                    Err(_) => relax.wait(),
                }
            };
            relax.reset();
            chunk.fill_from_iter((base..base + BATCH as u64).map(msg));
        }
    } else {
        for seq in 0..messages {
            let mut m = msg(seq);
            while let Err(rtrb::PushError::Full(back)) = producer.push(m) {
                m = back;
                relax.wait();
            }
            relax.reset();
        }
    }
    reader.join().unwrap();
    start.elapsed()
}

fn spsc_disruptor(messages: u64, batched: bool) -> Duration {
    let mut producer = disruptor::build_single_producer(CAPACITY, || msg(0), BusySpin)
        .handle_events_with(|m: &Msg, _seq, _end_of_batch| {
            consume(m);
        })
        .build();
    let start = Instant::now();
    if batched {
        for base in (0..messages).step_by(BATCH) {
            producer.batch_publish(BATCH, |slots| {
                for (offset, slot) in slots.enumerate() {
                    *slot = msg(base + offset as u64);
                }
            });
        }
    } else {
        for seq in 0..messages {
            producer.publish(|slot| *slot = msg(seq));
        }
    }
    // Dropping the producer waits until the processor has handled every event.
    drop(producer);
    start.elapsed()
}

fn spsc_array_queue(messages: u64) -> Duration {
    let queue = Arc::new(ArrayQueue::<Msg>::new(CAPACITY));
    let consumer = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || {
            let mut seen = 0;
            let mut relax = Relax::default();
            while seen < messages {
                match queue.pop() {
                    Some(m) => {
                        consume(&m);
                        seen += 1;
                        relax.reset();
                    }
                    None => relax.wait(),
                }
            }
        })
    };
    let mut relax = Relax::default();
    let start = Instant::now();
    for seq in 0..messages {
        let mut m = msg(seq);
        while let Err(back) = queue.push(m) {
            m = back;
            relax.wait();
        }
        relax.reset();
    }
    consumer.join().unwrap();
    start.elapsed()
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group.sample_size(20);
    group.throughput(Throughput::Elements(1));
}

fn bench_spsc(c: &mut Criterion) {
    let mut group = c.benchmark_group("ring_spsc");
    configure(&mut group);
    group.bench_function("ringpool", |b| {
        b.iter_custom(|iters| {
            per_message(iters, 1, |n| spsc_ringpool(n, false, WaitStrategy::Block))
        })
    });
    group.bench_function("ringpool_yield", |b| {
        b.iter_custom(|iters| {
            per_message(iters, 1, |n| spsc_ringpool(n, false, WaitStrategy::Yield))
        })
    });
    group.bench_function("rtrb", |b| {
        b.iter_custom(|iters| per_message(iters, 1, |n| spsc_rtrb(n, false)))
    });
    group.bench_function("disruptor", |b| {
        b.iter_custom(|iters| per_message(iters, 1, |n| spsc_disruptor(n, false)))
    });
    group.bench_function("crossbeam_array_queue", |b| {
        b.iter_custom(|iters| per_message(iters, 1, spsc_array_queue))
    });
    group.finish();

    let mut group = c.benchmark_group("ring_spsc_batch64");
    configure(&mut group);
    let batch = BATCH as u64;
    group.bench_function("ringpool", |b| {
        b.iter_custom(|iters| {
            per_message(iters, batch, |n| {
                spsc_ringpool(n, true, WaitStrategy::Block)
            })
        })
    });
    group.bench_function("ringpool_yield", |b| {
        b.iter_custom(|iters| {
            per_message(iters, batch, |n| {
                spsc_ringpool(n, true, WaitStrategy::Yield)
            })
        })
    });
    group.bench_function("rtrb", |b| {
        b.iter_custom(|iters| per_message(iters, batch, |n| spsc_rtrb(n, true)))
    });
    group.bench_function("disruptor", |b| {
        b.iter_custom(|iters| per_message(iters, batch, |n| spsc_disruptor(n, true)))
    });
    group.finish();
}

fn broadcast_ringpool(messages: u64, readers: usize) -> Duration {
    let ring = Ring::<Msg>::with_capacity(CAPACITY).unwrap();
    let mut writer = ring.writer().unwrap();
    let handles: Vec<_> = (0..readers)
        .map(|_| {
            let mut reader = ring.subscribe().unwrap();
            thread::spawn(move || {
                let mut seen = 0;
                while seen < messages {
                    let mut got = 0;
                    for m in reader.read_batch() {
                        consume(&m);
                        got += 1;
                    }
                    if got == 0 {
                        // Nothing pending: wait (spin, yield, park) for the next one.
                        match reader.read_with(consume) {
                            Some(_) => got = 1,
                            None => break,
                        }
                    }
                    seen += got;
                }
            })
        })
        .collect();
    let start = Instant::now();
    for seq in 0..messages {
        writer.push(msg(seq));
    }
    for handle in handles {
        handle.join().unwrap();
    }
    start.elapsed()
}

/// Publishes `messages` through a built disruptor and waits (by dropping it) until every
/// processor has handled them all.
fn publish_disruptor(mut producer: impl Producer<Msg>, messages: u64) -> Duration {
    let start = Instant::now();
    for seq in 0..messages {
        producer.publish(|slot| *slot = msg(seq));
    }
    drop(producer);
    start.elapsed()
}

fn broadcast_disruptor(messages: u64, readers: usize) -> Duration {
    let handler = |m: &Msg, _seq, _end_of_batch| {
        consume(m);
    };
    let builder = disruptor::build_single_producer(CAPACITY, || msg(0), BusySpin);
    // The builder's type changes with each handler, so each reader count is spelled out.
    match readers {
        1 => publish_disruptor(builder.handle_events_with(handler).build(), messages),
        2 => publish_disruptor(
            builder
                .handle_events_with(handler)
                .handle_events_with(handler)
                .build(),
            messages,
        ),
        4 => publish_disruptor(
            builder
                .handle_events_with(handler)
                .handle_events_with(handler)
                .handle_events_with(handler)
                .handle_events_with(handler)
                .build(),
            messages,
        ),
        other => unreachable!("no disruptor set-up for {other} readers"),
    }
}

fn bench_broadcast(c: &mut Criterion) {
    for readers in [1usize, 2, 4] {
        let mut group = c.benchmark_group(format!("ring_broadcast_1_to_{readers}"));
        configure(&mut group);
        group.bench_function("ringpool", |b| {
            b.iter_custom(|iters| per_message(iters, 1, |n| broadcast_ringpool(n, readers)))
        });
        group.bench_function("disruptor", |b| {
            b.iter_custom(|iters| per_message(iters, 1, |n| broadcast_disruptor(n, readers)))
        });
        group.finish();
    }
}

/// Round trips: ping over one ring, pong back over another; returns a histogram in ns.
fn round_trip_ringpool(trips: u64, warmup: u64) -> Histogram<u64> {
    let ping = Ring::<Msg>::with_capacity(CAPACITY).unwrap();
    let pong = Ring::<Msg>::with_capacity(CAPACITY).unwrap();
    let mut ping_writer = ping.writer().unwrap();
    let mut pong_reader = pong.subscribe().unwrap();
    let ping_reader = ping.subscribe().unwrap();
    let mut pong_writer = pong.writer().unwrap();
    let echo = thread::spawn(move || {
        for m in ping_reader {
            pong_writer.push(m);
        }
    });
    let mut histogram = Histogram::<u64>::new(3).unwrap();
    let began = Instant::now();
    for seq in 0..warmup + trips {
        if began.elapsed() > LATENCY_BUDGET {
            break;
        }
        let start = Instant::now();
        ping_writer.push(msg(seq));
        let back = pong_reader.next().unwrap();
        let nanos = start.elapsed().as_nanos() as u64;
        assert_eq!(back.seq, seq);
        if seq >= warmup {
            histogram.record(nanos).unwrap();
        }
    }
    drop(ping_writer);
    echo.join().unwrap();
    histogram
}

fn round_trip_rtrb(trips: u64, warmup: u64) -> Histogram<u64> {
    let (mut ping_tx, mut ping_rx) = rtrb::RingBuffer::<Msg>::new(CAPACITY);
    let (mut pong_tx, mut pong_rx) = rtrb::RingBuffer::<Msg>::new(CAPACITY);
    let total = warmup + trips;
    let echo = thread::spawn(move || {
        let mut relax = Relax::default();
        loop {
            if let Ok(m) = ping_rx.pop() {
                while pong_tx.push(m).is_err() {
                    relax.wait();
                }
                relax.reset();
            } else if ping_rx.is_abandoned() {
                break;
            } else {
                relax.wait();
            }
        }
    });
    let mut histogram = Histogram::<u64>::new(3).unwrap();
    let mut relax = Relax::default();
    let began = Instant::now();
    for seq in 0..total {
        if began.elapsed() > LATENCY_BUDGET {
            break;
        }
        let start = Instant::now();
        while ping_tx.push(msg(seq)).is_err() {
            relax.wait();
        }
        let back = loop {
            if let Ok(m) = pong_rx.pop() {
                break m;
            }
            relax.wait();
        };
        relax.reset();
        let nanos = start.elapsed().as_nanos() as u64;
        assert_eq!(back.seq, seq);
        if seq >= warmup {
            histogram.record(nanos).unwrap();
        }
    }
    drop(ping_tx);
    echo.join().unwrap();
    histogram
}

fn round_trip_disruptor(trips: u64, warmup: u64) -> Histogram<u64> {
    let seen = Arc::new(AtomicU64::new(u64::MAX));
    let pong = {
        let seen = Arc::clone(&seen);
        disruptor::build_single_producer(CAPACITY, || msg(0), BusySpin)
            .handle_events_with(move |m: &Msg, _seq, _eob| {
                seen.store(m.seq, Ordering::Release);
            })
            .build()
    };
    let mut pong = Some(pong);
    let mut ping = disruptor::build_single_producer(CAPACITY, || msg(0), BusySpin)
        .handle_events_with(move |m: &Msg, _seq, _eob| {
            let copy = *m;
            if let Some(pong) = pong.as_mut() {
                pong.publish(|slot| *slot = copy);
            }
        })
        .build();
    let mut histogram = Histogram::<u64>::new(3).unwrap();
    let began = Instant::now();
    for seq in 0..warmup + trips {
        if began.elapsed() > LATENCY_BUDGET {
            break;
        }
        let start = Instant::now();
        ping.publish(|slot| *slot = msg(seq));
        let mut relax = Relax::default();
        while seen.load(Ordering::Acquire) != seq {
            relax.wait();
        }
        let nanos = start.elapsed().as_nanos() as u64;
        if seq >= warmup {
            histogram.record(nanos).unwrap();
        }
    }
    drop(ping);
    histogram
}

fn latency_report(trips: u64) {
    let warmup = trips / 10;
    println!("ring_round_trip latency (256 B ping + pong, {trips} trips, ns):");
    for (name, run) in [
        (
            "ringpool",
            round_trip_ringpool as fn(u64, u64) -> Histogram<u64>,
        ),
        ("rtrb", round_trip_rtrb),
        ("disruptor", round_trip_disruptor),
    ] {
        let h = run(trips, warmup);
        println!(
            "  ring_round_trip/{name:<10} p50 {:>6}  p99 {:>6}  p99.9 {:>7}  max {:>8}  ({} trips)",
            h.value_at_quantile(0.50),
            h.value_at_quantile(0.99),
            h.value_at_quantile(0.999),
            h.max(),
            h.len()
        );
    }
}

/// Pools with room for a ring's worth of `Msg`s plus the ones in flight on each side.
fn ring_ptr_pools() -> Arc<Pools> {
    let class = Msg::CLASS;
    Arc::new(Pools::new(PoolConfig::empty().with_capacity(
        class,
        PoolConfig::slots_for_ring(CAPACITY, 1) + 64,
    )))
}

fn spsc_ring_ptr_ringpool(messages: u64) -> Duration {
    let pools = ring_ptr_pools();
    let ring = Ring::<RingPtr<Msg>>::with_capacity(CAPACITY).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    let consumer = thread::spawn(move || {
        for _ in 0..messages {
            reader.read_with(|m| consume(m));
        }
    });
    let start = Instant::now();
    for seq in 0..messages {
        let ptr = loop {
            match pools.allocate(msg(seq)) {
                Ok(ptr) => break ptr,
                // Every slot is in the ring or in flight: take back what the reader is done with.
                Err(_) => {
                    writer.reclaim();
                    std::hint::spin_loop();
                }
            }
        };
        writer.push(ptr);
    }
    consumer.join().unwrap();
    start.elapsed()
}

fn spsc_ring_ptr_rtrb(messages: u64) -> Duration {
    let pools = ring_ptr_pools();
    let (mut producer, mut consumer) = rtrb::RingBuffer::<RingPtr<Msg>>::new(CAPACITY);
    let reader = thread::spawn(move || {
        let mut seen = 0;
        let mut relax = Relax::default();
        while seen < messages {
            match consumer.pop() {
                Ok(m) => {
                    consume(&m);
                    seen += 1;
                    relax.reset();
                }
                Err(_) => relax.wait(),
            }
        }
    });
    let mut relax = Relax::default();
    let start = Instant::now();
    for seq in 0..messages {
        let mut m = loop {
            match pools.allocate(msg(seq)) {
                Ok(ptr) => break ptr,
                Err(_) => relax.wait(),
            }
        };
        relax.reset();
        while let Err(rtrb::PushError::Full(back)) = producer.push(m) {
            m = back;
            relax.wait();
        }
        relax.reset();
    }
    reader.join().unwrap();
    start.elapsed()
}

fn bench_spsc_ring_ptr(c: &mut Criterion) {
    let mut group = c.benchmark_group("ring_spsc_ring_ptr");
    configure(&mut group);
    group.bench_function("ringpool", |b| {
        b.iter_custom(|iters| per_message(iters, 1, spsc_ring_ptr_ringpool))
    });
    group.bench_function("rtrb", |b| {
        b.iter_custom(|iters| per_message(iters, 1, spsc_ring_ptr_rtrb))
    });
    group.finish();
}

criterion_group!(benches, bench_spsc, bench_spsc_ring_ptr, bench_broadcast);

/// The positional arguments (benchmark filters), skipping the values of criterion's options.
fn filters(args: &[String]) -> Vec<&str> {
    const TAKES_VALUE: &[&str] = &[
        "--warm-up-time",
        "--measurement-time",
        "--sample-size",
        "--save-baseline",
        "--baseline",
        "--baseline-lenient",
        "--load-baseline",
        "--profile-time",
        "--nresamples",
        "--noise-threshold",
        "--confidence-level",
        "--significance-level",
        "--output-format",
        "--color",
        "--plotting-backend",
        "--format",
    ];
    let mut found = Vec::new();
    let mut skip_value = false;
    for arg in args {
        if skip_value {
            skip_value = false;
        } else if TAKES_VALUE.contains(&arg.as_str()) {
            skip_value = true;
        } else if !arg.starts_with('-') {
            found.push(arg.as_str());
        }
    }
    found
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench`; without it (`cargo test --benches`) criterion runs each
    // benchmark once as a smoke test, and the latency report shrinks to match.
    let test_mode = !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--test");
    if args.iter().any(|a| a == "--list") {
        benches();
        return;
    }
    let filters = filters(&args);
    let wants_latency = filters.is_empty()
        || filters
            .iter()
            .any(|f| "ring_round_trip".contains(f) || f.contains("round_trip"));
    if wants_latency && std::env::var_os("RING_BENCH_SKIP_LATENCY").is_none() {
        latency_report(if test_mode { 200 } else { 50_000 });
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
