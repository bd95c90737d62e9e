//! How a message's bytes are known to be its value: the byte-level proof behind every
//! `PooledMessage`, supplied by bytemuck or by zerocopy.
//!
//! A message is written to the wire as the bytes it is made of, and decoded by reading bytes
//! into a slot and using the slot as a `T`. Both steps need a byte-level guarantee: no padding or
//! other uninitialised bytes (so the bytes can be read), and either "any bytes are a valid `T`"
//! or a check that says which are. The derive names one of the proof types below as the
//! message's [`PooledMessage::Bytes`](crate::PooledMessage::Bytes):
//!
//! | proof                 | requires of `T`                                              | decode |
//! |-----------------------|--------------------------------------------------------------|--------|
//! | [`BytemuckBytes`]     | `bytemuck::Pod`                                              | any bytes |
//! | [`ZerocopyBytes`]     | `zerocopy::{FromBytes, IntoBytes, Immutable, KnownLayout}`   | any bytes |
//! | [`ValidatedBytes`]    | `zerocopy::{TryFromBytes, IntoBytes, Immutable, KnownLayout}`| checked (`bool`, `#[repr(u8)]` enums) |
//!
//! The trait is sealed: only this module implements it, each impl bounded by the crate's own
//! trait, so no generated code (whatever path `#[pooled(crate = ...)]` points at) can vouch for a
//! type that bytemuck or zerocopy would not.

use core::marker::PhantomData;

mod sealed {
    /// Keeps [`MessageBytes`](super::MessageBytes) implementable only in this module.
    pub trait Sealed {}
}

/// A proof that `T`'s bytes can be read as a byte slice, and a test of which byte slices are a
/// valid `T`. Implemented only by this crate's proof types (see the module doc).
///
/// # Safety
///
/// An implementor guarantees that every byte of a `T` is initialised (no padding), that
/// [`as_bytes`](MessageBytes::as_bytes) returns exactly the `size_of::<T>()` bytes of the value,
/// and that [`is_valid`](MessageBytes::is_valid) returns `true` only for a slice of exactly
/// `size_of::<T>()` bytes whose contents are a valid `T` (always, when
/// [`ANY_BYTES_VALID`](MessageBytes::ANY_BYTES_VALID) is `true`).
pub unsafe trait MessageBytes<T>: sealed::Sealed {
    /// Every `size_of::<T>()`-byte pattern is a valid `T`: decoding needs no check.
    const ANY_BYTES_VALID: bool;

    /// The bytes of `value`, as they are in memory.
    fn as_bytes(value: &T) -> &[u8];

    /// Whether `bytes` (any alignment) is exactly the bytes of a valid `T`.
    fn is_valid(bytes: &[u8]) -> bool;

    /// `bytes` viewed in place as a `T`, after the same checks and an alignment check.
    ///
    /// # Errors
    ///
    /// The first check that failed, as a [`ViewFailure`].
    fn view(bytes: &[u8]) -> Result<&T, ViewFailure>;
}

/// Why [`MessageBytes::view`] refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewFailure {
    /// Not exactly `size_of::<T>()` bytes.
    SizeMismatch,
    /// Not aligned for `T`.
    Misaligned,
    /// Right size and alignment, not a valid `T`.
    InvalidValue,
}

/// The proof for a `bytemuck::Pod` message (the default form).
pub struct BytemuckBytes(PhantomData<()>);

impl sealed::Sealed for BytemuckBytes {}

// SAFETY: `Pod` means no padding and every bit pattern valid; `bytes_of` returns the value's
// `size_of::<T>()` bytes; `is_valid` checks the length, the only thing that can be wrong.
unsafe impl<T: bytemuck::Pod> MessageBytes<T> for BytemuckBytes {
    const ANY_BYTES_VALID: bool = true;

    #[inline(always)]
    fn as_bytes(value: &T) -> &[u8] {
        bytemuck::bytes_of(value)
    }

    #[inline(always)]
    fn is_valid(bytes: &[u8]) -> bool {
        bytes.len() == core::mem::size_of::<T>()
    }

