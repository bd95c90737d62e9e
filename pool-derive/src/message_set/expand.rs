//! Expand: `impl MessageSet`, inherent items forwarding to it (so users need no trait import),
//! and the compile-time check that no two members share a type id.

use super::valid::{Member, ValidSet};
use crate::respan::respan;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::spanned::Spanned;

pub(crate) fn expand(set: &ValidSet<'_>) -> TokenStream {
    let ident = set.ident;
    let rt = &set.runtime;
    let private = quote!(#rt::__private);
    let messages: Vec<&syn::Type> = set.members.iter().map(|member| member.message).collect();
    let variants: Vec<&syn::Ident> = set.members.iter().map(|member| member.variant).collect();
    let type_id = |message: &syn::Type| quote!(<#message as #private::PooledMessage>::TYPE_ID);
    let type_ids: Vec<TokenStream> = messages.iter().map(|message| type_id(message)).collect();
    let id_consts: Vec<syn::Ident> = variants
        .iter()
        .map(|variant| format_ident!("__TYPE_ID_OF_{}", variant))
        .collect();
    let capacity = set
        .members
        .iter()
        .map(|member| member_slots(member, &private));
    let distinct_checks = distinct_type_id_checks(&set.members, &private);
    // Under `for<..>` these bounds are not "trivially false" when a member is not a
    // `PooledMessage`: the impls then simply do not apply, and the only error is the one
    // `RingPtr<M>` already reports in the enum itself, not one per use below.
    let members_are_messages = quote! {
        where #(for<'__set> #messages: #private::PooledMessage,)*
    };
    let forwarding = inherent_forwarding(ident, set.vis, &private, &members_are_messages);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, non_snake_case, clippy::all)]
        const _: () = {
            #[automatically_derived]
            impl #private::MessageSet for #ident #members_are_messages {
                const POOL_CONFIG: #private::PoolConfig = {
                    let config = #private::PoolConfig::empty();
                    #(
                        let config = #private::add_member_slots(
                            config,
                            <#messages as #private::PooledMessage>::CLASS,
                            #capacity,
                        );
                    )*
                    config
                };

                const TYPE_IDS: &'static [#private::core::primitive::u16] = &[#(#type_ids),*];

                // Inlined into the caller's read loop: out of line, every frame pays a call and
                // moves the enum through memory (measured: 1.3x -> 1.75x-2.5x over the naive path).
                #[inline(always)]
                fn decode(
                    frame: #private::Frame,
                ) -> #private::core::result::Result<Self, #private::FrameError> {
                    #(const #id_consts: #private::core::primitive::u16 = #type_ids;)*
                    // Two equal ids are a compile error below; don't add a warning to it.
                    #[allow(unreachable_patterns)]
                    match #private::Frame::type_id(&frame) {
                        #(
                            #id_consts => #private::core::result::Result::map(
                                #private::Frame::decode::<#messages>(frame),
                                Self::#variants,
                            ),
                        )*
                        type_id => #private::core::result::Result::Err(
                            #private::FrameError::UnknownTypeId { type_id },
                        ),
                    }
                }
            }

            #forwarding

            #[allow(dead_code)]
            fn __assert_distinct_type_ids() #members_are_messages {
                #distinct_checks
            }
        };
    }
}

/// Slots `member` adds to its class: its `capacity = N`, else the class default.
fn member_slots(member: &Member<'_>, private: &TokenStream) -> TokenStream {
    let message = member.message;
    match member.capacity {
        Some(slots) => {
            let slots = proc_macro2::Literal::usize_unsuffixed(slots);
            quote!(#slots)
        }
        None => quote!(#private::default_member_slots(
            <#message as #private::PooledMessage>::CLASS
        )),
    }
}

/// One check per pair of members, pointing at the later member's message type when both have
/// the same id.
fn distinct_type_id_checks(members: &[Member<'_>], private: &TokenStream) -> TokenStream {
    let mut checks = TokenStream::new();
    for (index, later) in members.iter().enumerate() {
        for earlier in &members[..index] {
            let (first, second) = (earlier.message, later.message);
            let first_id = quote!(<#first as #private::PooledMessage>::TYPE_ID);
            let second_id = quote!(<#second as #private::PooledMessage>::TYPE_ID);
            let check = quote! {
                #private::assert_distinct_type_ids::<
                    #first,
                    #second,
                    { #second_id },
                    #private::Check<{ #first_id != #second_id }>,
                >();
            };
            checks.extend(respan(check, second.span()));
        }
    }
    checks
}

/// `Set::POOL_CONFIG`, `Set::TYPE_IDS`, `Set::decode`, `Set::read_from`
/// as inherent items with the enum's visibility, each forwarding to the trait.
pub(crate) fn inherent_forwarding(
    ident: &syn::Ident,
    vis: &syn::Visibility,
    private: &TokenStream,
    where_clause: &TokenStream,
) -> TokenStream {
    let result = quote!(#private::core::result::Result<Self, #private::FrameError>);
    quote! {
        #[automatically_derived]
        impl #ident #where_clause {
            /// Pools sized for this set's members (`MessageSet::POOL_CONFIG`).
            #vis const POOL_CONFIG: #private::PoolConfig =
                <Self as #private::MessageSet>::POOL_CONFIG;

            /// The members' type ids, in variant order (`MessageSet::TYPE_IDS`).
            #vis const TYPE_IDS: &'static [#private::core::primitive::u16] =
                <Self as #private::MessageSet>::TYPE_IDS;

            /// Decodes a frame into the member its type id names (`MessageSet::decode`).
            ///
            /// # Errors
            ///
            /// `FrameError::UnknownTypeId` when no member has the frame's type id, and the
            /// errors of `Frame::decode`.
            #[inline]
            #vis fn decode(frame: #private::Frame) -> #result {
                <Self as #private::MessageSet>::decode(frame)
            }

            /// Reads one frame into a slot from `pools` (`&Pools`, `&mut LocalPools` or
            /// `ThreadPools`) and decodes it (`MessageSet::read_from`).
            ///
            /// # Errors
            ///
            /// Those of reading the frame and of `decode`.
            #[inline]
            #vis fn read_from<R, A>(reader: &mut R, pools: A) -> #result
            where
                R: #private::std::io::Read + ?#private::core::marker::Sized,
                A: #private::Allocator,
            {
                <Self as #private::MessageSet>::read_from(reader, pools)
            }
        }
    }
}
