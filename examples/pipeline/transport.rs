//! The byte stream between the feed and the decoder: loopback TCP or an in-memory pipe.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::cli::Transport;

/// Bytes the in-memory pipe holds before the writer waits.
const PIPE_CAPACITY: usize = 256 * 1024;

/// The feed's end of the stream.
pub enum FeedSink {
    Tcp(TcpStream),
    Mem(PipeWriter),
}

/// The decoder's end of the stream.
pub enum FrameSource {
    Tcp(TcpStream),
    Mem(PipeReader),
}

/// Opens a connected pair: TCP on 127.0.0.1 with a port the kernel picks, or a pipe.
pub fn open(transport: Transport) -> io::Result<(FeedSink, FrameSource)> {
    match transport {
        Transport::Tcp => {
            let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
            let sink = TcpStream::connect(listener.local_addr()?)?;
            let (source, _) = listener.accept()?;
            // Frames are flushed in bursts by the feed; do not let Nagle hold a burst back.
            sink.set_nodelay(true)?;
            Ok((FeedSink::Tcp(sink), FrameSource::Tcp(source)))
        }
        Transport::Mem => {
            let (writer, reader) = pipe(PIPE_CAPACITY);
            Ok((FeedSink::Mem(writer), FrameSource::Mem(reader)))
        }
    }
}

impl Write for FeedSink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            FeedSink::Tcp(stream) => stream.write(bytes),
            FeedSink::Mem(pipe) => pipe.write(bytes),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            FeedSink::Tcp(stream) => stream.flush(),
            FeedSink::Mem(pipe) => pipe.flush(),
        }
    }
}

impl Read for FrameSource {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            FrameSource::Tcp(stream) => stream.read(buf),
            FrameSource::Mem(pipe) => pipe.read(buf),
        }
    }
}

/// A bounded single-producer single-consumer byte pipe: a circular buffer under a mutex, with
/// one condition variable per direction. Dropping the writer is end of stream for the reader;
/// dropping the reader makes further writes fail with `BrokenPipe`.
struct Pipe {
    state: Mutex<PipeState>,
    readable: Condvar,
    writable: Condvar,
}

struct PipeState {
    buffer: Box<[u8]>,
    /// Index of the oldest unread byte.
    head: usize,
    /// Unread bytes.
    len: usize,
    writer_closed: bool,
    reader_closed: bool,
}

pub struct PipeWriter(Arc<Pipe>);
pub struct PipeReader(Arc<Pipe>);

fn pipe(capacity: usize) -> (PipeWriter, PipeReader) {
    let pipe = Arc::new(Pipe {
        state: Mutex::new(PipeState {
            buffer: vec![0; capacity].into_boxed_slice(),
            head: 0,
            len: 0,
            writer_closed: false,
            reader_closed: false,
        }),
        readable: Condvar::new(),
        writable: Condvar::new(),
    });
    (PipeWriter(Arc::clone(&pipe)), PipeReader(pipe))
}

impl Pipe {
    fn lock(&self) -> MutexGuard<'_, PipeState> {
        // A panicking peer cannot leave the indices inconsistent (they change after the copy),
        // so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Write for PipeWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if bytes.is_empty() {
            return Ok(0);
        }
        let pipe = &*self.0;
        let mut state = pipe.lock();
        while state.len == state.buffer.len() && !state.reader_closed {
            state = pipe.writable.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        if state.reader_closed {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "pipe reader dropped",
            ));
        }
        let capacity = state.buffer.len();
        let tail = (state.head + state.len) % capacity;
        // Copy into the free space after the tail, up to the end of the buffer.
        let contiguous = (capacity - state.len).min(capacity - tail);
        let n = bytes.len().min(contiguous);
        state.buffer[tail..tail + n].copy_from_slice(&bytes[..n]);
        state.len += n;
        drop(state);
        pipe.readable.notify_one();
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        self.0.lock().writer_closed = true;
        self.0.readable.notify_one();
    }
}

impl Read for PipeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let pipe = &*self.0;
        let mut state = pipe.lock();
        while state.len == 0 && !state.writer_closed {
            state = pipe.readable.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        if state.len == 0 {
            return Ok(0);
        }
        let capacity = state.buffer.len();
        let head = state.head;
        let n = buf.len().min(state.len).min(capacity - head);
        buf[..n].copy_from_slice(&state.buffer[head..head + n]);
        state.head = (head + n) % capacity;
        state.len -= n;
        drop(state);
        pipe.writable.notify_one();
        Ok(n)
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        self.0.lock().reader_closed = true;
        self.0.writable.notify_one();
    }
}
