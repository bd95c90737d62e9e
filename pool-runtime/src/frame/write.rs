//! Writing frames: one at a time to any `Write`, or batched through [`FrameWriter`].
//!
//! Every write count is checked ([`check_written`]) before it is used; the policy for a writer
//! that over-reports is in the [`frame`](crate::frame) docs.

use std::io::{self, BufWriter, IoSlice, Write};

use crate::frame::error::FrameError;
use crate::frame::header::FrameHeader;
use crate::message::PooledMessage;

/// Writes one frame carrying `message`: the header (`T::TYPE_ID`, flags 0, `T::SIZE`) and the
/// message's bytes as they are in memory.
///
/// Header and payload go out in one vectored write when the writer supports it, so an unbuffered
/// socket sees one system call per frame; wrap many small frames in a [`FrameWriter`] instead.
///
/// # Examples
///
/// ```
/// use ringpool::bytemuck::{Pod, Zeroable};
/// use ringpool::frame::{FrameHeader, write_frame};
/// use ringpool::PooledMessage;
///
/// #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
/// #[bytemuck(crate = "ringpool::bytemuck")]
/// #[repr(C)]
/// #[pooled(type_id = 9)]
/// struct Ping { seq: u64 }
///
/// let mut wire = Vec::new();
/// write_frame(&mut wire, &Ping { seq: 5 })?;
/// assert_eq!(wire.len(), FrameHeader::LEN + 8);
/// assert_eq!(&wire[..FrameHeader::LEN], &[9, 0, 0, 0, 8, 0, 0, 0]);
/// assert_eq!(&wire[FrameHeader::LEN..], &5u64.to_ne_bytes());
/// # Ok::<(), ringpool::frame::FrameError>(())
/// ```
///
/// # Errors
///
/// [`FrameError::Io`] when the writer fails, or reports more bytes written than it was given
/// ([`std::io::ErrorKind::InvalidData`]); the frame may then be partly written.
pub fn write_frame<W, T>(writer: &mut W, message: &T) -> Result<(), FrameError>
where
    W: Write + ?Sized,
    T: PooledMessage,
{
    let header = FrameHeader::for_message::<T>().to_bytes();
    write_all_vectored(writer, &header, crate::message::bytes_of(message))
}

/// Writes one frame with an arbitrary payload (a variable-length message, or a message type this
/// build does not know).
///
/// # Examples
///
/// ```
/// let mut wire = Vec::new();
/// ringpool::frame::write_frame_bytes(&mut wire, 3, 0x8000, b"hello")?;
/// assert_eq!(wire, [3, 0, 0x00, 0x80, 5, 0, 0, 0, b'h', b'e', b'l', b'l', b'o']);
/// # Ok::<(), ringpool::frame::FrameError>(())
/// ```
///
/// # Errors
///
/// [`FrameError::TooLarge`] when `payload` is longer than `u32::MAX` bytes (nothing is written);
/// [`FrameError::Io`] when the writer fails or reports more bytes written than it was given.
pub fn write_frame_bytes<W>(
    writer: &mut W,
    type_id: u16,
    flags: u16,
    payload: &[u8],
) -> Result<(), FrameError>
where
    W: Write + ?Sized,
{
    let header = header_for_len(type_id, flags, payload.len())?.to_bytes();
    write_all_vectored(writer, &header, payload)
}

/// The header for a `len`-byte payload, or `TooLarge` if `len` does not fit the u32 length field.
pub(crate) fn header_for_len(
    type_id: u16,
    flags: u16,
    len: usize,
) -> Result<FrameHeader, FrameError> {
    let payload_len = u32::try_from(len).map_err(|_| FrameError::TooLarge {
        payload_len: len as u64,
        max_payload: u32::MAX as usize,
    })?;
    Ok(FrameHeader::new(type_id, flags, payload_len))
}

/// `write_all` for two slices, written vectored and resumed after short writes, each count
/// checked.
fn write_all_vectored<W: Write + ?Sized>(
    writer: &mut W,
    header: &[u8],
    payload: &[u8],
) -> Result<(), FrameError> {
    let mut slices = [IoSlice::new(header), IoSlice::new(payload)];
    let mut remaining: &mut [IoSlice<'_>] = &mut slices;
    while !remaining.is_empty() {
        match writer.write_vectored(remaining) {
            Ok(0) => return Err(FrameError::Io(io::ErrorKind::WriteZero.into())),
            Ok(written) => {
                let given = remaining.iter().map(|slice| slice.len()).sum();
                check_written(written, given)?;
                IoSlice::advance_slices(&mut remaining, written);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(FrameError::Io(error)),
        }
    }
    Ok(())
}

/// `Ok(written)` if a writer given `given` bytes reports a count it can have written.
pub(crate) fn check_written(written: usize, given: usize) -> io::Result<usize> {
    if written <= given {
        Ok(written)
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the writer reported {written} bytes written of the {given} it was given"),
        ))
    }
}

/// The writer under a [`FrameWriter`]'s buffer, with every write count checked.
#[derive(Debug)]
struct CheckedWriter<W>(W);

