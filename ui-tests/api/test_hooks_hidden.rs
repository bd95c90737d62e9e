//! The refcount and generation test hooks (issue 12 item 4) are not part of the API a user of
//! `ringpool` sees: only pool-runtime's own tests enable the `test-hooks` feature.
use ringpool::{PoolConfig, Pools, RingPtr};

#[ringpool::message]
struct Tick(u64);

fn main() {
    let pools = Pools::new(PoolConfig::default());
    let tick = pools.allocate(Tick(1)).unwrap();
    RingPtr::__saturate_ref_count_for_tests(&tick);
    // SAFETY: never runs: the hook must not resolve, so this fails to compile.
    unsafe { RingPtr::__set_generation_for_tests(&tick, 7) };
}
