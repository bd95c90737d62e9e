//! The ringpool stages: the decoder actor reads frames straight into slots of its own
//! single-writer `LocalPools`, and one `Backpressure` ring fans the typed `RingPtr`s out to every
//! strategy, which borrows each message in place.
//!
//! Slot lifetime: a message's slot is taken when its frame is read, the ring holds the
//! `RingPtr` until every strategy has read it, and the writer's next push drops it, which returns
//! the slot to the pool. So the pool needs at most one ring's worth of slots per class, plus the
//! one being decoded and one per strategy; [`pool_config`] sizes it so.

use std::io::BufReader;
use std::mem;
use std::thread;

use ringpool::frame::FrameError;
use ringpool::ring::{Reader, Ring};
use ringpool::{LocalPools, MessageSet, Overflow, PoolConfig, RingPtr, SizeClass};

use crate::alloc_count::thread_allocations;
use crate::cli::Fault;
use crate::market::{BookSnapshot, BookUpdate, Trade};
use crate::progress::{CLASSES, Progress};
use crate::strategy::{MessageRef, Strategy, StrategyOutcome};
use crate::transport::FrameSource;
use crate::{DecoderOutcome, PoolClassReport, RunContext, StartSignal};

/// Every message the decoder accepts. The derive infers the pool configuration (XS slots for
/// updates and trades, S slots for snapshots) and writes the decode-by-type-id match.
#[derive(MessageSet)]
pub enum Inbound {
    Book(RingPtr<BookUpdate>),
    Trade(RingPtr<Trade>),
    Snapshot(RingPtr<BookSnapshot>),
}

impl Inbound {
    fn as_message(&self) -> MessageRef<'_> {
        match self {
            Inbound::Book(update) => MessageRef::Book(update),
            Inbound::Trade(trade) => MessageRef::Trade(trade),
            Inbound::Snapshot(snapshot) => MessageRef::Snapshot(snapshot),
        }
    }
}

/// Which message `--fault` tampers with.
const FAULT_AT: u64 = 1000;

/// Applies `--fault` to `message`; `true` when the message must not be passed on.
fn inject_fault(fault: Option<Fault>, message: &Inbound) -> bool {
    match fault {
        None => false,
        Some(Fault::Drop) => true,
        Some(Fault::Leak) => {
            match message {
                Inbound::Book(update) => mem::forget(RingPtr::clone(update)),
                Inbound::Trade(trade) => mem::forget(RingPtr::clone(trade)),
                Inbound::Snapshot(snapshot) => mem::forget(RingPtr::clone(snapshot)),
            }
            false
        }
    }
}

/// Publish pool occupancy for the status line every this many messages.
const PUBLISH_EVERY: u64 = 1024;

/// The classes `Inbound` uses, each with `--pool-capacity` slots or else what
/// `Inbound::pool_config_for_ring` says a ring of `ring_capacity` entries and `readers`
/// strategies need; a burst beyond that goes to the heap (counted as a heap fallback, which
/// fails the verdict unless `--allow-heap`) rather than failing the read.
pub fn pool_config(
    pool_capacity: Option<usize>,
    ring_capacity: usize,
    readers: usize,
) -> PoolConfig {
    let mut config = Inbound::pool_config_for_ring(ring_capacity, readers);
    for class in SizeClass::ALL {
        let sized = config.capacity(class);
        if sized == 0 {
            continue;
        }
        config = config
            .with_capacity(class, pool_capacity.unwrap_or(sized))
            .with_overflow(class, Overflow::Heap);
    }
    config
}

