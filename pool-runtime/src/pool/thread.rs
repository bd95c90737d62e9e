//! `allocate_from_pool`: each thread's own lazily created `LocalPools`, from one global config.

use std::cell::RefCell;
use std::sync::OnceLock;

use crate::bytes::PooledBytes;
use crate::message::PooledMessage;
use crate::pool::config::PoolConfig;
use crate::pool::error::{GlobalConfigError, PoolError};
use crate::pool::local::LocalPools;
use crate::pool::stats::PoolStats;
use crate::ring_ptr::RingPtr;

static GLOBAL_CONFIG: OnceLock<PoolConfig> = OnceLock::new();

std::thread_local! {
    static THREAD_POOLS: RefCell<Option<LocalPools>> = const { RefCell::new(None) };
}

/// Sets the configuration of every thread's pools for [`allocate_from_pool`]. Call it once, before
/// any thread allocates from its pool.
///
/// # Memory
///
/// Each thread that calls [`allocate_from_pool`] gets its own [`LocalPools`] built from this
/// configuration. A class's slots are reserved (address space) at the thread's first allocation
/// of that class, and committed page by page as slots are first used (see [`PoolConfig`]): a
/// thread that keeps a few messages of one class in flight holds a few pages of it, whatever the
/// capacities. With [`PoolConfig::default()`] each class reserves 256–512 KiB of payload. A
/// thread's pools are dropped when it exits; messages still alive then stay valid, and the last
/// of them frees their class's memory.
///
/// # Examples
///
/// ```
/// use ringpool::{GlobalConfigError, PoolConfig, SizeClass, configure_global};
///
/// // Typically the first thing `main` does.
/// configure_global(PoolConfig::default().with_capacity(SizeClass::S, 8192)).unwrap();
/// assert_eq!(
///     configure_global(PoolConfig::default()),
///     Err(GlobalConfigError::AlreadyFixed)
/// );
/// ```
///
/// # Errors
///
/// [`GlobalConfigError::AlreadyFixed`] if it was configured before or any thread already used its
/// pool (which fixes [`PoolConfig::default()`]); [`GlobalConfigError::Invalid`] for a capacity
/// above [`PoolConfig::max_capacity`].
pub fn configure_global(config: PoolConfig) -> Result<(), GlobalConfigError> {
    crate::pool::pools::validate(&config).map_err(GlobalConfigError::Invalid)?;
    GLOBAL_CONFIG
        .set(config)
        .map_err(|_| GlobalConfigError::AlreadyFixed)
}

/// The configuration threads build their pools from (fixing the default if none was set).
///
/// ```
/// assert_eq!(ringpool::global_config(), ringpool::PoolConfig::default());
/// ```
pub fn global_config() -> PoolConfig {
    *GLOBAL_CONFIG.get_or_init(PoolConfig::default)
}

fn with_thread_pools<R>(f: impl FnOnce(&mut LocalPools) -> R) -> Result<R, PoolError> {
    THREAD_POOLS
        .try_with(|cell| {
            let mut slot = cell
                .try_borrow_mut()
                .map_err(|_| PoolError::ThreadLocalUnavailable)?;
            let pools = slot.get_or_insert_with(|| LocalPools::new(global_config()));
            Ok(f(pools))
        })
        .unwrap_or(Err(PoolError::ThreadLocalUnavailable))
}

/// Moves `value` into a slot of the calling thread's own [`LocalPools`], created on first use
/// from the global configuration ([`configure_global`]).
///
/// # Examples
///
/// ```
/// use ringpool::bytemuck::{Pod, Zeroable};
/// use ringpool::{PooledMessage, RingPtr, allocate_from_pool};
///
/// #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
/// #[bytemuck(crate = "ringpool::bytemuck")]
/// #[repr(C)]
/// struct Tick {
///     price: u64,
/// }
///
/// let ev = allocate_from_pool(Tick { price: 7 }).unwrap();
/// let for_strategy = ev.clone(); // refcount 2, no copy
/// assert_eq!(RingPtr::ref_count(&ev), 2);
/// assert_eq!(for_strategy.price, 7);
/// ```
///
/// # Errors
///
/// As [`LocalPools::allocate`]; [`PoolError::ThreadLocalUnavailable`] when called while the
/// thread's thread-locals are being destroyed.
#[inline]
pub fn allocate_from_pool<T: PooledMessage>(value: T) -> Result<RingPtr<T>, PoolError> {
    with_thread_pools(|pools| pools.allocate(value))?
}

/// [`LocalPools::allocate_bytes`] on the calling thread's own pools.
///
/// ```
/// let mut frame = ringpool::allocate_bytes_from_pool(40).unwrap();
/// frame[0] = 1;
/// assert_eq!(frame.class(), Some(ringpool::SizeClass::XS));
/// ```
///
/// # Errors
///
/// As [`allocate_from_pool`].
pub fn allocate_bytes_from_pool(len: usize) -> Result<PooledBytes, PoolError> {
    with_thread_pools(|pools| pools.allocate_bytes(len))?
}

/// The statistics of the calling thread's own pools (creating them if needed).
///
/// ```
/// use ringpool::{SizeClass, thread_pool_stats};
/// let stats = thread_pool_stats().unwrap();
/// assert_eq!(stats.class(SizeClass::S).capacity, ringpool::global_config().capacity(SizeClass::S));
/// ```
///
/// # Errors
///
/// [`PoolError::ThreadLocalUnavailable`] while the thread is being torn down.
pub fn thread_pool_stats() -> Result<PoolStats, PoolError> {
    with_thread_pools(|pools| pools.stats())
}
