//! `wake_latency`: how long a blocked receiver takes to get a message, the thing a wait strategy
//! decides. One sender thread sends a timestamp after a pause of 50–500 µs (a fixed
//! pseudo-random sequence, the same for every peer), so the receiver has gone idle before each
//! message; the receiver records now − timestamp in an HDR histogram. Each peer runs on a quiet
//! machine, beside two busy threads of this process (`load2`), and beside two busy processes
//! (`load2proc`; a loaded host, where `Block`'s `membarrier` does not interrupt the load).
//!
//! Peers: ringpool with each `WaitStrategy` (`Iterator::next`), `std::sync::mpsc`,
//! `crossbeam-channel`, and for async, ringpool's `next_async` against `tokio::sync::broadcast`,
//! each receiver task on its own current-thread runtime. Prints a table and one
//! `REPORT wake_latency_<load> <peer> p50_ns=… p99_ns=… p999_ns=…` line per run for
//! `scripts/bench-report`. Criterion measures means, so this is a plain binary
//! (`harness = false`); `--quick`-sized criterion arguments shrink the run, and bare arguments
//! filter the peers by `<load>/<peer>` (`-- load2/ringpool_block`).
//!
//! # Reading the tails
//!
//! On a loaded host some wake-ups wait for a scheduler slice, milliseconds, whatever the
//! primitive: on the project's shared 2-vCPU machine, from none to a few percent of them,
//! changing from one second to the next. One stall of the receiver also delays every message
//! sent while it lasts (an 87 ms stall, seen with `perf sched`, made about 290 late samples). A
//! p99 sits on that knee: microseconds when fewer than 1% of the wake-ups were slow,
//! milliseconds when more were. So the run gives every peer the same host as far as it can:
//!
//! - the peers take turns in segments of [`SEGMENT_MESSAGES`] messages (about 30 ms), so a burst
//!   of load from elsewhere falls on all of them rather than on whichever ran then;
//! - each segment starts with a warm-up message that is not recorded (the segment's ring or
//!   channel and runtime are new);
//! - one thread sends for every peer, for the whole run, and the receiver is always the main
//!   thread. With a sender spawned per turn, where the two ran depended on the peer: in one quiet
//!   run each under `perf sched`, ringpool's reader woke on the CPU the sender had just run on
//!   88% of the time, mpsc's 99%, and a reader woken on the other CPU waited about twice as long
//!   to run (median 18 against 9 µs);
//! - the short run records 5 000 wake-ups per peer and load (its p99 is the 50th slowest, its
//!   p99.9 the 5th), the full run 10 000;
//! - the table also prints how many wake-ups took over 200 µs, which says whether a p99 fell on
//!   the knee. Compare peers by that count over several runs, not by one run's p99.

use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use ringpool::ring::{Ring, WaitStrategy};

// The busy threads of the pipeline example's `--background-load`, shared rather than copied.
#[path = "../examples/pipeline/load.rs"]
mod load;
use load::BackgroundLoad;

/// Nanoseconds since `base`: what the sender stamps and the receiver subtracts.
fn stamp(base: Instant) -> u64 {
    base.elapsed().as_nanos() as u64
}

/// The pauses before each message: 50–500 µs from a fixed linear congruential sequence.
fn pauses(messages: usize) -> Vec<Duration> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..messages)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            Duration::from_micros(50 + (state >> 33) % 451)
        })
        .collect()
}

/// The stamp of a segment's first message, which `record` skips (module docs).
const WARM_UP: u64 = u64::MAX;
/// The pause before the warm-up message.
const WARM_UP_PAUSE: Duration = Duration::from_micros(200);

/// One turn of a peer's sends, run on the [`SenderThread`].
type Turn = Box<dyn FnOnce() + Send>;

