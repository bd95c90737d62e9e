use ringpool::PooledMessage;

#[derive(Clone, Copy, PooledMessage)]
#[repr(C)]
struct Heartbeat {}

fn main() {}
