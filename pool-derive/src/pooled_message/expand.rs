//! Expand: the `unsafe impl PooledMessage` and the compile-time checks of size, alignment and
//! `Pod`-ness, all inside one `const _: () = { ... };`.

use super::attr::Form;
use super::valid::ValidMessage;
use crate::respan::respan;
use proc_macro2::TokenStream;
use quote::quote;

/// The impl plus its checks. Each check calls a `__private` function whose bound fails with a
/// `#[diagnostic::on_unimplemented]` message stating the actual number and the limit; the checks
/// carry the span of the type's name, so that is where the error points.
pub(crate) fn expand(message: &ValidMessage<'_>) -> TokenStream {
    let ident = message.ident;
    let rt = &message.runtime;
    let private = quote!(#rt::__private);
    let name = ident.to_string();
    let type_id = match message.type_id {
        Some(id) => {
            let literal = proc_macro2::Literal::u16_unsuffixed(id);
            quote!(#literal)
        }
        None => quote!(#private::stable_type_id(#name)),
    };
    // Primitive types by path too: a user's `type usize = ...;` must not change the impl.
    let u16_type = quote!(#private::core::primitive::u16);
    let str_type = quote!(#private::core::primitive::str);
    let size = quote!(#private::core::mem::size_of::<#ident>());
    let align = quote!(#private::core::mem::align_of::<#ident>());
    let (proof, assert_bytes) = match message.form {
        Form::Bytemuck => (quote!(BytemuckBytes), quote!(assert_pod)),
        Form::Zerocopy => (quote!(ZerocopyBytes), quote!(assert_zerocopy)),
        Form::Validated => (quote!(ValidatedBytes), quote!(assert_validated)),
    };
    let proof = quote!(#private::#proof);
    let checks = quote! {
        #private::#assert_bytes::<#ident>();
        #private::assert_not_zero_sized::<#ident, #private::Check<{ #size > 0 }>>();
        #private::assert_size_within_limit::<
            #ident,
            { #size },
            #private::Check<{ #size <= #private::SizeClass::MAX_MESSAGE_SIZE }>,
        >();
        #private::assert_align_within_limit::<
            #ident,
            { #align },
            #private::Check<{ #align <= #private::SLOT_ALIGN }>,
        >();
    };
    let checks = respan(checks, ident.span());
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            #[automatically_derived]
            // SAFETY: the byte-level guarantee is `Bytes`, a sealed runtime proof; the derive
            // rejected the type unless it is `#[repr(C)]` or `#[repr(transparent)]`; size,
            // alignment and class are computed and checked by the runtime (the checks below
            // only word the errors).
            unsafe impl #private::PooledMessage for #ident
            where
                // Under `for<..>` the bound is not "trivially false" when the proof does not
                // hold (no `Pod`, say), so the impl does not fail on its own: the `assert_*`
                // check below reports it once, readably.
                for<'__pooled> #proof: #private::MessageBytes<#ident>,
            {
                type Bytes = #proof;
                // `SIZE`, `ALIGN` and `CLASS` keep the defaults the runtime computes from the
                // type: nothing this macro emits (through a path a user may redirect) sets them.
                const TYPE_ID: #u16_type = #type_id;
                const NAME: &'static #str_type = #name;

                #[inline]
                fn __only_derive_is_allowed_to_implement_this_trait() {}
            }

            const _: () = {
                #checks
            };
        };
    }
}
