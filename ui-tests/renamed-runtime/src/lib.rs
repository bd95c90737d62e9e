//! Hygiene test of `#[derive(PooledMessage)]`: this crate depends on `pool-runtime` alone, renamed
//! to `rt` in its `Cargo.toml`, and compiles under `#![no_implicit_prelude]` with local items
//! shadowing the names generated code might otherwise pick up. No `#[pooled(crate = ...)]`: the
//! derive has to find `::rt` by itself.
#![no_implicit_prelude]

#[allow(dead_code)]
mod core {}
#[allow(dead_code)]
mod pool_runtime {}
#[allow(dead_code)]
mod ringpool {}
#[allow(dead_code)]
struct PooledMessage;
#[allow(dead_code, non_camel_case_types)]
type usize = ();

/// A quote, with the name-hash type id.
#[derive(
    ::std::clone::Clone,
    ::std::marker::Copy,
    ::rt::bytemuck::Pod,
    ::rt::bytemuck::Zeroable,
    ::rt::PooledMessage,
)]
#[bytemuck(crate = "::rt::bytemuck")]
#[repr(C)]
pub struct Quote {
    /// Best bid.
    pub bid: u64,
    /// Best ask.
    pub ask: u64,
}

/// A trade, with an explicit type id.
#[derive(
    ::std::clone::Clone,
    ::std::marker::Copy,
    ::rt::bytemuck::Pod,
    ::rt::bytemuck::Zeroable,
    ::rt::PooledMessage,
)]
#[bytemuck(crate = "::rt::bytemuck")]
#[repr(C)]
#[pooled(type_id = 42)]
pub struct Trade(pub [u8; 300]);

/// A tick through the one-line attribute, which must find `::rt` by itself as well.
#[::rt::message(type_id = 43)]
pub struct Tick {
    /// Sequence number.
    pub seq: u64,
}

/// The messages this crate handles; `#[derive(MessageSet)]` finds `::rt` by itself too.
#[derive(::rt::MessageSet)]
pub enum Inbound {
    /// Quotes.
    Quote(::rt::RingPtr<Quote>),
    /// Trades, with a capacity override.
    #[message_set(capacity = 8)]
    Trade(::rt::RingPtr<Trade>),
}

#[cfg(test)]
mod tests {
    use super::{Inbound, Quote, Tick, Trade};
    use ::rt::PooledMessage;

    #[test]
    fn derive_finds_the_renamed_runtime() {
        ::std::assert_eq!(Quote::SIZE, 16);
        ::std::assert_eq!(Quote::CLASS, ::rt::SizeClass::XS);
        ::std::assert_eq!(Quote::TYPE_ID, ::rt::stable_type_id("Quote"));
        ::std::assert_eq!(Trade::CLASS, ::rt::SizeClass::M);
        ::std::assert_eq!(Trade::TYPE_ID, 42);
        ::std::assert_eq!(Trade::NAME, "Trade");
        ::std::assert_eq!((Tick::SIZE, Tick::TYPE_ID), (8, 43));
        let pools =
            ::rt::Pools::new(::rt::PoolConfig::empty().with_capacity(::rt::SizeClass::XS, 1));
        ::std::assert_eq!(pools.allocate(Tick { seq: 5 }).unwrap().seq, 5);
    }

    #[test]
    fn message_set_decodes_through_the_renamed_runtime() {
        ::std::assert_eq!(Inbound::POOL_CONFIG.capacity(::rt::SizeClass::XS), 4096);
        ::std::assert_eq!(Inbound::POOL_CONFIG.capacity(::rt::SizeClass::M), 8);
        let mut wire = ::std::vec::Vec::new();
        ::rt::frame::write_frame(&mut wire, &Quote { bid: 1, ask: 2 }).unwrap();
        let pools = ::rt::Pools::new(Inbound::POOL_CONFIG);
        match Inbound::read_from(&mut wire.as_slice(), &pools).unwrap() {
            Inbound::Quote(quote) => ::std::assert_eq!((quote.bid, quote.ask), (1, 2)),
            Inbound::Trade(_) => ::std::panic!("a quote was sent"),
        }
    }
}
