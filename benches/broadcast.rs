//! One writer broadcasting to 1 and 4 readers: ringpool's shared-memory ring (lazy
//! `receive_next` + `read`, and `read_bulk`) against the `bcast` crate, on heap-backed rings.
//!
//! Each sample writes `iters` messages as fast as the writer can (neither ring waits for
//! readers) while every reader copies messages out until it has seen the last one; the time is
//! until all readers are done, so the figure is per message broadcast to all readers. Readers
//! that fall a lap behind skip ahead in both rings (a 1 MiB ring makes that rare).
//!
//! Run: `cargo bench --features shm --bench broadcast -- --warm-up-time 1 --measurement-time 3`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::spin_loop;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use bcast::StorageExt;
use ringpool::shm::{Reader, ShmError, ShmRing};

const RING_BYTES: usize = 1 << 20;
const SIZES: [usize; 2] = [64, 1024];

/// Spins briefly, then yields: the machine may have fewer cores than threads.
fn back_off(empty_polls: &mut u32) {
    *empty_polls += 1;
    if *empty_polls < 64 {
        spin_loop();
    } else {
        thread::yield_now();
    }
}

fn index_of(payload: &[u8]) -> u64 {
    u64::from_le_bytes(
        payload[..8]
            .try_into()
            .expect("payloads are at least 8 bytes"),
    )
}

/// A reader's work: set up, wait at the start line, read until the last message (or, when an
/// overrun skipped past it, until nothing is pending after the writer finished).
type ReaderFn = Box<dyn FnOnce(&Barrier, &AtomicBool) + Send>;

/// Runs the reader closures and the writer closure; returns the time from the start line until
/// all readers finish.
fn timed(readers: Vec<ReaderFn>, writer: impl FnOnce()) -> Duration {
    let start_line = Arc::new(Barrier::new(readers.len() + 1));
    let writer_done = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = readers
        .into_iter()
        .map(|read| {
            let start_line = start_line.clone();
            let writer_done = writer_done.clone();
            thread::spawn(move || read(&start_line, &writer_done))
        })
        .collect();
    start_line.wait();
    let start = Instant::now();
    writer();
    writer_done.store(true, Ordering::Release);
    for handle in handles {
        handle.join().expect("reader thread");
    }
    start.elapsed()
}

/// How a ringpool reader drains the ring until it has seen message `last` (or, after an overrun
/// skipped past it, until nothing is pending once the writer finished).
type RingpoolReadLoop = fn(Reader<'static>, u64, usize, &AtomicBool);

/// ringpool's ring with `readers` readers each running `read_loop`, written by one writer.
fn ringpool(readers: usize, size: usize, iters: u64, read_loop: RingpoolReadLoop) -> Duration {
    let ring = ShmRing::with_capacity(RING_BYTES).expect("valid capacity");
    let mut writer = ring.writer().expect("first writer");
    let last = iters - 1;
    let reader_fns: Vec<ReaderFn> = (0..readers)
        .map(|_| {
            let reader = ring.reader().expect("reader");
            Box::new(move |start_line: &Barrier, writer_done: &AtomicBool| {
                start_line.wait();
                read_loop(reader, last, size, writer_done);
            }) as ReaderFn
        })
        .collect();
    let mut payload = vec![0xA5u8; size];
    timed(reader_fns, || {
        for index in 0..iters {
            payload[..8].copy_from_slice(&index.to_le_bytes());
            writer.write(&payload).expect("fits");
        }
    })
}

/// Lazy reads: `receive_next`, then `read` copies and validates each message.
fn lazy_read_loop(mut reader: Reader<'static>, last: u64, size: usize, writer_done: &AtomicBool) {
    let mut buf = vec![0u8; size];
    let mut empty_polls = 0;
    loop {
        match reader.receive_next() {
            Ok(Some(message)) => {
                if let Ok(len) = message.read(&mut buf) {
                    empty_polls = 0;
                    if index_of(&buf[..len]) == last {
                        return;
                    }
                }
            }
            Ok(None) if writer_done.load(Ordering::Acquire) => {
                if matches!(reader.receive_next(), Ok(None)) {
                    return;
                }
            }
            Ok(None) => back_off(&mut empty_polls),
            Err(ShmError::Overrun { .. }) => {}
            Err(error) => panic!("{error}"),
        }
    }
}

/// Bulk reads: `read_bulk` copies a window in one go and parses it.
fn bulk_read_loop(mut reader: Reader<'static>, last: u64, _size: usize, writer_done: &AtomicBool) {
    let mut window = vec![0u8; 64 * 1024];
    let mut empty_polls = 0;
    loop {
        match reader.read_bulk(&mut window) {
            Ok(bulk) => {
                if bulk.remaining() == 0 {
                    if writer_done.load(Ordering::Acquire) && reader.lag_bytes() == 0 {
                        return;
                    }
                    back_off(&mut empty_polls);
                    continue;
                }
                empty_polls = 0;
                if bulk
                    .into_iter()
                    .any(|message| index_of(message.payload) == last)
                {
                    return;
                }
            }
            Err(ShmError::Overrun { .. }) => {}
            Err(error) => panic!("{error}"),
        }
    }
}

fn bcast(readers: usize, size: usize, iters: u64) -> Duration {
    let storage = bcast::LocalStorage::with_capacity(RING_BYTES).into_shared();
    let mut writer = storage.clone().into_writer();
    let last = iters - 1;
    let reader_fns: Vec<ReaderFn> = (0..readers)
        .map(|_| {
            let storage = storage.clone();
            Box::new(move |start_line: &Barrier, writer_done: &AtomicBool| {
                // bcast readers are not Send: attach here, before the writer starts.
                let mut reader = storage.into_reader();
                start_line.wait();
                let mut buf = vec![0u8; size];
                let mut empty_polls = 0;
                loop {
                    match reader.receive_next(&mut buf) {
                        Some(Ok(message)) => {
                            empty_polls = 0;
                            if index_of(message.payload) == last {
                                return;
                            }
                        }
                        // bcast's recovery: jump to the producer's position.
                        Some(Err(_overrun)) => reader.reset(),
                        None if writer_done.load(Ordering::Acquire) => {
                            if reader.receive_next(&mut buf).is_none() {
                                return;
                            }
                        }
                        None => back_off(&mut empty_polls),
                    }
                }
            }) as ReaderFn
        })
        .collect();
    let mut payload = vec![0xA5u8; size];
    timed(reader_fns, || {
        for index in 0..iters {
            payload[..8].copy_from_slice(&index.to_le_bytes());
            writer.send(&payload, true);
        }
    })
}

fn broadcast(c: &mut Criterion) {
    for readers in [1, 4] {
        let mut group = c.benchmark_group(format!("broadcast_1_to_{readers}"));
        for size in SIZES {
            group.throughput(Throughput::Elements(1));
            group.bench_with_input(BenchmarkId::new("ringpool", size), &size, |b, &size| {
                b.iter_custom(|iters| ringpool(readers, size, iters.max(2), lazy_read_loop))
            });
            group.bench_with_input(
                BenchmarkId::new("ringpool_bulk", size),
                &size,
                |b, &size| {
                    b.iter_custom(|iters| ringpool(readers, size, iters.max(2), bulk_read_loop))
                },
            );
            group.bench_with_input(BenchmarkId::new("bcast", size), &size, |b, &size| {
                b.iter_custom(|iters| bcast(readers, size, iters.max(2)))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, broadcast);
criterion_main!(benches);
