//! Generated code stays quiet under strict lints in the user's crate.
#![deny(
    warnings,
    missing_docs,
    unreachable_pub,
    unsafe_code,
    unused,
    nonstandard_style
)]

use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::{MessageSet, PooledMessage, RingPtr};

/// A documented message.
#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
pub struct Tick {
    /// Price.
    pub price: u64,
}

/// A documented private-in-crate message set.
#[derive(MessageSet)]
pub(crate) enum Inbound {
    /// Ticks.
    Tick(RingPtr<Tick>),
}

/// A documented public message set.
#[derive(MessageSet)]
pub enum Outbound {
    /// Ticks.
    Tick(RingPtr<Tick>),
}

fn price(message: &Inbound) -> u64 {
    match message {
        Inbound::Tick(tick) => tick.price,
    }
}

fn main() {
    assert_eq!(Inbound::TYPE_IDS, Outbound::TYPE_IDS);
    let _: fn(&Inbound) -> u64 = price;
}
