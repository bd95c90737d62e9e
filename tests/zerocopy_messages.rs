//! zerocopy messages and validated messages (issue 13, items 1–3): the one-line attribute in
//! each form; round trips through the three allocators, a ring and frames; and invalid `bool` or
//! enum bytes on the wire, which give `FrameError::InvalidValue` and return the slot.
#![cfg(feature = "zerocopy")]

use ringpool::frame::{FrameHeader, read_frame, write_frame, write_frame_bytes};
use ringpool::zerocopy::{Immutable, IntoBytes, KnownLayout, TryFromBytes};
use ringpool::{
    FrameError, LocalPools, MessageSet, PoolConfig, PooledMessage, Pools, Ring, RingPtr, SizeClass,
    allocate_from_pool,
};

/// A zerocopy message: any bytes are a valid value.
#[ringpool::message(zerocopy, type_id = 21)]
#[derive(Debug, PartialEq)]
struct Quote {
    bid: u64,
    ask: u64,
    venue: [u8; 16],
}

/// A field enum of a validated message: its derives spelled out, as the attribute covers structs.
#[derive(Clone, Copy, Debug, PartialEq, TryFromBytes, IntoBytes, Immutable, KnownLayout)]
#[zerocopy(crate = "ringpool::zerocopy")]
#[repr(u8)]
enum Side {
    Buy = 1,
    Sell = 2,
}

/// A validated message: only 0/1 are a `bool`, only 1/2 a `Side`.
#[ringpool::message(validated, type_id = 22)]
#[derive(Debug, PartialEq)]
struct Order {
    price: u64,
    qty: u32,
    side: Side,
    is_ioc: bool,
    post_only: bool,
    reserved: u8,
}

/// A bytemuck message through the attribute's default form.
#[ringpool::message(type_id = 23)]
#[derive(Debug, PartialEq)]
struct Tick {
    seq: u64,
}

#[derive(MessageSet)]
enum Inbound {
    Quote(RingPtr<Quote>),
    Order(RingPtr<Order>),
    Tick(RingPtr<Tick>),
}

fn quote() -> Quote {
    Quote {
        bid: 100,
        ask: 101,
        venue: *b"XNAS............",
    }
}

fn order() -> Order {
    Order {
        price: 4200,
        qty: 3,
        side: Side::Sell,
        is_ioc: true,
        post_only: false,
        reserved: 0,
    }
}

fn pools() -> Pools {
    Pools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 4))
}

/// The offsets of `Order`'s `side` and `is_ioc` bytes (repr(C): u64, u32, then the bytes).
const SIDE_OFFSET: usize = 12;
const IS_IOC_OFFSET: usize = 13;

#[test]
fn constants_follow_the_layout() {
    assert_eq!(
        (Quote::SIZE, Quote::CLASS, Quote::TYPE_ID),
        (32, SizeClass::XS, 21)
    );
    assert_eq!((Order::SIZE, Order::ALIGN, Order::TYPE_ID), (16, 8, 22));
    assert_eq!(Tick::SIZE, 8);
}

#[test]
fn zerocopy_and_validated_messages_go_through_every_allocator() {
    let shared = pools();
    assert_eq!(*shared.allocate(quote()).unwrap(), quote());
    assert_eq!(*shared.allocate(order()).unwrap(), order());

    let mut local = LocalPools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 2));
    assert_eq!(*local.allocate(quote()).unwrap(), quote());
    assert_eq!(*local.allocate(order()).unwrap(), order());

    assert_eq!(*allocate_from_pool(quote()).unwrap(), quote());
    assert_eq!(*allocate_from_pool(order()).unwrap(), order());
}

#[test]
fn messages_travel_through_a_ring() {
    let pools = pools();
    let ring = Ring::<RingPtr<Order>>::with_capacity(4).unwrap();
    let mut reader = ring.subscribe().unwrap();
    let mut writer = ring.writer().unwrap();
    writer.try_push(pools.allocate(order()).unwrap()).unwrap();
    let received = reader.try_next().unwrap();
    assert_eq!(*received, order());
}

