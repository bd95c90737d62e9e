//! Message types, a hand-written `MessageSet` and odd readers shared by the frame tests.
#![allow(dead_code)]

use std::io::{self, Read};

use pool_runtime::bytemuck::{Pod, Zeroable};
use pool_runtime::frame::{Frame, FrameError, MessageSet};
use pool_runtime::{PoolConfig, PooledMessage, RingPtr, SizeClass};

/// 16 bytes, class XS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
#[pooled(type_id = 1)]
pub struct Tick {
    pub price: u64,
    pub qty: u32,
    pub venue: u32,
}

/// 84 bytes, class S.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
#[pooled(type_id = 2)]
pub struct Swap {
    pub pool: [u8; 20],
    pub amount_in: [u8; 32],
    pub amount_out: [u8; 32],
}

/// 800 bytes, class M.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
#[pooled(type_id = 3)]
pub struct Book {
    pub levels: [u64; 100],
}

/// 12000 bytes, class XL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
#[pooled(type_id = 4)]
pub struct Snapshot {
    pub words: [u64; 1500],
}

/// The test endpoint's message set, implemented by hand (the derive is tested in the facade).
#[derive(Debug)]
pub enum Inbound {
    Tick(RingPtr<Tick>),
    Swap(RingPtr<Swap>),
    Book(RingPtr<Book>),
    Snapshot(RingPtr<Snapshot>),
}

impl MessageSet for Inbound {
    const POOL_CONFIG: PoolConfig = PoolConfig::empty()
        .with_capacity(SizeClass::XS, 4)
        .with_capacity(SizeClass::S, 4)
        .with_capacity(SizeClass::M, 4)
        .with_capacity(SizeClass::XL, 4);
    const TYPE_IDS: &'static [u16] = &[
        Tick::TYPE_ID,
        Swap::TYPE_ID,
        Book::TYPE_ID,
        Snapshot::TYPE_ID,
    ];

    fn decode(frame: Frame) -> Result<Self, FrameError> {
        match frame.type_id() {
            Tick::TYPE_ID => frame.decode().map(Inbound::Tick),
            Swap::TYPE_ID => frame.decode().map(Inbound::Swap),
            Book::TYPE_ID => frame.decode().map(Inbound::Book),
            Snapshot::TYPE_ID => frame.decode().map(Inbound::Snapshot),
            type_id => Err(FrameError::UnknownTypeId { type_id }),
        }
    }
}

/// A plain copy of a decoded message, for comparing with what was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sent {
    Tick(Tick),
    Swap(Swap),
    Book(Box<Book>),
    Snapshot(Box<Snapshot>),
}

impl From<&Inbound> for Sent {
    fn from(message: &Inbound) -> Self {
        match message {
            Inbound::Tick(m) => Sent::Tick(**m),
            Inbound::Swap(m) => Sent::Swap(**m),
            Inbound::Book(m) => Sent::Book(Box::new(**m)),
            Inbound::Snapshot(m) => Sent::Snapshot(Box::new(**m)),
        }
    }
}

/// A reader over `bytes` that returns at most the next chunk size per `read` (cycling through
/// `chunks`, each at least 1), and counts the bytes handed out.
pub struct ChunkedReader<'a> {
    bytes: &'a [u8],
    chunks: Vec<usize>,
    next_chunk: usize,
    pub consumed: usize,
}

impl<'a> ChunkedReader<'a> {
    pub fn new(bytes: &'a [u8], chunks: Vec<usize>) -> Self {
        assert!(!chunks.is_empty() && chunks.iter().all(|&c| c > 0));
        ChunkedReader {
            bytes,
            chunks,
            next_chunk: 0,
            consumed: 0,
        }
    }

    pub fn one_byte_at_a_time(bytes: &'a [u8]) -> Self {
        Self::new(bytes, vec![1])
    }
}

impl Read for ChunkedReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let chunk = self.chunks[self.next_chunk % self.chunks.len()];
        self.next_chunk += 1;
        let n = chunk.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        self.consumed += n;
        Ok(n)
    }
}
