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

#[doc(inline)]
pub use pool_runtime::*;

#[doc(inline)]
pub use pool_derive::PooledMessage;
