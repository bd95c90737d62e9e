//! Derive macros of ringpool. Use them through the `ringpool` facade (or `pool-runtime`), which
//! re-export them next to the traits they implement.
//!
//! Each derive is split into parse → validate → expand phases in its own module; every error of
//! one derive is reported together, each on the tokens it is about (see `errors`).
//!
//! Generated code lives in `const _: () = { ... };` and reaches the runtime only through absolute
//! paths into its hidden `__private` module; `crate_path` explains how that path is found.

mod attr_value;
mod crate_path;
mod errors;
mod message_attr;
mod message_set;
mod pooled_message;
mod respan;

use proc_macro::TokenStream;

/// Implements `PooledMessage` for a `#[repr(C)]` (or `#[repr(transparent)]`) `bytemuck::Pod`
/// struct (or a zerocopy one, see `#[pooled(zerocopy)]`): its wire type id and name, and its
/// byte-level proof; size, alignment and class are the runtime's own. `#[ringpool::message]`
/// writes this derive, the byte-level derives and `#[repr(C)]` for you.
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
/// - `#[pooled(zerocopy)]`: the message derives zerocopy's `FromBytes + IntoBytes + Immutable +
///   KnownLayout` in place of bytemuck's `Pod + Zeroable` (runtime feature `zerocopy`).
/// - `#[pooled(validated)]`: the message derives zerocopy's `TryFromBytes` in place of
///   `FromBytes`, so it may hold `bool` and `#[repr(u8)]` enum fields; decoding it from bytes
///   checks them (feature `zerocopy`).
/// - `#[pooled(crate = "path")]`: the path of the runtime (`ringpool` or `pool-runtime`) when the
///   derive cannot find it in `Cargo.toml` (re-exported through another crate, non-Cargo builds).
///   Renames in `Cargo.toml` (`rp = { package = "ringpool", ... }`) are found without it.
///
/// # Finding the runtime
///
/// Generated code names the runtime by an absolute path, `::<crate>::__private::...`, so local
/// items (even under `#![no_implicit_prelude]`) cannot change its meaning. `<crate>` is what the
/// user's `Cargo.toml` calls the `ringpool` package, or else the `pool-runtime` package (renames
/// with `package = "..."` are followed; found with the `proc-macro-crate` crate), or else
/// `ringpool`. `#[pooled(crate = "...")]` overrides it, for re-exports and non-Cargo builds.
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

