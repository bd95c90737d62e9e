//! Fallback: when the item cannot be a message at all (an enum, a union, a generic struct, a
//! struct without a stable repr), emit the errors plus inherent stand-in constants, so that the
//! user's `Type::SIZE`, `Type::CLASS`… elsewhere do not add "no associated item" errors to the
//! one that matters. No trait impl is emitted: it would drag in a follow-on `Pod` error.

use super::ast::MessageInput;
use crate::errors::Errors;
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn expand(input: &MessageInput<'_>, errors: &Errors) -> TokenStream {
    let ident = input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let rt = crate::crate_path::runtime_path(input.attrs.runtime.as_ref());
    let name = ident.to_string();
    let core = quote!(#rt::__private::core::primitive);
    let compile_errors = errors.to_compile_errors();
    quote! {
        #compile_errors
        #[doc(hidden)]
        #[allow(dead_code)]
        impl #impl_generics #ident #type_generics #where_clause {
            pub const SIZE: #core::usize = 0;
            pub const ALIGN: #core::usize = 1;
            pub const CLASS: #rt::__private::SizeClass = #rt::__private::SizeClass::XS;
            pub const TYPE_ID: #core::u16 = 0;
            pub const NAME: &'static #core::str = #name;
        }
    }
}
