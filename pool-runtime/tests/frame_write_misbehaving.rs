//! Writers that break the `Write` contract by reporting more bytes written than they were given.
//! Every frame writer turns that into `FrameError::Io` (`InvalidData`), never a panic.
#![cfg(not(loom))]

mod frame_support;

use std::io::{self, IoSlice, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};

use frame_support::Tick;
use pool_runtime::frame::{FrameError, FrameHeader, FrameWriter, write_frame, write_frame_bytes};

const TICK: Tick = Tick {
    price: 99,
    qty: 1,
    venue: 7,
};

/// Stores what it is given, honestly, for its first `honest_writes` calls; after that it stores
/// the bytes but reports `extra` more than it was given.
#[derive(Default)]
struct OverReporting {
    stored: Vec<u8>,
    honest_writes: usize,
    extra: usize,
    calls: usize,
}

impl OverReporting {
    fn lying_from_the_start(extra: usize) -> Self {
        OverReporting {
            extra,
            ..OverReporting::default()
        }
    }

    fn count(&mut self, given: usize) -> usize {
        self.calls += 1;
        if self.calls > self.honest_writes {
            given.saturating_add(self.extra)
        } else {
            given
        }
    }
}

impl Write for OverReporting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stored.extend_from_slice(buf);
        Ok(self.count(buf.len()))
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let mut given = 0;
        for buf in bufs {
            self.stored.extend_from_slice(buf);
            given += buf.len();
        }
        Ok(self.count(given))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn assert_over_report(result: Result<(), FrameError>) {
    match result {
        Err(FrameError::Io(error)) => {
            assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{error}");
            assert!(error.to_string().contains("reported"), "{error}");
        }
        other => panic!("expected an InvalidData I/O error, got {other:?}"),
    }
}

/// The control: the same writer makes std's `write_all` panic, so the tests below would fail
/// (with a panic) if the frame writers passed its count on unchecked.
#[test]
fn the_writer_makes_std_write_all_panic() {
    let mut writer = OverReporting::lying_from_the_start(1);
    let outcome = catch_unwind(AssertUnwindSafe(|| writer.write_all(b"abc")));
    assert!(outcome.is_err(), "std's write_all trusted the count");
}

#[test]
fn write_frame_reports_an_over_reporting_writer() {
    for extra in [1, 8, usize::MAX] {
        let mut writer = OverReporting::lying_from_the_start(extra);
        assert_over_report(write_frame(&mut writer, &TICK));
        let mut writer = OverReporting::lying_from_the_start(extra);
        assert_over_report(write_frame_bytes(&mut writer, 5, 0, b"payload"));
    }
}

#[test]
fn write_frame_reports_a_writer_that_lies_after_a_short_write() {
    // The first call is honest; the retry for the rest is over-reported.
    struct ShortThenLying(usize);
    impl Write for ShortThenLying {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += 1;
            Ok(if self.0 == 1 {
                3.min(buf.len())
            } else {
                buf.len() + 1
            })
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    assert_over_report(write_frame(&mut ShortThenLying(0), &TICK));
}

#[test]
fn frame_writer_reports_an_over_reporting_writer_on_flush() {
    let mut writer = FrameWriter::new(OverReporting::lying_from_the_start(3));
    writer.write_message(&TICK).unwrap();
    writer.write_bytes(9, 0, b"batched").unwrap();
    assert_over_report(writer.flush());
    // Nothing was taken as written: the frames stay buffered, and the drop's flush, which
    // meets the same writer, does not panic either.
    assert_eq!(writer.buffered_len(), 2 * FrameHeader::LEN + 16 + 7);
    drop(writer);
}

#[test]
fn frame_writer_reports_an_over_reporting_writer_when_the_buffer_drains() {
    // A 32-byte buffer: the third frame does not fit, so adding it drains the first two.
    let mut writer = FrameWriter::with_capacity(32, OverReporting::lying_from_the_start(1));
    writer.write_bytes(1, 0, b"ab").unwrap();
    writer.write_bytes(2, 0, b"cd").unwrap();
    assert_over_report(writer.write_bytes(3, 0, b"this one does not fit"));
}

#[test]
fn frame_writer_reports_an_over_reporting_writer_for_frames_larger_than_its_buffer() {
    // Frames larger than the buffer go straight through to the writer, vectored.
    let mut writer = FrameWriter::with_capacity(16, OverReporting::lying_from_the_start(1));
    assert_over_report(writer.write_bytes(1, 0, &[7; 100]));
    let mut writer = FrameWriter::with_capacity(16, OverReporting::lying_from_the_start(1));
    assert_over_report(writer.write_message(&TICK));
}

#[test]
fn frame_writer_into_inner_reports_an_over_reporting_writer() {
    let mut writer = FrameWriter::new(OverReporting {
        honest_writes: 0,
        extra: usize::MAX,
        ..OverReporting::default()
    });
    writer.write_message(&TICK).unwrap();
    match writer.into_inner() {
        Err(FrameError::Io(error)) => assert_eq!(error.kind(), io::ErrorKind::InvalidData),
        other => panic!(
            "expected an InvalidData I/O error, got {:?}",
            other.map(|_| ())
        ),
    }
}

#[test]
fn frame_writer_passes_honest_counts_through() {
    // Honest for every call: the checked path writes exactly what the plain one does.
    let mut writer = FrameWriter::with_capacity(
        32,
        OverReporting {
            honest_writes: usize::MAX,
            ..OverReporting::default()
        },
    );
    writer.write_message(&TICK).unwrap();
    writer.write_bytes(2, 0, &[1; 40]).unwrap();
    writer.write_bytes(3, 0, b"x").unwrap();
    let inner = writer.into_inner().unwrap();
    let mut expected = Vec::new();
    write_frame(&mut expected, &TICK).unwrap();
    write_frame_bytes(&mut expected, 2, 0, &[1; 40]).unwrap();
    write_frame_bytes(&mut expected, 3, 0, b"x").unwrap();
    assert_eq!(inner.stored, expected);
}

#[cfg(feature = "tokio")]
mod async_writers {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use pool_runtime::frame::{write_frame_async, write_frame_bytes_async};
    use tokio::io::AsyncWrite;

    use super::{TICK, assert_over_report};

    /// Reports one byte more than it was given.
    struct OverReportingAsync;

    impl AsyncWrite for OverReportingAsync {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<std::io::Result<usize>> {
            Poll::Ready(Ok(buf.len() + 1))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn async_writers_report_an_over_reporting_writer() {
        assert_over_report(write_frame_async(&mut OverReportingAsync, &TICK).await);
        assert_over_report(write_frame_bytes_async(&mut OverReportingAsync, 4, 0, b"abc").await);
    }
}
