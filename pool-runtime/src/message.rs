//! The `PooledMessage` trait: what the pools know about a message type at compile time.
//!
//! # Layout facts come from the runtime
//!
//! The pools write a `T` into a slot and read it back through a pointer, so the slot's class and
//! alignment decide memory safety. Those facts are computed here, in [`SlotLayout`], from
//! `size_of::<T>()` and `align_of::<T>()`: never read from the constants a derive emitted, whose
//! paths a user can redirect with `#[pooled(crate = "...")]`. Every place that writes or reads a
//! slot as `T` takes its class and size from `SlotLayout`, whose evaluation fails the build for a
//! type that does not fit a slot or whose `PooledMessage` constants disagree with its layout.

use core::marker::PhantomData;

use crate::class::{SLOT_ALIGN, SizeClass};
use crate::message_bytes::MessageBytes;

/// A message type that lives in pool slots: a `#[repr(C)]` plain-data struct whose size,
/// alignment, size class and wire type id are fixed at compile time, and whose bytes are its
/// value ([`Bytes`](PooledMessage::Bytes): proven by bytemuck's `Pod` or by zerocopy).
///
/// Implement it with `#[ringpool::message]` or `#[derive(PooledMessage)]`, never by hand: the
/// derive names the byte-level proof, and turns a type that cannot be pooled into a compile error.
///
/// # Examples
///
/// ```
/// use ringpool::bytemuck::{Pod, Zeroable};
/// use ringpool::{PooledMessage, SizeClass};
///
/// #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
/// #[bytemuck(crate = "ringpool::bytemuck")]
/// #[repr(C)]
/// struct Tick {
///     price: u64,
///     qty: u32,
///     venue: u32,
/// }
///
/// assert_eq!(Tick::SIZE, 16);
/// assert_eq!(Tick::ALIGN, 8);
/// assert_eq!(Tick::CLASS, SizeClass::XS);
/// assert_eq!(Tick::NAME, "Tick");
/// assert_eq!(Tick::TYPE_ID, ringpool::stable_type_id("Tick"));
/// ```
///
/// # Safety
///
/// The byte-level guarantee is not a promise of the implementor: [`Bytes`](PooledMessage::Bytes)
/// must be one of this crate's sealed proof types, which bytemuck's or zerocopy's own traits
/// bound. An implementor promises only that `Self` is `#[repr(C)]` or `#[repr(transparent)]`, so its layout
/// is the same in every build that reads it off the wire with
/// [`TYPE_ID`](PooledMessage::TYPE_ID), and that `SIZE`, `ALIGN` and `CLASS`, if written, equal
/// their defaults.
///
/// Memory safety does not rest on these constants: the pools take a slot's class and size from
/// `size_of::<Self>()` and `align_of::<Self>()` themselves, and refuse to build (at the first
/// allocation or decode of `Self`) for a type that is zero-sized, over 16 KiB, aligned beyond 64
/// bytes, or whose constants disagree with its layout. `#[derive(PooledMessage)]` leaves the
/// constants to their defaults and reports those cases earlier, with clearer errors.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a pooled message",
    label = "not `PooledMessage`",
    note = "mark `{Self}` with `#[ringpool::message]` (or `#[derive(PooledMessage)]` on a `#[repr(C)]` struct that is `bytemuck::Pod`)"
)]
pub unsafe trait PooledMessage: Copy + Send + Sync + 'static {
    /// The proof that a `Self`'s bytes are its value, and the check decoding applies:
    /// [`BytemuckBytes`](crate::BytemuckBytes), `ZerocopyBytes` or `ValidatedBytes` (feature
    /// `zerocopy`). Set by the derive from its form.
    type Bytes: MessageBytes<Self>;

    /// `size_of::<Self>()`, in bytes.
    const SIZE: usize = core::mem::size_of::<Self>();
    /// `align_of::<Self>()`, at most 64.
    const ALIGN: usize = core::mem::align_of::<Self>();
    /// The smallest size class that holds `SIZE` bytes.
    const CLASS: SizeClass = SlotLayout::<Self>::CLASS;
    /// The id that tags this message on the wire: `#[pooled(type_id = N)]`, or else
    /// [`stable_type_id`] of [`NAME`](PooledMessage::NAME).
    const TYPE_ID: u16;
    /// The type's name as written in its definition (no module path).
    const NAME: &'static str;

    #[doc(hidden)]
    fn __only_derive_is_allowed_to_implement_this_trait()
    where
        Self: Sized;
}

