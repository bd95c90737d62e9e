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

#[derive(Clone, Copy, Pod, Zeroable)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Plain {
    value: u64,
}

#[derive(MessageSet)]
enum Inbound {
    Swap(RingPtr<SwapEvent>),
    Plain(RingPtr<Plain>),
}

fn main() {}
