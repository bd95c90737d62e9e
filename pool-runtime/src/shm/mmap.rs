//! File-backed rings: one process creates (or opens) the file and writes, others open and read.
//!
//! Who may open a ring file how is in the `shm` module docs ("Files and permissions").
//!
//! A read-only mapping is sound because readers only ever *load* from the ring, and only with
//! `Relaxed` loads of 8-byte words (Acquire ordering comes from fences): those are the atomic
//! accesses Rust guarantees to work on read-only memory on 64-bit targets, the only ones
//! [`ShmRing::open_read_only`] is built for.

use super::error::ShmError;
use super::layout::{self, MIN_CAPACITY};
use super::region::{ShmRing, validate_words};
use core::sync::atomic::AtomicU64;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;
use std::sync::Arc;

/// A shared mapping of a ring file, writable or read-only, seen only as atomic words.
///
/// The mapping is a [`memmap2::MmapRaw`]: it is never viewed as `&[u8]` or `&mut [u8]` (other
/// processes change it at any time), and the only references ever formed into it are
/// `&[AtomicU64]`, whose interior mutability allows that. `MmapRaw` is `Send + Sync` and hands out
/// raw pointers only, so this type needs no `unsafe impl` of its own.
pub(crate) struct MappedFile {
    map: memmap2::MmapRaw,
    len_words: usize,
    /// Whether the pages are mapped writable. A read-only mapping faults on any store, so
    /// [`ShmRing::writer`] refuses rings made from one.
    writable: bool,
}

/// How a ring file is opened and mapped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    ReadWrite,
    #[cfg(target_pointer_width = "64")]
    ReadOnly,
}

/// Mode of ring files unless the creator asks for another: owner read + write, nobody else.
const DEFAULT_MODE: u32 = 0o600;

