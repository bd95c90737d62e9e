//! The per-thread stash cells of a `Pools` arena: one cell per thread number (see `thread_slot`),
//! each holding at most one free slot index.
//!
//! The last drop of a `Pools` message puts its slot into the dropping thread's cell when that is
//! empty (a load and a plain store: only the cell's thread fills it), else onto the shared free
//! list. An allocation first takes from its own thread's cell (one compare-exchange), so a thread
//! that allocates and frees costs one read-modify-write per message instead of the free list's two.
//! Any thread may take from any cell, so a stashed slot is never out of reach: when the free list
//! is empty, an allocation looks through every cell before it reports the class exhausted (see
//! `Pools::claim_when_list_empty`), which keeps capacity exact.
//!
//! A cell is one `AtomicU64`: a 40-bit fill count above a 24-bit slot index (`NIL` when empty).
//! Fills bump the count, takes keep it, so two reads of a cell that return the same word prove it
//! was not filled in between (a 2⁴⁰-fill wrap between two reads of one scan is out of reach). The
//! fill counts also give the number of takes for the statistics: fills − full cells.

use crossbeam_utils::CachePadded;

use super::thread_slot::THREAD_SLOTS;
use crate::sync::{AtomicU64, Ordering};

const INDEX_BITS: u32 = 24;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;
const NIL: u32 = INDEX_MASK as u32;
const _: () = assert!(crate::PoolConfig::MAX_CLASS_CAPACITY <= NIL as usize);

#[inline(always)]
const fn pack(fills: u64, index: u32) -> u64 {
    (fills << INDEX_BITS) | index as u64
}

#[inline(always)]
const fn index_of(word: u64) -> u32 {
    (word & INDEX_MASK) as u32
}

#[inline(always)]
const fn fills_of(word: u64) -> u64 {
    word >> INDEX_BITS
}

/// The words of every cell, read one after another (see [`Stash::snapshot`]).
pub(crate) type StashSnapshot = [u64; THREAD_SLOTS];

/// Puts the freed slot `index` into `cell`, the caller's own thread's cell, or gives it back as
/// `Err` when the cell is full (the caller then pushes it on the free list).
///
/// Takes the cell, not the arena: on `Ok` the arena may be reclaimed at once if its allocator is
/// gone (see `orphans`), so the store is the caller's last access to it.
#[inline(always)]
pub(crate) fn put(cell: &AtomicU64, index: u32) -> Result<(), u32> {
    // Relaxed: only this cell's thread turns it from empty to full, so an empty cell stays empty
    // until our store below. A full one may be emptied meanwhile by a taker; we then push on the
    // free list instead, which is as good.
    let word = cell.load(Ordering::Relaxed);
    if index_of(word) != NIL {
        return Err(index);
    }
    // Release: the slot's freeing (its state word, the last holder's payload reads) happens before
    // the Acquire take that hands it to the next allocation.
    cell.store(pack(fills_of(word) + 1, index), fill_ordering());
    Ok(())
}

