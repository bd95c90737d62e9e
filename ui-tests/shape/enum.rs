use ringpool::PooledMessage;

#[derive(Clone, Copy, PooledMessage)]
#[repr(C)]
enum Side {
    Buy,
    Sell,
}

fn main() {
    // No follow-on error here.
    let _ = Side::CLASS;
}
