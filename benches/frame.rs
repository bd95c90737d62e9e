//! Reading a stream of mixed frames from memory into typed messages.
//!
//! Group `frame_read`, the same bytes read by:
//! - `ringpool`: `MessageSet::read_from` — header onto the stack, payload straight into a pooled
//!   slot (one copy), `RingPtr<T>` without a further copy, slot back to the pool on drop; slots
//!   from a shared `Pools`;
//! - `ringpool_local`, `ringpool_thread`: the same with a single-writer `LocalPools` and with the
//!   calling thread's pools (`ThreadPools`, a thread-local lookup per frame);
//! - `naive`: the path of the seed design — a `Vec` for header + payload, a second `Vec` the
//!   payload is read into and then copied from, and an `Arc` around the result: 3 allocations and
//!   1 extra copy per message.
//!
//! Both consumers read one `u64` of every message, so both touch the payload the same way.
//! Before the timings, a counting global allocator reports heap allocations per message of each
//! path in the steady state (pools built, stream in memory).
//!
//! Run: `cargo bench --bench frame -- --warm-up-time 1 --measurement-time 3`

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::frame::{FrameError, FrameHeader, write_frame};
use ringpool::{Allocator, LocalPools, MessageSet, PooledMessage, Pools, RingPtr, ThreadPools};

/// The system allocator, counting every allocation (a relaxed counter: it is read only between
/// single-threaded measurement passes).
struct CountingAllocator;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees are this allocator's; the counter has no effect on the memory handed out.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded from our caller, who upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded from our caller, who upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` (through us) with `layout`; forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` (through us) with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// 16 bytes (XS).
#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Tick {
    price: u64,
    qty: u32,
    venue: u32,
}

/// 84 bytes (S), the seed's swap event.
#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct SwapEvent {
    pool: [u8; 20],
    amount_in: [u8; 32],
    amount_out: [u8; 32],
}

/// 800 bytes (M).
#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct BookUpdate {
    levels: [u64; 100],
}

#[derive(MessageSet)]
enum Inbound {
    Tick(RingPtr<Tick>),
    Swap(RingPtr<SwapEvent>),
    Book(RingPtr<BookUpdate>),
}

/// Frames per stream: 60% ticks, 30% swaps, 10% book updates, interleaved.
const FRAMES: usize = 1000;

fn mixed_stream() -> Vec<u8> {
    let mut wire = Vec::new();
    for i in 0..FRAMES {
        let seq = i as u64;
        match i % 10 {
            0 => write_frame(&mut wire, &BookUpdate { levels: [seq; 100] }),
            1..=3 => {
                let mut amount_in = [0; 32];
                amount_in[..8].copy_from_slice(&seq.to_le_bytes());
                write_frame(
                    &mut wire,
                    &SwapEvent {
                        pool: [7; 20],
                        amount_in,
                        amount_out: [1; 32],
                    },
                )
            }
            _ => write_frame(
                &mut wire,
                &Tick {
                    price: seq,
                    qty: 1,
                    venue: 2,
                },
            ),
        }
        .expect("writing to a Vec cannot fail");
    }
    wire
}

/// The ringpool path: every frame into a pooled slot from `pools` (`&Pools`, `&mut LocalPools`
/// or `ThreadPools`), decoded without a copy.
fn read_ringpool<A: Allocator>(wire: &[u8], mut pools: A) -> u64 {
    let mut stream = wire;
    let mut sum = 0u64;
    loop {
        match Inbound::read_from(&mut stream, &mut pools) {
            Ok(Inbound::Tick(tick)) => sum = sum.wrapping_add(tick.price),
            Ok(Inbound::Swap(swap)) => sum = sum.wrapping_add(u64::from(swap.amount_in[0])),
            Ok(Inbound::Book(book)) => sum = sum.wrapping_add(book.levels[99]),
            Err(end) if end.is_end_of_stream() => return sum,
            Err(error) => panic!("bench stream is valid: {error}"),
        }
    }
}

/// What the naive path hands on: the type id and the header + payload bytes behind an `Arc`.
struct RawFrame {
    type_id: u16,
    bytes: Arc<Vec<u8>>,
}

