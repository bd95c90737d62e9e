//! Reading frames from a blocking `Read` straight into pooled slots.

use std::io::{self, Read};

use crate::Allocator;
use crate::class::SizeClass;
use crate::frame::error::{FrameError, FrameSection};
use crate::frame::header::FrameHeader;
use crate::frame::message_set::MessageSet;
use crate::frame::pooled_frame::Frame;

/// Reading settings: the largest payload accepted. `Copy` and free to keep around.
///
/// # Stream position after an error
///
/// | error | where the stream is |
/// |---|---|
/// | [`Truncated`](FrameError::Truncated) | at its end (everything was consumed) |
/// | [`TooLarge`](FrameError::TooLarge) | right after the header, before the payload |
/// | [`Pool`](FrameError::Pool) | right after the header, before the payload |
/// | [`Io`](FrameError::Io) | somewhere inside the frame |
/// | [`UnknownTypeId`](FrameError::UnknownTypeId), [`LengthMismatch`](FrameError::LengthMismatch), [`TypeMismatch`](FrameError::TypeMismatch) | at the next frame (this one was consumed whole) |
///
/// A header-level rejection leaves the payload unread: skip `payload_len` bytes to resynchronise,
/// or (usually) drop the connection. No slot is held after any error.
///
/// A reader that returns fewer bytes than asked (a socket, one byte per `read`) is fine: the
/// reader loops until the header and then the payload are complete, retrying `Interrupted`.
///
/// # Examples
///
/// ```
/// use ringpool::frame::{FrameError, FrameReader, write_frame_bytes};
/// use ringpool::{PoolConfig, Pools, SizeClass};
///
/// let pools = Pools::new(PoolConfig::empty().with_capacity(SizeClass::S, 2));
/// let reader = FrameReader::new().with_max_payload(200);
///
/// let mut wire = Vec::new();
/// write_frame_bytes(&mut wire, 42, 0, &[7; 150])?;
/// write_frame_bytes(&mut wire, 42, 0, &[7; 201])?;
/// let mut stream = wire.as_slice();
///
/// let frame = reader.read(&mut stream, &pools)?;
/// assert_eq!(frame.payload(), &[7; 150]);
/// let err = reader.read(&mut stream, &pools).unwrap_err();
/// assert!(matches!(err, FrameError::TooLarge { payload_len: 201, max_payload: 200 }));
/// # Ok::<(), FrameError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameReader {
    /// Largest payload accepted, in bytes; at most `u32::MAX`.
    max_payload: usize,
}

impl Default for FrameReader {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameReader {
    /// The default maximum payload: 16 KiB, the largest pooled class, so a default reader never
    /// touches the heap.
    pub const DEFAULT_MAX_PAYLOAD: usize = SizeClass::MAX_MESSAGE_SIZE;

    /// A reader accepting payloads up to [`DEFAULT_MAX_PAYLOAD`](Self::DEFAULT_MAX_PAYLOAD).
    pub const fn new() -> Self {
        FrameReader {
            max_payload: Self::DEFAULT_MAX_PAYLOAD,
        }
    }

    /// Accept payloads up to `max_payload` bytes (values above `u32::MAX` mean `u32::MAX`, the
    /// most a header can announce). Payloads above 16 KiB go to heap-backed
    /// [`PooledBytes`](crate::PooledBytes).
    pub const fn with_max_payload(self, max_payload: usize) -> Self {
        let max_payload = if max_payload > u32::MAX as usize {
            u32::MAX as usize
        } else {
            max_payload
        };
        FrameReader { max_payload }
    }

    /// The largest payload accepted.
    pub const fn max_payload(&self) -> usize {
        self.max_payload
    }

    /// Reads one frame, its payload straight into a slot from `pools` (any [`Allocator`]:
    /// `&Pools`, `&mut LocalPools`, [`ThreadPools`](crate::ThreadPools)).
    ///
    /// # Errors
    ///
    /// See [`FrameReader`] for where each error leaves the stream:
    /// [`Truncated`](FrameError::Truncated) (a clean end of stream is `Truncated` of the header
    /// with 0 bytes received: [`FrameError::is_end_of_stream`]),
    /// [`TooLarge`](FrameError::TooLarge), [`Pool`](FrameError::Pool), [`Io`](FrameError::Io).
    #[inline]
    pub fn read<R, A>(&self, reader: &mut R, pools: A) -> Result<Frame, FrameError>
    where
        R: Read + ?Sized,
        A: Allocator,
    {
        self.read_filtered(reader, None, pools)
    }

