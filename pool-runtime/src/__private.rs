//! Items the derive macros name in generated code. Not public API: no semver guarantees.
//!
//! Generated code reaches everything through `::<runtime crate>::__private::...`, so a user's own
//! items named `Result`, `core`, `bytemuck`… can never shadow what the derive means.

pub use ::bytemuck;
pub use ::core;

pub use crate::class::{SLOT_ALIGN, SizeClass};
pub use crate::message::{PooledMessage, stable_type_id};
pub use crate::message_bytes::{BytemuckBytes, MessageBytes};
#[cfg(feature = "zerocopy")]
pub use crate::message_bytes::{ValidatedBytes, ZerocopyBytes};
#[cfg(feature = "zerocopy")]
pub use ::zerocopy;

// ---- what `#[derive(MessageSet)]` names -----------------------------------------------------
pub use ::std;

pub use crate::frame::{Frame, FrameError, MessageSet};
pub use crate::{Allocator, PoolConfig};

// ---- compile-time checks of `#[derive(PooledMessage)]` -------------------------------------
//
// A proc macro cannot evaluate `size_of`, so the derive emits calls such as
// `assert_size_within_limit::<Msg, { size_of::<Msg>() }, Check<{ size_of::<Msg>() <= MAX }>>()`
// in a `const` item. The bound holds only for `Check<true>`; when it fails, the trait's
// `on_unimplemented` message prints the type and the actual number next to the limit.

/// The outcome of a compile-time condition; only `Check<true>` implements the check traits.
pub struct Check<const PASSES: bool>;

/// `Msg` has at most `SizeClass::MAX_MESSAGE_SIZE` bytes.
#[diagnostic::on_unimplemented(
    message = "`{Msg}` is {SIZE} bytes, over the 16384-byte limit of a pooled message (size class XL)",
    label = "too large for any size class",
    note = "shrink `{Msg}` or split it into several messages"
)]
pub trait SizeWithinLimit<Msg: ?Sized, const SIZE: usize> {}
impl<Msg: ?Sized, const SIZE: usize> SizeWithinLimit<Msg, SIZE> for Check<true> {}

/// `Msg` needs at most `SLOT_ALIGN`-byte alignment.
#[diagnostic::on_unimplemented(
    message = "`{Msg}` needs {ALIGN}-byte alignment, over the 64-byte alignment of pool slots",
    label = "aligned beyond a cache line",
    note = "lower the alignment of `{Msg}` and its fields to at most 64 bytes"
)]
pub trait AlignWithinLimit<Msg: ?Sized, const ALIGN: usize> {}
impl<Msg: ?Sized, const ALIGN: usize> AlignWithinLimit<Msg, ALIGN> for Check<true> {}

/// `Msg` is at least one byte.
#[diagnostic::on_unimplemented(
    message = "`{Msg}` is zero-sized; a pooled message must be at least one byte",
    label = "zero-sized",
    note = "give `{Msg}` a field with a non-zero size"
)]
pub trait NotZeroSized<Msg: ?Sized> {}
impl<Msg: ?Sized> NotZeroSized<Msg> for Check<true> {}

/// `Self` is `bytemuck::Pod`; exists only to say so clearly when it is not.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not `bytemuck::Pod`, which every pooled message must be",
    label = "not `bytemuck::Pod`",
    note = "derive it: `#[derive(Clone, Copy, Pod, Zeroable)]` (depending on `ringpool` alone, add `#[bytemuck(crate = \"ringpool::bytemuck\")]`)",
    note = "`bool`, `char`, references, pointers and padding bytes can never be `Pod`: use integers and byte arrays"
)]
pub trait MessageIsPod {}
impl<T: bytemuck::Pod> MessageIsPod for T {}

/// Fails to compile unless `Msg: bytemuck::Pod`.
pub const fn assert_pod<Msg: MessageIsPod>() {}

/// `Self` has zerocopy's traits for a message any bytes are valid for.
#[cfg(feature = "zerocopy")]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a zerocopy message: it needs `FromBytes`, `IntoBytes`, `Immutable` and `KnownLayout`",
    label = "not `FromBytes + IntoBytes + Immutable + KnownLayout`",
    note = "mark it `#[ringpool::message(zerocopy)]`, or derive the four traits (depending on `ringpool` alone, add `#[zerocopy(crate = \"ringpool::zerocopy\")]`)",
    note = "a `bool` or enum field is not `FromBytes`: use `#[ringpool::message(validated)]`"
)]
pub trait MessageIsZerocopy {}
#[cfg(feature = "zerocopy")]
impl<T> MessageIsZerocopy for T where
    T: zerocopy::FromBytes + zerocopy::IntoBytes + zerocopy::Immutable + zerocopy::KnownLayout
{
}

/// `Self` has zerocopy's traits for a validated message.
#[cfg(feature = "zerocopy")]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a validated message: it needs `TryFromBytes`, `IntoBytes`, `Immutable` and `KnownLayout`",
    label = "not `TryFromBytes + IntoBytes + Immutable + KnownLayout`",
    note = "mark it `#[ringpool::message(validated)]`, or derive the four traits (depending on `ringpool` alone, add `#[zerocopy(crate = \"ringpool::zerocopy\")]`)",
    note = "padding bytes are never `IntoBytes`: reorder the fields or add explicit padding fields"
)]
pub trait MessageIsValidated {}
#[cfg(feature = "zerocopy")]
impl<T> MessageIsValidated for T where
    T: zerocopy::TryFromBytes + zerocopy::IntoBytes + zerocopy::Immutable + zerocopy::KnownLayout
{
}

