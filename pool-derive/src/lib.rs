//! Derive macros of ringpool. Use them through the `ringpool` (or `pool-runtime`) crate.

use proc_macro::TokenStream;

/// Implements `PooledMessage` for a `#[repr(C)]` `bytemuck::Pod` struct.
#[proc_macro_derive(PooledMessage, attributes(pooled))]
pub fn derive_pooled_message(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}
