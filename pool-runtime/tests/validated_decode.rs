//! Validated messages (`TryFromBytes`) decoded from any bytes: exactly the valid bit patterns
//! decode, each to the bytes sent; every other one is `FrameError::InvalidValue` and the slot
//! goes back. (The round trips and the one-byte cases are in the facade's
//! `tests/zerocopy_messages.rs`; this file runs under the sanitizers too.)
#![cfg(feature = "zerocopy")]

use pool_runtime::frame::{FrameError, read_frame, write_frame_bytes};
use pool_runtime::zerocopy::{Immutable, IntoBytes, KnownLayout, TryFromBytes};
use pool_runtime::{PoolConfig, PooledMessage, Pools, SizeClass};
use proptest::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, TryFromBytes, IntoBytes, Immutable, KnownLayout)]
#[zerocopy(crate = "pool_runtime::zerocopy")]
#[repr(u8)]
#[allow(dead_code)] // only ever decoded
enum Side {
    Buy = 1,
    Sell = 2,
}

#[pool_runtime::message(validated, type_id = 5)]
struct Order {
    price: u64,
    qty: u32,
    side: Side,
    is_ioc: bool,
    post_only: bool,
    reserved: u8,
}

/// The oracle, independent of zerocopy: `side` (byte 12) is 1 or 2, `is_ioc` and `post_only`
/// (bytes 13 and 14) are 0 or 1.
fn valid(payload: &[u8; 16]) -> bool {
    matches!(payload[12], 1 | 2) && payload[13] <= 1 && payload[14] <= 1
}

proptest! {
    #[test]
    fn decode_accepts_exactly_the_valid_orders(payload in any::<[u8; 16]>()) {
        let pools = Pools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 1));
        let mut wire = Vec::new();
        write_frame_bytes(&mut wire, Order::TYPE_ID, 0, &payload).unwrap();
        let frame = read_frame(&mut wire.as_slice(), &pools).unwrap();
        match frame.decode::<Order>() {
            Ok(order) => {
                prop_assert!(valid(&payload));
                prop_assert_eq!(order.as_bytes(), &payload[..]);
                prop_assert_eq!(u8::from(order.is_ioc), payload[13]);
            }
            Err(FrameError::InvalidValue { type_id, message }) => {
                prop_assert!(!valid(&payload));
                prop_assert_eq!((type_id, message), (5, "Order"));
            }
            Err(other) => prop_assert!(false, "unexpected {}", other),
        }
        prop_assert_eq!(pools.stats().class(SizeClass::XS).in_use, 0);
    }

    /// Mostly-valid payloads (one byte of the three checked ones changed at a time), so both
    /// outcomes are well covered.
    #[test]
    fn one_changed_byte_decides(position in 12usize..15, value in any::<u8>()) {
        let mut payload = [0u8; 16];
        payload[12] = 1;
        payload[position] = value;
        let pools = Pools::new(PoolConfig::empty().with_capacity(SizeClass::XS, 1));
        let mut bytes = pools.allocate_bytes(16).unwrap();
        bytes.copy_from_slice(&payload);
        prop_assert_eq!(bytes.into_message::<Order>().is_ok(), valid(&payload));
        prop_assert_eq!(pools.stats().class(SizeClass::XS).in_use, 0);
    }
}