/// Runs the decoder on this thread and one strategy thread per reader; returns after every
/// actor has finished and the ring is gone, so the pool statistics are final.
pub fn run(
    source: FrameSource,
    context: &RunContext<'_>,
) -> Result<(DecoderOutcome, Vec<StrategyOutcome>), Box<dyn std::error::Error + Send + Sync>> {
    let RunContext {
        options,
        clock,
        progress,
        ready,
        decode_times,
    } = *context;
    let mut start_signal = StartSignal::new(ready);
    let mut pools = LocalPools::try_new(pool_config(
        options.pool_capacity,
        options.ring_capacity,
        options.readers,
    ))?;
    let ring = Ring::<Inbound>::with_capacity(options.ring_capacity)?;
    let mut writer = ring.writer()?;
    let readers = (0..options.readers)
        .map(|_| writer.subscribe())
        .collect::<Result<Vec<_>, _>>()?;
    // The storage lives on in the writer and readers; when the last of them goes, the items
    // still in the ring are dropped and their slots return.
    drop(ring);
    thread::scope(|scope| {
        let mut strategies = Vec::with_capacity(readers.len());
        for (index, reader) in readers.into_iter().enumerate() {
            let strategy = Strategy::new(
                options.symbols,
                clock,
                &progress.handled[index],
                decode_times,
            );
            strategies.push(
                thread::Builder::new()
                    .name(format!("strategy-{index}"))
                    .spawn_scoped(scope, move || strategy_loop(reader, strategy))?,
            );
        }
        let allocations_before = thread_allocations();
        let mut input = BufReader::with_capacity(64 * 1024, source);
        start_signal.release();
        let mut decoded = 0u64;
        // `LocalPools::stats().high_water` is a sampled peak; keep the peaks our samples saw.
        let mut peak_in_use = [0usize; CLASSES];
        let result = loop {
            match Inbound::read_from(&mut input, &mut pools) {
                Ok(message) => {
                    decoded += 1;
                    // The feed numbers messages 1, 2, ... and the stream keeps their order.
                    if let Some(times) = decode_times {
                        times.record(decoded, clock.now_ns());
                    }
                    if decoded == FAULT_AT && inject_fault(options.fault, &message) {
                        continue;
                    }
                    // Waits while the slowest strategy is a whole ring behind.
                    writer.push(message);
                    if decoded.is_multiple_of(PUBLISH_EVERY) {
                        publish(progress, decoded, &pools, &mut peak_in_use);
                    }
                }
                Err(error) if error.is_end_of_stream() => break Ok(()),
                Err(error) => break Err(error),
            }
        };
        let allocations = thread_allocations() - allocations_before;
        publish(progress, decoded, &pools, &mut peak_in_use);
        // Ends the strategies' input once they have read everything.
        drop(writer);
        let outcomes: Vec<StrategyOutcome> = strategies
            .into_iter()
            .map(|handle| handle.join().expect("a strategy thread panicked"))
            .collect();
        result.map_err(|error: FrameError| format!("decoder: {error}"))?;
        let stats = pools.stats();
        let pool = SizeClass::ALL
            .into_iter()
            .filter(|&class| {
                stats.class(class).capacity > 0 || stats.class(class).heap_fallbacks > 0
            })
            .map(|class| {
                let class_stats = stats.class(class);
                let sampled_peak = peak_in_use.get(class.index()).copied().unwrap_or(0);
                PoolClassReport {
                    class: class.to_string(),
                    capacity: class_stats.capacity,
                    in_use: class_stats.in_use,
                    high_water: class_stats.high_water.max(sampled_peak),
                    allocations: class_stats.allocations,
                    exhausted: class_stats.exhausted,
                    heap_fallbacks: class_stats.heap_fallbacks,
                }
            })
            .collect();
        Ok((
            DecoderOutcome {
                decoded,
                allocations,
                pool: Some(pool),
            },
            outcomes,
        ))
    })
}

fn publish(
    progress: &Progress,
    decoded: u64,
    pools: &LocalPools,
    peak_in_use: &mut [usize; CLASSES],
) {
    progress.decoded.publish(decoded);
    let stats = pools.stats();
    for (index, class) in SizeClass::ALL.into_iter().enumerate().take(CLASSES) {
        let class_stats = stats.class(class);
        peak_in_use[index] = peak_in_use[index].max(class_stats.in_use);
        progress.pool_in_use[index].publish(class_stats.in_use as u64);
        progress.pool_capacity[index].publish(class_stats.capacity as u64);
    }
}

/// Handles every message in place: waits for one, then drains whatever else is published as a
/// batch (one position commit per batch).
fn strategy_loop(mut reader: Reader<Inbound>, mut strategy: Strategy<'_>) -> StrategyOutcome {
    let allocations_before = thread_allocations();
    while reader
        .read_with(|message| strategy.handle(message.as_message()))
        .is_some()
    {
        let mut batch = reader.read_batch();
        while let Some(message) = batch.next_ref() {
            strategy.handle(message.as_message());
        }
    }
    strategy.finish(thread_allocations() - allocations_before)
}
