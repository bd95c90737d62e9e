//! # ringpool
//!
//! Zero-allocation message passing for latency-critical systems: `#[ringpool::message]` fixes a
//! message's size class and wire type id at compile time; pools hand out refcounted [`RingPtr`]s into
//! cache-line-aligned slots. This facade re-exports the runtime (`pool-runtime`) and the derive
//! macros (`pool-derive`), so depending on `ringpool` alone is enough.
//!
//! ```
//! use ringpool::{PooledMessage, SizeClass};
//!
//! #[ringpool::message(type_id = 7)]
//! struct SwapEvent {
//!     pool: [u8; 20],
//!     amount_in: [u8; 32],
//!     amount_out: [u8; 32],
//! }
//!
//! const _: () = assert!(SwapEvent::SIZE == 84);
//! assert_eq!(SwapEvent::CLASS, SizeClass::S);
//! assert_eq!(SwapEvent::TYPE_ID, 7);
//! ```

// Every export by name, so the crate root is a list a reader can check. `Reader` and `Writer`
// stay under `ring::` and `shm::`: the two kinds are never confused at the root. `PooledMessage`,
// `MessageSet` name a trait and its derive at once.

// Messages.
#[doc(inline)]
pub use pool_runtime::{MessageSet, PooledMessage, message, stable_type_id};
// Size classes and pools.
#[doc(inline)]
pub use pool_runtime::{
    Allocator, ClassStats, GlobalConfigError, LocalPools, Overflow, PoolConfig, PoolError,
    PoolStats, Pools, SLOT_ALIGN, SizeClass, ThreadPools, allocate_bytes_from_pool,
    allocate_from_pool, configure_global, global_config, thread_pool_stats,
};
// Handles into pool slots.
#[doc(inline)]
pub use pool_runtime::{PooledBytes, RingPtr, WeakRingPtr};
// Messages as bytes: the byte-level crates' proofs, and the stack-first buffer.
#[doc(inline)]
pub use pool_runtime::{
    BytemuckBytes, DEFAULT_INLINE_CAPACITY, MessageBuffer, MessageBytes, ViewError, ViewFailure,
};
#[cfg(feature = "zerocopy")]
#[doc(inline)]
pub use pool_runtime::{ValidatedBytes, ZerocopyBytes};
// Rings: `Ring` and its policies at the root, its `Reader`/`Writer` in `ring`.
#[doc(inline)]
pub use pool_runtime::ring;
#[doc(inline)]
pub use pool_runtime::{Backpressure, Overwrite, Ring, WaitStrategy};
// Frames.
#[doc(inline)]
pub use pool_runtime::frame;
#[doc(inline)]
pub use pool_runtime::{Frame, FrameError};
// The shared-memory ring.
#[cfg(feature = "shm")]
#[doc(inline)]
pub use pool_runtime::shm;
// The byte-level crates, at the versions the derives are checked against.
pub use pool_runtime::bytemuck;
/// The `Stream` trait async ring readers implement (feature `async`).
#[cfg(feature = "async")]
pub use pool_runtime::futures_core;
#[cfg(feature = "zerocopy")]
pub use pool_runtime::zerocopy;

// What the derives' generated code names; not an API.
#[doc(hidden)]
pub use pool_runtime::__private;
