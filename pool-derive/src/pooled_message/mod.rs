//! `#[derive(PooledMessage)]`: parse (`ast`, `attr`, `repr`) → validate (`valid`) → expand
//! (`expand`, or `fallback` when the item cannot be a message).

mod ast;
mod attr;
mod expand;
mod fallback;
mod repr;
mod valid;

pub(crate) use attr::Form;

use crate::errors::Errors;
use proc_macro2::TokenStream;

/// The whole derive: every error found, plus the impl whenever the item's shape allows one.
pub(crate) fn derive(input: &syn::DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let parsed = ast::MessageInput::parse(input, &mut errors);
    match valid::validate(&parsed, &mut errors) {
        Some(message) => {
            let implementation = expand::expand(&message);
            let compile_errors = errors.to_compile_errors();
            quote::quote!(#compile_errors #implementation)
        }
        None => fallback::expand(&parsed, &errors),
    }
}
