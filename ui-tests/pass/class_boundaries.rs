//! Every size-class boundary: the last size of a class and the first of the next.
use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::{PooledMessage, SizeClass};

macro_rules! message_of_size {
    ($name:ident, $bytes:expr, $class:ident) => {
        #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
        #[bytemuck(crate = "ringpool::bytemuck")]
        #[repr(C)]
        struct $name([u8; $bytes]);

        const _: () = assert!($name::SIZE == $bytes);
        const _: () = assert!($name::ALIGN == 1);
        const _: () = assert!(matches!($name::CLASS, SizeClass::$class));
    };
}

message_of_size!(B1, 1, XS);
message_of_size!(B64, 64, XS);
message_of_size!(B65, 65, S);
message_of_size!(B256, 256, S);
message_of_size!(B257, 257, M);
message_of_size!(B1024, 1024, M);
message_of_size!(B1025, 1025, L);
message_of_size!(B4096, 4096, L);
message_of_size!(B4097, 4097, XL);
message_of_size!(B16384, 16384, XL);

fn main() {
    assert_eq!(B16384::CLASS, SizeClass::XL);
    assert_eq!(B1::NAME, "B1");
}
