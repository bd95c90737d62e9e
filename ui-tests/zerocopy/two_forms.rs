#[ringpool::message(zerocopy, validated)]
struct Quote {
    bid: u64,
}

fn main() {}
