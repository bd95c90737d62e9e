//! Shared-memory broadcast ring: one writer, any number of readers, variable-length `&[u8]`
//! messages, in memory the caller provides, on the heap, or in a file several processes map.
//!
//! ```
//! use ringpool::shm::{ShmError, ShmRing};
//!
//! let ring = ShmRing::with_capacity(1 << 12)?;
//! let mut fast = ring.reader()?;
//! let mut slow = ring.reader()?;
//! let mut writer = ring.writer()?;
//! for n in 0u32..1000 {
//!     writer.write(&n.to_le_bytes())?; // never waits for readers
//! }
//! // `fast` keeps up: it reads as it goes in a real program; `slow` was lapped.
//! let mut buf = [0u8; 4];
//! match slow.receive_next() {
//!     Err(ShmError::Overrun { missed }) => assert!(missed > 0),
//!     other => panic!("expected an overrun, got {other:?}"),
//! }
//! let oldest = slow.receive_next()?.expect("lands on the oldest message still in the ring");
//! oldest.read(&mut buf)?;
//! assert_eq!(u64::from(u32::from_le_bytes(buf)), oldest.seq());
//! assert!(oldest.seq() < 999);
//! # drop(fast);
//! # Ok::<(), ShmError>(())
//! ```
//!
//! # Why it is sound on every target
//!
//! The ring is a slice of `AtomicU64` and nothing else: the writer stores payloads with
//! `Relaxed` atomic word stores and readers copy them out with `Relaxed` atomic word loads, so a
//! reader racing the writer is never a data race in Rust's memory model, whatever the hardware.
//! Whether a copy is *good* is decided seqlock-style with two cursors:
//!
//! - the writer stores `CLAIM_END` (the end of the frame it is about to write) and issues a
//!   `Release` fence *before* storing any byte of the frame, then publishes the frame with
//!   `Release` stores of `LAST_FRAME_START` and `PUBLISHED`;
//! - a reader acquires `PUBLISHED`, copies, issues an `Acquire` fence, then loads `CLAIM_END`.
//!   The copy of a frame starting at `p` is intact iff `CLAIM_END ≤ p + capacity`: if any word
//!   it copied came from a later lap, the fences synchronize and the reader's load sees that
//!   lap's claim. A torn copy is reported as [`ShmError::Overrun`], never returned.
//!
//! The loom model (`src/shm/loom_tests.rs`) checks this with a writer and two readers on a
//! 64-byte ring, and fails, as it must, when the reader's fence or final check is removed.
//!
//! # Frames, sequence numbers and gaps
//!
//! Each message is a frame: a sequence-number word, a kind/length word and the payload padded
//! to 8 bytes (see `layout.rs` for the full memory layout). Messages are numbered 0, 1, 2, … so
//! a reader that was lapped knows exactly how many it lost: it lands on the oldest message still
//! in the ring and reports `Overrun { missed }` with the number of messages it skipped, as
//! tokio's broadcast does with `Lagged(n)`. Frames have variable lengths, so the writer keeps
//! that position for it: before each claim it walks past the frames the claim will overwrite
//! (reading their headers, which it wrote a lap earlier) and stores the first survivor as
//! `OLDEST_FRAME_START`. A reader validates that hint like any cursor (and the frame with the
//! seqlock check); if the frame is being overwritten by then, it lands on the newest message
//! instead. Every message is either delivered or counted in exactly one `missed`.
//!
//! # Writer crashes, the writer lock
//!
//! The header's lock word holds the writer's process id. A second writer is refused with
//! [`ShmError::WriterBusy`] while that process exists; once it is gone (`kill(pid, 0)` fails with
//! `ESRCH`) a new writer may take over and resumes after the last committed message. Readers
//! that run out of messages check the holder every 256 empty polls and report
//! [`ShmError::WriterDied`] (telling whether a frame was left half-written); a writer that
//! detaches normally yields [`ShmError::WriterClosed`] after the last message. See
//! [`ShmRing::writer`] for the limits of pid-based liveness.
//!
//! # Files and permissions
//!
//! | who | opens the file with | needs permission to | can |
//! |---|---|---|---|
//! | the writer, the file's owner | [`ShmRing::create`] (or [`ShmRing::open`] to resume) | read + write | write and read |
//! | readers | [`ShmRing::open_read_only`] | read | read only |
//! | everyone else | — | — | nothing: `create` makes the file `0600` |
//!
//! A read-only ring is opened `O_RDONLY` and mapped `PROT_READ`: a reader cannot store into it,
//! take the writer lock or corrupt it, by bug or on purpose ([`ShmRing::writer`] returns
//! [`ShmError::ReadOnly`]). To let readers of other users in, create the file with
//! [`ShmRing::create_with_mode`]: `0o640` for the file's group, `0o644` for everyone. Whoever
//! may write the file can corrupt the ring; readers then get errors (see below).
//!
//! # Untrusted regions
//!
//! Every cursor, length and sequence number read from the region is checked before use and
//! every index is masked into the data ring, so a region with arbitrary contents (a corrupted
//! or hostile file) yields [`ShmError`]s — `NotARing`, `HeaderCorrupt`, `Corrupt`, … — never
//! undefined behaviour or a panic. `tests/shm_corrupt.rs` feeds random and mutated rings to
//! every read path to check this.

mod bulk;
mod copy;
mod error;
mod layout;
mod liveness;
#[cfg(not(loom))]
mod mmap;
mod reader;
mod region;
mod writer;

#[cfg(all(test, loom))]
mod loom_tests;

pub use bulk::{Bulk, BulkMessage};
pub use error::ShmError;
pub use reader::{Batch, Message, Reader};
pub use region::{ShmRing, WriterStatus};
pub use writer::{Claim, Writer};
