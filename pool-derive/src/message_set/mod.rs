//! `#[derive(MessageSet)]`: parse (`ast`, `attr`) → validate (`valid`) → expand (`expand`, or
//! `fallback` when the item cannot be a message set).

mod ast;
mod attr;
mod expand;
mod fallback;
mod valid;

use crate::errors::Errors;
use proc_macro2::TokenStream;

/// The whole derive: every error found, plus the impl whenever the item's shape allows one.
pub(crate) fn derive(input: &syn::DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let parsed = ast::SetInput::parse(input, &mut errors);
    match valid::validate(&parsed, &mut errors) {
        Some(set) => {
            let implementation = expand::expand(&set);
            let compile_errors = errors.to_compile_errors();
            quote::quote!(#compile_errors #implementation)
        }
        None => fallback::expand(&parsed, &errors),
    }
}