    fn view(bytes: &[u8]) -> Result<&T, ViewFailure> {
        bytemuck::try_from_bytes(bytes).map_err(|error| match error {
            bytemuck::PodCastError::TargetAlignmentGreaterAndInputNotAligned
            | bytemuck::PodCastError::AlignmentMismatch => ViewFailure::Misaligned,
            _ => ViewFailure::SizeMismatch,
        })
    }
}

/// The proof for a zerocopy message whose every bit pattern is valid (`FromBytes`).
#[cfg(feature = "zerocopy")]
pub struct ZerocopyBytes(PhantomData<()>);

#[cfg(feature = "zerocopy")]
impl sealed::Sealed for ZerocopyBytes {}

// SAFETY: `IntoBytes` means no padding (zerocopy's derive proves it), `FromBytes` that every bit
// pattern is valid; `as_bytes` returns the value's bytes; `is_valid` checks the length.
#[cfg(feature = "zerocopy")]
unsafe impl<T> MessageBytes<T> for ZerocopyBytes
where
    T: zerocopy::FromBytes + zerocopy::IntoBytes + zerocopy::Immutable + zerocopy::KnownLayout,
{
    const ANY_BYTES_VALID: bool = true;

    #[inline(always)]
    fn as_bytes(value: &T) -> &[u8] {
        zerocopy::IntoBytes::as_bytes(value)
    }

    #[inline(always)]
    fn is_valid(bytes: &[u8]) -> bool {
        bytes.len() == core::mem::size_of::<T>()
    }

    fn view(bytes: &[u8]) -> Result<&T, ViewFailure> {
        T::ref_from_bytes(bytes).map_err(|error| match error {
            zerocopy::ConvertError::Alignment(_) => ViewFailure::Misaligned,
            _ => ViewFailure::SizeMismatch,
        })
    }
}

/// The proof for a validated zerocopy message (`TryFromBytes`): fields such as `bool` or a
/// `#[repr(u8)]` enum, whose bytes are checked on every decode.
#[cfg(feature = "zerocopy")]
pub struct ValidatedBytes(PhantomData<()>);

#[cfg(feature = "zerocopy")]
impl sealed::Sealed for ValidatedBytes {}

// SAFETY: `IntoBytes` means no padding; `is_valid` accepts only what zerocopy's `TryFromBytes`
// check accepts for exactly `size_of::<T>()` bytes (`try_ref_from_bytes` rejects leftover bytes;
// an alignment failure is not a validity answer, so it goes through an unaligned copy check).
#[cfg(feature = "zerocopy")]
unsafe impl<T> MessageBytes<T> for ValidatedBytes
where
    T: zerocopy::TryFromBytes + zerocopy::IntoBytes + zerocopy::Immutable + zerocopy::KnownLayout,
{
    const ANY_BYTES_VALID: bool = false;

    #[inline(always)]
    fn as_bytes(value: &T) -> &[u8] {
        zerocopy::IntoBytes::as_bytes(value)
    }

    #[inline]
    fn is_valid(bytes: &[u8]) -> bool {
        if bytes.len() != core::mem::size_of::<T>() {
            return false;
        }
        match T::try_ref_from_bytes(bytes) {
            Ok(_) => true,
            Err(zerocopy::TryCastError::Validity(_)) | Err(zerocopy::TryCastError::Size(_)) => {
                false
            }
            // Misaligned input (a caller's byte slice, not a slot): check a copy instead.
            Err(zerocopy::TryCastError::Alignment(_)) => T::try_read_from_bytes(bytes).is_ok(),
        }
    }

    fn view(bytes: &[u8]) -> Result<&T, ViewFailure> {
        T::try_ref_from_bytes(bytes).map_err(|error| match error {
            zerocopy::TryCastError::Alignment(_) => ViewFailure::Misaligned,
            zerocopy::TryCastError::Size(_) => ViewFailure::SizeMismatch,
            zerocopy::TryCastError::Validity(_) => ViewFailure::InvalidValue,
        })
    }
}
