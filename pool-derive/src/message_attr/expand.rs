//! Expand: the struct with `#[repr(C)]` (unless it has a repr), `Clone`, `Copy`, the byte-level
//! derives of its form with their crate paths set to the runtime's re-exports, and
//! `#[derive(PooledMessage)]` with the arguments passed on as `#[pooled(...)]`.

use super::args::MessageArgs;
use crate::errors::Errors;
use crate::pooled_message::Form;
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn expand(
    args: &MessageArgs,
    raw_args: TokenStream,
    item: syn::DeriveInput,
    errors: &Errors,
) -> TokenStream {
    let rt = crate::crate_path::runtime_path(args.runtime.as_ref());
    let repr =
        (!item.attrs.iter().any(|attr| attr.path().is_ident("repr"))).then(|| quote!(#[repr(C)]));
    let copy = quote!(::core::clone::Clone, ::core::marker::Copy);
    if !errors.is_empty() {
        // The field errors alone: no derive runs, so none adds its own error about the same
        // field.
        let compile_errors = errors.to_compile_errors();
        return quote!(#compile_errors #[derive(#copy)] #repr #item);
    }
    let pooled = (!raw_args.is_empty()).then(|| quote!(#[pooled(#raw_args)]));
    if !matches!(item.data, syn::Data::Struct(_)) {
        // Not a struct: the derive reports it (once, with what to do instead).
        return quote!(#[derive(#rt::PooledMessage)] #pooled #item);
    }
    // The derives' own `crate = "..."` attributes take a string.
    let rt_string = quote!(#rt).to_string().replace(' ', "");
    match args.form {
        Form::Bytemuck => {
            let bytemuck = format!("{rt_string}::bytemuck");
            quote! {
                #[derive(#copy, #rt::bytemuck::Pod, #rt::bytemuck::Zeroable, #rt::PooledMessage)]
                #[bytemuck(crate = #bytemuck)]
                #repr
                #pooled
                #item
            }
        }
        Form::Zerocopy | Form::Validated => {
            let zerocopy = format!("{rt_string}::zerocopy");
            let from_bytes = match args.form {
                Form::Validated => quote!(TryFromBytes),
                _ => quote!(FromBytes),
            };
            // Through a runtime macro that expands to the item only with the runtime's
            // `zerocopy` feature, and else to the struct and one error saying to enable it.
            quote! {
                #rt::__private::zerocopy_message! {
                    {
                        #[derive(
                            #copy,
                            #rt::zerocopy::#from_bytes,
                            #rt::zerocopy::IntoBytes,
                            #rt::zerocopy::Immutable,
                            #rt::zerocopy::KnownLayout,
                            #rt::PooledMessage,
                        )]
                        #[zerocopy(crate = #zerocopy)]
                        #repr
                        #pooled
                        #item
                    }
                    {
                        #[derive(#copy)]
                        #repr
                        #item
                    }
                }
            }
        }
    }
}
