//! The derive under `#![no_implicit_prelude]`, with user items shadowing every name the generated
//! code could be tempted to use unqualified, and the runtime renamed by `extern crate`.
#![no_implicit_prelude]

extern crate ringpool as rp;

#[allow(dead_code)]
mod core {}
#[allow(dead_code)]
mod bytemuck {}
#[allow(dead_code)]
struct SizeClass;
#[allow(dead_code)]
struct PooledMessage;
#[allow(dead_code)]
type Result = ();
#[allow(dead_code, non_camel_case_types)]
type usize = ();
#[allow(dead_code, non_camel_case_types)]
type u16 = ();
#[allow(dead_code, non_camel_case_types)]
type str = ();

#[derive(
    ::std::clone::Clone,
    ::std::marker::Copy,
    rp::bytemuck::Pod,
    rp::bytemuck::Zeroable,
    rp::PooledMessage,
)]
#[bytemuck(crate = "rp::bytemuck")]
#[repr(C)]
#[pooled(type_id = 9)]
struct Quote {
    bid: u64,
    ask: u64,
}

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
struct Renamed(u32);

fn main() {
    ::std::assert_eq!(<Quote as rp::PooledMessage>::SIZE, 16);
    ::std::assert_eq!(<Quote as rp::PooledMessage>::TYPE_ID, 9);
    ::std::assert_eq!(<Renamed as rp::PooledMessage>::CLASS, rp::SizeClass::XS);
}
