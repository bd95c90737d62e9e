use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::{PooledMessage, stable_type_id};

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(type_id = 7)]
struct Explicit(u32);

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(type_id = 65535u16)]
struct Largest(u32);

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct SwapEvent(u32);

const _: () = assert!(Explicit::TYPE_ID == 7);
const _: () = assert!(Largest::TYPE_ID == u16::MAX);
const _: () = assert!(SwapEvent::TYPE_ID == stable_type_id("SwapEvent"));

fn main() {
    assert_eq!(SwapEvent::TYPE_ID, 0x8bae);
}
