#[ringpool::message(colour = "red")]
struct Tick {
    price: u64,
}

fn main() {}