/// The seed's naive read: 3 allocations and 1 extra copy per message.
fn read_naive_frame(stream: &mut &[u8]) -> Result<RawFrame, FrameError> {
    let mut header_buf = [0u8; FrameHeader::LEN];
    stream.read_exact(&mut header_buf)?;
    let header = FrameHeader::from_bytes(header_buf);
    let payload_len = header.payload_len as usize;
    let mut tlv_bytes = Vec::with_capacity(FrameHeader::LEN + payload_len); // allocation 1
    tlv_bytes.extend_from_slice(&header_buf);
    let mut payload_buf = vec![0u8; payload_len]; // allocation 2
    stream.read_exact(&mut payload_buf)?;
    tlv_bytes.extend_from_slice(&payload_buf); // the copy
    Ok(RawFrame {
        type_id: header.type_id,
        bytes: Arc::new(tlv_bytes),
    }) // allocation 3
}

fn read_naive(wire: &[u8]) -> u64 {
    let mut stream = wire;
    let mut sum = 0u64;
    while !stream.is_empty() {
        let frame = read_naive_frame(&mut stream).expect("bench stream is valid");
        let payload = &frame.bytes[FrameHeader::LEN..];
        let word = |at: usize| u64::from_ne_bytes(payload[at..at + 8].try_into().expect("8 bytes"));
        sum = sum.wrapping_add(match frame.type_id {
            Tick::TYPE_ID => word(0),
            SwapEvent::TYPE_ID => u64::from(payload[20]),
            BookUpdate::TYPE_ID => word(99 * 8),
            other => panic!("unknown type id {other}"),
        });
    }
    sum
}

/// Heap allocations per message of one steady-state pass of `read`.
fn allocations_per_message(read: impl Fn() -> u64) -> f64 {
    black_box(read()); // warm-up: anything lazily allocated happens here
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    black_box(read());
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    (after - before) as f64 / FRAMES as f64
}

fn frame_read(c: &mut Criterion) {
    let wire = mixed_stream();
    let pools = Pools::new(Inbound::POOL_CONFIG);
    assert_eq!(
        read_ringpool(&wire, &pools),
        read_naive(&wire),
        "both paths decode the same stream"
    );

    let mut local = LocalPools::new(Inbound::POOL_CONFIG);
    assert_eq!(
        read_ringpool(&wire, &pools),
        read_ringpool(&wire, &mut local)
    );
    assert_eq!(
        read_ringpool(&wire, &pools),
        read_ringpool(&wire, ThreadPools)
    );

    let ringpool_allocs = allocations_per_message(|| read_ringpool(&wire, &pools));
    let local_cell = std::cell::RefCell::new(&mut local);
    let local_allocs =
        allocations_per_message(|| read_ringpool(&wire, &mut **local_cell.borrow_mut()));
    let thread_allocs = allocations_per_message(|| read_ringpool(&wire, ThreadPools));
    let naive_allocs = allocations_per_message(|| read_naive(&wire));
    println!(
        "frame_read/ringpool: {ringpool_allocs:.3} heap allocations per message (steady state)"
    );
    println!(
        "frame_read/ringpool_local: {local_allocs:.3} heap allocations per message (steady state)"
    );
    println!(
        "frame_read/ringpool_thread: {thread_allocs:.3} heap allocations per message (steady state)"
    );
    println!("frame_read/naive: {naive_allocs:.3} heap allocations per message (steady state)");

    let mut group = c.benchmark_group("frame_read");
    group.throughput(Throughput::Elements(FRAMES as u64));
    group.bench_function("ringpool", |b| {
        b.iter(|| read_ringpool(black_box(&wire), &pools))
    });
    group.bench_function("ringpool_local", |b| {
        b.iter(|| read_ringpool(black_box(&wire), &mut **local_cell.borrow_mut()))
    });
    group.bench_function("ringpool_thread", |b| {
        b.iter(|| read_ringpool(black_box(&wire), ThreadPools))
    });
    group.bench_function("naive", |b| b.iter(|| read_naive(black_box(&wire))));
    group.finish();
}

criterion_group!(benches, frame_read);
criterion_main!(benches);
