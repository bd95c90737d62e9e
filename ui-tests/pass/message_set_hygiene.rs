//! `#[derive(MessageSet)]` under `#![no_implicit_prelude]`, the runtime renamed by `extern crate`,
//! with local items shadowing names the generated code must not pick up.
#![no_implicit_prelude]

extern crate ringpool as rp;

#[allow(dead_code)]
mod core {}
#[allow(dead_code)]
mod std {}
#[allow(dead_code)]
struct Frame;
#[allow(dead_code)]
struct PoolConfig;
#[allow(dead_code)]
type Result = ();
#[allow(dead_code, non_camel_case_types)]
type u16 = ();

#[derive(
    ::std::clone::Clone,
    ::std::marker::Copy,
    rp::bytemuck::Pod,
    rp::bytemuck::Zeroable,
    rp::PooledMessage,
)]
#[bytemuck(crate = "rp::bytemuck")]
#[repr(C)]
#[pooled(crate = "::rp")]
struct Quote {
    bid: u64,
    ask: u64,
}

#[derive(rp::MessageSet)]
#[message_set(crate = "::rp")]
enum Inbound {
    Quote(rp::RingPtr<Quote>),
}

fn main() {
    ::std::assert_eq!(Inbound::POOL_CONFIG.capacity(rp::SizeClass::XS), 4096);
    ::std::assert_eq!(Inbound::TYPE_IDS.len(), 1);
}
