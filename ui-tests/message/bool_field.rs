#[ringpool::message]
struct Tick {
    price: u64,
    live: bool,
}

fn main() {}
