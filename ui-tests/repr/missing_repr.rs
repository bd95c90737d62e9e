use ringpool::PooledMessage;

#[derive(Clone, Copy, PooledMessage)]
struct Tick {
    price: u64,
}

fn main() {
    // No follow-on error: the derive still provides the constants.
    let _ = Tick::SIZE;
}
