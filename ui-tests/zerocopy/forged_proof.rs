//! A fake runtime path that swaps the byte-level proof for its own, to pool a `bool` message
//! without `Pod`. The proof must implement the runtime's sealed `MessageBytes`, so it is refused.
//! (In this category because its expected output lists the zerocopy proofs too.)
mod forging_runtime {
    pub mod __private {
        pub use ringpool::__private::*;

        pub struct BytemuckBytes;
        pub trait MessageBytes<T> {}
        impl<T> MessageBytes<T> for BytemuckBytes {}
        pub const fn assert_pod<Msg>() {}
    }
}

#[derive(Clone, Copy, ringpool::PooledMessage)]
#[repr(C)]
#[pooled(crate = "crate::forging_runtime")]
struct Flag {
    on: bool,
}

fn main() {}
