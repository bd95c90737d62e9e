use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::{PooledMessage, SizeClass};

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(C)]
struct Price(u64, u32, u32);

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "ringpool::bytemuck")]
#[repr(transparent)]
struct Sequence(u64);

fn main() {
    assert_eq!(
        (Price::SIZE, Price::ALIGN, Price::CLASS),
        (16, 8, SizeClass::XS)
    );
    assert_eq!((Sequence::SIZE, Sequence::ALIGN), (8, 8));
}
