//! Fallback: the errors plus a stand-in impl (no members, every frame an unknown type id) and
//! the inherent items, so the user's `Set::decode(...)` elsewhere adds no follow-on errors.
//! Only emitted for non-generic items; the build fails on the errors either way.

use super::ast::SetInput;
use crate::errors::Errors;
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn expand(input: &SetInput<'_>, errors: &Errors) -> TokenStream {
    let compile_errors = errors.to_compile_errors();
    if !input.generics.params.is_empty() {
        return compile_errors;
    }
    let ident = input.ident;
    let rt = crate::crate_path::runtime_path(input.runtime.as_ref());
    let private = quote!(#rt::__private);
    let forwarding =
        super::expand::inherent_forwarding(ident, input.vis, &private, &TokenStream::new());
    quote! {
        #compile_errors
        #[doc(hidden)]
        const _: () = {
            impl #private::MessageSet for #ident {
                const POOL_CONFIG: #private::PoolConfig = #private::PoolConfig::empty();
                const TYPE_IDS: &'static [#private::core::primitive::u16] = &[];
                fn decode(
                    frame: #private::Frame,
                ) -> #private::core::result::Result<Self, #private::FrameError> {
                    #private::core::result::Result::Err(#private::FrameError::UnknownTypeId {
                        type_id: #private::Frame::type_id(&frame),
                    })
                }
            }
            #forwarding
        };
    }
}
