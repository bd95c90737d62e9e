//! loom model of the thread-number hand-off (`tid`): a thread that exits gives its number back
//! with a Release clear of its registry bit; the next thread to take that number (Acquire claim)
//! then reads, with plain loads, the magazine state the previous holder left under that number.
//! The model runs the real `Registry::give_back` / `Registry::try_take` on a registry of its own
//! (a model thread's number is otherwise its loom index, so reuse is never exercised elsewhere),
//! with a `loom::cell::UnsafeCell` standing in for the magazine. Its negative control gives the
//! number back with a Relaxed clear, which loom must report.
//!
//! Run: `scripts/loom tid_loom`

use super::tid::{MAX_TIDS, Registry, WEAKEN_GIVE_BACK};
use crate::sync::{Arc, UnsafeCell, thread};

/// A registry whose every number is taken, number 0 by the holder, and the magazine of number 0.
struct HandOff {
    registry: Registry,
    /// Stands in for the magazine cells of number 0 (a magazine's length, say).
    magazine: UnsafeCell<u64>,
}

/// Holder writes number 0's magazine and gives the number back (with a weakened clear when
/// `weaken`); the taker waits for a free number, must get 0, and reads the magazine.
fn hand_off(weaken: bool) {
    loom::model(move || {
        let shared = Arc::new(HandOff {
            registry: Registry::new(),
            magazine: UnsafeCell::new(0),
        });
        for expected in 0..MAX_TIDS {
            assert_eq!(shared.registry.try_take(), Some(expected));
        }
        // Number 0 is the holder's from here on: the others stay taken, so the taker can only
        // get number 0, once given back.
        let holder = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                WEAKEN_GIVE_BACK.with(|w| w.set(weaken));
                // SAFETY: number 0 is this thread's until the give-back below; nobody else
                // touches its magazine before taking the number.
                shared.magazine.with_mut(|len| unsafe { *len = 7 });
                shared.registry.give_back(0);
            })
        };
        let taker = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let number = loop {
                    match shared.registry.try_take() {
                        Some(number) => break number,
                        None => thread::yield_now(),
                    }
                };
                assert_eq!(number, 0, "the only number given back");
                // SAFETY: we hold number 0 now; its previous holder's writes happen before our
                // claim (its Release give-back, our Acquire take).
                let len = shared.magazine.with(|len| unsafe { *len });
                assert_eq!(len, 7, "the previous holder's magazine state");
            })
        };
        holder.join().unwrap();
        taker.join().unwrap();
    });
}

/// A number's new holder sees everything its previous holder wrote under it.
#[test]
fn loom_tid_hand_off_publishes_the_previous_holders_magazine() {
    hand_off(false);
}

/// Negative control: a Relaxed give-back does not order the holder's magazine write before the
/// taker's read; the model must report it.
#[test]
#[should_panic(expected = "Causality violation")]
fn loom_negative_control_relaxed_tid_give_back_is_caught() {
    hand_off(true);
}
