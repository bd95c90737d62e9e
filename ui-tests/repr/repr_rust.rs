use ringpool::PooledMessage;

#[derive(Clone, Copy, PooledMessage)]
#[repr(Rust)]
struct Tick {
    price: u64,
}

fn main() {}
