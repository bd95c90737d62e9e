//! `Pools` under real concurrency, against the heap (system and mimalloc), a `crossbeam` array
//! queue used as a free list, `sharded-slab` and `lockfree-object-pool`:
//!
//! - `pools_contention`: T threads each allocate K 64-byte messages, then drop them, over and
//!   over (T ∈ {1, 2, 4, 8}, K ∈ {1, 4, 16}; ids `<impl>/t<T>_k<K>`), time per message;
//! - `pools_stream_1to1`, `pools_stream_1to3`: one producer allocates, one or three consumers
//!   (round-robin, one bounded queue each) drop, time per message;
//! - `orphan_drain`: dropping N messages (N ∈ {4096, 65536}) with their allocator alive
//!   (`LocalPools`, `Pools`), with it dropped first, and after their `allocate_from_pool`
//!   producer thread exited; time per message. Two parameters per N (see `Timed`):
//!   `<N>_drain` times the N drops alone (the arena outlives the clock in every case), and
//!   `<N>_drain_release` the drops plus the allocator's drop, so that the arena's unmap (which
//!   the last orphaned message does) is inside the clock for the owner-alive cases too.
//!
//! A contention measurement keeps its threads for all its samples; a stream measurement spawns
//! its threads once per sample (time per message, so that cost is spread over thousands). The
//! contention group uses short settings of its own (12 parameters × 7 contenders) so that even a
//! full run of it stays near two minutes.
//!
//! `cargo bench -p ringpool-benches --bench pools -- --warm-up-time 0.5 --measurement-time 1`

use std::alloc::{GlobalAlloc, Layout};
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crossbeam_queue::ArrayQueue;
use crossbeam_utils::Backoff;
use mimalloc::MiMalloc;
use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::{
    LocalPools, PoolConfig, PooledMessage, Pools, RingPtr, SizeClass, WeakRingPtr,
    allocate_from_pool, configure_global,
};

#[derive(Clone, Copy, Default, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Msg {
    words: [u64; 8],
}

impl Msg {
    fn make(i: u64) -> Msg {
        Msg { words: [i; 8] }
    }
}

const THREADS: [usize; 4] = [1, 2, 4, 8];
const HELD: [usize; 3] = [1, 4, 16];
/// Room for every thread's held messages (8 × 16) with headroom, as a user would size a class.
const CAPACITY: usize = 1024;

fn config() -> PoolConfig {
    PoolConfig::empty().with_capacity(SizeClass::XS, CAPACITY)
}

/// The largest drain measured: `allocate_from_pool`'s `XS` class must hold that many.
const MAX_DRAIN: usize = 65536;

/// Every thread's `allocate_from_pool` pools: the default, with room for the largest drain.
fn configure_thread_pools() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        configure_global(PoolConfig::default().with_capacity(SizeClass::XS, MAX_DRAIN))
            .expect("configured before any allocate_from_pool")
    });
}

/// One contender of the contention group: per thread, `held` allocations then their drops, done
/// `rounds` times. `Sync` so every thread shares it.
trait Contender: Send + Sync + 'static {
    fn run(&self, thread: usize, held: usize, rounds: u64);
}

/// A shared `Pools`.
struct SharedPools(Pools);

impl Contender for SharedPools {
    fn run(&self, _thread: usize, held: usize, rounds: u64) {
        let mut live = Vec::with_capacity(held);
        for round in 0..rounds {
            for k in 0..held {
                live.push(self.0.allocate(Msg::make(round + k as u64)).unwrap());
            }
            black_box(&live);
            live.clear();
        }
    }
}

/// One `Pools` per thread (index = thread).
struct PoolsPerThread(Vec<Pools>);

impl Contender for PoolsPerThread {
    fn run(&self, thread: usize, held: usize, rounds: u64) {
        let pools = &self.0[thread];
        let mut live = Vec::with_capacity(held);
        for round in 0..rounds {
            for k in 0..held {
                live.push(pools.allocate(Msg::make(round + k as u64)).unwrap());
            }
            black_box(&live);
            live.clear();
        }
    }
}

struct BoxSystem;

impl Contender for BoxSystem {
    fn run(&self, _thread: usize, held: usize, rounds: u64) {
        let mut live = Vec::with_capacity(held);
        for round in 0..rounds {
            for k in 0..held {
                live.push(Box::new(Msg::make(round + k as u64)));
            }
            black_box(&live);
            live.clear();
        }
    }
}

