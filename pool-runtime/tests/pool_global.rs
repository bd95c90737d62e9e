//! `configure_global` / `allocate_from_pool`: one process, so one test function orders the steps.
#![cfg(not(loom))]

use pool_runtime::bytemuck::{Pod, Zeroable};
use pool_runtime::{
    GlobalConfigError, PoolConfig, PoolError, PooledMessage, RingPtr, SizeClass,
    allocate_bytes_from_pool, allocate_from_pool, configure_global, global_config,
    thread_pool_stats,
};

#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Tick {
    price: u64,
}

#[test]
fn configure_then_allocate_per_thread() {
    let too_big = PoolConfig::empty().with_capacity(SizeClass::XS, usize::MAX);
    assert!(matches!(
        configure_global(too_big),
        Err(GlobalConfigError::Invalid(_))
    ));
    configure_global(PoolConfig::empty().with_capacity(SizeClass::XS, 2)).unwrap();
    assert_eq!(
        configure_global(PoolConfig::default()),
        Err(GlobalConfigError::AlreadyFixed)
    );
    assert_eq!(global_config().capacity(SizeClass::XS), 2);

    let a = allocate_from_pool(Tick { price: 1 }).unwrap();
    let b = allocate_from_pool(Tick { price: 2 }).unwrap();
    assert_eq!(
        allocate_from_pool(Tick { price: 3 }).unwrap_err(),
        PoolError::Exhausted {
            class: SizeClass::XS,
            capacity: 2
        }
    );
    // Another thread has its own pools of the same configuration.
    let other = std::thread::spawn(|| {
        let mine = allocate_from_pool(Tick { price: 10 }).unwrap();
        assert_eq!(thread_pool_stats().unwrap().class(SizeClass::XS).in_use, 1);
        mine // outlives its thread's pools
    })
    .join()
    .unwrap();
    assert_eq!(other.price, 10);
    drop(a);
    let c = allocate_from_pool(Tick { price: 3 }).unwrap();
    assert_eq!(RingPtr::ref_count(&c), 1);
    assert_eq!(thread_pool_stats().unwrap().class(SizeClass::XS).in_use, 2);
    assert!(
        allocate_bytes_from_pool(8).is_err(),
        "bytes share the XS class"
    );
    drop((b, c, other));
    assert_eq!(allocate_bytes_from_pool(8).unwrap().len(), 8);
}
