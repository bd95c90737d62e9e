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

// The architecture, in the order a message meets it.
// The message: its type, size class and byte-level proofs.
mod class;
mod message;
mod message_bytes;

// The pools a slot comes from (front-ends, config, stats, errors).
mod pool;

// The slots themselves: arenas, state words, the slot handles, free lists, stashes.
mod slot;

// Safe wrappers over the slot handles: typed (`RingPtr`, `WeakRingPtr`)...
mod ring_ptr;
// ...and raw bytes (`PooledBytes`).
mod bytes;

// What carries handles and bytes between threads, processes and the wire.
pub mod ring;

#[cfg(feature = "shm")]
pub mod shm;

pub mod frame;

// The stack-first buffer that holds a message until it is needed.
mod buffer;

// loom or std atomics, chosen once.
#[allow(dead_code, unused_imports)]
mod sync;

#[doc(hidden)]
pub mod __private;

pub use buffer::{DEFAULT_INLINE_CAPACITY, MessageBuffer, ViewError};
pub use bytemuck;
pub use bytes::PooledBytes;
pub use class::{SLOT_ALIGN, SizeClass};
pub use frame::{Frame, FrameError, MessageSet};
/// The `Stream` trait async ring readers implement (feature `async`).
#[cfg(feature = "async")]
pub use futures_core;
pub use message::{PooledMessage, stable_type_id};
pub use message_bytes::{BytemuckBytes, MessageBytes, ViewFailure};
#[cfg(feature = "zerocopy")]
pub use message_bytes::{ValidatedBytes, ZerocopyBytes};
pub use pool::allocator::Allocator;
#[cfg(not(loom))]
pub use pool::allocator::ThreadPools;
pub use pool::config::{Overflow, PoolConfig};
pub use pool::error::{GlobalConfigError, PoolError};
pub use pool::local::LocalPools;
pub use pool::pools::Pools;
pub use pool::stats::{ClassStats, PoolStats};
#[cfg(not(loom))]
pub use pool::thread::{
    allocate_bytes_from_pool, allocate_from_pool, configure_global, global_config,
    thread_pool_stats,
};
pub use pool_derive::MessageSet;
pub use pool_derive::PooledMessage;
pub use pool_derive::message;
pub use ring::{Backpressure, Overwrite, Reader, Ring, WaitStrategy, Writer};
pub use ring_ptr::{RingPtr, WeakRingPtr};
#[cfg(feature = "zerocopy")]
pub use zerocopy;
