//! The per-thread stash cells of a `Pools` arena: one cell per thread number (see `tid`),
//! each holding at most one free slot index.
//!
//! The last drop of a `Pools` message puts its slot into the dropping thread's cell when that is
//! empty (a load and a plain store: only the cell's thread fills it), else onto the shared free
//! list. An allocation first takes from its own thread's cell. Any thread may take from any cell,
//! so a stashed slot is never out of reach: when the free list is empty, an allocation looks
//! through every cell before it reports the class exhausted (see `Pools::claim_when_list_empty`),
//! which keeps capacity exact.
//!
//! # Taking from one's own cell without a read-modify-write
//!
//! Where the process can use asymmetric barriers (see `asymmetric`), the owner takes its own
//! slot with plain loads and stores, in a Dekker handshake with would-be thieves:
//!
//! - owner: mark its cell *taking*; light barrier; if no thief is registered on the stash, load
//!   the cell and store it emptied; clear *taking*. If a thief is registered, it clears *taking*
//!   and takes with a compare-exchange instead.
//! - thief: register (a counter on the stash); heavy barrier; then for each cell: skip it while
//!   its owner is *taking* (that slot is being allocated by its owner right now), else take with a
//!   compare-exchange; unregister.
//!
//! The barriers guarantee the owner sees the thief's registration or the thief sees the owner's
//! *taking* mark, so a plain take never races a compare-exchange on the same cell. Without
//! asymmetric barriers the owner always takes with a compare-exchange: one read-modify-write per
//! message instead of the free list's two.
//!
//! A cell's word is a 40-bit fill count above a 24-bit slot index (`NIL` when empty). Fills bump
//! the count, takes keep it, so two reads of a cell that return the same word prove it was not
//! filled in between (a 2⁴⁰-fill wrap between two reads of one scan is out of reach). The fill
//! counts also give the number of takes for the statistics: fills − full cells.

use crossbeam_utils::CachePadded;

use super::asymmetric;
use super::counted_index::{NIL, count_of as fills_of, index_of, pack};
use super::tid::MAX_TIDS;
use crate::sync::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Puts the freed slot `index` into `cell`, the caller's own thread's cell, or gives it back as
/// `Err` when the cell is full (the caller then pushes it on the free list).
///
/// Takes the cell, not the arena (the caller keeps the arena alive by holding its slot in `F`,
/// see `release`).
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

/// One thread number's cell, alone on its 64-byte cache line (its owner writes it on every
/// allocation and free; 64 rather than `CachePadded`'s 128 keeps a class's cells at 4 KiB).
#[repr(align(64))]
struct StashCell {
    word: AtomicU64,
    /// Set by the owner around a plain take (see the module docs).
    owner_taking: AtomicBool,
}

/// The cells of a `Pools` arena, and the thieves currently looking through them.
struct Cells {
    cells: [StashCell; MAX_TIDS],
    thieves: CachePadded<AtomicUsize>,
    /// Whether owners take with plain loads and stores (asymmetric barriers available).
    plain_owner_takes: bool,
}

/// The words of every cell, read one after another (see [`Stash::snapshot`] and
/// [`Thief::snapshot`]).
pub(crate) type StashSnapshot = [u64; MAX_TIDS];

pub(crate) struct Stash {
    /// `Some` for a `Pools` arena, `None` for any other (which never stashes).
    cells: Option<Box<Cells>>,
}

impl Stash {
    /// One empty cell per thread number (for a `Pools` arena).
    pub(crate) fn for_shared_arena() -> Self {
        Stash {
            cells: Some(Box::new(Cells {
                cells: core::array::from_fn(|_| StashCell {
                    word: AtomicU64::new(pack(0, NIL)),
                    owner_taking: AtomicBool::new(false),
                }),
                thieves: CachePadded::new(AtomicUsize::new(0)),
                plain_owner_takes: asymmetric::available(),
            })),
        }
    }

    /// No cells (arenas that are not `Pools` arenas never stash).
    pub(crate) fn none() -> Self {
        Stash { cells: None }
    }

    /// # Safety
    ///
    /// `self` is the stash of a `Pools` (`ArenaKind::Shared`) arena.
    #[inline(always)]
    unsafe fn shared_cells(&self) -> &Cells {
        // SAFETY: a `Shared` arena's stash is built by `for_shared_arena` (caller's promise).
        unsafe { self.cells.as_deref().unwrap_unchecked() }
    }

