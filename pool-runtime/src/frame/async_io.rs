//! Frames over tokio's `AsyncRead` / `AsyncWrite` (feature `tokio`): the blocking reader's wire
//! format, limits, errors and stream-position rules; cancellation is covered in the
//! [`frame`](crate::frame) docs.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::Allocator;
use crate::frame::error::{FrameError, FrameSection};
use crate::frame::header::FrameHeader;
use crate::frame::message_set::MessageSet;
use crate::frame::pooled_frame::Frame;
use crate::frame::read::FrameReader;
use crate::frame::write::{check_written, header_for_len};
use crate::message::PooledMessage;

impl FrameReader {
    /// [`read`](FrameReader::read) over an [`AsyncRead`]: reads one frame, its payload straight
    /// into a slot from `pools` (any [`Allocator`]; `&mut LocalPools` or
    /// [`ThreadPools`](crate::ThreadPools) on a current-thread runtime).
    ///
    /// # Examples
    ///
    /// ```
    /// use ringpool::frame::{FrameReader, write_frame_bytes};
    /// use ringpool::{PoolConfig, Pools, SizeClass};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let pools = Pools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 1));
    /// let mut wire = Vec::new();
    /// write_frame_bytes(&mut wire, 5, 0, b"async")?;
    /// let frame = FrameReader::new().read_async(&mut wire.as_slice(), &pools).await?;
    /// assert_eq!(frame.payload(), b"async");
    /// # Ok::<(), ringpool::frame::FrameError>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`FrameReader::read`].
    pub async fn read_async<R, A>(&self, reader: &mut R, mut pools: A) -> Result<Frame, FrameError>
    where
        R: AsyncRead + Unpin + ?Sized,
        A: Allocator,
    {
        let header = read_header_async(reader).await?;
        let len = self.check_len(header)?;
        let mut payload = pools.allocate_bytes(len)?;
        // On error `payload` drops here and its slot goes back to the pool.
        read_section_async(reader, &mut payload, FrameSection::Payload).await?;
        Ok(Frame::new(header, payload))
    }

    /// [`read_set`](FrameReader::read_set) over an [`AsyncRead`]: reads one frame and decodes it
    /// as a member of `S`, skipping frames of other types without taking a slot.
    ///
    /// # Errors
    ///
    /// As [`FrameReader::read_set`].
    pub async fn read_set_async<S, R, A>(
        &self,
        reader: &mut R,
        mut pools: A,
    ) -> Result<S, FrameError>
    where
        S: MessageSet,
        R: AsyncRead + Unpin + ?Sized,
        A: Allocator,
    {
        let header = read_header_async(reader).await?;
        let len = self.check_len(header)?;
        if !S::TYPE_IDS.contains(&header.type_id) {
            return Err(skip_payload_async(reader, len, header.type_id).await);
        }
        let mut payload = pools.allocate_bytes(len)?;
        read_section_async(reader, &mut payload, FrameSection::Payload).await?;
        S::decode(Frame::new(header, payload))
    }
}

/// Reads one frame from an [`AsyncRead`] into a slot from `pools`, payloads up to 16 KiB.
///
/// # Errors
///
/// As [`FrameReader::read`].
pub async fn read_frame_async<R, A>(reader: &mut R, pools: A) -> Result<Frame, FrameError>
where
    R: AsyncRead + Unpin + ?Sized,
    A: Allocator,
{
    FrameReader::new().read_async(reader, pools).await
}

/// Writes one frame carrying `message` to an [`AsyncWrite`] (header then payload; wrap the writer
/// in a `tokio::io::BufWriter` to batch).
///
/// # Errors
///
/// [`FrameError::Io`] when the writer fails or reports more bytes written than it was given.
pub async fn write_frame_async<W, T>(writer: &mut W, message: &T) -> Result<(), FrameError>
where
    W: AsyncWrite + Unpin + ?Sized,
    T: PooledMessage,
{
    write_all_async(writer, &FrameHeader::for_message::<T>().to_bytes()).await?;
    write_all_async(writer, crate::message::bytes_of(message)).await
}

/// Writes one frame with an arbitrary payload to an [`AsyncWrite`].
///
/// # Errors
///
/// [`FrameError::TooLarge`] above `u32::MAX` payload bytes (nothing written);
/// [`FrameError::Io`] when the writer fails or reports more bytes written than it was given.
pub async fn write_frame_bytes_async<W>(
    writer: &mut W,
    type_id: u16,
    flags: u16,
    payload: &[u8],
) -> Result<(), FrameError>
where
    W: AsyncWrite + Unpin + ?Sized,
{
    let header = header_for_len(type_id, flags, payload.len())?;
    write_all_async(writer, &header.to_bytes()).await?;
    write_all_async(writer, payload).await
}

/// tokio's `write_all` with each write count checked.
async fn write_all_async<W>(writer: &mut W, mut bytes: &[u8]) -> Result<(), FrameError>
where
    W: AsyncWrite + Unpin + ?Sized,
{
    while !bytes.is_empty() {
        let written = check_written(writer.write(bytes).await?, bytes.len())?;
        if written == 0 {
            return Err(FrameError::Io(io::ErrorKind::WriteZero.into()));
        }
        bytes = &bytes[written..];
    }
    Ok(())
}

async fn read_header_async<R>(reader: &mut R) -> Result<FrameHeader, FrameError>
where
    R: AsyncRead + Unpin + ?Sized,
{
    let mut bytes = [0u8; FrameHeader::LEN];
    read_section_async(reader, &mut bytes, FrameSection::Header).await?;
    Ok(FrameHeader::from_bytes(bytes))
}

/// Async twin of the blocking `skip_payload`: discard an unknown frame's payload via the stack.
async fn skip_payload_async<R>(reader: &mut R, mut len: usize, type_id: u16) -> FrameError
where
    R: AsyncRead + Unpin + ?Sized,
{
    let expected = len;
    let mut scratch = [0u8; 1024];
    while len > 0 {
        let chunk = len.min(scratch.len());
        if let Err(error) =
            read_section_async(reader, &mut scratch[..chunk], FrameSection::Payload).await
        {
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

/// Async twin of the blocking `read_section`: fill `buf` or report how far the stream got.
async fn read_section_async<R>(
    reader: &mut R,
    buf: &mut [u8],
    section: FrameSection,
) -> Result<(), FrameError>
where
    R: AsyncRead + Unpin + ?Sized,
{
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]).await {
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
    }
    Ok(())
}
