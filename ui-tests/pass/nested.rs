//! Nested Pod structs, arrays of them, and a packed / over-aligned layout.
use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::{PooledMessage, SizeClass};

#[derive(Clone, Copy, Pod, Zeroable)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Level {
    price: u64,
    quantity: u64,
}

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct BookUpdate {
    market: [u8; 16],
    bids: [Level; 10],
    asks: [Level; 10],
    matrix: [[u16; 4]; 4],
}

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C, packed)]
struct Packed {
    tag: u8,
    value: u64,
}

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C, align(64))]
struct CacheLine {
    words: [u64; 8],
}

fn main() {
    assert_eq!(BookUpdate::SIZE, 16 + 2 * 10 * 16 + 32);
    assert_eq!(BookUpdate::CLASS, SizeClass::M);
    assert_eq!((Packed::SIZE, Packed::ALIGN), (9, 1));
    assert_eq!(
        (CacheLine::SIZE, CacheLine::ALIGN, CacheLine::CLASS),
        (64, 64, SizeClass::XS)
    );
}
