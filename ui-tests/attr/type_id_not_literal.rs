use ringpool::PooledMessage;
use ringpool::bytemuck::{Pod, Zeroable};

const TICK_ID: u16 = 7;

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(type_id = TICK_ID)]
struct Tick(u64);

fn main() {}