impl<W: Write> Write for CheckedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        check_written(self.0.write(buf)?, buf.len())
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let given = bufs.iter().map(|slice| slice.len()).sum();
        check_written(self.0.write_vectored(bufs)?, given)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// A batched frame writer: frames are copied into one buffer and reach the underlying writer
/// in large writes, when the buffer fills or on [`flush`](FrameWriter::flush).
///
/// It is [`std::io::BufWriter`] with frame encoding on top: like it, dropping a `FrameWriter`
/// tries to flush and ignores any error, so call [`flush`](FrameWriter::flush) (or
/// [`into_inner`](FrameWriter::into_inner)) to see write errors. A frame larger than the buffer
/// is written straight through.
///
/// After a writer over-reports a write ([`FrameError::Io`], `InvalidData`) the buffered bytes stay
/// buffered, and what reached the writer is unknown.
///
/// # Examples
///
/// ```
/// use ringpool::frame::{FrameHeader, FrameWriter};
///
/// let mut writer = FrameWriter::new(Vec::new());
/// writer.write_bytes(1, 0, b"ab")?;
/// writer.write_bytes(2, 0, b"cde")?;
/// assert_eq!(writer.pending_frames(), 2);
/// assert!(writer.get_ref().is_empty(), "nothing written before the flush");
/// let wire = writer.into_inner()?;
/// assert_eq!(wire.len(), 2 * FrameHeader::LEN + 5);
/// # Ok::<(), ringpool::frame::FrameError>(())
/// ```
#[derive(Debug)]
pub struct FrameWriter<W: Write> {
    /// The buffer and the writer it drains into.
    buffered: BufWriter<CheckedWriter<W>>,
    /// Frames written since the last explicit flush (some may already have been drained).
    pending_frames: usize,
}

impl<W: Write> FrameWriter<W> {
    /// Default buffer size: 64 KiB, four XL frames.
    pub const DEFAULT_CAPACITY: usize = 64 * 1024;

    /// A writer with a [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) buffer.
    pub fn new(writer: W) -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY, writer)
    }

    /// A writer with a buffer of `capacity` bytes.
    pub fn with_capacity(capacity: usize, writer: W) -> Self {
        FrameWriter {
            buffered: BufWriter::with_capacity(capacity, CheckedWriter(writer)),
            pending_frames: 0,
        }
    }

    /// Adds a frame carrying `message` to the batch.
    ///
    /// # Errors
    ///
    /// [`FrameError::Io`] if draining a full buffer into the writer fails.
    pub fn write_message<T: PooledMessage>(&mut self, message: &T) -> Result<(), FrameError> {
        write_frame(&mut self.buffered, message)?;
        self.pending_frames += 1;
        Ok(())
    }

    /// Adds a frame with an arbitrary payload to the batch.
    ///
    /// # Errors
    ///
    /// [`FrameError::TooLarge`] for a payload above `u32::MAX` bytes; [`FrameError::Io`] if
    /// draining a full buffer into the writer fails.
    pub fn write_bytes(
        &mut self,
        type_id: u16,
        flags: u16,
        payload: &[u8],
    ) -> Result<(), FrameError> {
        write_frame_bytes(&mut self.buffered, type_id, flags, payload)?;
        self.pending_frames += 1;
        Ok(())
    }

    /// Frames added since the last [`flush`](Self::flush).
    pub fn pending_frames(&self) -> usize {
        self.pending_frames
    }

    /// Bytes waiting in the buffer.
    pub fn buffered_len(&self) -> usize {
        self.buffered.buffer().len()
    }

    /// Writes every buffered frame to the writer and flushes it.
    ///
    /// # Errors
    ///
    /// [`FrameError::Io`] when the writer fails; unwritten bytes stay buffered.
    pub fn flush(&mut self) -> Result<(), FrameError> {
        self.buffered.flush()?;
        self.pending_frames = 0;
        Ok(())
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.buffered.get_ref().0
    }

    /// The underlying writer, mutably. Writing to it directly interleaves with buffered frames
    /// unless the buffer is flushed first.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.buffered.get_mut().0
    }

    /// Flushes and returns the underlying writer.
    ///
    /// # Errors
    ///
    /// [`FrameError::Io`] when the final flush fails (the buffered frames are then lost).
    pub fn into_inner(self) -> Result<W, FrameError> {
        self.buffered
            .into_inner()
            .map(|checked| checked.0)
            .map_err(|error| FrameError::Io(error.into_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::header_for_len;
    use crate::frame::FrameError;

    // A 4 GiB slice cannot be built in a test, so the check is tested on the length alone.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn payload_longer_than_the_length_field_is_too_large() {
        let too_long = u32::MAX as usize + 1;
        let err = header_for_len(1, 0, too_long).unwrap_err();
        assert!(matches!(
            err,
            FrameError::TooLarge {
                payload_len: 4_294_967_296,
                max_payload: 4_294_967_295
            }
        ));
        assert_eq!(
            header_for_len(1, 0, u32::MAX as usize).unwrap().payload_len,
            u32::MAX
        );
    }
}
