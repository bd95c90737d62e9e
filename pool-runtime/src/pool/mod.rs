//! The pool front-ends: where a message's slot comes from, and what the pools report.
//!
//! - `pools.rs`: [`Pools`](crate::Pools), size-class pools any thread allocates from (free stack
//!   plus per-thread magazines).
//! - `local.rs`: [`LocalPools`](crate::LocalPools), single-writer pools (one owner allocates;
//!   anyone clones and drops).
//! - `thread.rs`: [`allocate_from_pool`](crate::allocate_from_pool), the calling thread's own
//!   `LocalPools`, created on first use from one global configuration.
//! - `allocator.rs`: [`Allocator`](crate::Allocator), one trait over `&Pools`, `&mut LocalPools`
//!   and the calling thread's pools.
//! - `config.rs`: [`PoolConfig`](crate::PoolConfig) and [`Overflow`](crate::Overflow), the slots
//!   per class and what happens when a class runs out.
//! - `stats.rs`, `stats_display.rs`, `stats_metrics.rs`: [`PoolStats`](crate::PoolStats) /
//!   [`ClassStats`](crate::ClassStats), their `Display` tables and their `metrics` export
//!   (feature `metrics`).
//! - `error.rs`: [`PoolError`](crate::PoolError) and
//!   [`GlobalConfigError`](crate::GlobalConfigError).
//!
//! The slots themselves (arenas, state words, free lists, stashes) live in `slot/`.

pub(crate) mod allocator;
pub(crate) mod config;
pub(crate) mod error;
pub(crate) mod local;
pub(crate) mod pools;
pub(crate) mod stats;
mod stats_display;
#[cfg(feature = "metrics")]
mod stats_metrics;
#[cfg(not(loom))]
pub(crate) mod thread;
