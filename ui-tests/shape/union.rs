use ringpool::PooledMessage;

#[derive(Clone, Copy, PooledMessage)]
#[repr(C)]
union Word {
    int: u32,
    float: f32,
}

fn main() {}
