use ringpool::PooledMessage;
use ringpool::bytemuck::{Pod, Zeroable};

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Nothing {
    bytes: [u8; 0],
}

fn main() {}
