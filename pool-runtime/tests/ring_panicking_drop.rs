//! An item whose `Drop` panics while the writer drops read items must not make the ring drop
//! any item twice: the writer's end (where the live items start) is recorded even when its own
//! drop unwinds.
#![cfg(not(loom))]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use pool_runtime::ring::Ring;

/// Every drop of an item, by id (a double drop shows up as a repeated id). Plain data only, so
/// a double drop is observable rather than corrupting anything else.
static DROPS: Mutex<Vec<u64>> = Mutex::new(Vec::new());
/// Set while the item with id `PANICKING_ID` should panic on drop (once).
static ARMED: AtomicBool = AtomicBool::new(false);
const PANICKING_ID: u64 = 2;

#[derive(Debug)]
struct PanicsOnce(u64);

impl Drop for PanicsOnce {
    fn drop(&mut self) {
        DROPS.lock().unwrap_or_else(|e| e.into_inner()).push(self.0);
        if self.0 == PANICKING_ID && ARMED.swap(false, Ordering::Relaxed) {
            panic!("item {} refuses to drop quietly", self.0);
        }
    }
}

#[test]
fn a_panicking_drop_in_the_writers_drop_never_drops_an_item_twice() {
    let ring = Ring::<PanicsOnce>::with_capacity(4).unwrap();
    let mut writer = ring.writer().unwrap();
    let mut reader = ring.subscribe().unwrap();
    for id in 0..=2 {
        writer.push(PanicsOnce(id));
        assert_eq!(reader.try_read_with(|item| item.0), Some(id));
    }
    // Items 0 and 1 went at the pushes after them; item 2 (read) is left for the writer's drop.
    assert_eq!(*DROPS.lock().unwrap(), [0, 1]);
    ARMED.store(true, Ordering::Relaxed);
    let unwound = catch_unwind(AssertUnwindSafe(move || drop(writer)));
    assert!(
        unwound.is_err(),
        "item 2's drop panicked inside the writer's drop"
    );
    // The stream still ended: the reader sees the end, not a writer that never closes.
    assert!(reader.is_writer_closed());
    assert_eq!(reader.try_read_with(|item| item.0), None);
    drop(reader);
    drop(ring);
    let mut drops = DROPS.lock().unwrap().clone();
    drops.sort_unstable();
    assert_eq!(drops, [0, 1, 2], "every item dropped exactly once");
}
