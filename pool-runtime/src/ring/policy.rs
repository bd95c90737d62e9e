//! What a ring does when its writer catches up with a slow reader, chosen by type at
//! construction: [`Backpressure`] (the writer waits) or [`Overwrite`] (the reader loses items).

mod sealed {
    pub trait Sealed {}
}

/// A ring's full-ring policy: [`Backpressure`] or [`Overwrite`]. Sealed.
pub trait Policy: sealed::Sealed + Send + Sync + 'static {
    /// `true` for [`Backpressure`]: items live in place and readers gate the writer.
    #[doc(hidden)]
    const GATED: bool;
}

/// The writer never overwrites an item some reader has not consumed.
///
/// `try_push` hands the item back as [`Full`](super::Full) when the slowest reader is a whole lap
/// behind; `push` waits (its `WaitStrategy`). Every reader sees every item published after it
/// subscribed, in order, exactly once. Works for any `T: Send + Sync`, including non-`Copy`
/// handles: items are stored in place and dropped exactly once, by the writer at its next push
/// or claim (or [`Writer::reclaim`](super::Writer::reclaim)) once every reader is past them,
/// or by the ring when the last handle goes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Backpressure;

/// The writer never waits; a reader that falls a whole lap behind loses items and is told how
/// many with [`Overrun`](super::Overrun).
///
/// Only for [`bytemuck::Pod`] items. Items are stored as `AtomicU64` words with a sequence stamp
/// per slot (a seqlock): the writer stores the stamp "being written", the words, then the stamp
/// "holds item N"; a reader loads the stamp, copies the words with atomic loads, fences, and
/// re-checks the stamp. A copy that raced the writer is detected and never returned, and because
/// every access is atomic the race is not undefined behaviour under Rust's memory model (a
/// plain `memcpy` of memory the writer may be writing would be, even if discarded afterwards).
///
/// Non-`Pod` items (such as `RingPtr`) are not accepted: a reader cannot copy them out
/// bit-wise while the writer may be dropping them. Use [`Backpressure`] for those.
///
/// ```compile_fail
/// use ringpool::ring::{Overwrite, Ring};
/// // `String` is not `Pod`: an overwriting ring of it does not compile.
/// let ring = Ring::<String, Overwrite>::with_capacity(8);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Overwrite;

impl sealed::Sealed for Backpressure {}
impl sealed::Sealed for Overwrite {}

impl Policy for Backpressure {
    const GATED: bool = true;
}

impl Policy for Overwrite {
    const GATED: bool = false;
}
