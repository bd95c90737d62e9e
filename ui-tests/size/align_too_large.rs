use ringpool::PooledMessage;
use ringpool::bytemuck::{Pod, Zeroable};

#[derive(Clone, Copy, Pod, Zeroable)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C, align(128))]
struct Wide([u8; 128]);

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Holder {
    wide: Wide,
}

fn main() {}
