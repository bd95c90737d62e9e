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
enum Inbound {
    Heartbeat,
    Swap { event: RingPtr<SwapEvent> },
    Pair(RingPtr<SwapEvent>, RingPtr<BookUpdate>),
    Boxed(Box<BookUpdate>),
    Bare(BookUpdate),
    Fine(RingPtr<BookUpdate>),
}

fn main() {
    // No follow-on error: the derive still provides the inherent items.
    let _ = Inbound::POOL_CONFIG;
}
