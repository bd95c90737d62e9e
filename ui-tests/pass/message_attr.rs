//! `#[ringpool::message]` in the default (bytemuck) form: repr, derives and crate paths added,
//! an existing repr kept, usable through every allocator and frames.
use ringpool::frame::{read_frame, write_frame};
use ringpool::{PoolConfig, PooledMessage, Pools, SizeClass};

#[ringpool::message(type_id = 7)]
#[derive(Debug, PartialEq)]
struct SwapEvent {
    pool: [u8; 20],
    amount_in: [u8; 32],
    amount_out: [u8; 32],
}

#[ringpool::message]
#[repr(C, align(16))]
struct Aligned([u64; 2]);

fn main() {
    assert_eq!((SwapEvent::SIZE, SwapEvent::CLASS, SwapEvent::TYPE_ID), (84, SizeClass::S, 7));
    assert_eq!(Aligned::ALIGN, 16);
    let pools = Pools::new(PoolConfig::default());
    let event = SwapEvent { pool: [1; 20], amount_in: [2; 32], amount_out: [3; 32] };
    let mut wire = Vec::new();
    write_frame(&mut wire, &event).unwrap();
    let frame = read_frame(&mut wire.as_slice(), &pools).unwrap();
    assert_eq!(*frame.decode::<SwapEvent>().unwrap(), event);
    let _ = pools.allocate(Aligned([1, 2])).unwrap();
}