/// A `Box`-like owner of a mimalloc block (mimalloc as a plain allocator, not the global one, so
/// the system and mimalloc heaps run in the same binary), freed on drop on whichever thread.
struct MiBox(*mut Msg);
// SAFETY: unique owner of a heap block; mimalloc frees from any thread.
unsafe impl Send for MiBox {}

impl MiBox {
    fn new(value: Msg) -> MiBox {
        // SAFETY: non-zero layout; checked; written before use.
        unsafe {
            let p = MiMalloc.alloc(Layout::new::<Msg>()).cast::<Msg>();
            assert!(!p.is_null());
            p.write(value);
            MiBox(p)
        }
    }

    fn first(&self) -> u64 {
        // SAFETY: live and initialised until the drop.
        unsafe { (*self.0).words[0] }
    }
}

impl Drop for MiBox {
    fn drop(&mut self) {
        // SAFETY: allocated by `MiMalloc.alloc` with this layout; dropped once.
        unsafe { MiMalloc.dealloc(self.0.cast(), Layout::new::<Msg>()) }
    }
}

struct BoxMimalloc;

impl Contender for BoxMimalloc {
    fn run(&self, _thread: usize, held: usize, rounds: u64) {
        let mut live = Vec::with_capacity(held);
        for round in 0..rounds {
            for k in 0..held {
                live.push(MiBox::new(Msg::make(round + k as u64)));
            }
            black_box(&live);
            live.clear();
        }
    }
}

/// A free list of preallocated boxes in a `crossbeam_queue::ArrayQueue`: allocate = pop and
/// write, free = push back.
struct ArrayQueueFreeList(ArrayQueue<Box<Msg>>);

impl ArrayQueueFreeList {
    fn new() -> Self {
        let queue = ArrayQueue::new(CAPACITY);
        for _ in 0..CAPACITY {
            queue.push(Box::default()).ok().unwrap();
        }
        ArrayQueueFreeList(queue)
    }
}

impl Contender for ArrayQueueFreeList {
    fn run(&self, _thread: usize, held: usize, rounds: u64) {
        let mut live = Vec::with_capacity(held);
        for round in 0..rounds {
            for k in 0..held {
                let mut slot = self.0.pop().unwrap();
                *slot = Msg::make(round + k as u64);
                live.push(slot);
            }
            black_box(&live);
            for slot in live.drain(..) {
                self.0.push(slot).ok().unwrap();
            }
        }
    }
}

struct ShardedSlab(sharded_slab::Slab<Msg>);

impl Contender for ShardedSlab {
    fn run(&self, _thread: usize, held: usize, rounds: u64) {
        let mut live = Vec::with_capacity(held);
        for round in 0..rounds {
            for k in 0..held {
                live.push(self.0.insert(Msg::make(round + k as u64)).unwrap());
            }
            black_box(&live);
            for key in live.drain(..) {
                self.0.remove(key);
            }
        }
    }
}

struct LockfreeObjectPool(lockfree_object_pool::LinearObjectPool<Msg>);

impl Contender for LockfreeObjectPool {
    fn run(&self, _thread: usize, held: usize, rounds: u64) {
        let mut live = Vec::with_capacity(held);
        for round in 0..rounds {
            for k in 0..held {
                let mut r = self.0.pull();
                *r = Msg::make(round + k as u64);
                live.push(r);
            }
            black_box(&live);
            live.clear();
        }
    }
}

/// Builds a contender for a number of threads.
type MakeContender = Box<dyn Fn(usize) -> Arc<dyn Contender>>;

/// `threads` worker threads kept for one measurement (spawned once, not per sample, so a
/// sample's time is the contenders' work plus two barrier crossings): each sample hands them a
/// round count, starts them together, and waits until the last is done.
struct Workers {
    start: Arc<Barrier>,
    done: Arc<Barrier>,
    /// Rounds of the next sample; 0 tells the workers to exit.
    rounds: Arc<std::sync::atomic::AtomicU64>,
    handles: Vec<std::thread::JoinHandle<()>>,
}

