use ringpool::PooledMessage;

#[derive(Clone, Copy, PooledMessage)]
#[repr(C)]
struct Envelope<T> {
    payload: T,
}

fn main() {}
