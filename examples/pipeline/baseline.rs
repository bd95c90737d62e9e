//! `--baseline`: the same decoder and fan-out written the everyday way, without ringpool.
//!
//! The decoder reads each frame the way the mycelium design note describes today's code: the
//! header into a stack buffer, the payload into a `Vec`, both copied into a combined `Vec`, and an
//! `Arc` around it (three allocations and one extra copy per message). Each strategy gets a clone
//! of the `Arc` over its own bounded `std::sync::mpsc` channel and reads the message out of the
//! bytes. The feed, the transport, the strategies' work and every check are the same as in the
//! ringpool run.

use std::io::{self, BufReader, Read};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;

use ringpool::PooledMessage;
use ringpool::bytemuck;

use crate::alloc_count::thread_allocations;
use crate::clock::Clock;
use crate::market::{BookSnapshot, BookUpdate, Trade};
use crate::progress::Progress;
use crate::stages::DecodeTimes;
use crate::strategy::{MessageRef, Strategy, StrategyOutcome};
use crate::transport::FrameSource;
use crate::{DecoderOutcome, RunContext, StartSignal};

const HEADER_LEN: usize = 8;
const MAX_PAYLOAD: usize = 16 * 1024;

/// A frame as the naive reader produces it: header and payload bytes in one heap buffer.
struct RawFrame {
    type_id: u16,
    bytes: Vec<u8>,
}

/// Runs the decoder on this thread and the strategies on their own threads.
pub fn run(
    source: FrameSource,
    context: &RunContext<'_>,
) -> io::Result<(DecoderOutcome, Vec<StrategyOutcome>)> {
    let RunContext {
        options,
        clock,
        progress,
        ready,
        decode_times,
    } = *context;
    let mut start_signal = StartSignal::new(ready);
    thread::scope(|scope| {
        let mut senders = Vec::with_capacity(options.readers);
        let mut strategies = Vec::with_capacity(options.readers);
        for reader in 0..options.readers {
            let (sender, receiver) = sync_channel::<Arc<RawFrame>>(options.ring_capacity);
            senders.push(sender);
            let counter = &progress.handled[reader];
            strategies.push(
                thread::Builder::new()
                    .name(format!("strategy-{reader}"))
                    .spawn_scoped(scope, move || {
                        let strategy = Strategy::new(options.symbols, clock, counter, decode_times);
                        strategy_loop(receiver, strategy)
                    })?,
            );
        }
        start_signal.release();
        let stamps = decode_times.map(|times| (times, clock));
        let decoded = decode_loop(source, &senders, progress, stamps);
        // Closing the channels ends the strategies' input.
        drop(senders);
        let outcomes: Vec<StrategyOutcome> = strategies
            .into_iter()
            .map(|handle| handle.join().expect("a strategy thread panicked"))
            .collect();
        Ok((decoded?, outcomes))
    })
}

fn decode_loop(
    source: FrameSource,
    senders: &[SyncSender<Arc<RawFrame>>],
    progress: &Progress,
    decode_times: Option<(&DecodeTimes, Clock)>,
) -> io::Result<DecoderOutcome> {
    let mut reader = BufReader::with_capacity(64 * 1024, source);
    let allocations_before = thread_allocations();
    let mut decoded = 0u64;
    while let Some(frame) = read_frame_naive(&mut reader)? {
        // The feed numbers messages 1, 2, ... and the stream keeps their order.
        if let Some((times, clock)) = decode_times {
            times.record(decoded + 1, clock.now_ns());
        }
        let frame = Arc::new(frame);
        for sender in senders {
            sender
                .send(Arc::clone(&frame))
                .map_err(|_| io::Error::other("a strategy stopped early"))?;
        }
        decoded += 1;
        if decoded.is_multiple_of(1024) {
            progress.decoded.publish(decoded);
        }
    }
    progress.decoded.publish(decoded);
    Ok(DecoderOutcome {
        decoded,
        allocations: thread_allocations() - allocations_before,
        pool: None,
    })
}

/// The header into a stack buffer, the payload into a `Vec`, both copied into a combined `Vec`
/// (the caller then wraps it in an `Arc`). `None` at a clean end of stream.
fn read_frame_naive(reader: &mut impl Read) -> io::Result<Option<RawFrame>> {
    let mut header = [0u8; HEADER_LEN];
    let mut filled = 0;
    while filled < HEADER_LEN {
        match reader.read(&mut header[filled..])? {
            0 if filled == 0 => return Ok(None),
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => filled += n,
        }
    }
    let type_id = u16::from_le_bytes([header[0], header[1]]);
    let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
    if len > MAX_PAYLOAD {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "frame too large",
        ));
    }
    let mut bytes = Vec::with_capacity(HEADER_LEN + len);
    bytes.extend_from_slice(&header);
    let mut payload = vec![0u8; len];
    reader.read_exact(&mut payload)?;
    bytes.extend_from_slice(&payload);
    Ok(Some(RawFrame { type_id, bytes }))
}

fn strategy_loop(receiver: Receiver<Arc<RawFrame>>, mut strategy: Strategy<'_>) -> StrategyOutcome {
    let allocations_before = thread_allocations();
    for frame in receiver {
        let payload = &frame.bytes[HEADER_LEN..];
        // The bytes sit at an arbitrary heap offset, so read them out unaligned.
        match frame.type_id {
            BookUpdate::TYPE_ID => {
                let update: BookUpdate = read_as(payload);
                strategy.handle(MessageRef::Book(&update));
            }
            Trade::TYPE_ID => {
                let trade: Trade = read_as(payload);
                strategy.handle(MessageRef::Trade(&trade));
            }
            BookSnapshot::TYPE_ID => {
                let snapshot: BookSnapshot = read_as(payload);
                strategy.handle(MessageRef::Snapshot(&snapshot));
            }
            _ => {} // Not a market message: the count check in the verdict reports it.
        }
    }
    strategy.finish(thread_allocations() - allocations_before)
}

/// A wrong-length payload decodes as zeroes, which the strategy's checks then report.
fn read_as<T: PooledMessage + bytemuck::Pod>(payload: &[u8]) -> T {
    bytemuck::try_pod_read_unaligned(payload).unwrap_or_else(|_| bytemuck::Zeroable::zeroed())
}