impl Workers {
    fn new(contender: &Arc<dyn Contender>, threads: usize, held: usize) -> Workers {
        let start = Arc::new(Barrier::new(threads + 1));
        let done = Arc::new(Barrier::new(threads + 1));
        let rounds = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let handles = (0..threads)
            .map(|thread| {
                let (contender, start, done, rounds) = (
                    Arc::clone(contender),
                    Arc::clone(&start),
                    Arc::clone(&done),
                    Arc::clone(&rounds),
                );
                std::thread::spawn(move || {
                    loop {
                        start.wait();
                        // Relaxed: the barrier orders the store before this load.
                        let n = rounds.load(std::sync::atomic::Ordering::Relaxed);
                        if n == 0 {
                            return;
                        }
                        contender.run(thread, held, n);
                        done.wait();
                    }
                })
            })
            .collect();
        Workers {
            start,
            done,
            rounds,
            handles,
        }
    }

    /// Runs `rounds` rounds on every worker; the wall time from the start until the last is done.
    fn sample(&self, rounds: u64) -> Duration {
        let rounds = rounds.max(1);
        // Relaxed: published by the barrier.
        self.rounds
            .store(rounds, std::sync::atomic::Ordering::Relaxed);
        self.start.wait();
        let began = Instant::now();
        self.done.wait();
        began.elapsed()
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.rounds.store(0, std::sync::atomic::Ordering::Relaxed);
        self.start.wait();
        for handle in self.handles.drain(..) {
            handle.join().unwrap();
        }
    }
}

fn pools_contention(c: &mut Criterion) {
    let mut group = c.benchmark_group("pools_contention");
    // 84 measurements: short settings keep the group near two minutes (each sample spawns its
    // threads, so samples are long enough to make that negligible).
    group
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(800))
        .sample_size(10);
    let contenders: Vec<(&str, MakeContender)> = vec![
        (
            "ringpool_shared",
            Box::new(|_| Arc::new(SharedPools(Pools::new(config())))),
        ),
        (
            "one_pools_per_thread",
            Box::new(|threads| {
                Arc::new(PoolsPerThread(
                    (0..threads).map(|_| Pools::new(config())).collect(),
                ))
            }),
        ),
        ("box_system", Box::new(|_| Arc::new(BoxSystem))),
        ("box_mimalloc", Box::new(|_| Arc::new(BoxMimalloc))),
        (
            "array_queue_free_list",
            Box::new(|_| Arc::new(ArrayQueueFreeList::new())),
        ),
        (
            "sharded_slab",
            Box::new(|_| Arc::new(ShardedSlab(sharded_slab::Slab::new()))),
        ),
        (
            "lockfree_object_pool",
            Box::new(|_| {
                Arc::new(LockfreeObjectPool(
                    lockfree_object_pool::LinearObjectPool::new(Msg::default, |_| {}),
                ))
            }),
        ),
    ];
    for threads in THREADS {
        for held in HELD {
            group.throughput(Throughput::Elements((threads * held) as u64));
            let parameter = format!("t{threads}_k{held}");
            for (name, make) in &contenders {
                let contender = make(threads);
                let workers = Workers::new(&contender, threads, held);
                group.bench_with_input(BenchmarkId::new(*name, &parameter), &(), |b, ()| {
                    b.iter_custom(|rounds| workers.sample(rounds))
                });
            }
        }
    }
    group.finish();
}

