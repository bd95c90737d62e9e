use ringpool::PooledMessage;

#[derive(Clone, Copy, PooledMessage)]
#[repr(C)]
struct Tick {
    venue: &'static str,
}

fn main() {}
