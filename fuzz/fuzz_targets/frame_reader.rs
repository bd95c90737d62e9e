//! The frame reader on arbitrary bytes: every frame it returns matches the bytes it came from,
//! it stops only with `Truncated` or `TooLarge` (at the documented stream position), and no pool
//! slot is held afterwards.
//!
//! Input: one control byte (read chunk size, maximum payload, shared or local pools), then the
//! stream.
#![no_main]

use std::io::{self, Read};

use libfuzzer_sys::fuzz_target;
use ringpool::frame::{FrameError, FrameHeader, FrameReader, FrameSection};
use ringpool::{LocalPools, PoolConfig, Pools, SizeClass};

/// Hands out at most `chunk` bytes per `read`, counting them.
struct Chunked<'a> {
    bytes: &'a [u8],
    chunk: usize,
    consumed: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        self.consumed += n;
        Ok(n)
    }
}

fn one_slot_each() -> PoolConfig {
    SizeClass::ALL
        .iter()
        .fold(PoolConfig::empty(), |config, &class| {
            config.with_capacity(class, 1)
        })
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, stream)) = data.split_first() else {
        return;
    };
    let chunk = if control & 0x10 != 0 {
        usize::MAX
    } else {
        usize::from(control & 0x0f) + 1
    };
    let max_payload = [0, 16, 64, 1000, 4096, 16_384, 20_000, 70_000][usize::from(control >> 5)];
    let use_local = control & 0x01 != 0;

    let pools = Pools::new(one_slot_each());
    let mut local = LocalPools::new(one_slot_each());
    let reader = FrameReader::new().with_max_payload(max_payload);
    let mut input = Chunked {
        bytes: stream,
        chunk,
        consumed: 0,
    };
    let mut offset = 0;
    loop {
        let result = if use_local {
            reader.read(&mut input, &mut local)
        } else {
            reader.read(&mut input, &pools)
        };
        match result {
            Ok(frame) => {
                let end = offset + FrameHeader::LEN + frame.len();
                assert!(frame.len() <= max_payload);
                assert_eq!(
                    frame.header().to_bytes(),
                    stream[offset..offset + FrameHeader::LEN]
                );
                assert_eq!(frame.payload(), &stream[offset + FrameHeader::LEN..end]);
                assert_eq!(input.consumed, end);
                offset = end;
            }
            Err(FrameError::Truncated {
                section,
                expected,
                received,
            }) => {
                assert_eq!(input.consumed, stream.len(), "truncation consumes the rest");
                let header_missing = stream.len() - offset < FrameHeader::LEN;
                assert_eq!(section == FrameSection::Header, header_missing);
                assert!(received < expected);
                break;
            }
            Err(FrameError::TooLarge {
                payload_len,
                max_payload: max,
            }) => {
                assert_eq!(max, max_payload);
                assert!(payload_len > max_payload as u64);
                assert_eq!(
                    input.consumed,
                    offset + FrameHeader::LEN,
                    "only the header is read"
                );
                break;
            }
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    for class in SizeClass::ALL {
        assert!(
            pools.allocate_bytes(class.slot_size()).is_ok(),
            "leaked a {class} slot"
        );
        assert!(
            local.allocate_bytes(class.slot_size()).is_ok(),
            "leaked a local {class} slot"
        );
    }
});