    /// The cell of thread number `number` (`< MAX_TIDS`), for [`put`], with no check that
    /// this is a `Pools` arena's stash: the drop of every message inlines this, so it is kept
    /// small.
    ///
    /// # Safety
    ///
    /// `self` is the stash of a `Pools` (`ArenaKind::Shared`) arena.
    #[inline(always)]
    pub(crate) unsafe fn cell(&self, number: usize) -> &AtomicU64 {
        // SAFETY: the caller's promise.
        &unsafe { self.shared_cells() }.cells[number].word
    }

    /// Every cell (none for a stash that is not a `Pools` arena's).
    #[inline(always)]
    fn cells(&self) -> &[StashCell] {
        self.cells
            .as_deref()
            .map_or(&[], |cells| cells.cells.as_slice())
    }

    /// Takes the slot in the cell of thread number `number`, the caller's own, if any (see the
    /// module docs for the plain take).
    ///
    /// # Safety
    ///
    /// `self` is the stash of a `Pools` (`ArenaKind::Shared`) arena, and `number` is the calling
    /// thread's number (so no other thread fills or plainly takes from this cell meanwhile).
    #[inline(always)]
    pub(crate) unsafe fn take_own(&self, number: usize) -> Option<u32> {
        // SAFETY: the caller's promise.
        let shared = unsafe { self.shared_cells() };
        let cell = &shared.cells[number];
        if shared.plain_owner_takes {
            // Relaxed: the light barrier orders this store before the load of `thieves` for any
            // thief that runs the heavy barrier (see the module docs).
            cell.owner_taking.store(true, Ordering::Relaxed);
            asymmetric::light();
            // A registered thief makes us take with a compare-exchange. Acquire: if we read the
            // count a thief left when it unregistered (Release), its takes (maybe from this very
            // cell) happen before our plain load of the cell below.
            if shared.thieves.load(Ordering::Acquire) == 0 {
                // Relaxed: only we fill this cell, and no thief takes from it while we are marked
                // taking, so nothing else writes it until we clear the mark; the slot was freed by
                // our own drop, which happens before this in program order.
                let word = cell.word.load(Ordering::Relaxed);
                let index = index_of(word);
                let taken = (index != NIL).then(|| {
                    cell.word
                        .store(pack(fills_of(word), NIL), Ordering::Relaxed);
                    index
                });
                // Release: a thief that sees the mark cleared (Acquire) sees the emptied cell.
                cell.owner_taking.store(false, Ordering::Release);
                return taken;
            }
            // Relaxed: we take with a compare-exchange below, as a thief would.
            cell.owner_taking.store(false, Ordering::Relaxed);
        }
        // Relaxed: `take_from`'s compare-exchange decides and orders.
        let word = cell.word.load(Ordering::Relaxed);
        take_from(&cell.word, word)
    }

    /// Registers the caller as a thief until the returned guard drops (see the module docs).
    pub(crate) fn thief(&self) -> Thief<'_> {
        let cells = self.cells.as_deref();
        if let Some(cells) = cells
            && cells.plain_owner_takes
        {
            // Relaxed: the heavy barrier below makes it visible to every owner's next check.
            cells.thieves.fetch_add(1, Ordering::Relaxed);
            asymmetric::heavy();
        }
        Thief { stash: self }
    }

    /// Reads every cell once, in order.
    pub(crate) fn snapshot(&self) -> StashSnapshot {
        let mut words = [pack(0, NIL); MAX_TIDS];
        for (word, cell) in words.iter_mut().zip(self.cells()) {
            // Relaxed: a take (compare-exchange, Acquire) orders whatever we then use.
            *word = cell.word.load(Ordering::Relaxed);
        }
        words
    }

    /// Whether a snapshot shows every cell empty.
    pub(crate) fn all_empty(words: &StashSnapshot) -> bool {
        words.iter().all(|&word| index_of(word) == NIL)
    }

    /// How many slots were taken from the cells so far (fills − full cells); a statistic.
    pub(crate) fn takes(&self) -> u64 {
        self.cells()
            .iter()
            .map(|cell| {
                // Relaxed: a statistic.
                let word = cell.word.load(Ordering::Relaxed);
                fills_of(word) - u64::from(index_of(word) != NIL)
            })
            .sum()
    }
}

