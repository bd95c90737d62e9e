//! The status line printed every second, and the final summary with its verdict.

use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::DecoderOutcome;
use crate::cli::Options;
use crate::feed::FeedOutcome;
use crate::market::MarketBook;
use crate::progress::{CLASSES, Progress};
use crate::strategy::{StageLatency, StrategyOutcome};

const CLASS_NAMES: [&str; CLASSES] = ["XS", "S", "M", "L", "XL"];

/// One line of progress: totals so far, the decode rate over the last interval, pool use.
pub fn status_line(progress: &Progress, elapsed: Duration, rate: f64) -> String {
    let handled_min = progress.handled.iter().map(|c| c.get()).min().unwrap_or(0);
    let mut line = format!(
        "[{:>6.1}s] fed {:>9}  decoded {:>9}  handled (slowest strategy) {:>9}  {:>7} msg/s",
        elapsed.as_secs_f64(),
        progress.fed.get(),
        progress.decoded.get(),
        handled_min,
        si(rate),
    );
    for (class, name) in CLASS_NAMES.iter().enumerate() {
        let capacity = progress.pool_capacity[class].get();
        if capacity > 0 {
            let in_use = progress.pool_in_use[class].get();
            let _ = write!(line, "  pool {name} {in_use}/{capacity}");
        }
    }
    line
}

/// Everything the run produced.
pub struct RunResults {
    pub feed: FeedOutcome,
    pub decoder: DecoderOutcome,
    pub strategies: Vec<StrategyOutcome>,
    pub wall: Duration,
}

/// Prints the summary; returns whether the verdict passed.
pub fn print_summary(options: &Options, results: &RunResults) -> bool {
    let RunResults {
        feed,
        decoder,
        strategies,
        wall,
    } = results;
    let mode = if options.baseline {
        "baseline (Box/Arc/Vec + std channels)"
    } else {
        "ringpool"
    };
    println!();
    println!("== summary: {mode}, transport {} ==", options.transport);
    let secs = wall.as_secs_f64().max(1e-9);
    println!(
        "messages       {} sent, {} decoded, {} strategies x {} handled",
        feed.sent,
        decoder.decoded,
        strategies.len(),
        strategies.iter().map(|s| s.handled).min().unwrap_or(0),
    );
    println!(
        "throughput     {} msg/s end to end ({:.3} s from first send to last strategy)",
        si(feed.sent as f64 / secs),
        secs,
    );
    println!(
        "feed           {} msg/s offered ({:.3} s to send everything{})",
        si(feed.sent as f64 / feed.elapsed.as_secs_f64().max(1e-9)),
        feed.elapsed.as_secs_f64(),
        if options.rate == 0 {
            ", flat out"
        } else {
            ", paced by --rate"
        },
    );
    let mut latency = Histogram::<u64>::new(3).expect("3 significant digits is a valid precision");
    for strategy in strategies {
        latency
            .add(&strategy.latency)
            .expect("histograms share their bounds");
    }
    println!(
        "latency        send -> strategy over {} samples: p50 {}  p99 {}  p99.9 {}  max {}",
        latency.len(),
        ns(latency.value_at_quantile(0.50)),
        ns(latency.value_at_quantile(0.99)),
        ns(latency.value_at_quantile(0.999)),
        ns(latency.max()),
    );
    let stages = merged_stages(strategies);
    if let Some(stages) = &stages {
        for (name, histogram) in [
            ("feed -> decoded", &stages.to_decoder),
            ("decoded -> strategy", &stages.to_strategy),
        ] {
            println!(
                "  {name:<20} p50 {}  p99 {}  p99.9 {}  max {}",
                ns(histogram.value_at_quantile(0.50)),
                ns(histogram.value_at_quantile(0.99)),
                ns(histogram.value_at_quantile(0.999)),
                ns(histogram.max()),
            );
        }
    }
    if options.rate == 0 {
        println!(
            "               (the feed ran flat out, so latency includes time queued in the socket and \
             the ring; try --rate 200000)"
        );
    }
    let per_message = |count: u64| count as f64 / feed.sent.max(1) as f64;
    let strategy_allocations: u64 = strategies.iter().map(|s| s.allocations).sum();
    println!(
        "heap allocs    decoder {} ({:.2}/msg), strategies {} ({:.2}/msg)",
        decoder.allocations,
        per_message(decoder.allocations),
        strategy_allocations,
        per_message(strategy_allocations),
    );
    if let Some(pool) = &decoder.pool {
        println!(
            "pool           {:<5} {:>9} {:>11} {:>12} {:>10} {:>15} {:>14}",
            "class",
            "capacity",
            "high water",
            "allocations",
            "exhausted",
            "heap fallbacks",
            "in use at end"
        );
        for row in pool {
            println!(
                "               {:<5} {:>9} {:>11} {:>12} {:>10} {:>15} {:>14}",
                row.class,
                row.capacity,
                row.high_water,
                row.allocations,
                row.exhausted,
                row.heap_fallbacks,
                row.in_use,
            );
        }
    }
    print_sample(&feed.truth);

    let problems = verdict_problems(options, results);
    for (index, strategy) in strategies.iter().enumerate() {
        println!(
            "strategy {index:<5} {} handled, {} missing, {} stale, {} corrupt, books {} the feed's",
            strategy.handled,
            strategy.missing,
            strategy.stale,
            strategy.corrupt,
            if strategy.book == feed.truth {
                "match"
            } else {
                "DIFFER from"
            },
        );
    }
    let pass = problems.is_empty();
    if pass {
        let slots = if decoder.pool.is_some() {
            " and every pool slot came back"
        } else {
            ""
        };
        println!(
            "verdict        PASS: all {} messages reached all {} strategies once, in order and \
             intact{slots}",
            feed.sent,
            strategies.len()
        );
    } else {
        for problem in &problems {
            println!("verdict        FAIL: {problem}");
        }
    }
    if options.report_line {
        print_report_line(options, results, &latency, stages.as_ref(), pass);
    }
    pass
}

