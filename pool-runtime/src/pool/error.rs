//! Errors of the pools.

use core::fmt;

use crate::class::SizeClass;

/// Why an allocation or a pool construction failed.
///
/// # Examples
///
/// ```
/// use ringpool::{PoolConfig, PoolError, Pools, SizeClass};
///
/// let pools = Pools::new(PoolConfig::empty());
/// let err = pools.allocate_bytes(10).unwrap_err();
/// assert_eq!(err, PoolError::Exhausted { class: SizeClass::XS, capacity: 0 });
/// assert_eq!(err.to_string(), "pool class XS exhausted: all 0 slots in use");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PoolError {
    /// Every slot of `class` is in use and its policy is [`Overflow::Fail`](crate::Overflow::Fail).
    Exhausted {
        /// The full class.
        class: SizeClass,
        /// Its number of slots.
        capacity: usize,
    },
    /// A [`PoolConfig`](crate::PoolConfig) asked for more slots than a class may have.
    CapacityTooLarge {
        /// The class.
        class: SizeClass,
        /// The capacity asked for.
        requested: usize,
        /// The largest capacity this class allows on this target:
        /// [`PoolConfig::max_capacity`](crate::PoolConfig::max_capacity).
        max: usize,
    },
    /// [`allocate_from_pool`](crate::allocate_from_pool) was called while the calling thread's
    /// thread-locals are being destroyed (from another thread-local's destructor).
    ThreadLocalUnavailable,
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::Exhausted { class, capacity } => {
                write!(
                    f,
                    "pool class {class} exhausted: all {capacity} slots in use"
                )
            }
            PoolError::CapacityTooLarge {
                class,
                requested,
                max,
            } => write!(
                f,
                "pool class {class}: capacity {requested} is above the maximum of {max} slots"
            ),
            PoolError::ThreadLocalUnavailable => {
                f.write_str("the thread-local pools are unavailable: the thread is being torn down")
            }
        }
    }
}

impl std::error::Error for PoolError {}

/// Why [`configure_global`](crate::configure_global) refused a configuration.
///
/// # Examples
///
/// ```
/// use ringpool::{GlobalConfigError, PoolConfig};
///
/// let err = GlobalConfigError::AlreadyFixed;
/// assert!(err.to_string().contains("already"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GlobalConfigError {
    /// The global configuration was already set, by an earlier `configure_global` or by the first
    /// `allocate_from_pool` of any thread, which fixes the default.
    AlreadyFixed,
    /// The configuration is invalid (a class capacity above the maximum).
    Invalid(PoolError),
}

impl fmt::Display for GlobalConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GlobalConfigError::AlreadyFixed => f.write_str(
                "the global pool configuration is already fixed (configured before, or a thread \
                 already used allocate_from_pool)",
            ),
            GlobalConfigError::Invalid(e) => write!(f, "invalid global pool configuration: {e}"),
        }
    }
}

impl std::error::Error for GlobalConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GlobalConfigError::Invalid(e) => Some(e),
            GlobalConfigError::AlreadyFixed => None,
        }
    }
}
