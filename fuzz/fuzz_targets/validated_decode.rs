//! Validated decoding (issue 13): arbitrary bytes decoded as a validated message (a `bool` and a
//! `#[repr(u8)]` enum field) through `Frame::decode`, a `MessageSet` and
//! `MessageBuffer::view_message`. An independent oracle says which payloads are valid; a decoded
//! message holds exactly the payload and only 0/1 `bool`s; an invalid one is
//! `FrameError::InvalidValue` (or `ViewError::InvalidValue`) and its slot is back in the pool.
//!
//! Input: byte 0 picks the frame's type id (`Order`, `Quote`, or another), the rest is the payload.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use ringpool::frame::{FrameError, read_frame, write_frame_bytes};
use ringpool::zerocopy::{Immutable, IntoBytes, KnownLayout, TryFromBytes};
use ringpool::{
    MessageBuffer, MessageSet, PoolConfig, PooledMessage, Pools, RingPtr, SizeClass, ViewError,
};

#[derive(Clone, Copy, Debug, PartialEq, TryFromBytes, IntoBytes, Immutable, KnownLayout)]
#[zerocopy(crate = "ringpool::zerocopy")]
#[repr(u8)]
#[allow(dead_code)] // only ever decoded, never built
enum Side {
    Buy = 1,
    Sell = 2,
}

#[ringpool::message(validated, type_id = 1)]
#[derive(Debug)]
struct Order {
    price: u64,
    qty: u32,
    side: Side,
    ioc: bool,
    post_only: bool,
    reserved: u8,
}

#[ringpool::message(zerocopy, type_id = 2)]
#[derive(Debug)]
struct Quote {
    bid: u64,
    ask: u64,
}

#[derive(Debug, MessageSet)]
enum Inbound {
    Order(RingPtr<Order>),
    Quote(RingPtr<Quote>),
}

/// Byte offsets of `Order`'s checked fields (repr(C): u64, u32, then single bytes).
const SIDE: usize = 12;
const IOC: usize = 13;
const POST_ONLY: usize = 14;

/// The oracle: is `payload` a valid `Order`?
fn valid_order(payload: &[u8]) -> bool {
    payload.len() == Order::SIZE
        && matches!(payload[SIDE], 1 | 2)
        && payload[IOC] <= 1
        && payload[POST_ONLY] <= 1
}

static POOLS: LazyLock<Pools> =
    LazyLock::new(|| Pools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 2)));

fn check_order(order: &Order, payload: &[u8]) {
    assert!(valid_order(payload));
    assert_eq!(order.as_bytes(), payload);
    // Each bool reads as exactly 0 or 1.
    assert_eq!(u8::from(order.ioc), payload[IOC]);
    assert_eq!(u8::from(order.post_only), payload[POST_ONLY]);
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    if payload.len() > SizeClass::XS.slot_size() {
        return; // only XS slots are configured
    }
    let type_id = match selector % 3 {
        0 => Order::TYPE_ID,
        1 => Quote::TYPE_ID,
        _ => 3,
    };
    let pools = &*POOLS;
    let mut wire = Vec::new();
    write_frame_bytes(&mut wire, type_id, 0, payload).unwrap();

    // Frame::decode::<Order>.
    let frame = read_frame(&mut wire.as_slice(), pools).unwrap();
    match frame.decode::<Order>() {
        Ok(order) => check_order(&order, payload),
        Err(FrameError::InvalidValue {
            type_id: id,
            message,
        }) => {
            assert_eq!((id, message), (Order::TYPE_ID, "Order"));
            assert!(type_id == Order::TYPE_ID && payload.len() == Order::SIZE);
            assert!(!valid_order(payload));
        }
        Err(FrameError::TypeMismatch { .. }) => assert_ne!(type_id, Order::TYPE_ID),
        Err(FrameError::LengthMismatch { .. }) => assert_ne!(payload.len(), Order::SIZE),
        Err(other) => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        pools.stats().class(SizeClass::XS).in_use,
        0,
        "a slot leaked"
    );

    // The MessageSet's dispatch.
    match Inbound::read_from(&mut wire.as_slice(), pools) {
        Ok(Inbound::Order(order)) => check_order(&order, payload),
        Ok(Inbound::Quote(quote)) => assert_eq!(quote.as_bytes(), payload),
        Err(FrameError::InvalidValue { .. }) => assert!(!valid_order(payload)),
        Err(FrameError::UnknownTypeId { type_id: id }) => assert_eq!(id, 3),
        Err(FrameError::LengthMismatch { .. }) => {}
        Err(other) => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        pools.stats().class(SizeClass::XS).in_use,
        0,
        "a slot leaked"
    );

    // MessageBuffer::view_message.
    let mut buffer = MessageBuffer::<_, 64>::with_inline_capacity(pools);
    buffer.extend_from_slice(payload).unwrap();
    match buffer.view_message::<Order>() {
        Ok(order) => check_order(order, payload),
        Err(ViewError::InvalidValue { .. }) => assert!(!valid_order(payload)),
        Err(ViewError::SizeMismatch { .. }) => assert_ne!(payload.len(), Order::SIZE),
        Err(other) => panic!("unexpected {other:?}"),
    }
});
