//! A fake runtime path (see tests/layout_shadowing.rs) silences every check the derive emits, so
//! a 20000-byte struct derives. The runtime's own layout check still refuses to pool it.
mod lying_runtime {
    pub mod __private {
        pub use ringpool::__private::*;
        pub const fn assert_pod<Msg>() {}
        pub const fn assert_not_zero_sized<Msg, C>() {}
        pub const fn assert_size_within_limit<Msg, const SIZE: usize, C>() {}
        pub const fn assert_align_within_limit<Msg, const ALIGN: usize, C>() {}
    }
}

use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::{PoolConfig, PooledMessage, Pools};

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(crate = "crate::lying_runtime")]
struct Huge {
    bytes: [u8; 20000],
}

fn main() {
    let pools = Pools::new(PoolConfig::default());
    let _ = pools.allocate(Huge { bytes: [0; 20000] });
}
