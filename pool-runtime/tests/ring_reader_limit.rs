//! A ring has at most `MAX_READERS` readers at a time: waiting readers are counted in 16-bit
//! fields, so one more could not be woken. Asking for more is a typed error, never a hang.
#![cfg(not(loom))]

use pool_runtime::ring::{CapacityError, MAX_READERS, Overwrite, Ring, TooManyReaders};

#[test]
fn a_reader_table_above_the_limit_is_refused() {
    let err = Ring::<u64>::with_capacity_and_readers(4, MAX_READERS + 1).unwrap_err();
    assert_eq!(
        err,
        CapacityError::TooManyReaders {
            requested: MAX_READERS + 1
        }
    );
    assert!(err.to_string().contains("65535"), "{err}");
    assert!(Ring::<u64>::with_capacity_and_readers(4, MAX_READERS).is_ok());
}

#[test]
fn an_overwrite_ring_refuses_one_reader_past_the_limit_until_one_leaves() {
    let ring = Ring::<u64, Overwrite>::with_capacity(4).unwrap();
    let mut readers: Vec<_> = (0..MAX_READERS)
        .map(|_| ring.subscribe().expect("below the limit"))
        .collect();
    assert_eq!(
        ring.subscribe().unwrap_err(),
        TooManyReaders {
            max_readers: MAX_READERS
        }
    );
    // A refused subscription leaves the count as it was: still full, then one place after a drop.
    assert!(ring.subscribe().is_err());
    readers.pop();
    let mut newcomer = ring.subscribe().expect("a reader left");
    let mut writer = ring.writer().unwrap();
    writer.push(7);
    assert_eq!(newcomer.try_next(), Ok(Some(7)));
    assert_eq!(readers[0].try_next(), Ok(Some(7)));
}
