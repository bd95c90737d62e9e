//! `#[pooled(crate = "...")]` for a runtime reached through a re-export or an `extern crate` rename.
extern crate ringpool as renamed_ringpool;

mod reexport {
    pub use ::pool_runtime as runtime;
}

use ringpool::PooledMessage;
use ringpool::bytemuck::{Pod, Zeroable};

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(crate = "crate::reexport::runtime", type_id = 3)]
struct ThroughReexport(u64);

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(crate = "::renamed_ringpool")]
struct ThroughRename(u64);

fn assert_message<M: pool_runtime::PooledMessage>() -> usize {
    M::SIZE
}

fn main() {
    assert_eq!(assert_message::<ThroughReexport>(), 8);
    assert_eq!(assert_message::<ThroughRename>(), 8);
    assert_eq!(ThroughReexport::TYPE_ID, 3);
}
