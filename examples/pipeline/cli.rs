//! Command-line flags, parsed by hand (the example has no dependency beyond ringpool's own).

use std::fmt;
use std::time::Duration;

/// How the feed's bytes reach the decoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// A loopback TCP connection on an ephemeral port of 127.0.0.1.
    Tcp,
    /// An in-memory byte pipe between the two threads (no kernel involved).
    Mem,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Tcp => "tcp (127.0.0.1, ephemeral port)",
            Transport::Mem => "mem (in-process pipe)",
        })
    }
}

/// How a paced feed (`--rate`) waits for each message's send time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pacing {
    /// Sleeps until the next message is due, then sends every message due by then.
    Sleep,
    /// Spins (sleeping only when more than 200 µs ahead): exact spacing, one busy core.
    Spin,
}

/// A deliberate fault, to see the verdict catch it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The decoder drops one message instead of passing it on.
    Drop,
    /// The decoder leaks one message (forgets a clone of its `RingPtr`): its slot never returns.
    Leak,
}

/// Everything the pipeline's run depends on.
#[derive(Clone, Debug)]
pub struct Options {
    /// Messages the feed sends (it may stop earlier when `duration` runs out).
    pub messages: u64,
    /// Strategy actors; each one sees every message.
    pub readers: usize,
    /// Stop the feed after this long even if `messages` were not all sent.
    pub duration: Option<Duration>,
    /// Loopback TCP or the in-memory pipe.
    pub transport: Transport,
    /// Slots per size class the pool gets (`None`: the message set's inferred configuration).
    pub pool_capacity: Option<usize>,
    /// Capacity of the fan-out ring (a power of two).
    pub ring_capacity: usize,
    /// Target feed rate in messages per second; 0 sends as fast as the pipeline takes them.
    pub rate: u64,
    /// How a paced feed waits between messages.
    pub pacing: Pacing,
    /// Busy threads started beside the pipeline, to see it on a loaded host.
    pub background_load: usize,
    /// Instruments traded by the synthetic feed.
    pub symbols: u32,
    /// Seed of the feed's generator: the same seed gives the same messages.
    pub seed: u64,
    /// Run the same pipeline on `Box`/`Arc`/`Vec` and std channels instead of ringpool.
    pub baseline: bool,
    /// No status line every second (the summary is still printed).
    pub quiet: bool,
    /// Also print one `REPORT pipeline ...` line for `scripts/bench-report`.
    pub report_line: bool,
    /// Inject a fault (ringpool mode only) so the verdict can be seen failing.
    pub fault: Option<Fault>,
    /// Pass the verdict even if some messages went to the heap because a pool class was full.
    pub allow_heap: bool,
    /// Also split each latency at the decoder (feed → decoded, decoded → handled).
    pub stage_latency: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            messages: 2_000_000,
            readers: 2,
            duration: None,
            transport: Transport::Tcp,
            pool_capacity: None,
            ring_capacity: 1024,
            rate: 0,
            pacing: Pacing::Sleep,
            background_load: 0,
            symbols: 16,
            seed: 42,
            baseline: false,
            quiet: false,
            report_line: false,
            fault: None,
            allow_heap: false,
            stage_latency: false,
        }
    }
}

/// What the command line asked for.
pub enum Command {
    Run(Options),
    Help,
}

pub const USAGE: &str = "\
ringpool market-data pipeline: feed -> TLV frames -> decoder -> pooled messages -> ring -> strategies

USAGE:
    cargo run --release --example pipeline -- [FLAGS]

FLAGS:
    --messages N        messages the feed sends                         [default: 2000000]
    --readers N         strategy actors, each sees every message (1-64) [default: 2]
    --duration SECS     stop the feed after SECS seconds (may be 0.5)    [default: none]
    --transport KIND    tcp (loopback, ephemeral port) or mem (in-process pipe) [default: tcp]
    --pool-capacity N   slots per size class (default: Inbound::pool_config_for_ring, enough
                        for the ring and the strategies); a full class spills to the heap
    --allow-heap        pass the verdict even if messages spilled to the heap
    --ring-capacity N   fan-out ring capacity, a power of two            [default: 1024]
    --rate N            feed rate in messages/s, 0 = as fast as possible; when paced, the
                        feed stamps each frame as it sends it and flushes every frame
                                                                         [default: 0]
    --pacing KIND       how a paced feed waits: sleep (until the next message is due, then
                        sends all that are due, so it wakes every ~60 µs at 100k msg/s and
                        leaves the CPU to the pipeline) or spin (exact spacing, one busy core
                        taken from the pipeline, as on a host with a core per thread)
                                                                         [default: sleep]
    --background-load N busy threads spinning beside the pipeline, as on a loaded host (0-64)
                                                                         [default: 0]
    --symbols N         instruments in the synthetic feed (1-4096)      [default: 16]
    --seed N            generator seed; same seed, same messages         [default: 42]
    --baseline          same pipeline on Box/Arc/Vec + std channels, no ringpool
    --quiet             no status line every second
    --report            also print a `REPORT pipeline <run> <metric>=<value>...` line (for
                        scripts/bench-report)
    --stage-latency     also split each latency where the decoder hands the message on:
                        feed -> decoded (socket, decoder) and decoded -> strategy (ring or
                        channels, strategy); costs one store and one load per message
    --fault KIND        self-check of the verdict: drop (lose one message) or leak (keep one
                        pool slot forever); the run must then exit with status 1
    -h, --help          this text

