//! The tokio reader and writers: same frames, same errors, over a slow, pending-prone stream.
#![cfg(all(not(loom), feature = "tokio"))]

mod frame_support;

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use frame_support::{Book, Inbound, Tick};
use pool_runtime::frame::{
    FrameError, FrameHeader, FrameReader, FrameSection, MessageSet, read_frame_async, write_frame,
    write_frame_async, write_frame_bytes_async,
};
use pool_runtime::{LocalPools, PoolConfig, Pools, SizeClass};
use tokio::io::{AsyncRead, ReadBuf};

const TICK: Tick = Tick {
    price: 99,
    qty: 1,
    venue: 3,
};

/// Yields one byte per ready poll and returns `Pending` (after waking itself) every other poll.
struct TrickleReader {
    bytes: Vec<u8>,
    position: usize,
    pending_next: bool,
}

impl TrickleReader {
    fn new(bytes: Vec<u8>) -> Self {
        TrickleReader {
            bytes,
            position: 0,
            pending_next: true,
        }
    }
}

impl AsyncRead for TrickleReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.pending_next {
            self.pending_next = false;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.pending_next = true;
        if let Some(&byte) = self.bytes.get(self.position) {
            buf.put_slice(&[byte]);
            self.position += 1;
        }
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn async_round_trip_over_a_trickling_stream() {
    let book = Book {
        levels: core::array::from_fn(|i| !(i as u64)),
    };
    let mut wire = Vec::new();
    write_frame_async(&mut wire, &TICK).await.unwrap();
    write_frame_async(&mut wire, &book).await.unwrap();
    write_frame_bytes_async(&mut wire, 77, 0x0101, b"variable")
        .await
        .unwrap();

    let mut blocking_wire = Vec::new();
    write_frame(&mut blocking_wire, &TICK).unwrap();
    assert_eq!(
        wire[..blocking_wire.len()],
        blocking_wire[..],
        "async and blocking agree"
    );

    let pools = Pools::new(Inbound::POOL_CONFIG);
    let mut stream = TrickleReader::new(wire);
    let tick = read_frame_async(&mut stream, &pools).await.unwrap();
    assert_eq!(
        *Inbound::decode(tick)
            .map(|m| match m {
                Inbound::Tick(t) => t,
                other => panic!("{other:?}"),
            })
            .unwrap(),
        TICK
    );
    let frame = FrameReader::new()
        .read_async(&mut stream, &pools)
        .await
        .unwrap();
    assert_eq!(*frame.decode::<Book>().unwrap(), book);
    let frame = read_frame_async(&mut stream, &pools).await.unwrap();
    assert_eq!(
        (frame.type_id(), frame.flags(), frame.payload()),
        (77, 0x0101, &b"variable"[..])
    );
    assert!(
        read_frame_async(&mut stream, &pools)
            .await
            .unwrap_err()
            .is_end_of_stream()
    );
}

#[tokio::test]
async fn async_errors_match_the_blocking_reader() {
    let pools = Pools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 1));
    let mut wire = Vec::new();
    write_frame(&mut wire, &TICK).unwrap();

    // Truncated header and payload, slot returned each time.
    for cut in 1..wire.len() {
        let mut stream = TrickleReader::new(wire[..cut].to_vec());
        let err = read_frame_async(&mut stream, &pools).await.unwrap_err();
        let section = if cut < FrameHeader::LEN {
            FrameSection::Header
        } else {
            FrameSection::Payload
        };
        assert!(
            matches!(err, FrameError::Truncated { section: s, .. } if s == section),
            "cut {cut}: {err:?}"
        );
        assert!(pools.allocate_bytes(16).is_ok(), "slot leaked at cut {cut}");
    }

    // Too large, before anything is reserved.
    let mut stream = TrickleReader::new(FrameHeader::new(1, 0, 17).to_bytes().to_vec());
    let err = FrameReader::new()
        .with_max_payload(16)
        .read_async(&mut stream, &pools)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        FrameError::TooLarge {
            payload_len: 17,
            max_payload: 16
        }
    ));
    assert_eq!(stream.position, FrameHeader::LEN);

    // Pool exhausted.
    let held = pools.allocate_bytes(16).unwrap();
    let err = read_frame_async(&mut wire.as_slice(), &pools)
        .await
        .unwrap_err();
    assert!(matches!(err, FrameError::Pool(_)), "{err:?}");
    drop(held);
}

#[tokio::test]
async fn async_message_set_reads_skip_unknown_frames() {
    let pools = Pools::new(Inbound::POOL_CONFIG);
    let mut wire = Vec::new();
    write_frame_bytes_async(&mut wire, 0x4242, 0, &[1; 3000])
        .await
        .unwrap();
    write_frame_async(&mut wire, &TICK).await.unwrap();
    let mut stream = TrickleReader::new(wire);
    let reader = FrameReader::new();
    let err = reader
        .read_set_async::<Inbound, _, _>(&mut stream, &pools)
        .await
        .unwrap_err();
    assert!(matches!(err, FrameError::UnknownTypeId { type_id: 0x4242 }));
    assert_eq!(stream.position, FrameHeader::LEN + 3000);
    let tick = reader
        .read_set_async::<Inbound, _, _>(&mut stream, &pools)
        .await;
    assert!(matches!(tick, Ok(Inbound::Tick(t)) if *t == TICK));

    let mut cut = TrickleReader::new(FrameHeader::new(0x4242, 0, 10).to_bytes().to_vec());
    let err = reader
        .read_set_async::<Inbound, _, _>(&mut cut, &pools)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        FrameError::Truncated {
            section: FrameSection::Payload,
            expected: 10,
            received: 0
        }
    ));
}

#[tokio::test]
async fn async_reads_into_local_pools() {
    let mut local = LocalPools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 1));
    let mut wire = Vec::new();
    write_frame(&mut wire, &TICK).unwrap();
    write_frame(&mut wire, &TICK).unwrap();
    let mut stream = TrickleReader::new(wire);
    let reader = FrameReader::new();
    for _ in 0..2 {
        let frame = reader.read_async(&mut stream, &mut local).await.unwrap();
        assert_eq!(*frame.decode::<Tick>().unwrap(), TICK);
    }
}