/// One producer sends `messages` messages round-robin to `consumers` consumers (one bounded
/// lock-free queue each), which drop them; time until the last is dropped.
fn stream<M: Send + 'static>(
    messages: u64,
    consumers: usize,
    make: impl FnMut(u64) -> M + Send + 'static,
    consume: impl Fn(M) + Send + Sync + Copy + 'static,
) -> Duration {
    let queues: Vec<Arc<ArrayQueue<M>>> = (0..consumers)
        .map(|_| Arc::new(ArrayQueue::new(256)))
        .collect();
    let start = Arc::new(Barrier::new(consumers + 2));
    let workers: Vec<_> = queues
        .iter()
        .enumerate()
        .map(|(c, queue)| {
            let queue = Arc::clone(queue);
            let start = Arc::clone(&start);
            // Consumer `c` gets messages c, c + consumers, ...
            let mine = (messages + (consumers - 1 - c) as u64) / consumers as u64;
            std::thread::spawn(move || {
                start.wait();
                let backoff = Backoff::new();
                let mut left = mine;
                while left > 0 {
                    match queue.pop() {
                        Some(m) => {
                            consume(m);
                            left -= 1;
                            backoff.reset();
                        }
                        None => backoff.snooze(),
                    }
                }
            })
        })
        .collect();
    let producer = {
        let start = Arc::clone(&start);
        let mut make = make;
        std::thread::spawn(move || {
            start.wait();
            let backoff = Backoff::new();
            for i in 0..messages {
                let mut m = make(i);
                let queue = &queues[(i % queues.len() as u64) as usize];
                loop {
                    match queue.push(m) {
                        Ok(()) => {
                            backoff.reset();
                            break;
                        }
                        Err(back) => {
                            m = back;
                            backoff.snooze();
                        }
                    }
                }
            }
        })
    };
    start.wait();
    let began = Instant::now();
    producer.join().unwrap();
    for worker in workers {
        worker.join().unwrap();
    }
    began.elapsed()
}

fn pools_stream(c: &mut Criterion, consumers: usize) {
    configure_thread_pools();
    let mut group = c.benchmark_group(format!("pools_stream_1to{consumers}"));
    group.throughput(Throughput::Elements(1));
    group.bench_function("ringpool_shared", |b| {
        b.iter_custom(|messages| {
            let pools = Arc::new(Pools::new(config()));
            stream(
                messages,
                consumers,
                move |i| loop {
                    if let Ok(p) = pools.allocate(Msg::make(i)) {
                        break p;
                    }
                    std::thread::yield_now();
                },
                |p| {
                    black_box(p.words[0]);
                },
            )
        })
    });
    group.bench_function("ringpool_allocate_from_pool", |b| {
        b.iter_custom(|messages| {
            stream(
                messages,
                consumers,
                |i| loop {
                    if let Ok(p) = allocate_from_pool(Msg::make(i)) {
                        break p;
                    }
                    std::thread::yield_now();
                },
                |p| {
                    black_box(p.words[0]);
                },
            )
        })
    });
    group.bench_function("box_mimalloc", |b| {
        b.iter_custom(|messages| {
            stream(
                messages,
                consumers,
                |i| MiBox::new(Msg::make(i)),
                |m| {
                    black_box(m.first());
                },
            )
        })
    });
    group.finish();
}

fn pools_stream_1to1(c: &mut Criterion) {
    pools_stream(c, 1);
}

fn pools_stream_1to3(c: &mut Criterion) {
    pools_stream(c, 3);
}

/// The time of `timed` alone, over `iters` runs: `setup` (not timed) builds its input, and
/// whatever `timed` returns is dropped after the clock stops.
fn time_each<S, K>(
    iters: u64,
    mut setup: impl FnMut() -> S,
    mut timed: impl FnMut(S) -> K,
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let input = setup();
        let began = Instant::now();
        let kept = timed(black_box(input));
        total += began.elapsed();
        drop(kept);
    }
    total
}

/// Drops `messages` one by one.
fn drop_each<M>(messages: Vec<M>) {
    for message in messages {
        drop(black_box(message));
    }
}

/// What `orphan_drain` times: the drops only (`Drain`), or the drops and the arena's release
/// (`DrainRelease`).
#[derive(Clone, Copy, PartialEq)]
enum Timed {
    /// The n message drops, nothing else. The arena outlives the clock in every case: an owner
    /// kept alive, or (owner gone) a `WeakRingPtr` to the last message, taken in setup and
    /// dropped after the clock stops (that message's drop is a refcount `fetch_sub`, 1 of n).
    Drain,
    /// The n message drops and the drop of the allocator, in the case's order, so the arena is
    /// unmapped inside the clock in every case: owner alive = the messages, then the allocator
    /// (which unmaps); dropped first = the allocator, then the messages (the last unmaps).
    /// `producer_thread_exited`: the thread's pools were dropped at its exit, untimed.
    DrainRelease,
}

impl Timed {
    fn id(self, n: usize) -> String {
        match self {
            Timed::Drain => format!("{n}_drain"),
            Timed::DrainRelease => format!("{n}_drain_release"),
        }
    }
}

