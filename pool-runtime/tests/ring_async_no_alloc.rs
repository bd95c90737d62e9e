//! The async ring path allocates nothing per message: after warm-up, a writer task and two reader
//! tasks (one streaming, one reading batches) on one current-thread runtime hand over 10 000
//! items while a counting global allocator sees no allocation.
#![cfg(all(feature = "async", not(loom)))]

mod counting_alloc;

use counting_alloc::{Counting, allocations, set_counting};
use std::pin::Pin;

use futures_core::Stream;
use pool_runtime::ring::Ring;

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
        // A second reader takes whole batches in place (`read_batch_async`).
        let mut batch_reader = ring.subscribe().unwrap();
        let batch_consumer = tokio::spawn(async move {
            let mut expected = 0;
            while let Some(mut batch) = batch_reader.read_batch_async().await {
                while let Some(item) = batch.next_ref() {
                    assert_eq!(*item, expected);
                    expected += 1;
                }
            }
            expected
        });
        for item in 0..WARM_UP {
            writer.push_async(item).await;
        }
        set_counting(true);
        for item in WARM_UP..WARM_UP + MEASURED {
            writer.push_async(item).await;
        }
        set_counting(false);
        drop(writer);
        assert_eq!(consumer.await.unwrap(), WARM_UP + MEASURED);
        assert_eq!(batch_consumer.await.unwrap(), WARM_UP + MEASURED);
        allocations()
    });
    assert_eq!(
        allocations, 0,
        "heap allocations while handing over {MEASURED} items"
    );
}
