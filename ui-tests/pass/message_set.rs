//! `#[derive(MessageSet)]`: inferred pool sizes, capacity overrides, decoding by type id, the
//! inherent items (no trait import) and the trait itself.
use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::frame::{FrameError, write_frame, write_frame_bytes};
use ringpool::{LocalPools, MessageSet, PooledMessage, Pools, RingPtr, SizeClass};

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
#[pooled(type_id = 7)]
struct SwapEvent {
    pool: [u8; 20],
    amount_in: [u8; 32],
    amount_out: [u8; 32],
}

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Heartbeat {
    sequence: u64,
}

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Ping {
    nonce: u32,
}

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Snapshot {
    bytes: [u8; 5000],
}

#[derive(MessageSet)]
pub(crate) enum Inbound {
    Swap(RingPtr<SwapEvent>),
    Heartbeat(RingPtr<Heartbeat>),
    Ping(RingPtr<Ping>),
    #[message_set(capacity = 4)]
    Snapshot(ringpool::RingPtr<Snapshot>),
}

// Two XS members add up; S gets the default; XL the override; M and L are unused.
const _: () = assert!(Inbound::POOL_CONFIG.capacity(SizeClass::XS) == 2 * 4096);
const _: () = assert!(Inbound::POOL_CONFIG.capacity(SizeClass::S) == 2048);
const _: () = assert!(Inbound::POOL_CONFIG.capacity(SizeClass::M) == 0);
const _: () = assert!(Inbound::POOL_CONFIG.capacity(SizeClass::L) == 0);
const _: () = assert!(Inbound::POOL_CONFIG.capacity(SizeClass::XL) == 4);

fn type_ids_of<S: ringpool::frame::MessageSet>() -> &'static [u16] {
    S::TYPE_IDS
}

fn main() -> Result<(), FrameError> {
    assert_eq!(
        Inbound::TYPE_IDS,
        [7, Heartbeat::TYPE_ID, Ping::TYPE_ID, Snapshot::TYPE_ID]
    );
    assert_eq!(type_ids_of::<Inbound>(), Inbound::TYPE_IDS);

    let mut wire = Vec::new();
    let swap = SwapEvent {
        pool: [1; 20],
        amount_in: [2; 32],
        amount_out: [3; 32],
    };
    write_frame(&mut wire, &swap)?;
    write_frame(&mut wire, &Heartbeat { sequence: 42 })?;
    write_frame_bytes(&mut wire, 0xfff0, 0, &[0; 8])?;
    write_frame(&mut wire, &Snapshot { bytes: [9; 5000] })?;

    let pools = Pools::new(Inbound::POOL_CONFIG);
    let mut reader = wire.as_slice();
    match Inbound::read_from(&mut reader, &pools)? {
        Inbound::Swap(event) => assert_eq!(event.amount_out, [3; 32]),
        _ => panic!("expected a swap"),
    }
    match Inbound::read_from(&mut reader, &pools)? {
        Inbound::Heartbeat(beat) => assert_eq!(beat.sequence, 42),
        _ => panic!("expected a heartbeat"),
    }
    match Inbound::read_from(&mut reader, &pools) {
        Err(FrameError::UnknownTypeId { type_id: 0xfff0 }) => {}
        _ => panic!("expected an unknown type id"),
    }
    let mut local = LocalPools::new(Inbound::POOL_CONFIG);
    match Inbound::read_from(&mut reader, &mut local)? {
        Inbound::Snapshot(snapshot) => assert_eq!(snapshot.bytes[4999], 9),
        _ => panic!("expected a snapshot"),
    }
    Ok(())
}
