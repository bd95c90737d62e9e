//! `#[pooled(zerocopy)]` on a struct without zerocopy's derives.
use ringpool::PooledMessage;

#[derive(Clone, Copy, PooledMessage)]
#[repr(C)]
#[pooled(zerocopy)]
struct Quote {
    bid: u64,
}

fn main() {}