/// The strategies' stage histograms added together, as for the total latency.
fn merged_stages(strategies: &[StrategyOutcome]) -> Option<StageLatency> {
    let mut merged: Option<StageLatency> = None;
    for stages in strategies.iter().filter_map(|s| s.stages.as_ref()) {
        let sum = merged.get_or_insert_with(StageLatency::new);
        sum.to_decoder
            .add(&stages.to_decoder)
            .expect("histograms share their bounds");
        sum.to_strategy
            .add(&stages.to_strategy)
            .expect("histograms share their bounds");
    }
    merged
}

/// One line `scripts/bench-report` turns into a table row:
/// `REPORT pipeline <mode>_<transport>[_rate<N>] <metric>=<value> ...`.
fn print_report_line(
    options: &Options,
    results: &RunResults,
    latency: &Histogram<u64>,
    stages: Option<&StageLatency>,
    pass: bool,
) {
    let mode = if options.baseline {
        "baseline"
    } else {
        "ringpool"
    };
    let transport = match options.transport {
        crate::cli::Transport::Tcp => "tcp",
        crate::cli::Transport::Mem => "mem",
    };
    let rate = match (options.rate, options.pacing) {
        (0, _) => String::new(),
        (rate, crate::cli::Pacing::Sleep) => format!("_rate{rate}"),
        (rate, crate::cli::Pacing::Spin) => format!("_rate{rate}_spin"),
    };
    let load = if options.background_load == 0 {
        String::new()
    } else {
        format!("_load{}", options.background_load)
    };
    let sent = results.feed.sent.max(1) as f64;
    let stage_metrics = stages.map_or_else(String::new, |stages| {
        format!(
            " to_decoder_p99_ns={} to_decoder_p999_ns={} to_strategy_p99_ns={} \
             to_strategy_p999_ns={}",
            stages.to_decoder.value_at_quantile(0.99),
            stages.to_decoder.value_at_quantile(0.999),
            stages.to_strategy.value_at_quantile(0.99),
            stages.to_strategy.value_at_quantile(0.999),
        )
    });
    println!(
        "REPORT pipeline {mode}_{transport}{rate}{load} messages={} readers={} msgs_per_s={:.0} \
         p50_ns={} p99_ns={} p999_ns={} max_ns={}{stage_metrics} decoder_allocs_per_msg={:.2} \
         verdict={}",
        results.feed.sent,
        options.readers,
        results.feed.sent as f64 / results.wall.as_secs_f64().max(1e-9),
        latency.value_at_quantile(0.50),
        latency.value_at_quantile(0.99),
        latency.value_at_quantile(0.999),
        latency.max(),
        results.decoder.allocations as f64 / sent,
        if pass { "PASS" } else { "FAIL" },
    );
}