EXIT STATUS:
    0 every message reached every strategy intact and in order, and every pool slot came back;
    1 the run finished but the verdict failed (lost, duplicated or corrupted message, leaked slot,
      or a heap fallback without --allow-heap);
    2 bad flags.

Latency is measured from the feed's send to each strategy's handling. With --rate 0 the feed
outruns the pipeline, so latency then includes time queued in the socket and the ring; use
e.g. --rate 200000 to see the latency of an unsaturated pipeline.";

/// A flag the program cannot run with.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (try --help)", self.0)
    }
}

/// Parses the arguments after the program name: `--flag value` or `--flag=value`.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, UsageError> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline_value) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, UsageError> {
            match inline_value.clone() {
                Some(value) => Ok(value),
                None => args
                    .next()
                    .ok_or_else(|| UsageError(format!("{name} needs a value"))),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--baseline" => options.baseline = true,
            "--quiet" => options.quiet = true,
            "--report" => options.report_line = true,
            "--allow-heap" => options.allow_heap = true,
            "--stage-latency" => options.stage_latency = true,
            "--messages" => options.messages = number(&flag, &value(&flag)?, 1, u64::MAX)?,
            "--readers" => options.readers = number(&flag, &value(&flag)?, 1, 64)? as usize,
            "--duration" => options.duration = Some(seconds(&flag, &value(&flag)?)?),
            "--transport" => {
                options.transport = match value(&flag)?.as_str() {
                    "tcp" => Transport::Tcp,
                    "mem" => Transport::Mem,
                    other => {
                        return Err(UsageError(format!(
                            "--transport must be tcp or mem, not {other:?}"
                        )));
                    }
                }
            }
            "--pool-capacity" => {
                options.pool_capacity = Some(number(&flag, &value(&flag)?, 1, 1 << 24)? as usize);
            }
            "--ring-capacity" => {
                let capacity = number(&flag, &value(&flag)?, 2, 1 << 24)? as usize;
                if !capacity.is_power_of_two() {
                    return Err(UsageError(format!(
                        "--ring-capacity must be a power of two, not {capacity}"
                    )));
                }
                options.ring_capacity = capacity;
            }
            "--fault" => {
                options.fault = Some(match value(&flag)?.as_str() {
                    "drop" => Fault::Drop,
                    "leak" => Fault::Leak,
                    other => {
                        return Err(UsageError(format!(
                            "--fault must be drop or leak, not {other:?}"
                        )));
                    }
                })
            }
            "--rate" => options.rate = number(&flag, &value(&flag)?, 0, u64::MAX)?,
            "--pacing" => {
                options.pacing = match value(&flag)?.as_str() {
                    "sleep" => Pacing::Sleep,
                    "spin" => Pacing::Spin,
                    other => {
                        return Err(UsageError(format!(
                            "--pacing must be sleep or spin, not {other:?}"
                        )));
                    }
                }
            }
            "--background-load" => {
                options.background_load = number(&flag, &value(&flag)?, 0, 64)? as usize
            }
            "--symbols" => options.symbols = number(&flag, &value(&flag)?, 1, 4096)? as u32,
            "--seed" => options.seed = number(&flag, &value(&flag)?, 0, u64::MAX)?,
            _ => return Err(UsageError(format!("unknown argument {arg:?}"))),
        }
    }
    if options.fault.is_some() && options.baseline {
        return Err(UsageError(
            "--fault applies to the ringpool pipeline, not --baseline".into(),
        ));
    }
    Ok(Command::Run(options))
}

fn number(flag: &str, text: &str, min: u64, max: u64) -> Result<u64, UsageError> {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    let parsed: u64 = cleaned
        .parse()
        .map_err(|_| UsageError(format!("{flag} takes a whole number, not {text:?}")))?;
    if parsed < min || parsed > max {
        return Err(UsageError(format!(
            "{flag} must be between {min} and {max}, not {parsed}"
        )));
    }
    Ok(parsed)
}

fn seconds(flag: &str, text: &str) -> Result<Duration, UsageError> {
    let parsed: f64 = text
        .trim_end_matches('s')
        .parse()
        .map_err(|_| UsageError(format!("{flag} takes seconds, e.g. 2 or 0.5, not {text:?}")))?;
    if !(parsed.is_finite() && parsed > 0.0 && parsed <= 86_400.0) {
        return Err(UsageError(format!(
            "{flag} must be between 0 and 86400 seconds, not {text}"
        )));
    }
    Ok(Duration::from_secs_f64(parsed))
}
