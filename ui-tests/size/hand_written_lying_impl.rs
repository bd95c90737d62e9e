//! A hand-written impl whose constants lie (8 bytes, class XS, for a 4096-byte type). The pools
//! check the constants against the type's layout and refuse to build.
use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::{PoolConfig, PooledMessage, Pools, SizeClass};

#[derive(Clone, Copy, Pod, Zeroable)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Page {
    bytes: [u8; 4096],
}

// SAFETY: deliberately false, to show the pools do not rely on it.
unsafe impl PooledMessage for Page {
    type Bytes = ringpool::BytemuckBytes;
    const SIZE: usize = 8;
    const CLASS: SizeClass = SizeClass::XS;
    const TYPE_ID: u16 = 1;
    const NAME: &'static str = "Page";
    fn __only_derive_is_allowed_to_implement_this_trait() {}
}

fn main() {
    let pools = Pools::new(PoolConfig::default());
    let _ = pools.allocate(Page { bytes: [0; 4096] });
}
