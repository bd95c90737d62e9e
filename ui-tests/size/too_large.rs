use ringpool::PooledMessage;
use ringpool::bytemuck::{Pod, Zeroable};

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Snapshot {
    header: [u8; 16],
    body: [u8; 16369],
}

fn main() {}
