//! The feed actor: generates the market, frames each message onto the stream, and keeps the
//! ground truth every strategy must end up agreeing with.

use std::thread;
use std::time::{Duration, Instant};

use ringpool::frame::{FrameError, FrameWriter};

use crate::RunContext;
use crate::cli::Pacing;
use crate::market::{MarketBook, MarketEvent, MarketGenerator};
use crate::transport::FeedSink;

/// Frames per flush when not paced: small enough for latency, large enough that a socket write
/// carries ~2 KiB. A paced feed flushes (and paces) every frame, so the latency it measures is
/// the pipeline's own, not the time a frame waited in the feed's buffer.
const BURST: u64 = 64;

/// What the feed sent.
pub struct FeedOutcome {
    pub sent: u64,
    /// The books as the feed built them while sending: the ground truth.
    pub truth: MarketBook,
    /// When the first message was generated.
    pub started: Instant,
    pub elapsed: Duration,
}

pub struct FeedPlan {
    pub messages: u64,
    pub deadline: Option<Duration>,
    pub rate: u64,
    pub pacing: Pacing,
    pub symbols: u32,
    pub seed: u64,
}

/// Waits for the decoder side to be ready, sends up to `plan.messages` frames (fewer if the
/// deadline passes; paced, each one flushed at its time), then flushes and closes the stream,
/// which ends the decoder's input.
pub fn run(
    sink: FeedSink,
    plan: &FeedPlan,
    context: &RunContext<'_>,
) -> Result<FeedOutcome, FrameError> {
    let RunContext {
        clock,
        progress,
        ready,
        ..
    } = *context;
    ready.wait();
    let started = Instant::now();
    let mut generator = MarketGenerator::new(plan.seed, plan.symbols);
    let mut truth = MarketBook::new(plan.symbols);
    let mut writer = FrameWriter::with_capacity(16 * 1024, sink);
    let interval_ns = if plan.rate == 0 {
        0
    } else {
        1_000_000_000 / plan.rate.max(1)
    };
    let burst = if interval_ns > 0 { 1 } else { BURST };
    let mut sent = 0;
    while sent < plan.messages {
        if sent.is_multiple_of(burst) {
            writer.flush()?;
            progress.fed.publish(sent);
            if let Some(deadline) = plan.deadline
                && started.elapsed() >= deadline
            {
                break;
            }
            if interval_ns > 0 {
                pace(plan.pacing, started, sent * interval_ns);
            }
        }
        let event = generator.next_event(clock.now_ns());
        match &event {
            MarketEvent::Book(update) => writer.write_message(update)?,
            MarketEvent::Trade(trade) => writer.write_message(trade)?,
            MarketEvent::Snapshot(snapshot) => writer.write_message(snapshot)?,
        }
        truth
            .apply(&event)
            .expect("the generator only emits symbols it created");
        sent += 1;
    }
    writer.flush()?;
    progress.fed.publish(sent);
    // Dropping the sink closes the stream: the decoder sees a clean end after the last frame.
    drop(writer.into_inner()?);
    Ok(FeedOutcome {
        sent,
        truth,
        started,
        elapsed: started.elapsed(),
    })
}

/// Waits until message `offset_ns` after `start` is due. The frame is generated (and so
/// stamped) after this returns, so latency counts from its real send time however late it is.
fn pace(pacing: Pacing, start: Instant, offset_ns: u64) {
    let target = start + Duration::from_nanos(offset_ns);
    match pacing {
        // One sleep to the deadline, nothing when already due: the thread wakes late by the
        // timer's slack (~50 µs on Linux), then sends every message due by then back to back,
        // each flushed on its own. It leaves the CPU to the pipeline between wakes.
        Pacing::Sleep => {
            if let Some(left) = target.checked_duration_since(Instant::now()) {
                thread::sleep(left);
            }
        }
        // On time to the microsecond, but at 10 µs or less per message it never sleeps and
        // keeps a core busy, which on a small host is a core taken from the pipeline.
        Pacing::Spin => loop {
            let now = Instant::now();
            if now >= target {
                return;
            }
            let left = target - now;
            if left > Duration::from_micros(200) {
                thread::sleep(left - Duration::from_micros(100));
            } else {
                std::hint::spin_loop();
            }
        },
    }
}
