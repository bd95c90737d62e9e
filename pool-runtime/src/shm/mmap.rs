//! File-backed rings: one process creates (or opens) the file and writes, others open and read.

use super::error::ShmError;
use super::layout::{self, MIN_CAPACITY};
use super::region::{ShmRing, validate_words};
use core::sync::atomic::AtomicU64;
use std::fs::{File, OpenOptions};
use std::path::Path;
use std::sync::Arc;

/// A shared, writable mapping of a ring file, seen only as atomic words.
///
/// The mapping is a [`memmap2::MmapRaw`]: it is never viewed as `&[u8]` or `&mut [u8]` (other
/// processes change it at any time), and the only references ever formed into it are
/// `&[AtomicU64]`, whose interior mutability allows that. `MmapRaw` is `Send + Sync` and hands out
/// raw pointers only, so this type needs no `unsafe impl` of its own.
pub(crate) struct MappedFile {
    map: memmap2::MmapRaw,
    len_words: usize,
}

impl MappedFile {
    fn map(file: &File) -> Result<Self, ShmError> {
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| ShmError::HeaderCorrupt("file larger than the address space"))?;
        let required = layout::HEADER_BYTES + MIN_CAPACITY;
        if len < required {
            return Err(ShmError::RegionTooSmall {
                available: len,
                required,
            });
        }
        // Other processes may change the file while it is mapped: harmless, the mapping is only
        // accessed through atomic words (see `words`) and every value read from it is checked
        // before use. Truncation while mapped makes accesses fault (SIGBUS); ring files must not
        // be truncated while in use, as `ShmRing::open` documents.
        let map = memmap2::MmapOptions::new().len(len).map_raw(file)?;
        if map.len() < len {
            return Err(ShmError::HeaderCorrupt("mapping is shorter than the file"));
        }
        // Page-aligned in practice; checked because `words` relies on it.
        if map.as_ptr().align_offset(align_of::<AtomicU64>()) != 0 {
            return Err(ShmError::HeaderCorrupt("mapping is not 8-byte aligned"));
        }
        Ok(Self {
            map,
            len_words: len / 8,
        })
    }

    /// The mapping as atomic words.
    #[inline]
    pub(crate) fn words(&self) -> &[AtomicU64] {
        let words = self.map.as_mut_ptr().cast::<AtomicU64>();
        // Why the slice below is sound, in full: `words` is the non-null start of a shared
        // mapping that stays mapped as long as `self.map` (so for the returned borrow), covers
        // `len_words * 8` bytes and is 8-aligned (both checked in `map`); AtomicU64 has size 8 and
        // no invalid bit patterns; no `&[u8]`/`&mut [u8]` to the mapping ever exists and every
        // access through the slice is atomic, so other processes' stores are not data races.
        // SAFETY: live, 8-aligned mapping of `len_words` words owned by `self.map` (checked in
        // `map`); only ever accessed atomically (full argument just above).
        unsafe { core::slice::from_raw_parts(words, self.len_words) }
    }
}

impl ShmRing<'static> {
    /// Creates a new ring file of `256 + capacity` bytes at `path` and formats it. Fails if the
    /// file exists (use [`open`](Self::open) to attach to an existing ring, e.g. to resume
    /// writing after a crash).
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_runtime::shm::ShmRing;
    ///
    /// let path = std::env::temp_dir().join(format!("ringpool-doc-create-{}", std::process::id()));
    /// let ring = ShmRing::create(&path, 4096)?;
    /// ring.writer()?.write(b"to other processes")?;
    /// let again = ShmRing::open(&path)?;
    /// assert_eq!(again.capacity(), 4096);
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), pool_runtime::shm::ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ShmError::InvalidCapacity`] unless `capacity` is a power of two ≥ 64;
    /// [`ShmError::Io`] if the file exists or cannot be created, sized or mapped.
    pub fn create(path: impl AsRef<Path>, capacity: usize) -> Result<Self, ShmError> {
        if !capacity.is_power_of_two() || capacity < MIN_CAPACITY {
            return Err(ShmError::InvalidCapacity(capacity));
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)?;
        file.set_len((layout::HEADER_BYTES + capacity) as u64)?;
        let mapped = Arc::new(MappedFile::map(&file)?);
        let formatted = ShmRing::format(mapped.words())?.capacity() as u64;
        Ok(ShmRing::from_mapped(mapped, formatted))
    }

    /// Maps an existing ring file read-write (readers never store into it, but mapping it
    /// shared needs write access) and checks its header. Any file may be given: whatever its
    /// contents, attaching and reading return errors rather than misbehave — except that a
    /// file truncated by another process while mapped makes accesses fault (`SIGBUS`), as with
    /// any memory-mapped file.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_runtime::shm::{ShmError, ShmRing};
    ///
    /// let path = std::env::temp_dir().join(format!("ringpool-doc-open-{}", std::process::id()));
    /// std::fs::write(&path, vec![0xAB; 4096])?;
    /// assert!(matches!(ShmRing::open(&path), Err(ShmError::NotARing)));
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ShmError::Io`] if the file cannot be opened or mapped; [`ShmError::RegionTooSmall`],
    /// [`ShmError::Uninitialized`], [`ShmError::NotARing`], [`ShmError::VersionMismatch`] or
    /// [`ShmError::HeaderCorrupt`] as for [`ShmRing::attach`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ShmError> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        let mapped = Arc::new(MappedFile::map(&file)?);
        let capacity = validate_words(mapped.words())?;
        Ok(ShmRing::from_mapped(mapped, capacity))
    }
}
