use ringpool::PooledMessage;

#[derive(Clone, Copy, PooledMessage)]
#[repr(C)]
struct Borrowed<'a> {
    bytes: &'a [u8; 8],
}

fn main() {}
