use ringpool::PooledMessage;

#[derive(Clone, Copy, PooledMessage)]
#[repr(C, align(128))]
struct Tick {
    price: u64,
}

fn main() {}