/// The one thread that sends every peer's messages, for the whole run: a sender spawned per
/// turn would start wherever the scheduler puts a new thread, and how soon the receiver and
/// sender then share a CPU differs from peer to peer (module docs).
struct SenderThread {
    turns: Option<mpsc::Sender<Turn>>,
    finished: mpsc::Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

impl SenderThread {
    fn start() -> Self {
        let (turns, turn_queue) = mpsc::channel::<Turn>();
        let (finish, finished) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("wake-sender".into())
            .spawn(move || {
                for turn in turn_queue {
                    turn();
                    if finish.send(()).is_err() {
                        return;
                    }
                }
            })
            .expect("spawning the sender thread");
        Self {
            turns: Some(turns),
            finished,
            thread: Some(thread),
        }
    }

    /// Runs `turn` on the sender thread; [`wait`](Self::wait) for it to end.
    fn start_turn(&self, turn: Turn) {
        self.turns
            .as_ref()
            .expect("running")
            .send(turn)
            .expect("sender thread alive");
    }

    fn wait(&self) {
        self.finished.recv().expect("sender thread panicked");
    }
}

impl Drop for SenderThread {
    fn drop(&mut self) {
        // Closing the queue ends the thread's loop.
        drop(self.turns.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs `send` on the sender thread (a [`WARM_UP`] message, then one call per pause, after the
/// pause) while `receive` runs here and returns the histogram of latencies it recorded.
/// `send` is dropped when the turn ends, which ends `receive`'s stream.
fn paced(
    sender: &SenderThread,
    pauses: &[Duration],
    base: Instant,
    mut send: impl FnMut(u64) + Send + 'static,
    receive: impl FnOnce(&mut Histogram<u64>),
) -> Histogram<u64> {
    let pauses = pauses.to_vec();
    sender.start_turn(Box::new(move || {
        thread::sleep(WARM_UP_PAUSE);
        send(WARM_UP);
        for pause in pauses {
            thread::sleep(pause);
            send(stamp(base));
        }
    }));
    let mut histogram = empty_histogram();
    receive(&mut histogram);
    sender.wait();
    histogram
}

/// 1 ns to 10 s at 3 significant digits: what every peer records into.
fn empty_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 10_000_000_000, 3).expect("bounds")
}

fn record(histogram: &mut Histogram<u64>, base: Instant, sent: u64) {
    if sent == WARM_UP {
        return;
    }
    histogram.saturating_record(stamp(base).saturating_sub(sent).max(1));
}

fn ringpool_sync(
    sender_thread: &SenderThread,
    pauses: &[Duration],
    strategy: WaitStrategy,
) -> Histogram<u64> {
    let base = Instant::now();
    let ring = Ring::<u64>::with_capacity(64).expect("capacity");
    let mut writer = ring.writer().expect("writer");
    let reader = ring
        .subscribe()
        .expect("reader")
        .with_wait_strategy(strategy);
    drop(ring);
    paced(
        sender_thread,
        pauses,
        base,
        move |sent| writer.push(sent),
        move |histogram| {
            for sent in reader {
                record(histogram, base, sent);
            }
        },
    )
}

fn std_mpsc(sender_thread: &SenderThread, pauses: &[Duration]) -> Histogram<u64> {
    let base = Instant::now();
    let (sender, receiver) = std::sync::mpsc::channel::<u64>();
    paced(
        sender_thread,
        pauses,
        base,
        move |sent| sender.send(sent).expect("receiver alive"),
        move |histogram| {
            for sent in receiver {
                record(histogram, base, sent);
            }
        },
    )
}

fn crossbeam(sender_thread: &SenderThread, pauses: &[Duration]) -> Histogram<u64> {
    let base = Instant::now();
    let (sender, receiver) = crossbeam_channel::unbounded::<u64>();
    paced(
        sender_thread,
        pauses,
        base,
        move |sent| sender.send(sent).expect("receiver alive"),
        move |histogram| {
            for sent in receiver {
                record(histogram, base, sent);
            }
        },
    )
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn ringpool_async(sender_thread: &SenderThread, pauses: &[Duration]) -> Histogram<u64> {
    let base = Instant::now();
    let ring = Ring::<u64>::with_capacity(64).expect("capacity");
    let mut writer = ring.writer().expect("writer");
    let mut reader = ring.subscribe().expect("reader");
    drop(ring);
    paced(
        sender_thread,
        pauses,
        base,
        move |sent| writer.push(sent),
        move |histogram| {
            current_thread().block_on(async {
                while let Some(sent) = reader.next_async().await {
                    record(histogram, base, sent);
                }
            })
        },
    )
}

fn tokio_broadcast(sender_thread: &SenderThread, pauses: &[Duration]) -> Histogram<u64> {
    let base = Instant::now();
    // Room for every message: a receiver held off its core for longer than 64 pauses (a loaded
    // host) would otherwise lag and lose some, and this measures wake-ups, not lag policy.
    let (sender, mut receiver) = tokio::sync::broadcast::channel::<u64>(pauses.len() + 1);
    paced(
        sender_thread,
        pauses,
        base,
        move |sent| {
            sender.send(sent).expect("receiver alive");
        },
        move |histogram| {
            current_thread().block_on(async {
                use tokio::sync::broadcast::error::RecvError;
                loop {
                    match receiver.recv().await {
                        Ok(sent) => record(histogram, base, sent),
                        Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => break,
                    }
                }
            })
        },
    )
}

/// What runs beside the peers.
#[derive(Clone, Copy)]
enum Load {
    Quiet,
    /// Busy threads of this process. Each `Block` sleep's barrier (`membarrier`) interrupts the
    /// CPUs they run on, and mpsc's sleeps do not.
    Threads(usize),
    /// Busy processes, as on a shared host; this process's barriers never interrupt them.
    Processes(usize),
}

/// A started [`Load`]; stops it when dropped.
struct RunningLoad {
    /// Joined by its own `Drop`.
    _threads: BackgroundLoad,
    /// Killed and reaped by ours.
    processes: Vec<Child>,
}

impl Load {
    fn start(self) -> std::io::Result<RunningLoad> {
        let (threads, processes) = match self {
            Load::Quiet => (0, 0),
            Load::Threads(count) => (count, 0),
            Load::Processes(count) => (0, count),
        };
        let mut running = RunningLoad {
            _threads: BackgroundLoad::start(threads),
            processes: Vec::with_capacity(processes),
        };
        for _ in 0..processes {
            // A `Drop` of `running` on the error path stops the ones already started.
            running.processes.push(
                Command::new("sh")
                    .args(["-c", "while :; do :; done"])
                    .stdin(Stdio::null())
                    .spawn()?,
            );
        }
        Ok(running)
    }
}

impl Drop for RunningLoad {
    fn drop(&mut self) {
        for mut child in self.processes.drain(..) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

type Peer = (
    &'static str,
    fn(&SenderThread, &[Duration]) -> Histogram<u64>,
);

const PEERS: &[Peer] = &[
    ("ringpool_block", |s, p| {
        ringpool_sync(s, p, WaitStrategy::Block)
    }),
    ("ringpool_yield", |s, p| {
        ringpool_sync(s, p, WaitStrategy::Yield)
    }),
    ("ringpool_busy_spin", |s, p| {
        ringpool_sync(s, p, WaitStrategy::BusySpin)
    }),
    ("std_mpsc", std_mpsc),
    ("crossbeam_channel", crossbeam),
    ("ringpool_async", ringpool_async),
    ("tokio_broadcast", tokio_broadcast),
];

/// How many messages a peer handles in each of its turns (module docs): about 30 ms.
const SEGMENT_MESSAGES: usize = 100;

/// The table counts the wake-ups slower than this (module docs).
const SLOW_WAKE_NS: u64 = 200_000;

/// Whether the arguments ask for a short run: criterion's `--quick` settings (a measurement
/// time under 2 s), or a test run (`cargo test --benches`, no `--bench`).
fn quick(args: &[String]) -> bool {
    let short = |value: &str| value.parse::<f64>().is_ok_and(|seconds| seconds < 2.0);
    // Both spellings: `--measurement-time 1` and `--measurement-time=1` (scripts/bench-report).
    let short_measurement = args
        .windows(2)
        .any(|w| w[0] == "--measurement-time" && short(&w[1]))
        || args
            .iter()
            .any(|arg| arg.strip_prefix("--measurement-time=").is_some_and(short));
    short_measurement || !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--test")
}

/// criterion's flags that take a separate value, which is not a filter.
const VALUE_FLAGS: &[&str] = &[
    "--warm-up-time",
    "--measurement-time",
    "--sample-size",
    "--nresamples",
    "--noise-threshold",
    "--confidence-level",
    "--significance-level",
    "--save-baseline",
    "--baseline",
    "--load-baseline",
    "--profile-time",
    "--plotting-backend",
    "--output-format",
    "--color",
    "--format",
];

/// Like criterion's filter: bare arguments keep only the peers whose `<load>/<name>` contains
/// one of them (`cargo bench --bench wake_latency -- load2/std_mpsc`).
fn filters(args: &[String]) -> Vec<&str> {
    args.iter()
        .enumerate()
        .filter(|(index, arg)| {
            !arg.starts_with('-')
                && !index
                    .checked_sub(1)
                    .is_some_and(|before| VALUE_FLAGS.contains(&args[before].as_str()))
        })
        .map(|(_, arg)| arg.as_str())
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let test_mode = !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--test");
    let messages = if test_mode {
        20
    } else if quick(&args) {
        5_000
    } else {
        10_000
    };
    let filters = filters(&args);
    let pauses = pauses(messages);
    let sender = SenderThread::start();
    println!(
        "wake_latency: {messages} paced messages per run (50-500 µs apart, in turns of \
         {SEGMENT_MESSAGES}), ns"
    );
    for (load_name, load) in [
        ("quiet", Load::Quiet),
        ("load2", Load::Threads(2)),
        ("load2proc", Load::Processes(2)),
    ] {
        let selected: Vec<&Peer> = PEERS
            .iter()
            .filter(|(name, _)| {
                let id = format!("{load_name}/{name}");
                filters.is_empty() || filters.iter().any(|f| id.contains(f))
            })
            .collect();
        if selected.is_empty() {
            continue;
        }
        let _load = match load.start() {
            Ok(load) => load,
            Err(error) => {
                println!("  {load_name:<9} skipped: cannot start the load ({error})");
                continue;
            }
        };
        // The peers take turns (module docs).
        let mut histograms: Vec<Histogram<u64>> =
            selected.iter().map(|_| empty_histogram()).collect();
        for segment in pauses.chunks(SEGMENT_MESSAGES) {
            for ((_, run), histogram) in selected.iter().zip(&mut histograms) {
                histogram.add(run(&sender, segment)).expect("same bounds");
            }
        }
        for ((name, _), histogram) in selected.iter().zip(&histograms) {
            assert_eq!(histogram.len(), messages as u64, "{name} lost messages");
            let (p50, p99, p999) = (
                histogram.value_at_quantile(0.50),
                histogram.value_at_quantile(0.99),
                histogram.value_at_quantile(0.999),
            );
            println!(
                "  {load_name:<9} {name:<20} p50 {p50:>9}  p99 {p99:>9}  p99.9 {p999:>9}  max {:>9}  \
                 over 200 µs {:>5}",
                histogram.max(),
                histogram.count_between(SLOW_WAKE_NS, u64::MAX),
            );
            println!(
                "REPORT wake_latency_{load_name} {name} p50_ns={p50} p99_ns={p99} p999_ns={p999}"
            );
        }
    }
}