/// An orphan case's input, built in setup: the allocator still to drop when the release is
/// timed (else dropped here, untimed), its messages, and with `Timed::Drain` a weak handle that
/// keeps the arena past the clock.
type OrphanInput<A> = (Option<A>, Vec<RingPtr<Msg>>, Option<WeakRingPtr<Msg>>);

fn orphan_input<A>(timed: Timed, owner: A, messages: Vec<RingPtr<Msg>>) -> OrphanInput<A> {
    let keep = (timed == Timed::Drain).then(|| RingPtr::downgrade(messages.last().unwrap()));
    let owner = (timed == Timed::DrainRelease).then_some(owner);
    (owner, messages, keep)
}

/// An orphan case's timed part: the allocator's drop if it is still there, then the messages'.
fn drain_after_owner<A>((owner, messages, keep): OrphanInput<A>) -> Option<WeakRingPtr<Msg>> {
    drop(owner);
    drop_each(messages);
    keep
}

fn orphan_drain(c: &mut Criterion) {
    configure_thread_pools();
    let mut group = c.benchmark_group("orphan_drain");
    for (n, timed) in [4096usize, MAX_DRAIN]
        .into_iter()
        .flat_map(|n| [(n, Timed::Drain), (n, Timed::DrainRelease)])
    {
        let config = PoolConfig::empty().with_capacity(SizeClass::XS, n);
        let id = |name: &str| BenchmarkId::new(name, timed.id(n));
        let local_messages = |local: &mut LocalPools| -> Vec<RingPtr<Msg>> {
            (0..n as u64)
                .map(|i| local.allocate(Msg::make(i)).unwrap())
                .collect()
        };
        let shared_messages = |shared: &Pools| -> Vec<RingPtr<Msg>> {
            (0..n as u64)
                .map(|i| shared.allocate(Msg::make(i)).unwrap())
                .collect()
        };
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(id("ringpool_owner_alive"), |b| match timed {
            Timed::Drain => {
                let mut local = LocalPools::new(config);
                b.iter_custom(|iters| time_each(iters, || local_messages(&mut local), drop_each))
            }
            Timed::DrainRelease => b.iter_custom(|iters| {
                time_each(
                    iters,
                    || {
                        let mut local = LocalPools::new(config);
                        let messages = local_messages(&mut local);
                        (local, messages)
                    },
                    |(local, messages)| {
                        drop_each(messages);
                        drop(local);
                    },
                )
            }),
        });
        group.bench_function(id("local_pools_dropped_first"), |b| {
            b.iter_custom(|iters| {
                time_each(
                    iters,
                    || {
                        let mut local = LocalPools::new(config);
                        let messages = local_messages(&mut local);
                        orphan_input(timed, local, messages)
                    },
                    drain_after_owner,
                )
            })
        });
        group.bench_function(id("ringpool_shared_owner_alive"), |b| match timed {
            Timed::Drain => {
                let shared = Pools::new(config);
                b.iter_custom(|iters| time_each(iters, || shared_messages(&shared), drop_each))
            }
            Timed::DrainRelease => b.iter_custom(|iters| {
                time_each(
                    iters,
                    || {
                        let shared = Pools::new(config);
                        let messages = shared_messages(&shared);
                        (shared, messages)
                    },
                    |(shared, messages)| {
                        drop_each(messages);
                        drop(shared);
                    },
                )
            }),
        });
        group.bench_function(id("shared_pools_dropped_first"), |b| {
            b.iter_custom(|iters| {
                time_each(
                    iters,
                    || {
                        let shared = Pools::new(config);
                        let messages = shared_messages(&shared);
                        orphan_input(timed, shared, messages)
                    },
                    drain_after_owner,
                )
            })
        });
        // The thread's pools are dropped at its exit, before `join` returns: never timed.
        group.bench_function(id("producer_thread_exited"), |b| {
            b.iter_custom(|iters| {
                time_each(
                    iters,
                    || {
                        let messages = std::thread::spawn(move || {
                            (0..n as u64)
                                .map(|i| allocate_from_pool(Msg::make(i)).unwrap())
                                .collect::<Vec<_>>()
                        })
                        .join()
                        .unwrap();
                        orphan_input(timed, (), messages)
                    },
                    drain_after_owner,
                )
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    pools_contention,
    pools_stream_1to1,
    pools_stream_1to3,
    orphan_drain
);
criterion_main!(benches);
