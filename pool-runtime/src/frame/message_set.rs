//! `MessageSet`: the messages one endpoint handles, decoded from frames by type id.

use std::io::Read;

use crate::frame::error::FrameError;
use crate::frame::pooled_frame::Frame;
use crate::frame::read::FrameReader;
use crate::{Allocator, PoolConfig};

/// The set of message types an endpoint handles: an enum whose variants each wrap one
/// `RingPtr<T>` of a [`PooledMessage`](crate::PooledMessage) `T`.
///
/// Implement it with `#[derive(MessageSet)]`: the derive computes [`POOL_CONFIG`](Self::POOL_CONFIG)
/// from the members' size classes, rejects two members sharing a type id at compile time, and
/// writes [`decode`](Self::decode) as a match on the frame's type id.
///
/// # Examples
///
/// ```
/// use ringpool::bytemuck::{Pod, Zeroable};
/// use ringpool::frame::write_frame;
/// use ringpool::{MessageSet, PooledMessage, Pools, RingPtr};
///
/// #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
/// #[bytemuck(crate = "ringpool::bytemuck")]
/// #[repr(C)]
/// struct Swap { amount: u64 }
///
/// #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
/// #[bytemuck(crate = "ringpool::bytemuck")]
/// #[repr(C)]
/// struct Book { levels: [u32; 32] }
///
/// #[derive(MessageSet)]
/// enum Inbound {
///     Swap(RingPtr<Swap>),
///     Book(RingPtr<Book>),
/// }
///
/// let pools = Pools::new(Inbound::POOL_CONFIG);
/// let mut wire = Vec::new();
/// write_frame(&mut wire, &Book { levels: [1; 32] })?;
/// match Inbound::read_from(&mut wire.as_slice(), &pools)? {
///     Inbound::Book(book) => assert_eq!(book.levels[31], 1),
///     Inbound::Swap(_) => unreachable!("a Book was sent"),
/// }
/// # Ok::<(), ringpool::frame::FrameError>(())
/// ```
pub trait MessageSet: Sized {
    /// Pools sized for the members: only the classes they use, capacities from the derive's
    /// heuristic (or per-variant overrides).
    const POOL_CONFIG: PoolConfig;

    /// Pools for this set flowing through a [`Ring`](crate::ring::Ring) of `ring_capacity`
    /// entries read by `readers` readers: [`POOL_CONFIG`](Self::POOL_CONFIG) with each class
    /// the set uses raised to [`PoolConfig::slots_for_ring`] (the ring holds at most
    /// `ring_capacity` items of any one class, the producer one more, each reader one clone).
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::bytemuck::{Pod, Zeroable};
    /// use ringpool::{MessageSet, PooledMessage, RingPtr, SizeClass};
    ///
    /// #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
    /// #[bytemuck(crate = "ringpool::bytemuck")]
    /// #[repr(C)]
    /// struct Snapshot { levels: [u64; 625] } // 5000 bytes: class XL
    ///
    /// #[derive(MessageSet)]
    /// enum Inbound {
    ///     Snapshot(RingPtr<Snapshot>),
    /// }
    ///
    /// let config = Inbound::pool_config_for_ring(1024, 1);
    /// assert_eq!(config.capacity(SizeClass::XL), 1026);
    /// ```
    fn pool_config_for_ring(ring_capacity: usize, readers: usize) -> PoolConfig {
        Self::POOL_CONFIG.sized_for_ring(ring_capacity, readers)
    }

    /// The members' type ids, in variant order; all distinct.
    const TYPE_IDS: &'static [u16];

    /// Decodes a frame into the member its type id names, without copying the payload.
    ///
    /// # Errors
    ///
    /// [`FrameError::UnknownTypeId`] when no member has the frame's type id;
    /// [`FrameError::LengthMismatch`] when the member's size differs from the payload's length.
    fn decode(frame: Frame) -> Result<Self, FrameError>;

    /// Reads one frame (payloads up to [`FrameReader::DEFAULT_MAX_PAYLOAD`]) into a slot from
    /// `pools` (any [`Allocator`]) and decodes it; a frame of another type is skipped without
    /// taking a slot ([`FrameReader::read_set`]).
    ///
    /// # Errors
    ///
    /// Those of [`FrameReader::read_set`]. After an `UnknownTypeId` or `LengthMismatch` the
    /// stream is at the next frame, so reading can go on.
    #[inline]
    fn read_from<R, A>(reader: &mut R, pools: A) -> Result<Self, FrameError>
    where
        R: Read + ?Sized,
        A: Allocator,
    {
        FrameReader::new().read_set(reader, pools)
    }

    /// `true` when some member has `type_id`.
    fn handles(type_id: u16) -> bool {
        Self::TYPE_IDS.contains(&type_id)
    }
}