/// The slot layout of message type `T`, computed by the runtime from `size_of::<T>()` and
/// `align_of::<T>()` (see the module doc). Not public: nothing outside this crate can change it.
pub(crate) struct SlotLayout<T>(PhantomData<T>);

impl<T> SlotLayout<T> {
    /// The smallest class whose slots hold a `T`. Evaluating it (every generic use in the pools
    /// does, at monomorphisation) fails the build unless `T` is non-empty, at most
    /// [`SizeClass::MAX_MESSAGE_SIZE`] bytes and at most [`SLOT_ALIGN`]-aligned.
    pub(crate) const CLASS: SizeClass = {
        let size = core::mem::size_of::<T>();
        assert!(size > 0, "a pooled message cannot be zero-sized");
        assert!(
            core::mem::align_of::<T>() <= SLOT_ALIGN,
            "a pooled message must be at most 64-byte aligned"
        );
        match SizeClass::for_size(size) {
            Some(class) => class,
            None => panic!("a pooled message must be at most 16384 bytes"),
        }
    };
}

impl<T: PooledMessage> SlotLayout<T> {
    /// The class of a `T`'s slot, after checking that `T`'s own `PooledMessage` constants agree
    /// with its layout (they can disagree only through a hand-written impl; a mismatch fails the
    /// build rather than reaching a slot).
    pub(crate) const CHECKED_CLASS: SizeClass = {
        let class = Self::CLASS;
        assert!(
            T::SIZE == core::mem::size_of::<T>()
                && T::ALIGN == core::mem::align_of::<T>()
                && T::CLASS as u8 == class as u8,
            "`PooledMessage::SIZE`, `ALIGN` or `CLASS` disagrees with the type's layout"
        );
        class
    };

    /// `size_of::<T>()`, once `T` is known to fit a slot of [`CHECKED_CLASS`](Self::CHECKED_CLASS).
    pub(crate) const SIZE: usize = {
        let _fits = Self::CHECKED_CLASS;
        core::mem::size_of::<T>()
    };
}

/// The bytes of `message` as they are in memory: what a frame carries.
#[inline(always)]
pub(crate) fn bytes_of<T: PooledMessage>(message: &T) -> &[u8] {
    <T::Bytes as MessageBytes<T>>::as_bytes(message)
}

/// The wire type id a message gets when it has no `#[pooled(type_id = N)]`: a 32-bit FNV-1a hash
/// of the type's bare name (UTF-8 bytes, no module path), folded to 16 bits by XOR of its halves.
///
/// The same name gives the same id in every build, on every machine and compiler, so a sender and a
/// receiver compiled separately agree. Two names can collide (one in 65536 for a random pair): a
/// [`MessageSet`](crate) reports colliding members at compile time; give one an explicit id.
///
/// ```
/// use ringpool::stable_type_id;
/// const ID: u16 = stable_type_id("SwapEvent");
/// assert_eq!(ID, stable_type_id("SwapEvent"));
/// assert_ne!(stable_type_id("SwapEvent"), stable_type_id("BookUpdate"));
/// ```
pub const fn stable_type_id(name: &str) -> u16 {
    const FNV_OFFSET: u32 = 0x811c_9dc5;
    const FNV_PRIME: u32 = 0x0100_0193;
    let bytes = name.as_bytes();
    let mut hash = FNV_OFFSET;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u32;
        hash = hash.wrapping_mul(FNV_PRIME);
        i += 1;
    }
    ((hash >> 16) ^ (hash & 0xffff)) as u16
}

#[cfg(test)]
mod tests {
    use super::stable_type_id;

    #[test]
    fn stable_type_id_is_fixed_forever() {
        // These values are part of the wire format: changing them breaks every deployed peer.
        let pinned = [
            ("", 0x1cd9),
            ("a", 0xcd20),
            ("SwapEvent", 0x8bae),
            ("BookUpdate", 0x1f12),
            ("Tick", 0x3838),
        ];
        for (name, id) in pinned {
            assert_eq!(stable_type_id(name), id, "{name}");
        }
    }
}