    /// Reads one frame and decodes it as a member of the message set `S`.
    ///
    /// A frame whose type id is not in `S::TYPE_IDS` is skipped without reserving a slot (its
    /// payload is read and discarded through a stack buffer), so it costs no slot and cannot
    /// exhaust a class `S` does not configure; the stream is then at the next frame.
    ///
    /// # Examples
    ///
    /// See [`MessageSet`].
    ///
    /// # Errors
    ///
    /// Those of [`read`](Self::read) (a payload longer than the maximum is `TooLarge` whatever its
    /// type id), [`FrameError::UnknownTypeId`] for a skipped frame, and those of
    /// [`MessageSet::decode`]. A member's type id with a payload length in a class the pools lack
    /// is a [`FrameError::Pool`], like any other exhausted class.
    #[inline]
    pub fn read_set<S, R, A>(&self, reader: &mut R, pools: A) -> Result<S, FrameError>
    where
        S: MessageSet,
        R: Read + ?Sized,
        A: Allocator,
    {
        S::decode(self.read_filtered(reader, Some(S::TYPE_IDS), pools)?)
    }

    /// Checks an announced payload length against the maximum, before anything is reserved.
    #[inline]
    pub(crate) fn check_len(&self, header: FrameHeader) -> Result<usize, FrameError> {
        let len = header.payload_len_usize();
        if len > self.max_payload {
            return Err(FrameError::TooLarge {
                payload_len: u64::from(header.payload_len),
                max_payload: self.max_payload,
            });
        }
        Ok(len)
    }

    /// The whole read: header, length check, type id filter (`known`: skip any other id),
    /// reserve, payload.
    #[inline]
    fn read_filtered<R, A>(
        &self,
        reader: &mut R,
        known: Option<&[u16]>,
        mut pools: A,
    ) -> Result<Frame, FrameError>
    where
        R: Read + ?Sized,
        A: Allocator,
    {
        let mut header_bytes = [0u8; FrameHeader::LEN];
        read_section(reader, &mut header_bytes, FrameSection::Header)?;
        let header = FrameHeader::from_bytes(header_bytes);
        let len = self.check_len(header)?;
        if let Some(known) = known
            && !known.contains(&header.type_id)
        {
            return Err(skip_payload(reader, len, header.type_id));
        }
        let mut payload = pools.allocate_bytes(len)?;
        // On error `payload` drops here and its slot goes back to the pool.
        read_section(reader, &mut payload, FrameSection::Payload)?;
        Ok(Frame::new(header, payload))
    }
}

/// Reads one frame into a slot from `pools`, accepting payloads up to
/// [`FrameReader::DEFAULT_MAX_PAYLOAD`] (16 KiB). Use a [`FrameReader`] for another maximum.
///
/// # Examples
///
/// See [`Frame`].
///
/// # Errors
///
/// As [`FrameReader::read`].
#[inline]
pub fn read_frame<R, A>(reader: &mut R, pools: A) -> Result<Frame, FrameError>
where
    R: Read + ?Sized,
    A: Allocator,
{
    FrameReader::new().read(reader, pools)
}

/// Reads and discards a `len`-byte payload of an unknown type through a stack buffer (no slot,
/// no heap), returning the error to report: `UnknownTypeId`, or what cut the skip short.
#[cold]
#[inline(never)]
fn skip_payload<R: Read + ?Sized>(reader: &mut R, mut len: usize, type_id: u16) -> FrameError {
    let expected = len;
    let mut scratch = [0u8; 1024];
    while len > 0 {
        let chunk = len.min(scratch.len());
        if let Err(error) = read_section(reader, &mut scratch[..chunk], FrameSection::Payload) {
            return match error {
                FrameError::Truncated { received, .. } => FrameError::Truncated {
                    section: FrameSection::Payload,
                    expected,
                    received: expected - len + received,
                },
                other => other,
            };
        }
        len -= chunk;
    }
    FrameError::UnknownTypeId { type_id }
}

/// Fills `buf` from `reader`, looping over short reads and retrying `Interrupted`; a premature end
/// of stream becomes [`FrameError::Truncated`] for `section`.
///
/// The common case (one `read` fills the buffer, as from memory or a `BufReader` holding the
/// frame) stays inline; anything else goes to the out-of-line loop.
#[inline]
fn read_section<R: Read + ?Sized>(
    reader: &mut R,
    buf: &mut [u8],
    section: FrameSection,
) -> Result<(), FrameError> {
    match reader.read(buf) {
        Ok(read) if read == buf.len() => Ok(()),
        first => read_section_slow(reader, buf, section, first),
    }
}

/// The rest of [`read_section`] after a first `read` that did not fill `buf`.
#[cold]
#[inline(never)]
fn read_section_slow<R: Read + ?Sized>(
    reader: &mut R,
    buf: &mut [u8],
    section: FrameSection,
    first: io::Result<usize>,
) -> Result<(), FrameError> {
    let mut filled = 0;
    let mut result = first;
    loop {
        match result {
            Ok(0) => {
                return Err(FrameError::Truncated {
                    section,
                    expected: buf.len(),
                    received: filled,
                });
            }
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(FrameError::Io(error)),
        }
        if filled >= buf.len() {
            return Ok(());
        }
        result = reader.read(&mut buf[filled..]);
    }
}
