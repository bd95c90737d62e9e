#[ringpool::message]
struct Padded {
    flag: u8,
    price: u64,
}

fn main() {}
