//! The market data: three wire messages, a seeded generator, and the per-symbol book every
//! strategy (and the feed, as ground truth) keeps.

use ringpool::PooledMessage;
use ringpool::bytemuck::{Pod, Zeroable};

/// Bid side in [`BookUpdate::side`] and [`Trade::aggressor`]; 1 is the ask side.
pub const BID: u32 = 0;
/// Depth of a [`BookSnapshot`].
pub const SNAPSHOT_DEPTH: usize = 5;
/// One snapshot per this many messages of a symbol.
const SNAPSHOT_EVERY: u64 = 1_000;

/// A change of the best price on one side of one symbol's book (40 bytes: size class XS).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(type_id = 0x0101)]
pub struct BookUpdate {
    pub seq: u64,
    pub sent_ns: u64,
    pub symbol: u32,
    pub side: u32,
    pub price: i64,
    pub qty: i64,
}

/// A trade print (40 bytes: size class XS).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(type_id = 0x0102)]
pub struct Trade {
    pub seq: u64,
    pub sent_ns: u64,
    pub symbol: u32,
    pub aggressor: u32,
    pub price: i64,
    pub qty: i64,
}

/// One price level of a snapshot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
pub struct Level {
    pub price: i64,
    pub qty: i64,
}

/// The top five levels of both sides of one symbol (184 bytes: size class S).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(type_id = 0x0103)]
pub struct BookSnapshot {
    pub seq: u64,
    pub sent_ns: u64,
    pub symbol: u32,
    pub depth: u32,
    pub bids: [Level; SNAPSHOT_DEPTH],
    pub asks: [Level; SNAPSHOT_DEPTH],
}

/// One generated message, before it is framed.
#[derive(Clone, Copy, Debug)]
pub enum MarketEvent {
    Book(BookUpdate),
    Trade(Trade),
    Snapshot(BookSnapshot),
}

/// splitmix64: a tiny, well-mixed, seedable generator; the same seed gives the same feed.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-enough in `0..bound` (bound is small, so the modulo bias is negligible).
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// Generates a deterministic stream of book updates, trades and snapshots over `symbols`
/// instruments whose mid prices wander one tick at a time.
pub struct MarketGenerator {
    rng: SplitMix64,
    mids: Vec<i64>,
    per_symbol: Vec<u64>,
    next_seq: u64,
}

impl MarketGenerator {
    pub fn new(seed: u64, symbols: u32) -> Self {
        let mut rng = SplitMix64(seed);
        let mids = (0..symbols)
            .map(|_| 10_000 + rng.below(90_000) as i64)
            .collect();
        MarketGenerator {
            rng,
            mids,
            per_symbol: vec![0; symbols as usize],
            next_seq: 1,
        }
    }

    /// The next message, stamped with sequence number `seq` (1, 2, 3, ...) and `sent_ns`.
    pub fn next_event(&mut self, sent_ns: u64) -> MarketEvent {
        let seq = self.next_seq;
        self.next_seq += 1;
        let symbol = self.rng.below(self.mids.len() as u64) as usize;
        if self.rng.below(8) == 0 {
            self.mids[symbol] += if self.rng.below(2) == 0 { -1 } else { 1 };
        }
        let mid = self.mids[symbol];
        self.per_symbol[symbol] += 1;
        let symbol_id = symbol as u32;
        if self.per_symbol[symbol] % SNAPSHOT_EVERY == 1 {
            let mut snapshot = BookSnapshot {
                seq,
                sent_ns,
                symbol: symbol_id,
                depth: SNAPSHOT_DEPTH as u32,
                ..Zeroable::zeroed()
            };
            for level in 0..SNAPSHOT_DEPTH {
                let offset = level as i64 + 1;
                snapshot.bids[level] = Level {
                    price: mid - offset,
                    qty: 1 + self.rng.below(1_000) as i64,
                };
                snapshot.asks[level] = Level {
                    price: mid + offset,
                    qty: 1 + self.rng.below(1_000) as i64,
                };
            }
            return MarketEvent::Snapshot(snapshot);
        }
        let side = self.rng.below(2) as u32;
        if self.rng.below(3) == 0 {
            let slip = self.rng.below(3) as i64;
            MarketEvent::Trade(Trade {
                seq,
                sent_ns,
                symbol: symbol_id,
                aggressor: side,
                price: if side == BID { mid + slip } else { mid - slip },
                qty: 1 + self.rng.below(500) as i64,
            })
        } else {
            let distance = 1 + self.rng.below(4) as i64;
            MarketEvent::Book(BookUpdate {
                seq,
                sent_ns,
                symbol: symbol_id,
                side,
                price: if side == BID {
                    mid - distance
                } else {
                    mid + distance
                },
                qty: 1 + self.rng.below(1_000) as i64,
            })
        }
    }
}

