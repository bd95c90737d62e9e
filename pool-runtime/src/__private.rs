//! Items the derive macros name in generated code. Not public API: no semver guarantees.
//!
//! Generated code reaches everything through `::<runtime crate>::__private::...`, so a user's own
//! items named `Result`, `core`, `bytemuck`… can never shadow what the derive means.

pub use ::bytemuck;
pub use ::core;

pub use crate::class::{SLOT_ALIGN, SizeClass};
pub use crate::message::{PooledMessage, stable_type_id};
