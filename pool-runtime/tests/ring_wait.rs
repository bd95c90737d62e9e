//! Wait strategies on both sides of a ring: every combination hands over every item in order,
//! sleeping sides are woken by publishes, cursor moves and drops (there is no timed self-wake
//! to hide a lost wake-up: a lost one hangs the test), and deadlines are honoured.
#![cfg(not(loom))]

mod common;

use std::thread;
use std::time::Duration;

use common::scaled;
use pool_runtime::ring::{Ring, WaitStrategy};

const STRATEGIES: [WaitStrategy; 3] = [
    WaitStrategy::BusySpin,
    WaitStrategy::Yield,
    WaitStrategy::Block,
];

#[test]
fn the_default_strategy_is_block() {
    let ring = Ring::<u64>::with_capacity(4).unwrap();
    assert_eq!(ring.writer().unwrap().wait_strategy(), WaitStrategy::Block);
    assert_eq!(
        ring.subscribe().unwrap().wait_strategy(),
        WaitStrategy::Block
    );
}

#[test]
fn every_strategy_pair_hands_over_every_item_in_order() {
    let items = scaled(5_000, 1_000) as u64;
    for writer_strategy in STRATEGIES {
        for reader_strategy in STRATEGIES {
            let ring = Ring::<u64>::with_capacity(4).unwrap();
            let mut writer = ring.writer().unwrap().with_wait_strategy(writer_strategy);
            let reader = ring
                .subscribe()
                .unwrap()
                .with_wait_strategy(reader_strategy);
            let consumer = thread::spawn(move || {
                let mut expected = 0;
                for item in reader {
                    assert_eq!(item, expected);
                    expected += 1;
                }
                expected
            });
            for item in 0..items {
                writer.push(item);
            }
            drop(writer);
            assert_eq!(
                consumer.join().unwrap(),
                items,
                "{writer_strategy:?} writer, {reader_strategy:?} reader"
            );
        }
    }
}

/// Two rings in a ping-pong: each side sleeps between messages most of the time, so a lost
/// wake-up would stop the exchange for good.
#[test]
fn block_ping_pong_never_loses_a_wake_up() {
    let rounds = scaled(10_000, 1_000) as u64;
    let ping = Ring::<u64>::with_capacity(1).unwrap();
    let pong = Ring::<u64>::with_capacity(1).unwrap();
    let (mut ping_writer, ping_reader) = (ping.writer().unwrap(), ping.subscribe().unwrap());
    let (mut pong_writer, mut pong_reader) = (pong.writer().unwrap(), pong.subscribe().unwrap());
    let echo = thread::spawn(move || {
        for item in ping_reader {
            pong_writer.push(item + 1);
        }
    });
    for round in 0..rounds {
        ping_writer.push(2 * round);
        assert_eq!(pong_reader.next(), Some(2 * round + 1));
    }
    drop(ping_writer);
    echo.join().unwrap();
    assert_eq!(pong_reader.next(), None);
}

#[test]
fn a_sleeping_reader_is_woken_by_the_writer_drop() {
    for strategy in STRATEGIES {
        let ring = Ring::<u64>::with_capacity(4).unwrap();
        let writer = ring.writer().unwrap();
        let mut reader = ring.subscribe().unwrap().with_wait_strategy(strategy);
        let consumer = thread::spawn(move || reader.next());
        thread::sleep(Duration::from_millis(5)); // let it go to sleep (not required)
        drop(writer);
        assert_eq!(consumer.join().unwrap(), None, "{strategy:?}");
    }
}

#[test]
fn a_sleeping_writer_is_woken_when_the_reader_drops() {
    for strategy in STRATEGIES {
        let ring = Ring::<u64>::with_capacity(2).unwrap();
        let mut writer = ring.writer().unwrap().with_wait_strategy(strategy);
        let reader = ring.subscribe().unwrap();
        writer.push(1);
        writer.push(2);
        let producer = thread::spawn(move || {
            writer.push(3); // full: waits until the only reader goes
            writer.published()
        });
        thread::sleep(Duration::from_millis(5));
        drop(reader);
        assert_eq!(producer.join().unwrap(), 3, "{strategy:?}");
    }
}

#[test]
fn a_sleeping_writer_is_woken_by_a_read() {
    for strategy in STRATEGIES {
        let ring = Ring::<u64>::with_capacity(2).unwrap();
        let mut writer = ring.writer().unwrap().with_wait_strategy(strategy);
        let mut reader = ring.subscribe().unwrap();
        writer.push(1);
        writer.push(2);
        let producer = thread::spawn(move || {
            writer.push(3);
            writer
        });
        thread::sleep(Duration::from_millis(5));
        assert_eq!(reader.next(), Some(1));
        let writer = producer.join().unwrap();
        assert_eq!(writer.published(), 3, "{strategy:?}");
        assert_eq!(reader.next(), Some(2));
        assert_eq!(reader.next(), Some(3));
    }
}

#[test]
fn deadlines_are_honoured_by_every_strategy() {
    for strategy in STRATEGIES {
        let ring = Ring::<u64>::with_capacity(1).unwrap();
        let mut writer = ring.writer().unwrap().with_wait_strategy(strategy);
        let mut reader = ring.subscribe().unwrap().with_wait_strategy(strategy);
        assert_eq!(reader.next_timeout(Duration::from_millis(2)), None);
        writer.push(1);
        assert_eq!(
            writer
                .push_timeout(2, Duration::from_millis(2))
                .unwrap_err()
                .0,
            2
        );
        assert_eq!(reader.next_timeout(Duration::from_millis(2)), Some(1));
    }
}