impl MappedFile {
    fn map(file: &File, access: Access) -> Result<Self, ShmError> {
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
        let mut options = memmap2::MmapOptions::new();
        options.len(len);
        let map = match access {
            Access::ReadWrite => options.map_raw(file)?,
            // PROT_READ, MAP_SHARED: sees the writer's stores, cannot make any.
            #[cfg(target_pointer_width = "64")]
            Access::ReadOnly => options.map_raw_read_only(file)?,
        };
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
            writable: access == Access::ReadWrite,
        })
    }

    /// Whether stores into the mapping are allowed.
    pub(crate) fn is_writable(&self) -> bool {
        self.writable
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
        // A read-only mapping is only read with Relaxed 8-byte loads (see the module docs): the
        // writer, the one code that stores, is refused for it (`ShmRing::writer`).
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
    /// On Unix the file gets mode `0600`: only its owner can open it. Use
    /// [`create_with_mode`](Self::create_with_mode) to let readers of other users in.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::shm::ShmRing;
    ///
    /// let path = std::env::temp_dir().join(format!("ringpool-doc-create-{}", std::process::id()));
    /// let ring = ShmRing::create(&path, 4096)?;
    /// ring.writer()?.write(b"to other processes")?;
    /// let again = ShmRing::open(&path)?;
    /// assert_eq!(again.capacity(), 4096);
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ShmError::InvalidCapacity`] unless `capacity` is a power of two ≥ 64;
    /// [`ShmError::Io`] if the file exists or cannot be created, sized or mapped.
    pub fn create(path: impl AsRef<Path>, capacity: usize) -> Result<Self, ShmError> {
        Self::create_file(path.as_ref(), capacity, DEFAULT_MODE)
    }

    /// [`create`](Self::create), with the file's permission bits set to exactly `mode` (the
    /// process umask does not narrow them), e.g. `0o640` so that the file's group can
    /// [`open_read_only`](Self::open_read_only) it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    /// use ringpool::shm::ShmRing;
    ///
    /// let path = std::env::temp_dir().join(format!("ringpool-doc-mode-{}", std::process::id()));
    /// let ring = ShmRing::create_with_mode(&path, 4096, 0o640)?;
    /// assert_eq!(std::fs::metadata(&path)?.permissions().mode() & 0o777, 0o640);
    /// # drop(ring);
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), ringpool::shm::ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`create`](Self::create); [`ShmError::Io`] with [`io::ErrorKind::InvalidInput`] if
    /// `mode` has bits beyond `0o777` (nothing is created).
    #[cfg(unix)]
    pub fn create_with_mode(
        path: impl AsRef<Path>,
        capacity: usize,
        mode: u32,
    ) -> Result<Self, ShmError> {
        Self::create_file(path.as_ref(), capacity, mode)
    }

    fn create_file(path: &Path, capacity: usize, mode: u32) -> Result<Self, ShmError> {
        if !capacity.is_power_of_two() || capacity < MIN_CAPACITY {
            return Err(ShmError::InvalidCapacity(capacity));
        }
        if mode & !0o777 != 0 {
            return Err(ShmError::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("ring file mode {mode:#o} has bits beyond 0o777"),
            )));
        }
        let mut options = OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            // Created with at most `mode` (the umask can only remove bits), then set to exactly
            // `mode`: the file is never more open than asked.
            options.mode(mode);
            let file = options.open(path)?;
            file.set_permissions(std::fs::Permissions::from_mode(mode))?;
            Self::format_file(file, capacity)
        }
        #[cfg(not(unix))]
        {
            let _ = mode;
            Self::format_file(options.open(path)?, capacity)
        }
    }

    fn format_file(file: File, capacity: usize) -> Result<Self, ShmError> {
        file.set_len((layout::HEADER_BYTES + capacity) as u64)?;
        let mapped = Arc::new(MappedFile::map(&file, Access::ReadWrite)?);
        let formatted = ShmRing::format(mapped.words())?.capacity() as u64;
        Ok(ShmRing::from_mapped(mapped, formatted))
    }

    /// Maps an existing ring file read-write and checks its header: for a writer resuming after
    /// a restart (it needs write permission on the file). Readers should use
    /// [`open_read_only`](Self::open_read_only). Any file may be given: whatever its
    /// contents, attaching and reading return errors rather than misbehave — except that a
    /// file truncated by another process while mapped makes accesses fault (`SIGBUS`), as with
    /// any memory-mapped file.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::shm::{ShmError, ShmRing};
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
        Self::attach_file(&file, Access::ReadWrite)
    }

    /// Maps an existing ring file read-only, for readers: the file is opened `O_RDONLY` and
    /// mapped `PROT_READ` (shared, so the writer's messages appear), which needs only read
    /// permission on the file. [`reader`](Self::reader) works as on any ring;
    /// [`writer`](Self::writer) returns [`ShmError::ReadOnly`]. The same caveats about the file's
    /// contents as for [`open`](Self::open) apply.
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::shm::{ShmError, ShmRing};
    ///
    /// let path = std::env::temp_dir().join(format!("ringpool-doc-ro-{}", std::process::id()));
    /// let mut writer = ShmRing::create(&path, 4096)?.writer()?;
    /// let readers_view = ShmRing::open_read_only(&path)?;
    /// let mut reader = readers_view.reader()?;
    /// writer.write(b"tick")?;
    /// let mut buf = [0u8; 16];
    /// let len = reader.receive_next()?.expect("one message").read(&mut buf)?;
    /// assert_eq!(&buf[..len], b"tick");
    /// assert!(matches!(readers_view.writer(), Err(ShmError::ReadOnly)));
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), ShmError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    #[cfg(target_pointer_width = "64")]
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, ShmError> {
        let file = OpenOptions::new().read(true).open(path)?;
        Self::attach_file(&file, Access::ReadOnly)
    }

    fn attach_file(file: &File, access: Access) -> Result<Self, ShmError> {
        let mapped = Arc::new(MappedFile::map(file, access)?);
        let capacity = validate_words(mapped.words())?;
        Ok(ShmRing::from_mapped(mapped, capacity))
    }
}