/// A registered thief (see [`Stash::thief`]): may take from any cell.
pub(crate) struct Thief<'a> {
    stash: &'a Stash,
}

impl Thief<'_> {
    /// Reads every cell once, in order; a cell whose owner is taking from it reads as empty (its
    /// slot is being allocated by its owner).
    pub(crate) fn snapshot(&self) -> StashSnapshot {
        let mut words = self.stash.snapshot();
        for (word, cell) in words.iter_mut().zip(self.stash.cells()) {
            // Acquire: as in `take_if_unchanged`.
            if cell.owner_taking.load(Ordering::Acquire) {
                *word = pack(fills_of(*word), NIL);
            }
        }
        words
    }

    /// Takes the slot in cell `number` if it still holds the one read as `word`; `None` if it
    /// changed, or while its owner is taking from it (then that slot is being allocated).
    pub(crate) fn take_if_unchanged(&self, number: usize, word: u64) -> Option<u32> {
        let cell = &self.stash.cells()[number];
        // Acquire: an owner's plain take, finished, is seen by the compare-exchange below. (Our
        // registration and heavy barrier make a mark set before them visible here.)
        if cell.owner_taking.load(Ordering::Acquire) {
            return None;
        }
        take_from(&cell.word, word)
    }
}

impl Drop for Thief<'_> {
    fn drop(&mut self) {
        if let Some(cells) = self.stash.cells.as_deref()
            && cells.plain_owner_takes
        {
            // Release: our takes happen before an owner's plain take that sees us gone.
            cells.thieves.fetch_sub(1, Ordering::Release);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn put_fills_once_take_empties_and_counts() {
        // Every `unsafe` below: `cell` and `take_own` on a stash built by `for_shared_arena`,
        // with this test thread as the only owner of cell 3.
        let stash = Stash::for_shared_arena();
        // SAFETY: a `Pools` arena's stash (see above).
        assert_eq!(put(unsafe { stash.cell(3) }, 7), Ok(()));
        assert_eq!(
            // SAFETY: as above.
            put(unsafe { stash.cell(3) }, 8),
            Err(8),
            "a full cell refuses a second slot"
        );
        let before = stash.snapshot();
        assert!(!Stash::all_empty(&before));
        // SAFETY: as above.
        assert_eq!(unsafe { stash.take_own(3) }, Some(7));
        // SAFETY: as above.
        assert_eq!(unsafe { stash.take_own(3) }, None);
        let thief = stash.thief();
        assert_eq!(
            thief.take_if_unchanged(3, before[3]),
            None,
            "a word read before the take no longer matches"
        );
        // SAFETY: as above.
        assert_eq!(put(unsafe { stash.cell(3) }, 9), Ok(()));
        assert_eq!(
            thief.take_if_unchanged(3, before[3]),
            None,
            "refilled: the fill count moved"
        );
        assert_eq!(stash.takes(), 1);
        let now = thief.snapshot();
        assert_eq!(thief.take_if_unchanged(3, now[3]), Some(9), "a thief takes");
        assert_eq!(stash.takes(), 2);
        drop(thief);
        assert!(Stash::all_empty(&stash.snapshot()));
    }

    #[test]
    fn a_cell_whose_owner_is_taking_is_skipped_by_thieves() {
        let stash = Stash::for_shared_arena();
        // SAFETY: a `Pools` arena's stash.
        assert_eq!(put(unsafe { stash.cell(5) }, 4), Ok(()));
        let cells = stash.cells.as_deref().unwrap();
        // Relaxed: single-threaded test of the mark's effect.
        cells.cells[5].owner_taking.store(true, Ordering::Relaxed);
        let thief = stash.thief();
        let words = thief.snapshot();
        assert!(
            Stash::all_empty(&words),
            "reads as empty: its owner is allocating it"
        );
        let raw = stash.snapshot();
        assert_eq!(
            thief.take_if_unchanged(5, raw[5]),
            None,
            "not taken from under its owner"
        );
        cells.cells[5].owner_taking.store(false, Ordering::Relaxed);
        assert_eq!(thief.take_if_unchanged(5, raw[5]), Some(4));
    }
}
