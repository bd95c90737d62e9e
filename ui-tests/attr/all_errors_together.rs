use ringpool::PooledMessage;

// Every error of one derive is reported at once, each on its own tokens.
#[derive(Clone, Copy, PooledMessage)]
#[repr(C, align(256))]
#[pooled(type_id = 70000, colour = "red", type_id = 1)]
struct Tick<T> {
    price: T,
}

fn main() {}
