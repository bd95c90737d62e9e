//! Derive macros of ringpool. Use them through the `ringpool` facade (or `pool-runtime`), which
//! re-export them next to the traits they implement.
//!
//! Each derive is split into parse → validate → expand phases in its own module; every error of
//! one derive is reported together, each on the tokens it is about (see `errors`).
//!
//! Generated code lives in `const _: () = { ... };` and reaches the runtime only through absolute
//! paths into its hidden `__private` module; `crate_path` explains how that path is found.

mod crate_path;
mod errors;
mod message_set;
mod pooled_message;

use proc_macro::TokenStream;

/// Implements `PooledMessage` for a `#[repr(C)]` (or `#[repr(transparent)]`) `bytemuck::Pod`
/// struct: its size, alignment, size class, wire type id and name, all fixed at compile time.
///
/// # Examples
///
/// ```
/// use pool_runtime::bytemuck::{Pod, Zeroable};
/// use pool_runtime::{PooledMessage, SizeClass};
///
/// #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
/// #[bytemuck(crate = "pool_runtime::bytemuck")]
/// #[repr(C)]
/// #[pooled(type_id = 7)]
/// struct SwapEvent {
///     pool: [u8; 20],
///     amount_in: [u8; 32],
///     amount_out: [u8; 32],
/// }
///
/// assert_eq!(SwapEvent::SIZE, 84);
/// assert_eq!(SwapEvent::CLASS, SizeClass::S);
/// assert_eq!(SwapEvent::TYPE_ID, 7);
/// assert_eq!(SwapEvent::NAME, "SwapEvent");
/// ```
///
/// # Attributes
///
/// - `#[pooled(type_id = N)]`: the wire id, a `u16` integer literal (no suffix or `u16`). Without
///   it the id is `stable_type_id("<TypeName>")`, a hash of the bare name that is the same in every
///   build.
/// - `#[pooled(crate = "path")]`: the path of the runtime (`ringpool` or `pool-runtime`) when the
///   derive cannot find it in `Cargo.toml` (re-exported through another crate, non-Cargo builds).
///   Renames in `Cargo.toml` (`rp = { package = "ringpool", ... }`) are found without it.
///
/// # What is accepted
///
/// - Non-generic structs (named, tuple) with at least one field, at most 16384 bytes (size class
///   `XL`), non-zero-sized, aligned to at most 64 bytes, implementing `bytemuck::Pod` (derive
///   it; with only `ringpool` as a dependency add `#[bytemuck(crate = "ringpool::bytemuck")]`).
/// - `#[repr(C)]` or `#[repr(transparent)]`, optionally with `packed`/`packed(N)` (alignment
///   drops; `Pod` still rules out padding) and `align(N)` for `N <= 64`.
///
/// Enums, unions, generic structs, empty structs, other reprs, `align(N > 64)`, oversized or
/// zero-sized types and non-`Pod` types are compile errors that say what to do instead. Generic
/// structs are rejected rather than supported with bounds: a wire message needs one fixed size and
/// one type id, so each instantiation should be its own named struct.
#[proc_macro_derive(PooledMessage, attributes(pooled))]
pub fn derive_pooled_message(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    pooled_message::derive(&input).into()
}
