//! A market-data pipeline on ringpool, end to end, with nothing to install:
//!
//! ```text
//! feed thread ──TLV frames──▶ loopback TCP ──▶ decoder actor ──RingPtr──▶ ring ──▶ N strategy actors
//! (seeded book updates,        (or --transport   (frames straight    (one writer,     (VWAP + top of book
//!  trades, snapshots)           mem pipe)         into pool slots)    every reader     per symbol, sequence
//!                                                                     sees every item)  check, latency)
//! ```
//!
//! The decoder owns a single-writer `LocalPools` sized from the `#[derive(MessageSet)]` enum of
//! the three market messages; each frame's payload is read straight into a slot and becomes a
//! typed `RingPtr` without a copy. The fan-out ring carries the `RingPtr`s; strategies borrow
//! them in place, and the writer drops its copy one lap later, which returns the slot.
//!
//! `--baseline` runs the same feed, transport, strategies and checks with a `Vec`+`Vec`+`Arc`
//! decoder and `std::sync::mpsc` channels. Run `--help` for the flags. The process exits with 1
//! when any message was lost, duplicated, reordered or corrupted, or a pool slot did not come back.
//!
//! The modules live beside this file in `examples/pipeline/`, one stage per file.

mod alloc_count;
mod baseline;
mod cli;
mod clock;
mod feed;
mod load;
mod market;
mod pooled;
mod progress;
mod report;
mod stages;
mod strategy;
mod transport;

use std::process::ExitCode;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use crate::alloc_count::CountingAllocator;
use crate::cli::{Command, Options};
use crate::clock::Clock;
use crate::feed::FeedPlan;
use crate::progress::Progress;
use crate::report::RunResults;
use crate::stages::DecodeTimes;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// What every stage needs to know.
#[derive(Clone, Copy)]
pub struct RunContext<'a> {
    /// The command line.
    pub options: &'a Options,
    /// The clock the feed stamps messages with and the strategies measure latency on.
    pub clock: Clock,
    /// Where the actors publish their counts for the status line.
    pub progress: &'a Progress,
    /// The feed starts sending once the decoder side is set up (see [`StartSignal`]).
    pub ready: &'a Barrier,
    /// With `--stage-latency`: where the decoder notes when it read each message.
    pub decode_times: Option<&'a DecodeTimes>,
}

/// Tells the feed that the decoder side is ready: on [`release`](StartSignal::release), or when
/// dropped (an early error return), so the feed never waits forever.
pub struct StartSignal<'a>(Option<&'a Barrier>);

impl<'a> StartSignal<'a> {
    /// A signal the decoder side gives once.
    pub fn new(ready: &'a Barrier) -> Self {
        StartSignal(Some(ready))
    }

    /// Lets the feed start (once; later calls do nothing).
    pub fn release(&mut self) {
        if let Some(ready) = self.0.take() {
            ready.wait();
        }
    }
}

impl Drop for StartSignal<'_> {
    fn drop(&mut self) {
        self.release();
    }
}

/// What the decoder stage reports.
pub struct DecoderOutcome {
    /// Frames decoded and passed on.
    pub decoded: u64,
    /// Heap allocations the decoder thread made while decoding and fanning out.
    pub allocations: u64,
    /// Per size class the pools used, read after every actor finished (`None` for the baseline).
    pub pool: Option<Vec<PoolClassReport>>,
}

/// One size class's pool statistics at the end of the run.
pub struct PoolClassReport {
    /// The size class (XS, S, ...).
    pub class: String,
    /// Slots of the class.
    pub capacity: usize,
    /// Slots still taken after every actor and the ring are gone: must be 0.
    pub in_use: usize,
    /// The most slots seen taken at once (sampled).
    pub high_water: usize,
    /// Messages that got a slot of this class.
    pub allocations: u64,
    /// Allocations that found the class full.
    pub exhausted: u64,
    /// Of those, messages placed on the heap instead (`Overflow::Heap`).
    pub heap_fallbacks: u64,
}

fn main() -> ExitCode {
    let options = match cli::parse(std::env::args().skip(1)) {
        Ok(Command::Run(options)) => options,
        Ok(Command::Help) => {
            println!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("pipeline: {error}");
            return ExitCode::from(2);
        }
    };
    println!(
        "ringpool pipeline: {} messages over {}, {} strategies, {} mode, seed {}",
        options.messages,
        options.transport,
        options.readers,
        if options.baseline {
            "baseline"
        } else {
            "ringpool"
        },
        options.seed,
    );
    match run(&options) {
        Ok(results) => {
            if report::print_summary(&options, &results) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(error) => {
            eprintln!("pipeline: the run failed: {error}");
            ExitCode::from(1)
        }
    }
}

fn run(options: &Options) -> Result<RunResults, Box<dyn std::error::Error>> {
    let clock = Clock::start();
    let progress = Progress::new(options.readers);
    let (sink, source) = transport::open(options.transport)?;
    let plan = FeedPlan {
        messages: options.messages,
        deadline: options.duration,
        rate: options.rate,
        pacing: options.pacing,
        symbols: options.symbols,
        seed: options.seed,
    };
    let ready = Barrier::new(2);
    let decode_times = options
        .stage_latency
        .then(|| DecodeTimes::new(options.ring_capacity));
    let context = RunContext {
        options,
        clock,
        progress: &progress,
        ready: &ready,
        decode_times: decode_times.as_ref(),
    };
    let _load = load::BackgroundLoad::start(options.background_load);
    let started = Instant::now();
    thread::scope(|scope| {
        let feed = thread::Builder::new()
            .name("feed".into())
            .spawn_scoped(scope, || feed::run(sink, &plan, &context))?;
        let pipeline = thread::Builder::new()
            .name("decoder".into())
            .spawn_scoped(scope, || {
                if options.baseline {
                    baseline::run(source, &context).map_err(|e| e.to_string())
                } else {
                    pooled::run(source, &context).map_err(|e| e.to_string())
                }
            })?;
        show_status(&progress, options.quiet, started, || pipeline.is_finished());
        let pipeline = pipeline.join().expect("the decoder thread panicked");
        let finished = Instant::now();
        let feed = feed.join().expect("the feed thread panicked");
        let (decoder, strategies) = pipeline?;
        let feed = feed?;
        // From the first send to the last strategy's last message.
        let wall = finished.saturating_duration_since(feed.started);
        Ok(RunResults {
            feed,
            decoder,
            strategies,
            wall,
        })
    })
}

/// Prints one status line per second until `finished()` says the pipeline is done.
fn show_status(progress: &Progress, quiet: bool, started: Instant, finished: impl Fn() -> bool) {
    let mut last_tick = started;
    let mut last_decoded = 0;
    while !finished() {
        thread::sleep(Duration::from_millis(20));
        if quiet || last_tick.elapsed() < Duration::from_secs(1) {
            continue;
        }
        let now = Instant::now();
        let decoded = progress.decoded.get();
        let rate = (decoded - last_decoded) as f64 / (now - last_tick).as_secs_f64();
        println!("{}", report::status_line(progress, started.elapsed(), rate));
        last_tick = now;
        last_decoded = decoded;
    }
}
