use ringpool::PooledMessage;

#[derive(Clone, Copy, PooledMessage)]
#[repr(packed)]
struct Tick {
    price: u64,
}

fn main() {}
