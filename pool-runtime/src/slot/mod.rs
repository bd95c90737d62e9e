//! Slot memory: the per-slot state word, the per-class arena, the shared free list with its
//! per-thread stash cells, and the registry of arenas whose allocator was dropped first.
//!
//! # Memory layout
//!
//! One arena per size class and allocator, allocated once:
//!
//! ```text
//! Arena (Box, #[repr(C)])       states: Box<[AtomicU64]>      payload (alloc_zeroed, 64-aligned)
//! +-------------------------+   +------------------------+    +-----------------------------+
//! | payload, states, links, |-->| gen:32|W:1|refcount:31 |    | slot 0: slot_size bytes     |
//! | shift, capacity, kind,  |   | ... one word per slot  |    | slot 1                      |
//! | orphaned (read-mostly)  |   +------------------------+    | ...                         |
//! +-------------------------+   links: Box<[AtomicU32]>       +-----------------------------+
//! | keepalive (own line)    |   (Pools only: free list next)
//! | free-list head (own ln) |
//! | counters (own line)     |   stash: Box<[64-byte cell; 64]>
//! +-------------------------+   (Pools only: one slot per thread number)
//! ```
//!
//! A `RingPtr` is `{ payload pointer, arena pointer }`; the slot index is
//! `(payload - base) >> shift`. Metadata is 8 bytes per slot (12 with the `Pools` free list):
//! 3.1 % (4.7 %) of an `S` slot, 12.5 % (18.75 %) of an `XS` one.

pub(crate) mod arena;
pub(crate) mod asymmetric;
pub(crate) mod counted_index;
pub(crate) mod free_stack;
pub(crate) mod orphans;
pub(crate) mod poison;
pub(crate) mod release;
pub(crate) mod stash;
pub(crate) mod state;
pub(crate) mod thread_slot;
pub(crate) mod tsan;

#[cfg(all(test, loom))]
mod loom_tests;
