//! Allocation benchmarks: ringpool's `LocalPools` / `Pools` against the heap (system and
//! mimalloc), `Arc`, `triomphe`, `lockfree-object-pool`, `sharded-slab`, `rusted-ring` (0.4's
//! slot allocator and 0.5's ring) and the floor (a private free list plus the copy), each group
//! measuring one job with every contender in it.
//!
//! `cargo bench --bench alloc -- --warm-up-time 1 --measurement-time 3`

use std::alloc::{GlobalAlloc, Layout};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use crossbeam_queue::ArrayQueue;
use crossbeam_utils::Backoff;
use mimalloc::MiMalloc;
use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::{LocalPools, PoolConfig, PooledMessage, Pools, RingPtr, SizeClass};

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Msg64 {
    words: [u64; 8],
}

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Msg256 {
    words: [u64; 32],
}

trait Make: Pod + PooledMessage + Default {
    fn make(i: u64) -> Self;
    fn first(&self) -> u64;
}

impl Default for Msg64 {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl Default for Msg256 {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl Make for Msg64 {
    #[inline(always)]
    fn make(i: u64) -> Self {
        Msg64 { words: [i; 8] }
    }
    fn first(&self) -> u64 {
        self.words[0]
    }
}

impl Make for Msg256 {
    #[inline(always)]
    fn make(i: u64) -> Self {
        Msg256 { words: [i; 32] }
    }
    fn first(&self) -> u64 {
        self.words[0]
    }
}

const CAPACITY: usize = 1024;

fn config() -> PoolConfig {
    PoolConfig::empty()
        .with_capacity(SizeClass::XS, CAPACITY)
        .with_capacity(SizeClass::S, CAPACITY)
}

/// `Box::new` + drop through mimalloc used as a plain allocator (not the global one), so the
/// system and mimalloc heaps run in the same binary.
#[inline(always)]
fn mimalloc_box_cycle<T: Make>(i: u64) {
    let layout = Layout::new::<T>();
    // SAFETY: `layout` is non-zero-sized; the pointer is checked, written, read and freed once.
    unsafe {
        let p = MiMalloc.alloc(layout).cast::<T>();
        assert!(!p.is_null());
        p.write(T::make(i));
        black_box(&*p);
        MiMalloc.dealloc(p.cast(), layout);
    }
}

/// rusted-ring 0.5's ring hand-off (no allocator in that release): a rusted-ring event of `N + 8`
/// bytes (its header is 8 bytes; 56 → 64 B, 248 → 256 B) written and read back.
fn rusted_ring_cycle<const N: usize>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
) {
    let ring: &'static rusted_ring::RingBuffer<N, 1024> =
        Box::leak(Box::new(rusted_ring::RingBuffer::new()));
    let writer = rusted_ring::Writer::new(ring);
    let mut reader = rusted_ring::Reader::new(ring);
    let mut i = 0u64;
    c.bench_function("rusted_ring_0_5_ring", |b| {
        b.iter(|| {
            i += 1;
            let mut event = rusted_ring::PooledEvent::<N>::zeroed();
            event.data[..8].copy_from_slice(&i.to_ne_bytes());
            event.len = 8;
            writer.add(event);
            black_box(reader.next());
        })
    });
}

/// rusted-ring 0.4's slot allocator: `allocate_*_event` copies the bytes into a free slot of its
/// pool (found by a scan from slot 0) and returns a refcounted `RingPtr`; the drop frees the slot.
trait RustedRingAllocate: Make {
    fn allocate_and_drop(allocator: &'static rusted_ring_0_4::EventAllocator, value: &Self);
}

impl RustedRingAllocate for Msg64 {
    #[inline(always)]
    fn allocate_and_drop(allocator: &'static rusted_ring_0_4::EventAllocator, value: &Self) {
        let p = allocator
            .allocate_xs_event(ringpool::bytemuck::bytes_of(value), 1)
            .unwrap();
        black_box(&*p);
    }
}

impl RustedRingAllocate for Msg256 {
    #[inline(always)]
    fn allocate_and_drop(allocator: &'static rusted_ring_0_4::EventAllocator, value: &Self) {
        let p = allocator
            .allocate_s_event(ringpool::bytemuck::bytes_of(value), 1)
            .unwrap();
        black_box(&*p);
    }
}

fn rusted_ring_allocator() -> &'static rusted_ring_0_4::EventAllocator {
    Box::leak(Box::new(rusted_ring_0_4::EventAllocator::new()))
}

/// The floor the issue names: a free list private to the thread plus the copy (no refcount, no
/// shared state, no handle), i.e. what any pool must do at least.
struct FloorPool<T> {
    slots: Vec<T>,
    free: Vec<u32>,
}

impl<T: Make> FloorPool<T> {
    fn new(capacity: usize) -> Self {
        FloorPool {
            slots: vec![T::default(); capacity],
            free: (0..capacity as u32).collect(),
        }
    }

