//! A slot index and a counter in one `u64`: `count:40 | index:24`, `NIL` for "no slot": the free
//! list's head (counter: pops, its ABA tag), so that a word read twice with the same value proves
//! nothing was listed in between. (The magazines' words, `stash`, pack a length the same way.)

const INDEX_BITS: u32 = 24;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;
/// No slot. Capacities are below it (`PoolConfig::MAX_CLASS_CAPACITY`).
pub(crate) const NIL: u32 = INDEX_MASK as u32;
const _: () = assert!(crate::PoolConfig::MAX_CLASS_CAPACITY <= NIL as usize);

/// The word holding `count` (modulo 2⁴⁰) and `index`.
#[inline(always)]
pub(crate) const fn pack(count: u64, index: u32) -> u64 {
    (count << INDEX_BITS) | index as u64
}

/// The slot index of a word (`NIL` for none).
#[inline(always)]
pub(crate) const fn index_of(word: u64) -> u32 {
    (word & INDEX_MASK) as u32
}

/// The counter of a word.
#[inline(always)]
pub(crate) const fn count_of(word: u64) -> u64 {
    word >> INDEX_BITS
}
