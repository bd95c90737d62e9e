//! Issue 12, soundness item 1: `#[pooled(crate = "...")]` lets a user point the derive at a module
//! of their choosing. One that glob-imports the real `__private` and shadows `core::mem` (and every
//! check helper) makes each number the derive computes a lie. The runtime must not care: it takes
//! size, alignment and class from `size_of`/`align_of` itself, so the lie is harmless here. The
//! compile-time half (a type too large for any slot, or a hand-written impl whose constants lie,
//! is refused) is in `ui-tests/size/shadowed_*.rs`.

/// The user's fake runtime path: the real `__private`, with the layout arithmetic and the checks
/// replaced by ones that say "8 bytes, class XS, all fine".
#[allow(clippy::extra_unused_type_parameters)] // the fakes mirror the real signatures
mod lying_runtime {
    pub mod __private {
        pub use ringpool::__private::*;

        pub mod core {
            pub use ::core::*;
            pub mod mem {
                pub const fn size_of<T>() -> usize {
                    8
                }
                pub const fn align_of<T>() -> usize {
                    8
                }
            }
        }

        pub const fn assert_pod<Msg>() {}
        pub const fn assert_not_zero_sized<Msg, C>() {}
        pub const fn assert_size_within_limit<Msg, const SIZE: usize, C>() {}
        pub const fn assert_align_within_limit<Msg, const ALIGN: usize, C>() {}
    }
}

use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::frame::{read_frame, write_frame};
use ringpool::{LocalPools, PoolConfig, PooledMessage, Pools, RingPtr, SizeClass};

/// A page-sized message (class L) whose derive was told it is 8 bytes (class XS).
#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(crate = "crate::lying_runtime", type_id = 12)]
struct Page {
    bytes: [u8; 4096],
}

fn page(fill: u8) -> Page {
    Page {
        bytes: [fill; 4096],
    }
}

/// One XS slot and one L slot: were the lie believed, the page would land in the 64-byte XS slot
/// and overrun the arena.
fn config() -> PoolConfig {
    PoolConfig::empty()
        .with_capacity(SizeClass::XS, 1)
        .with_capacity(SizeClass::L, 1)
}

#[test]
fn the_constants_users_see_are_the_real_layout() {
    assert_eq!(Page::SIZE, 4096);
    assert_eq!(Page::ALIGN, 1);
    assert_eq!(Page::CLASS, SizeClass::L);
}

#[test]
fn pools_put_the_message_in_a_slot_of_its_real_class() {
    let pools = Pools::new(config());
    let message = pools.allocate(page(0xA5)).unwrap();
    assert_eq!(RingPtr::class(&message), SizeClass::L);
    assert!(message.bytes.iter().all(|&byte| byte == 0xA5));
    let stats = pools.stats();
    assert_eq!(stats.class(SizeClass::L).in_use, 1);
    assert_eq!(stats.class(SizeClass::XS).in_use, 0);
    // The one XS slot is untouched and still allocatable.
    assert!(pools.allocate_bytes(64).is_ok());
}

#[test]
fn local_pools_put_the_message_in_a_slot_of_its_real_class() {
    let mut pools = LocalPools::new(config());
    let message = pools.allocate(page(0x5A)).unwrap();
    assert_eq!(RingPtr::class(&message), SizeClass::L);
    assert!(message.bytes.iter().all(|&byte| byte == 0x5A));
    assert_eq!(pools.stats().class(SizeClass::XS).in_use, 0);
}

#[test]
fn frames_carry_and_decode_the_real_size() {
    let pools = Pools::new(config());
    let mut wire = Vec::new();
    write_frame(&mut wire, &page(7)).unwrap();
    assert_eq!(wire.len(), 8 + 4096);

    let frame = read_frame(&mut wire.as_slice(), &pools).unwrap();
    let decoded = frame.decode::<Page>().unwrap();
    assert_eq!(RingPtr::class(&decoded), SizeClass::L);
    assert!(decoded.bytes.iter().all(|&byte| byte == 7));
}

#[test]
fn eight_bytes_are_not_taken_for_the_message() {
    let pools = Pools::new(config());
    let eight = pools.allocate_bytes(8).unwrap();
    // The derive's lie said 8 bytes: the runtime's own size says no.
    let Err(back) = eight.into_message::<Page>() else {
        panic!("8 bytes became a 4096-byte message");
    };
    assert_eq!(back.len(), 8);
}
