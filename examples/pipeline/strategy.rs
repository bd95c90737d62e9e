//! A strategy actor's state: per-symbol top of book and VWAP, a sequence check, and the
//! end-to-end latency histogram. The same code runs behind ringpool and behind the baseline.

use hdrhistogram::Histogram;

use crate::clock::Clock;
use crate::market::{BookSnapshot, BookUpdate, MarketBook, Trade};
use crate::progress::Counter;
use crate::stages::DecodeTimes;

/// Largest latency the histogram tracks exactly (60 s); larger values are clamped.
const MAX_TRACKED_NS: u64 = 60_000_000_000;
/// Publish the handled count every this many messages.
const PUBLISH_EVERY: u64 = 1024;

/// A message as a strategy sees it, wherever it lives (a pool slot or a heap buffer).
#[derive(Clone, Copy)]
pub enum MessageRef<'a> {
    Book(&'a BookUpdate),
    Trade(&'a Trade),
    Snapshot(&'a BookSnapshot),
}

pub struct Strategy<'a> {
    clock: Clock,
    handled_counter: &'a Counter,
    book: MarketBook,
    expected_seq: u64,
    handled: u64,
    /// Messages that never arrived (sum of the sizes of sequence gaps).
    missing: u64,
    /// Messages with a sequence number at or below one already seen.
    stale: u64,
    /// Messages naming a symbol the feed does not have.
    corrupt: u64,
    latency: Histogram<u64>,
    /// With `--stage-latency`: the decoder's times and the two halves of each latency.
    stages: Option<(&'a DecodeTimes, StageLatency)>,
}

/// Each latency split where the decoder hands the message on (`--stage-latency`).
pub struct StageLatency {
    /// From the feed's send to the decoder having read the message.
    pub to_decoder: Histogram<u64>,
    /// From the decoder having read the message to the strategy handling it.
    pub to_strategy: Histogram<u64>,
}

impl StageLatency {
    pub fn new() -> Self {
        StageLatency {
            to_decoder: latency_histogram(),
            to_strategy: latency_histogram(),
        }
    }
}

fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_TRACKED_NS, 3).expect("static histogram bounds are valid")
}

/// What a strategy reports when its input ends.
pub struct StrategyOutcome {
    pub book: MarketBook,
    pub handled: u64,
    pub missing: u64,
    pub stale: u64,
    pub corrupt: u64,
    pub latency: Histogram<u64>,
    /// With `--stage-latency`: the two halves of each latency.
    pub stages: Option<StageLatency>,
    /// Heap allocations this actor's thread made while handling messages.
    pub allocations: u64,
}

impl<'a> Strategy<'a> {
    pub fn new(
        symbols: u32,
        clock: Clock,
        handled_counter: &'a Counter,
        decode_times: Option<&'a DecodeTimes>,
    ) -> Self {
        Strategy {
            clock,
            handled_counter,
            book: MarketBook::new(symbols),
            expected_seq: 1,
            handled: 0,
            missing: 0,
            stale: 0,
            corrupt: 0,
            latency: latency_histogram(),
            stages: decode_times.map(|times| (times, StageLatency::new())),
        }
    }

    pub fn handle(&mut self, message: MessageRef<'_>) {
        let (seq, sent_ns) = match message {
            MessageRef::Book(m) => (m.seq, m.sent_ns),
            MessageRef::Trade(m) => (m.seq, m.sent_ns),
            MessageRef::Snapshot(m) => (m.seq, m.sent_ns),
        };
        let now_ns = self.clock.now_ns();
        self.latency
            .saturating_record(now_ns.saturating_sub(sent_ns).max(1));
        if let Some((times, stages)) = &mut self.stages {
            let decoded_ns = times.decoded_at(seq);
            stages
                .to_decoder
                .saturating_record(decoded_ns.saturating_sub(sent_ns).max(1));
            stages
                .to_strategy
                .saturating_record(now_ns.saturating_sub(decoded_ns).max(1));
        }
        self.check_sequence(seq);
        let applied = match message {
            MessageRef::Book(m) => self.book.apply_book(m),
            MessageRef::Trade(m) => self.book.apply_trade(m),
            MessageRef::Snapshot(m) => self.book.apply_snapshot(m),
        };
        if applied.is_err() {
            self.corrupt += 1;
        }
        self.handled += 1;
        if self.handled.is_multiple_of(PUBLISH_EVERY) {
            self.handled_counter.publish(self.handled);
        }
    }

    fn check_sequence(&mut self, seq: u64) {
        if seq == self.expected_seq {
            self.expected_seq += 1;
        } else if seq > self.expected_seq {
            self.missing += seq - self.expected_seq;
            self.expected_seq = seq + 1;
        } else {
            self.stale += 1;
        }
    }

    pub fn finish(self, allocations: u64) -> StrategyOutcome {
        self.handled_counter.publish(self.handled);
        StrategyOutcome {
            book: self.book,
            handled: self.handled,
            missing: self.missing,
            stale: self.stale,
            corrupt: self.corrupt,
            latency: self.latency,
            stages: self.stages.map(|(_, stages)| stages),
            allocations,
        }
    }
}
