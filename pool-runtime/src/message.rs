//! The `PooledMessage` trait: what the pools know about a message type at compile time.

use crate::class::SizeClass;

/// A message type that lives in pool slots: a `#[repr(C)]` [`bytemuck::Pod`] struct whose size,
/// alignment, size class and wire type id are fixed at compile time.
///
/// Implement it with `#[derive(PooledMessage)]`, never by hand: the derive computes every constant
/// from the type's layout and turns a type that cannot be pooled into a compile error.
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
/// assert_eq!(Tick::TYPE_ID, pool_runtime::stable_type_id("Tick"));
/// ```
///
/// # Safety
///
/// The pools write values of `Self` into raw slots and hand out references to them, trusting these
/// constants. An implementor promises that:
///
/// - `SIZE == core::mem::size_of::<Self>()` and `0 < SIZE <= SizeClass::MAX_MESSAGE_SIZE`;
/// - `ALIGN == core::mem::align_of::<Self>()` and `ALIGN <= SLOT_ALIGN` (64);
/// - `CLASS == SizeClass::for_size(SIZE).unwrap()`, so a slot of `CLASS` holds one `Self`;
/// - `Self` is `#[repr(C)]` or `#[repr(transparent)]`, so its layout is the same in every build
///   that reads it off the wire with [`TYPE_ID`](PooledMessage::TYPE_ID).
///
/// `#[derive(PooledMessage)]` checks all of these at compile time.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a pooled message",
    label = "not `PooledMessage`",
    note = "add `#[derive(PooledMessage)]` to `{Self}` (a `#[repr(C)]` struct that is `bytemuck::Pod`)"
)]
pub unsafe trait PooledMessage: bytemuck::Pod + Send + Sync {
    /// `size_of::<Self>()`, in bytes.
    const SIZE: usize;
    /// `align_of::<Self>()`, at most 64.
    const ALIGN: usize;
    /// The smallest size class that holds `SIZE` bytes.
    const CLASS: SizeClass;
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

/// The wire type id a message gets when it has no `#[pooled(type_id = N)]`: a 32-bit FNV-1a hash
/// of the type's bare name (UTF-8 bytes, no module path), folded to 16 bits by XOR of its halves.
///
/// The same name gives the same id in every build, on every machine and compiler, so a sender and a
/// receiver compiled separately agree. Two names can collide (one in 65536 for a random pair): a
/// [`MessageSet`](crate) reports colliding members at compile time; give one an explicit id.
///
/// ```
/// use pool_runtime::stable_type_id;
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
