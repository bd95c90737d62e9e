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

mod class;
mod message;
pub mod ring;
#[allow(dead_code, unused_imports)]
mod sync;

#[doc(hidden)]
pub mod __private;

pub use bytemuck;
pub use class::{SLOT_ALIGN, SizeClass};
pub use message::{PooledMessage, stable_type_id};
pub use ring::{Backpressure, Overwrite, Reader, Ring, Writer};
pub use pool_derive::PooledMessage;
