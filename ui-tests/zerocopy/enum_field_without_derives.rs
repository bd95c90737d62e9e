#[derive(Clone, Copy)]
#[repr(u8)]
enum Side {
    Buy = 1,
    Sell = 2,
}

#[ringpool::message(validated)]
struct Order {
    price: u64,
    side: Side,
    padding: [u8; 7],
}

fn main() {}
