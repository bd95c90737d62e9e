//! Slot memory and the only code that dereferences it: the per-slot state word (`state`), the
//! per-class arena (`arena`), the slot handles behind `RingPtr`, `WeakRingPtr` and `PooledBytes`
//! (`handle`), the drops that free slots (`release`), the shared free list with its per-thread
//! magazines (`free_stack`, `stash`), and who frees an arena (`orphan`).
//!
//! # Memory layout
//!
//! One arena per size class and allocator, created at the class's first allocation:
//!
//! ```text
//! Arena (Box, #[repr(C)])        region: one anonymous mapping, zeroed, committed on first touch
//! +--------------------------+   +--------------------------------------------+
//! | payload, states, shift,  |-->| payload: slot 0 | slot 1 | ... (64-aligned)  |
//! | capacity, kind, orphaned |   | states: gen:32|W|F|R|refcount:29, 8 B/slot |
//! | (read-mostly line)       |   | links: 4 B/slot (Pools free list only)     |
//! +--------------------------+   +--------------------------------------------+
//! | keepalive (own line)     |
//! | fresh (own line)         |   stash: Box<[128-byte magazine; 64]>
//! | free-list head (own ln)  |   (Pools only: up to 28 slots per thread number)
//! +--------------------------+
//! ```
//!
//! A `SlotHandle` (so a `RingPtr`) is `{ payload pointer, arena pointer }`; the slot index is
//! `(payload - base) >> shift`. Metadata is 8 bytes per slot (12 with the `Pools` free list):
//! 3.1 % (4.7 %) of an `S` slot, 12.5 % (18.75 %) of an `XS` one. Slots are handed out in index
//! order (`fresh`) before any is reused from the free slots, so pages of slots never used are
//! never touched.
//!
//! # The one rule for references into an arena
//!
//! A `&Arena` (or any reference into arena memory) may be held only while the holder keeps the
//! arena alive: by a strong reference to one of its slots, by a slot it holds in `F` (see
//! `release`), or by a keepalive share (the allocator's, a weak handle's). The step that gives
//! that up (the decrement of a refcount that is not the last, the store that clears `F`, the
//! `fetch_sub` of a keepalive share) is made through references to atomics only (`&StateWord`,
//! `&AtomicBool`, `&AtomicUsize`, which may span it as `Arc::drop`'s `&AtomicUsize` does) or a raw
//! `NonNull<Arena>`, and is the holder's last access: no `&Arena` or `&FreeStack` argument or
//! later use spans it (the `Arc::drop` rule, rust-lang/rust#55005). Every path that
//! can free an arena is in `release` and `orphan`, and follows it.

pub(crate) mod arena;
pub(crate) mod asymmetric;
pub(crate) mod counted_index;
pub(crate) mod free_stack;
pub(crate) mod handle;
pub(crate) mod orphan;
pub(crate) mod poison;
pub(crate) mod release;
pub(crate) mod shared_arenas;
pub(crate) mod stash;
pub(crate) mod state;
pub(crate) mod tid;

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, loom))]
mod orphan_loom_tests;
#[cfg(all(test, not(loom)))]
mod orphan_tests;
#[cfg(all(test, loom))]
mod refused_loom_tests;
#[cfg(all(test, loom))]
mod tid_loom_tests;
