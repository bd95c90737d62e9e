//! `--stage-latency`: the time each message left the decoder, so that a strategy can split its
//! latency in two: feed → decoded (send, socket, the decoder's wake-up and read, and any wait in
//! its previous push or send) and decoded → strategy (ring or channels, the strategy's wake-up). Both sides record the same way: one store
//! per message in the decoder, one load per message in each strategy.

use std::sync::atomic::{AtomicU64, Ordering};

/// A table of decode times indexed by sequence number modulo its length.
///
/// Its length is four ring capacities (at least 1 024). The ring (or each baseline channel)
/// holds at most `ring_capacity` messages, so the decoder is never more than
/// `ring_capacity + 2` messages ahead of the slowest strategy, and the entry a strategy reads
/// has not been overwritten by a later message yet.
pub struct DecodeTimes {
    times: Box<[AtomicU64]>,
    mask: u64,
}

impl DecodeTimes {
    /// Allocated once, before the feed starts.
    pub fn new(ring_capacity: usize) -> Self {
        let len = (ring_capacity.max(256) * 4).next_power_of_two();
        DecodeTimes {
            times: (0..len).map(|_| AtomicU64::new(0)).collect(),
            mask: len as u64 - 1,
        }
    }

    /// The decoder read message `seq` at `now_ns`. Called before the message is pushed or sent:
    /// that publish (`Release` in the ring, a channel's own synchronisation in the baseline)
    /// makes this `Relaxed` store visible to whoever receives the message.
    pub fn record(&self, seq: u64, now_ns: u64) {
        self.times[(seq & self.mask) as usize].store(now_ns, Ordering::Relaxed);
    }

    /// When the decoder read message `seq` (for a message this strategy has received).
    pub fn decoded_at(&self, seq: u64) -> u64 {
        self.times[(seq & self.mask) as usize].load(Ordering::Relaxed)
    }
}