#[cfg(loom)]
std::thread_local! {
    /// loom negative control: fill stash cells with a Relaxed instead of a Release store.
    pub(crate) static WEAKEN_STASH_FILL: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

#[inline(always)]
fn fill_ordering() -> Ordering {
    #[cfg(loom)]
    if WEAKEN_STASH_FILL.with(|w| w.get()) {
        return Ordering::Relaxed;
    }
    Ordering::Release
}

/// Takes the slot in `cell` if the cell still holds the word `word` (with a slot in it).
#[inline(always)]
fn take_from(cell: &AtomicU64, word: u64) -> Option<u32> {
    let index = index_of(word);
    if index == NIL {
        return None;
    }
    // Acquire on success: the fill's Release, so the slot's freeing happens before our claim.
    // Keeps the fill count: only fills bump it.
    cell.compare_exchange(
        word,
        pack(fills_of(word), NIL),
        Ordering::Acquire,
        Ordering::Relaxed,
    )
    .ok()
    .map(|_| index)
}

/// One cell per thread number.
type Cells = [CachePadded<AtomicU64>; THREAD_SLOTS];

pub(crate) struct Stash {
    /// `Some` for a `Pools` arena, `None` for any other (which never stashes).
    cells: Option<Box<Cells>>,
}

impl Stash {
    /// One empty cell per thread number (for a `Pools` arena).
    pub(crate) fn for_shared_arena() -> Self {
        Stash {
            cells: Some(Box::new(core::array::from_fn(|_| {
                CachePadded::new(AtomicU64::new(pack(0, NIL)))
            }))),
        }
    }

    /// No cells (arenas that are not `Pools` arenas never stash).
    pub(crate) fn none() -> Self {
        Stash { cells: None }
    }

    /// The cell of thread number `number` (`< THREAD_SLOTS`), with no check that this is a
    /// `Pools` arena's stash: the drop of every message inlines this, so it is kept small.
    ///
    /// # Safety
    ///
    /// `self` is the stash of a `Pools` (`ArenaKind::Shared`) arena.
    #[inline(always)]
    pub(crate) unsafe fn cell(&self, number: usize) -> &AtomicU64 {
        // SAFETY: a `Shared` arena's stash is built by `for_shared_arena` (caller's promise).
        let cells = unsafe { self.cells.as_deref().unwrap_unchecked() };
        &cells[number]
    }

    /// Every cell (none for a stash that is not a `Pools` arena's).
    #[inline(always)]
    fn cells(&self) -> &[CachePadded<AtomicU64>] {
        self.cells.as_deref().map_or(&[], |cells| cells.as_slice())
    }

    /// Takes the slot in cell `number`, if it still holds the one read as `word`.
    #[inline(always)]
    pub(crate) fn take_if_unchanged(&self, number: usize, word: u64) -> Option<u32> {
        take_from(&self.cells()[number], word)
    }

    /// Takes the slot in cell `number` (the caller's own), if any.
    ///
    /// # Safety
    ///
    /// `self` is the stash of a `Pools` (`ArenaKind::Shared`) arena.
    #[inline(always)]
    pub(crate) unsafe fn take(&self, number: usize) -> Option<u32> {
        // SAFETY: a `Pools` arena's stash (caller's promise).
        let cell = unsafe { self.cell(number) };
        // Relaxed: `take_from`'s compare-exchange decides and orders.
        let word = cell.load(Ordering::Relaxed);
        take_from(cell, word)
    }

    /// Reads every cell once, in order.
    pub(crate) fn snapshot(&self) -> StashSnapshot {
        let mut words = [pack(0, NIL); THREAD_SLOTS];
        for (word, cell) in words.iter_mut().zip(self.cells()) {
            // Relaxed: a take (compare-exchange, Acquire) orders whatever we then use.
            *word = cell.load(Ordering::Relaxed);
        }
        words
    }

    /// Whether a snapshot shows every cell empty.
    pub(crate) fn all_empty(words: &StashSnapshot) -> bool {
        words.iter().all(|&word| index_of(word) == NIL)
    }

    /// The number of full cells. Exact while no allocation runs (an orphaned arena's case).
    pub(crate) fn count_full(&self) -> usize {
        self.cells()
            .iter()
            // Acquire: pairs with each fill's Release, so the dropping thread is done with the
            // arena (the fill was its last access) before the caller reclaims it.
            .filter(|cell| index_of(cell.load(Ordering::Acquire)) != NIL)
            .count()
    }

    /// How many slots were taken from the cells so far (fills − full cells); a statistic.
    pub(crate) fn takes(&self) -> u64 {
        self.cells()
            .iter()
            .map(|cell| {
                // Relaxed: a statistic.
                let word = cell.load(Ordering::Relaxed);
                fills_of(word) - u64::from(index_of(word) != NIL)
            })
            .sum()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn put_fills_once_take_empties_and_counts() {
        // Every `unsafe` below: `cell` and `take` on a stash built by `for_shared_arena`.
        let stash = Stash::for_shared_arena();
        // SAFETY: a `Pools` arena's stash (see above).
        assert_eq!(put(unsafe { stash.cell(3) }, 7), Ok(()));
        assert_eq!(
            // SAFETY: as above.
            put(unsafe { stash.cell(3) }, 8),
            Err(8),
            "a full cell refuses a second slot"
        );
        assert_eq!(stash.count_full(), 1);
        let before = stash.snapshot();
        assert!(!Stash::all_empty(&before));
        // SAFETY: as above.
        assert_eq!(unsafe { stash.take(3) }, Some(7));
        // SAFETY: as above.
        assert_eq!(unsafe { stash.take(3) }, None);
        assert_eq!(
            stash.take_if_unchanged(3, before[3]),
            None,
            "a word read before the take no longer matches"
        );
        // SAFETY: as above.
        assert_eq!(put(unsafe { stash.cell(3) }, 9), Ok(()));
        assert_eq!(
            stash.take_if_unchanged(3, before[3]),
            None,
            "refilled: the fill count moved"
        );
        assert_eq!(stash.takes(), 1);
        // SAFETY: as above.
        assert_eq!(unsafe { stash.take(3) }, Some(9));
        assert_eq!(stash.takes(), 2);
        assert!(Stash::all_empty(&stash.snapshot()));
    }
}
