//! # pool-runtime
//!
//! The run-time half of [ringpool](https://docs.rs/ringpool): size classes, the
//! [`PooledMessage`] trait the derive implements, and (in the modules below) the pools, the
//! refcounted [`RingPtr`]-style handles, the rings and the frame codec.
//!
//! Most users depend on the `ringpool` facade; depending on `pool-runtime` alone works too, and
//! `#[derive(PooledMessage)]` is re-exported here for that case.
#![deny(
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc,
    missing_docs
)]

// Lets `#[derive(PooledMessage)]` name this crate as `::pool_runtime` in its own tests and doc tests.
extern crate self as pool_runtime;

mod allocator;
mod buffer;
mod bytes;
mod class;
mod config;
mod error;
pub mod frame;
#[cfg(not(loom))]
mod global;
mod local;
mod message;
mod message_bytes;
pub mod ring;
mod ring_ptr;
mod shared;
#[cfg(feature = "shm")]
pub mod shm;
mod slot;
mod stats;
mod stats_display;
#[cfg(feature = "metrics")]
mod stats_metrics;
#[allow(dead_code, unused_imports)]
mod sync;

#[doc(hidden)]
pub mod __private;

pub use allocator::Allocator;
#[cfg(not(loom))]
pub use allocator::ThreadPools;
pub use buffer::{DEFAULT_INLINE_CAPACITY, MessageBuffer, ViewError};
pub use bytemuck;
pub use bytes::PooledBytes;
pub use class::{SLOT_ALIGN, SizeClass};
pub use config::{Overflow, PoolConfig};
pub use error::{GlobalConfigError, PoolError};
pub use frame::{Frame, FrameError, MessageSet};
/// The `Stream` trait async ring readers implement (feature `async`).
#[cfg(feature = "async")]
pub use futures_core;
#[cfg(not(loom))]
pub use global::{
    allocate_bytes_from_pool, allocate_from_pool, configure_global, global_config,
    thread_pool_stats,
};
pub use local::LocalPools;
pub use message::{PooledMessage, stable_type_id};
pub use message_bytes::{BytemuckBytes, MessageBytes, ViewFailure};
#[cfg(feature = "zerocopy")]
pub use message_bytes::{ValidatedBytes, ZerocopyBytes};
pub use pool_derive::MessageSet;
pub use pool_derive::PooledMessage;
pub use pool_derive::message;
pub use ring::{Backpressure, Overwrite, Reader, Ring, WaitStrategy, Writer};
pub use ring_ptr::{RingPtr, WeakRingPtr};
pub use shared::Pools;
pub use stats::{ClassStats, PoolStats};
#[cfg(feature = "zerocopy")]
pub use zerocopy;
