use ringpool::PooledMessage;

#[derive(Clone, Copy, PooledMessage)]
#[repr(C)]
struct Tick {
    price: u64,
}

fn main() {}
