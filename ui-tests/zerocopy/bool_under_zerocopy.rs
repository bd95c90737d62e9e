#[ringpool::message(zerocopy)]
struct Order {
    price: u64,
    ioc: bool,
}

fn main() {}
