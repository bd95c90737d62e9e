//! The async ring path allocates nothing per message: after warm-up, a writer task and a reader
//! task on one current-thread runtime hand over 10 000 items while a counting global allocator
//! sees no allocation.
#![cfg(all(feature = "async", not(loom)))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures_core::Stream;
use pool_runtime::ring::Ring;

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to `System` unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const WARM_UP: u64 = 1_000;
const MEASURED: u64 = 10_000;

/// One test function: the counter is process-wide.
#[test]
fn async_hand_off_does_not_allocate_per_message() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let allocations = runtime.block_on(async {
        // A small ring, so both tasks wait (and register their wakers) again and again.
        let ring = Ring::<u64>::with_capacity(4).unwrap();
        let mut writer = ring.writer().unwrap();
        let mut reader = ring.subscribe().unwrap();
        let consumer = tokio::spawn(async move {
            let mut expected = 0;
            while let Some(item) =
                std::future::poll_fn(|cx| Pin::new(&mut reader).poll_next(cx)).await
            {
                assert_eq!(item, expected);
                expected += 1;
            }
            expected
        });
        for item in 0..WARM_UP {
            writer.push_async(item).await;
        }
        COUNTING.store(true, Ordering::Relaxed);
        for item in WARM_UP..WARM_UP + MEASURED {
            writer.push_async(item).await;
        }
        COUNTING.store(false, Ordering::Relaxed);
        drop(writer);
        assert_eq!(consumer.await.unwrap(), WARM_UP + MEASURED);
        ALLOCATIONS.load(Ordering::Relaxed)
    });
    assert_eq!(
        allocations, 0,
        "heap allocations while handing over {MEASURED} items"
    );
}
