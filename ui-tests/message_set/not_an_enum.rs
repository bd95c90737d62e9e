use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::{MessageSet, PooledMessage, RingPtr};

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(type_id = 1)]
struct SwapEvent {
    amount: u64,
}

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(type_id = 2)]
struct BookUpdate {
    levels: [u64; 16],
}

#[derive(MessageSet)]
struct Inbound(RingPtr<SwapEvent>);

fn main() {}
