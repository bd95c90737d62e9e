use ringpool::PooledMessage;
use ringpool::bytemuck::{Pod, Zeroable};

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled]
struct Tick(u64);

fn main() {}