/// What a strategy knows about one symbol: top of book and the running VWAP sums.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SymbolState {
    pub best_bid: Level,
    pub best_ask: Level,
    /// Sum of price × quantity over all trades (exact: integer ticks).
    pub notional: i128,
    pub volume: i64,
    pub trades: u64,
}

impl SymbolState {
    /// Volume-weighted average trade price, in ticks.
    pub fn vwap(&self) -> Option<f64> {
        (self.volume > 0).then(|| self.notional as f64 / self.volume as f64)
    }
}

/// Per-symbol books plus an order-sensitive digest of every field of every message applied:
/// two books that saw the same messages in the same order have equal digests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarketBook {
    pub symbols: Vec<SymbolState>,
    pub digest: u64,
}

impl MarketBook {
    pub fn new(symbols: u32) -> Self {
        MarketBook {
            symbols: vec![SymbolState::default(); symbols as usize],
            digest: 0xCBF2_9CE4_8422_2325,
        }
    }

    fn mix(&mut self, word: u64) {
        self.digest = (self.digest ^ word)
            .wrapping_mul(0x0000_0100_0000_01B3)
            .rotate_left(17);
    }

    /// Applies a book update. A symbol id outside the book is reported, not indexed.
    pub fn apply_book(&mut self, update: &BookUpdate) -> Result<(), BadSymbol> {
        self.mix_common(update.seq, update.sent_ns, update.symbol, update.side);
        self.mix(update.price as u64);
        self.mix(update.qty as u64);
        let state = self.state(update.symbol)?;
        let level = Level {
            price: update.price,
            qty: update.qty,
        };
        if update.side == BID {
            state.best_bid = level;
        } else {
            state.best_ask = level;
        }
        Ok(())
    }

    pub fn apply_trade(&mut self, trade: &Trade) -> Result<(), BadSymbol> {
        self.mix_common(trade.seq, trade.sent_ns, trade.symbol, trade.aggressor);
        self.mix(trade.price as u64);
        self.mix(trade.qty as u64);
        let state = self.state(trade.symbol)?;
        state.notional += i128::from(trade.price) * i128::from(trade.qty);
        state.volume += trade.qty;
        state.trades += 1;
        Ok(())
    }

    pub fn apply_snapshot(&mut self, snapshot: &BookSnapshot) -> Result<(), BadSymbol> {
        self.mix_common(
            snapshot.seq,
            snapshot.sent_ns,
            snapshot.symbol,
            snapshot.depth,
        );
        for level in snapshot.bids.iter().chain(&snapshot.asks) {
            self.mix(level.price as u64);
            self.mix(level.qty as u64);
        }
        let state = self.state(snapshot.symbol)?;
        state.best_bid = snapshot.bids[0];
        state.best_ask = snapshot.asks[0];
        Ok(())
    }

    pub fn apply(&mut self, event: &MarketEvent) -> Result<(), BadSymbol> {
        match event {
            MarketEvent::Book(update) => self.apply_book(update),
            MarketEvent::Trade(trade) => self.apply_trade(trade),
            MarketEvent::Snapshot(snapshot) => self.apply_snapshot(snapshot),
        }
    }

    fn mix_common(&mut self, seq: u64, sent_ns: u64, symbol: u32, tag: u32) {
        self.mix(seq);
        self.mix(sent_ns);
        self.mix(u64::from(symbol) << 32 | u64::from(tag));
    }

    fn state(&mut self, symbol: u32) -> Result<&mut SymbolState, BadSymbol> {
        self.symbols.get_mut(symbol as usize).ok_or(BadSymbol)
    }
}

/// A message named a symbol the book does not have (corruption on the way).
#[derive(Clone, Copy, Debug)]
pub struct BadSymbol;

const _: () = {
    assert!(BookUpdate::SIZE == 40);
    assert!(Trade::SIZE == 40);
    assert!(BookSnapshot::SIZE == 184);
};