#[test]
fn frames_round_trip_in_every_form() {
    let pools = pools();
    let mut wire = Vec::new();
    write_frame(&mut wire, &quote()).unwrap();
    write_frame(&mut wire, &order()).unwrap();
    write_frame(&mut wire, &Tick { seq: 9 }).unwrap();
    assert_eq!(
        &wire[FrameHeader::LEN..FrameHeader::LEN + 8],
        &100u64.to_ne_bytes()
    );

    let mut stream = wire.as_slice();
    let frame = read_frame(&mut stream, &pools).unwrap();
    match Inbound::decode(frame).unwrap() {
        Inbound::Quote(received) => assert_eq!(*received, quote()),
        _ => panic!("a quote was sent"),
    }
    match Inbound::read_from(&mut stream, &pools).unwrap() {
        Inbound::Order(received) => assert_eq!(*received, order()),
        _ => panic!("an order was sent"),
    }
    match Inbound::read_from(&mut stream, &pools).unwrap() {
        Inbound::Tick(received) => assert_eq!(received.seq, 9),
        _ => panic!("a tick was sent"),
    }
    assert_eq!(pools.stats().class(SizeClass::XS).in_use, 0);

    let mut wire = Vec::new();
    write_frame(&mut wire, &quote()).unwrap();
    let frame = read_frame(&mut wire.as_slice(), &pools).unwrap();
    assert_eq!(*frame.decode::<Quote>().unwrap(), quote());
}

/// The wire bytes of one `Order` frame with payload byte `offset` set to `value`.
fn order_frame_with(offset: usize, value: u8) -> Vec<u8> {
    let mut payload = order().as_bytes().to_vec();
    payload[offset] = value;
    let mut wire = Vec::new();
    write_frame_bytes(&mut wire, Order::TYPE_ID, 0, &payload).unwrap();
    wire
}

fn assert_invalid_order(result: Result<impl Sized, FrameError>) {
    match result {
        Err(FrameError::InvalidValue { type_id, message }) => {
            assert_eq!((type_id, message), (22, "Order"));
        }
        Err(other) => panic!("expected InvalidValue, got {other}"),
        Ok(_) => panic!("an invalid order was decoded"),
    }
}

#[test]
fn a_bool_byte_that_is_not_0_or_1_is_a_typed_error_and_the_slot_returns() {
    let pools = Pools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 1));
    for bad in [2u8, 0x80, 0xFF] {
        let wire = order_frame_with(IS_IOC_OFFSET, bad);
        let frame = read_frame(&mut wire.as_slice(), &pools).unwrap();
        assert_eq!(pools.stats().class(SizeClass::XS).in_use, 1);
        assert_invalid_order(frame.decode::<Order>());
        // The one slot is back: the next frame can be read into it.
        assert_eq!(pools.stats().class(SizeClass::XS).in_use, 0);
    }
    // Both valid bool values decode.
    for good in [0u8, 1] {
        let wire = order_frame_with(IS_IOC_OFFSET, good);
        let frame = read_frame(&mut wire.as_slice(), &pools).unwrap();
        assert_eq!(frame.decode::<Order>().unwrap().is_ioc, good == 1);
    }
}

#[test]
fn an_enum_byte_that_names_no_variant_is_a_typed_error_and_the_slot_returns() {
    let pools = Pools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 1));
    for bad in [0u8, 3, 0xFF] {
        let wire = order_frame_with(SIDE_OFFSET, bad);
        assert_invalid_order(Inbound::read_from(&mut wire.as_slice(), &pools));
        assert_eq!(pools.stats().class(SizeClass::XS).in_use, 0);
    }
    let wire = order_frame_with(SIDE_OFFSET, 1);
    match Inbound::read_from(&mut wire.as_slice(), &pools).unwrap() {
        Inbound::Order(received) => assert_eq!(received.side, Side::Buy),
        _ => panic!("an order was sent"),
    }
}

#[test]
fn into_message_gives_invalid_bytes_back() {
    let pools = pools();
    let mut bytes = pools.allocate_bytes(Order::SIZE).unwrap();
    bytes.copy_from_slice(order().as_bytes());
    bytes[IS_IOC_OFFSET] = 7;
    let Err(back) = bytes.into_message::<Order>() else {
        panic!("a bool of 7 was accepted");
    };
    assert_eq!(back[IS_IOC_OFFSET], 7);
}

#[test]
fn the_error_says_which_message_was_invalid() {
    let error = FrameError::InvalidValue {
        type_id: 22,
        message: "Order",
    };
    assert_eq!(
        error.to_string(),
        "frame of type id 0x0016 holds bytes that are not a valid `Order`"
    );
}

#[test]
fn message_buffer_views_check_validated_messages() {
    let pools = pools();
    let mut buffer = ringpool::MessageBuffer::new(&pools);
    buffer.extend_from_slice(order().as_bytes()).unwrap();
    assert_eq!(*buffer.view_message::<Order>().unwrap(), order());
    buffer[IS_IOC_OFFSET] = 2;
    assert_eq!(
        buffer.view_message::<Order>(),
        Err(ringpool::ViewError::InvalidValue { message: "Order" })
    );
    buffer.clear();
    buffer.extend_from_slice(quote().as_bytes()).unwrap();
    assert_eq!(*buffer.view_message::<Quote>().unwrap(), quote());
}