/// Implements `MessageSet` for an enum whose every variant wraps one `RingPtr<M>` of a
/// `PooledMessage` `M`: pool sizes inferred from the members, decoding by type id, and a compile
/// error when two members share a type id.
///
/// Besides the trait impl it adds inherent `POOL_CONFIG`, `TYPE_IDS`, `decode` and `read_from`
/// (with the enum's visibility), so callers need no trait import.
///
/// # Examples
///
/// ```
/// use pool_runtime::bytemuck::{Pod, Zeroable};
/// use pool_runtime::frame::write_frame;
/// use pool_runtime::{MessageSet, PooledMessage, Pools, RingPtr, SizeClass};
///
/// #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
/// #[bytemuck(crate = "pool_runtime::bytemuck")]
/// #[repr(C)]
/// struct SwapEvent { pool: [u8; 20], amount_in: [u8; 32], amount_out: [u8; 32] }
///
/// #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
/// #[bytemuck(crate = "pool_runtime::bytemuck")]
/// #[repr(C)]
/// struct BookUpdate { levels: [[u64; 2]; 40] }
///
/// #[derive(MessageSet)]
/// enum Inbound {
///     Swap(RingPtr<SwapEvent>),
///     #[message_set(capacity = 64)]
///     Book(RingPtr<BookUpdate>),
/// }
///
/// // SwapEvent is 84 bytes (class S, default 2048 slots); BookUpdate 640 bytes (class M, 64 slots).
/// assert_eq!(Inbound::POOL_CONFIG.capacity(SizeClass::S), 2048);
/// assert_eq!(Inbound::POOL_CONFIG.capacity(SizeClass::M), 64);
/// assert_eq!(Inbound::POOL_CONFIG.capacity(SizeClass::XS), 0);
///
/// let pools = Pools::new(Inbound::POOL_CONFIG);
/// let mut wire = Vec::new();
/// write_frame(&mut wire, &SwapEvent { pool: [1; 20], amount_in: [2; 32], amount_out: [3; 32] })?;
/// match Inbound::read_from(&mut wire.as_slice(), &pools)? {
///     Inbound::Swap(swap) => assert_eq!(swap.amount_out, [3; 32]),
///     Inbound::Book(_) => unreachable!("a swap was sent"),
/// }
/// # Ok::<(), pool_runtime::frame::FrameError>(())
/// ```
///
/// # Pool sizes
///
/// `POOL_CONFIG` has capacity only in the classes members use. Each member adds slots to its
/// class: `#[message_set(capacity = N)]` on its variant, or else the class default
/// (`PoolConfig::DEFAULT_CAPACITIES`: XS 4096, S 2048, M 512, L 128, XL 32 — more small slots,
/// fewer large ones, about 0.25–0.5 MiB of payload per member). Members of the same class add
/// up. Every class overflows with `Overflow::Fail`; adjust with the const builders, e.g.
/// `Inbound::POOL_CONFIG.with_overflow(SizeClass::M, Overflow::Heap)`.
///
/// # Attributes
///
/// - on a variant, `#[message_set(capacity = N)]`: slots that member adds (a positive integer);
/// - on the enum, `#[message_set(crate = "path")]`: the runtime's path, as for `PooledMessage`.
///
/// # Compile errors
///
/// Non-enums, empty or generic enums, a variant that is not exactly `Name(RingPtr<M>)` (written
/// with a path ending in `RingPtr`; a type alias is not recognised), an `M` that is not a
/// `PooledMessage`, two members with the same type id (the error names both message types and
/// points at the later variant), and unknown, duplicate or malformed attribute keys.
#[proc_macro_derive(MessageSet, attributes(message_set))]
pub fn derive_message_set(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    message_set::derive(&input).into()
}

/// Makes a struct a pooled message in one line: adds `#[repr(C)]` (unless it has a repr),
/// `Clone`, `Copy`, the byte-level derives of the chosen form with their crate paths set, and
/// `#[derive(PooledMessage)]`. Use it as `#[ringpool::message]`.
///
/// # Examples
///
/// ```
/// #[pool_runtime::message(type_id = 7)]
/// struct SwapEvent {
///     pool: [u8; 20],
///     amount_in: [u8; 32],
///     amount_out: [u8; 32],
/// }
///
/// use pool_runtime::PooledMessage;
/// assert_eq!((SwapEvent::SIZE, SwapEvent::TYPE_ID), (84, 7));
/// ```
///
/// # Arguments
///
/// - none: a `bytemuck::Pod` message (integers, floats, arrays of them);
/// - `zerocopy`: a zerocopy message (`FromBytes + IntoBytes + Immutable + KnownLayout`; feature
///   `zerocopy`);
/// - `validated`: a zerocopy message that may hold `bool` and `#[repr(u8)]` enum fields
///   (`TryFromBytes` in place of `FromBytes`; feature `zerocopy`). Decoding it from bytes checks
///   every such field and fails with `FrameError::InvalidValue` for a bad byte;
/// - `type_id = N`, `crate = "path"`: as `#[pooled(...)]` (see `PooledMessage`).
///
/// A `bool` or `char` field under a form that cannot hold it, or a reference, is reported on the
/// field first, with the fix.
#[proc_macro_attribute]
pub fn message(args: TokenStream, item: TokenStream) -> TokenStream {
    message_attr::message(args.into(), item.into()).into()
}
