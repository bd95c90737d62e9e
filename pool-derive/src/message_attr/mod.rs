//! `#[ringpool::message]`: one attribute in place of `#[repr(C)]`, five derives and the crate
//! paths. It parses its arguments (`args`), checks the fields for types its form can never accept
//! (`fields`), and writes the attributes onto the struct (`expand`); everything else, including
//! every check of size, repr and attributes, is left to `#[derive(PooledMessage)]`, which it adds.

mod args;
mod expand;
mod fields;

use proc_macro2::TokenStream;

/// The whole attribute macro.
pub(crate) fn message(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = crate::errors::Errors::default();
    let parsed = args::MessageArgs::parse(args.clone(), &mut errors);
    let item: syn::DeriveInput = match syn::parse2(item) {
        Ok(item) => item,
        Err(error) => return error.to_compile_error(),
    };
    if errors.is_empty() {
        fields::check(&item, parsed.form, &mut errors);
    }
    expand::expand(&parsed, args, item, &errors)
}