/// Without the `zerocopy` feature nothing is a zerocopy or validated message; says so.
#[cfg(not(feature = "zerocopy"))]
#[diagnostic::on_unimplemented(
    message = "`{Self}` uses the zerocopy or validated form, but ringpool's `zerocopy` feature is off",
    label = "needs the `zerocopy` feature",
    note = "enable it: `features = [\"zerocopy\"]` on the `ringpool` dependency"
)]
pub trait MessageIsZerocopy {}
#[cfg(not(feature = "zerocopy"))]
pub use MessageIsZerocopy as MessageIsValidated;

/// Stand-ins without the `zerocopy` feature: no message can name them as its proof.
#[cfg(not(feature = "zerocopy"))]
pub enum ZerocopyBytes {}
#[cfg(not(feature = "zerocopy"))]
pub use ZerocopyBytes as ValidatedBytes;

/// What `#[ringpool::message(zerocopy | validated)]` expands through: the first item with the
/// `zerocopy` feature, else the second (the plain struct) and one error saying to enable it.
#[cfg(feature = "zerocopy")]
#[doc(hidden)]
#[macro_export]
macro_rules! __ringpool_zerocopy_message {
    ({ $($item:tt)* } { $($fallback:tt)* }) => { $($item)* };
}

/// See the `zerocopy` feature's version.
#[cfg(not(feature = "zerocopy"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __ringpool_zerocopy_message {
    ({ $($item:tt)* } { $($fallback:tt)* }) => {
        ::core::compile_error!(
            "the zerocopy and validated message forms need ringpool's `zerocopy` feature: \
             `features = [\"zerocopy\"]` on the `ringpool` dependency"
        );
        $($fallback)*
    };
}

pub use crate::__ringpool_zerocopy_message as zerocopy_message;

/// Fails to compile unless `Msg` has zerocopy's `FromBytes + IntoBytes + Immutable + KnownLayout`.
pub const fn assert_zerocopy<Msg: MessageIsZerocopy>() {}

/// Fails to compile unless `Msg` has zerocopy's `TryFromBytes + IntoBytes + Immutable +
/// KnownLayout`.
pub const fn assert_validated<Msg: MessageIsValidated>() {}

/// Fails to compile unless `Msg` is not zero-sized (`C` is `Check<{ size_of::<Msg>() > 0 }>`).
pub const fn assert_not_zero_sized<Msg: ?Sized, C: NotZeroSized<Msg>>() {}

/// Fails to compile unless `SIZE <= MAX_MESSAGE_SIZE` (`C` is `Check<{ SIZE <= MAX }>`).
pub const fn assert_size_within_limit<
    Msg: ?Sized,
    const SIZE: usize,
    C: SizeWithinLimit<Msg, SIZE>,
>() {
}

/// Fails to compile unless `ALIGN <= SLOT_ALIGN` (`C` is `Check<{ ALIGN <= SLOT_ALIGN }>`).
pub const fn assert_align_within_limit<
    Msg: ?Sized,
    const ALIGN: usize,
    C: AlignWithinLimit<Msg, ALIGN>,
>() {
}

// ---- compile-time facts and checks of `#[derive(MessageSet)]` ------------------------------

/// Slots a member of class `class` adds to a message set's pools without a
/// `#[message_set(capacity = N)]`: the class's [`PoolConfig::DEFAULT_CAPACITIES`] entry.
pub const fn default_member_slots(class: SizeClass) -> usize {
    PoolConfig::DEFAULT_CAPACITIES[class as usize]
}

/// `config` with `slots` more slots in `class` (saturating; `Pools::try_new` rejects too many).
pub const fn add_member_slots(config: PoolConfig, class: SizeClass, slots: usize) -> PoolConfig {
    let slots = config.capacity(class).saturating_add(slots);
    config.with_capacity(class, slots)
}

/// Two members of a message set have different type ids.
#[diagnostic::on_unimplemented(
    message = "`{First}` and `{Second}` have the same type id {ID}; a message set dispatches on it, so each member needs its own",
    label = "type id {ID} is already taken by `{First}`",
    note = "give one of them another id with `#[pooled(type_id = N)]`, or remove the repeated variant"
)]
pub trait DistinctTypeIds<First: ?Sized, Second: ?Sized, const ID: u16> {}
impl<First: ?Sized, Second: ?Sized, const ID: u16> DistinctTypeIds<First, Second, ID>
    for Check<true>
{
}

/// Fails to compile unless `First` and `Second` have different type ids
/// (`C` is `Check<{ First::TYPE_ID != Second::TYPE_ID }>`, `ID` is `Second::TYPE_ID`).
pub const fn assert_distinct_type_ids<
    First: ?Sized,
    Second: ?Sized,
    const ID: u16,
    C: DistinctTypeIds<First, Second, ID>,
>() {
}
