//! `async_fanout_1_to_{1,4}`: one async writer task fans pooled messages out to 1 or 4 async
//! reader tasks on a two-worker tokio runtime; time per message, until every reader has every
//! message. ringpool: a `Ring<RingPtr<Tick>>` (`push_async`, `next_async`, a slot from `Pools`
//! per message); ringpool_batch: the same ring read with `read_batch_async`, each message
//! borrowed in place (no refcount traffic, one wait and one commit per batch). tokio:
//! `tokio::sync::broadcast` of `Arc<Tick>` (an `Arc::new` per message).
//!
//! Both are lossless here: tokio's sender never waits and would lap slow receivers, so its
//! task yields while the channel holds too much (`Sender::len`), the nearest it has to
//! backpressure; a lagged receiver fails the run. `Sender::len` locks the channel's tail and
//! binary-searches the slots (about ten slot locks at this capacity), so the sender checks it
//! once per `LEN_CHECK_EVERY` sends, keeping that many slots of headroom: checked before every
//! send it charged tokio a dozen lock round trips per message that a real sender does not pay
//! (in an informal run it added 40–50% to tokio's CPU time per message).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ringpool::ring::Ring;
use ringpool::{PoolConfig, PooledMessage, Pools, RingPtr, SizeClass, bytemuck};

/// A 64-byte message (size class XS).
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Tick {
    sequence: u64,
    fields: [u64; 7],
}

const CAPACITY: usize = 1024;
/// tokio's sender checks the channel's length once per this many sends (see the module docs).
const LEN_CHECK_EVERY: u64 = 64;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime")
}

/// How a ringpool reader task takes its messages.
#[derive(Clone, Copy)]
enum Read {
    /// `next_async`: a clone (refcount increment) per message.
    Stream,
    /// `read_batch_async`: everything published, borrowed in place.
    Batch,
}

fn ringpool_fanout(
    runtime: &tokio::runtime::Runtime,
    pools: &Arc<Pools>,
    readers: usize,
    messages: u64,
    read: Read,
) -> Duration {
    runtime.block_on(async {
        let ring = Ring::<RingPtr<Tick>>::with_capacity(CAPACITY).expect("capacity");
        let mut writer = ring.writer().expect("writer");
        let tasks: Vec<_> = (0..readers)
            .map(|_| {
                let mut reader = ring.subscribe().expect("reader");
                tokio::spawn(async move {
                    let mut received = 0u64;
                    match read {
                        Read::Stream => {
                            while let Some(tick) = reader.next_async().await {
                                black_box(tick.sequence);
                                received += 1;
                            }
                        }
                        Read::Batch => {
                            while let Some(mut batch) = reader.read_batch_async().await {
                                while let Some(tick) = batch.next_ref() {
                                    black_box(tick.sequence);
                                    received += 1;
                                }
                            }
                        }
                    }
                    received
                })
            })
            .collect();
        let pools = Arc::clone(pools);
        let started = Instant::now();
        tokio::spawn(async move {
            for sequence in 0..messages {
                let tick = pools
                    .allocate(Tick {
                        sequence,
                        fields: [sequence; 7],
                    })
                    .expect("the pool holds a ring's worth and more");
                writer.push_async(tick).await;
            }
        })
        .await
        .expect("writer task");
        for task in tasks {
            assert_eq!(task.await.expect("reader task"), messages);
        }
        started.elapsed()
    })
}

fn tokio_fanout(runtime: &tokio::runtime::Runtime, readers: usize, messages: u64) -> Duration {
    runtime.block_on(async {
        let (sender, _) = tokio::sync::broadcast::channel::<Arc<Tick>>(CAPACITY);
        let tasks: Vec<_> = (0..readers)
            .map(|_| {
                let mut receiver = sender.subscribe();
                tokio::spawn(async move {
                    use tokio::sync::broadcast::error::RecvError;
                    let mut received = 0u64;
                    loop {
                        match receiver.recv().await {
                            Ok(tick) => {
                                black_box(tick.sequence);
                                received += 1;
                            }
                            Err(RecvError::Lagged(missed)) => panic!("receiver lagged by {missed}"),
                            Err(RecvError::Closed) => return received,
                        }
                    }
                })
            })
            .collect();
        let started = Instant::now();
        tokio::spawn(async move {
            for sequence in 0..messages {
                // At most `CAPACITY - LEN_CHECK_EVERY` queued here, so the next
                // `LEN_CHECK_EVERY` sends never lap a receiver.
                if sequence % LEN_CHECK_EVERY == 0 {
                    while sender.len() + LEN_CHECK_EVERY as usize > CAPACITY {
                        tokio::task::yield_now().await;
                    }
                }
                sender
                    .send(Arc::new(Tick {
                        sequence,
                        fields: [sequence; 7],
                    }))
                    .expect("receivers alive");
            }
        })
        .await
        .expect("sender task");
        for task in tasks {
            assert_eq!(task.await.expect("receiver task"), messages);
        }
        started.elapsed()
    })
}

fn bench_fanout(c: &mut Criterion) {
    let runtime = runtime();
    let pools = Arc::new(Pools::new(
        PoolConfig::empty().with_capacity(SizeClass::XS, 4 * CAPACITY),
    ));
    for readers in [1, 4] {
        let mut group = c.benchmark_group(format!("async_fanout_1_to_{readers}"));
        group.throughput(Throughput::Elements(1));
        group.bench_function("ringpool", |b| {
            b.iter_custom(|iters| {
                ringpool_fanout(&runtime, &pools, readers, iters.max(1), Read::Stream)
            })
        });
        group.bench_function("ringpool_batch", |b| {
            b.iter_custom(|iters| {
                ringpool_fanout(&runtime, &pools, readers, iters.max(1), Read::Batch)
            })
        });
        group.bench_function("tokio_broadcast", |b| {
            b.iter_custom(|iters| tokio_fanout(&runtime, readers, iters.max(1)))
        });
        group.finish();
    }
}

criterion_group!(benches, bench_fanout);
criterion_main!(benches);