fn verdict_problems(options: &Options, results: &RunResults) -> Vec<String> {
    let RunResults {
        feed,
        decoder,
        strategies,
        ..
    } = results;
    let mut problems = Vec::new();
    if feed.sent == 0 {
        problems.push("the feed sent nothing".to_owned());
    }
    if decoder.decoded != feed.sent {
        problems.push(format!(
            "decoded {} of {} frames",
            decoder.decoded, feed.sent
        ));
    }
    if strategies.len() != options.readers {
        problems.push(format!(
            "{} of {} strategies reported",
            strategies.len(),
            options.readers
        ));
    }
    for (index, s) in strategies.iter().enumerate() {
        if s.handled != feed.sent || s.missing != 0 || s.stale != 0 || s.corrupt != 0 {
            problems.push(format!(
                "strategy {index}: handled {} of {} (missing {}, stale {}, corrupt {})",
                s.handled, feed.sent, s.missing, s.stale, s.corrupt
            ));
        }
        if s.book != feed.truth {
            problems.push(format!(
                "strategy {index}: books or message digest differ from the feed's"
            ));
        }
    }
    for row in decoder.pool.iter().flatten() {
        if row.heap_fallbacks != 0 && !options.allow_heap {
            problems.push(format!(
                "pool class {}: {} messages went to the heap (class full; size the pools with \
                 pool_config_for_ring, or pass --allow-heap)",
                row.class, row.heap_fallbacks
            ));
        }
        if row.in_use != 0 {
            problems.push(format!(
                "pool class {}: {} slots still in use after shutdown",
                row.class, row.in_use
            ));
        }
    }
    problems
}

fn print_sample(truth: &MarketBook) {
    let Some((symbol, state)) = truth
        .symbols
        .iter()
        .enumerate()
        .max_by_key(|(_, s)| s.volume)
    else {
        return;
    };
    println!(
        "busiest symbol #{symbol}: {} trades, VWAP {:.3}, best bid {} x {}, best ask {} x {}",
        state.trades,
        state.vwap().unwrap_or(f64::NAN),
        state.best_bid.price,
        state.best_bid.qty,
        state.best_ask.price,
        state.best_ask.qty,
    );
}

/// A count with an SI suffix: 1.23M.
fn si(value: f64) -> String {
    match value {
        v if v >= 1e9 => format!("{:.2}G", v / 1e9),
        v if v >= 1e6 => format!("{:.2}M", v / 1e6),
        v if v >= 1e3 => format!("{:.1}k", v / 1e3),
        v => format!("{v:.0}"),
    }
}

/// Nanoseconds in the most readable unit.
fn ns(value: u64) -> String {
    match value {
        v if v >= 1_000_000_000 => format!("{:.2} s", v as f64 / 1e9),
        v if v >= 1_000_000 => format!("{:.2} ms", v as f64 / 1e6),
        v if v >= 1_000 => format!("{:.1} µs", v as f64 / 1e3),
        v => format!("{v} ns"),
    }
}