    #[inline(always)]
    fn cycle(&mut self, i: u64) {
        let index = self.free.pop().unwrap();
        let slot = &mut self.slots[index as usize];
        *slot = T::make(i);
        black_box(&*slot);
        self.free.push(index);
    }
}

fn alloc_drop<T: RustedRingAllocate>(
    c: &mut Criterion,
    name: &str,
    rusted: impl FnOnce(&mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>),
) {
    let mut group = c.benchmark_group(name);
    let mut local = LocalPools::new(config());
    let mut i = 0u64;
    group.bench_function("ringpool_local", |b| {
        b.iter(|| {
            i += 1;
            let p = local.allocate(T::make(i)).unwrap();
            black_box(&*p);
        })
    });
    let shared = Pools::new(config());
    group.bench_function("ringpool_shared", |b| {
        b.iter(|| {
            i += 1;
            let p = shared.allocate(T::make(i)).unwrap();
            black_box(&*p);
        })
    });
    group.bench_function("box_system", |b| {
        b.iter(|| {
            i += 1;
            black_box(Box::new(T::make(i)));
        })
    });
    group.bench_function("box_mimalloc", |b| {
        b.iter(|| {
            i += 1;
            mimalloc_box_cycle::<T>(i);
        })
    });
    group.bench_function("arc", |b| {
        b.iter(|| {
            i += 1;
            black_box(Arc::new(T::make(i)));
        })
    });
    let lf_pool = lockfree_object_pool::LinearObjectPool::<T>::new(T::default, |_| {});
    group.bench_function("lockfree_object_pool", |b| {
        b.iter(|| {
            i += 1;
            let mut r = lf_pool.pull();
            *r = T::make(i);
            black_box(&*r);
        })
    });
    let slab = sharded_slab::Slab::<T>::new();
    group.bench_function("sharded_slab", |b| {
        b.iter(|| {
            i += 1;
            let key = slab.insert(T::make(i)).unwrap();
            black_box(key);
            slab.remove(key);
        })
    });
    rusted(&mut group);
    let allocator = rusted_ring_allocator();
    group.bench_function("rusted_ring_0_4_allocator", |b| {
        b.iter(|| {
            i += 1;
            T::allocate_and_drop(allocator, &T::make(i));
        })
    });
    let mut floor = FloorPool::<T>::new(CAPACITY);
    group.bench_function("floor_private_free_list", |b| {
        b.iter(|| {
            i += 1;
            floor.cycle(i);
        })
    });
    group.finish();
}

fn alloc_drop_64(c: &mut Criterion) {
    alloc_drop::<Msg64>(c, "alloc_drop_64B", rusted_ring_cycle::<56>);
}

fn alloc_drop_256(c: &mut Criterion) {
    alloc_drop::<Msg256>(c, "alloc_drop_256B", rusted_ring_cycle::<248>);
}

/// Allocate + drop while 90 % of the class is held (same capacity as the empty-pool figures in
/// `alloc_drop_256B`, which are repeated here for the ratio).
fn alloc_drop_90pct_full(c: &mut Criterion) {
    let mut group = c.benchmark_group("alloc_drop_90pct_full");
    let held_count = CAPACITY * 9 / 10;
    let mut i = 0u64;
    let mut local = LocalPools::new(config());
    group.bench_function("ringpool_local_empty", |b| {
        b.iter(|| {
            i += 1;
            black_box(&*local.allocate(Msg256::make(i)).unwrap());
        })
    });
    // Held messages spread over the class: every 10th slot stays free.
    let mut all: Vec<_> = (0..CAPACITY)
        .map(|k| local.allocate(Msg256::make(k as u64)).unwrap())
        .collect();
    let mut held: Vec<RingPtr<Msg256>> = Vec::new();
    for (k, p) in all.drain(..).enumerate() {
        if k % 10 != 9 && held.len() < held_count {
            held.push(p);
        }
    }
    group.bench_function("ringpool_local", |b| {
        b.iter(|| {
            i += 1;
            black_box(&*local.allocate(Msg256::make(i)).unwrap());
        })
    });
    let shared = Pools::new(config());
    group.bench_function("ringpool_shared_empty", |b| {
        b.iter(|| {
            i += 1;
            black_box(&*shared.allocate(Msg256::make(i)).unwrap());
        })
    });
    let mut all: Vec<_> = (0..CAPACITY)
        .map(|k| shared.allocate(Msg256::make(k as u64)).unwrap())
        .collect();
    let mut held_shared: Vec<RingPtr<Msg256>> = Vec::new();
    for (k, p) in all.drain(..).enumerate() {
        if k % 10 != 9 && held_shared.len() < held_count {
            held_shared.push(p);
        }
    }
    group.bench_function("ringpool_shared", |b| {
        b.iter(|| {
            i += 1;
            black_box(&*shared.allocate(Msg256::make(i)).unwrap());
        })
    });
    let slab = sharded_slab::Slab::<Msg256>::new();
    let slab_held: Vec<_> = (0..held_count)
        .map(|k| slab.insert(Msg256::make(k as u64)).unwrap())
        .collect();
    group.bench_function("sharded_slab", |b| {
        b.iter(|| {
            i += 1;
            let key = slab.insert(Msg256::make(i)).unwrap();
            black_box(key);
            slab.remove(key);
        })
    });
    // rusted-ring 0.4's S pool has 1000 slots: hold 90 % of them, from slot 0 up (its scan starts
    // at slot 0, so this is its typical, not its worst, layout).
    let allocator = rusted_ring_allocator();
    let rusted_held: Vec<_> = (0..900u64)
        .map(|k| {
            allocator
                .allocate_s_event(ringpool::bytemuck::bytes_of(&Msg256::make(k)), 1)
                .unwrap()
        })
        .collect();
    group.bench_function("rusted_ring_0_4_allocator", |b| {
        b.iter(|| {
            i += 1;
            Msg256::allocate_and_drop(allocator, &Msg256::make(i));
        })
    });
    let lf_pool = lockfree_object_pool::LinearObjectPool::<Msg256>::new(Msg256::default, |_| {});
    let lf_held: Vec<_> = (0..held_count).map(|_| lf_pool.pull()).collect();
    group.bench_function("lockfree_object_pool", |b| {
        b.iter(|| {
            i += 1;
            let mut r = lf_pool.pull();
            *r = Msg256::make(i);
            black_box(&*r);
        })
    });
    group.finish();
    drop((held, held_shared, slab_held, lf_held, rusted_held));
}

fn clone_drop(c: &mut Criterion) {
    let mut group = c.benchmark_group("clone_drop");
    let mut local = LocalPools::new(config());
    let p = local.allocate(Msg64::make(1)).unwrap();
    // Each contender black-boxes the pointer of its clone (not the handle itself, whose store and
    // reload through the stack would measure the handle's size rather than the refcounting).
    group.bench_function("ringpool", |b| {
        b.iter(|| {
            let q = p.clone();
            black_box(RingPtr::as_ptr(&q));
        })
    });
    let a = Arc::new(Msg64::make(1));
    group.bench_function("arc", |b| {
        b.iter(|| {
            let q = a.clone();
            black_box(Arc::as_ptr(&q));
        })
    });
    // The same `Arc` loop a second time, compiled to the same instructions at another address: how
    // far code placement alone moves this figure (triomphe's loop is instruction for instruction
    // `Arc`'s too).
    group.bench_function("arc_second_copy", |b| {
        b.iter(|| {
            let q = a.clone();
            black_box(Arc::as_ptr(&q));
        })
    });
    let t = triomphe::Arc::new(Msg64::make(1));
    group.bench_function("triomphe", |b| {
        b.iter(|| {
            let q = t.clone();
            black_box(triomphe::Arc::as_ptr(&q));
        })
    });
    group.finish();
}

/// Allocate on this thread, drop on a consumer thread: messages travel through a bounded
/// lock-free queue; the time is per message, until the consumer has dropped the last one.
fn cross_thread<M: Send + 'static>(
    iters: u64,
    mut make: impl FnMut(u64) -> M,
    consume: impl Fn(M) + Send + 'static,
) -> Duration {
    let queue = Arc::new(ArrayQueue::<M>::new(256));
    let consumer_queue = Arc::clone(&queue);
    let consumer = std::thread::spawn(move || {
        let mut left = iters;
        // Spin briefly, then yield: on a busy machine with few cores a consumer that only spun
        // would hold the core the producer needs, and one that only yielded would measure the
        // scheduler more than the allocator.
        let backoff = Backoff::new();
        while left > 0 {
            match consumer_queue.pop() {
                Some(m) => {
                    consume(m);
                    left -= 1;
                    backoff.reset();
                }
                None => backoff.snooze(),
            }
        }
    });
    let start = Instant::now();
    let backoff = Backoff::new();
    for i in 0..iters {
        let mut m = make(i);
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
    consumer.join().unwrap();
    start.elapsed()
}

/// A `Box`-like owner of a mimalloc block, freed on drop (on whichever thread).
struct MiBox(*mut Msg256);
// SAFETY: unique owner of a heap block; mimalloc frees from any thread.
unsafe impl Send for MiBox {}
impl Drop for MiBox {
    fn drop(&mut self) {
        // SAFETY: allocated by `MiMalloc.alloc` with this layout; dropped once.
        unsafe { MiMalloc.dealloc(self.0.cast(), Layout::new::<Msg256>()) }
    }
}

fn cross_thread_free(c: &mut Criterion) {
    let mut group = c.benchmark_group("cross_thread_free");
    group.bench_function("ringpool_local", |b| {
        b.iter_custom(|iters| {
            let mut local = LocalPools::new(config());
            cross_thread(
                iters,
                move |i| loop {
                    if let Ok(p) = local.allocate(Msg256::make(i)) {
                        break p;
                    }
                    std::thread::yield_now();
                },
                |p| {
                    black_box(p.first());
                },
            )
        })
    });
    group.bench_function("ringpool_shared", |b| {
        b.iter_custom(|iters| {
            let pools = Pools::new(config());
            cross_thread(
                iters,
                move |i| loop {
                    if let Ok(p) = pools.allocate(Msg256::make(i)) {
                        break p;
                    }
                    std::thread::yield_now();
                },
                |p| {
                    black_box(p.first());
                },
            )
        })
    });
    group.bench_function("box_mimalloc", |b| {
        b.iter_custom(|iters| {
            cross_thread(
                iters,
                |i| {
                    // SAFETY: non-zero layout; checked; written before use.
                    unsafe {
                        let p = MiMalloc.alloc(Layout::new::<Msg256>()).cast::<Msg256>();
                        assert!(!p.is_null());
                        p.write(Msg256::make(i));
                        MiBox(p)
                    }
                },
                |m| {
                    // SAFETY: the block is live and initialised until the MiBox drops.
                    black_box(unsafe { (*m.0).first() });
                },
            )
        })
    });
    group.bench_function("box_system", |b| {
        b.iter_custom(|iters| {
            cross_thread(
                iters,
                |i| Box::new(Msg256::make(i)),
                |m| {
                    black_box(m.first());
                },
            )
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    alloc_drop_64,
    alloc_drop_256,
    alloc_drop_90pct_full,
    clone_drop,
    cross_thread_free
);
criterion_main!(benches);
