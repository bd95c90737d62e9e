//! The zerocopy and validated forms, through the attribute and spelled out, under
//! `#![no_implicit_prelude]` so the generated paths cannot lean on the prelude.
#![no_implicit_prelude]

extern crate ringpool;
extern crate std;

use ringpool::zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, TryFromBytes};
use ringpool::{PoolConfig, PooledMessage, Pools, SizeClass};

#[ringpool::message(zerocopy, type_id = 1)]
struct Quote {
    bid: u64,
    ask: u64,
}

#[derive(Clone, Copy, TryFromBytes, IntoBytes, Immutable, KnownLayout)]
#[zerocopy(crate = "ringpool::zerocopy")]
#[repr(u8)]
enum Side {
    Buy = 1,
    Sell = 2,
}

#[ringpool::message(validated, type_id = 2)]
struct Order {
    price: u64,
    side: Side,
    ioc: bool,
    reserved: [u8; 6],
}

#[derive(Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout, ringpool::PooledMessage)]
#[zerocopy(crate = "ringpool::zerocopy")]
#[repr(C)]
#[pooled(zerocopy, type_id = 3)]
struct SpelledOut {
    seq: u64,
}

fn main() {
    let pools = Pools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 4));
    let quote = pools.allocate(Quote { bid: 1, ask: 2 }).unwrap();
    let order = pools
        .allocate(Order { price: 3, side: Side::Sell, ioc: true, reserved: [0; 6] })
        .unwrap();
    let spelled = pools.allocate(SpelledOut { seq: 4 }).unwrap();
    std::assert_eq!(quote.ask + order.price + spelled.seq, 9);
    std::assert!(::core::matches!(order.side, Side::Sell));
    std::assert_eq!((Quote::TYPE_ID, Order::TYPE_ID, SpelledOut::SIZE), (1, 2, 8));
}
