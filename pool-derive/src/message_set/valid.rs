//! Validate: an enum, not generic, with at least one variant, each `Name(RingPtr<Message>)`.
//! Whether `Message` is a `PooledMessage` and whether type ids collide depend on other items,
//! so the generated code checks those (see `expand`).

use super::ast::{SetInput, SetShape};
use crate::errors::Errors;
use proc_macro2::TokenStream;

/// One variant `Name(RingPtr<Message>)`.
pub(crate) struct Member<'a> {
    pub(crate) variant: &'a syn::Ident,
    /// The `Message` in `RingPtr<Message>`.
    pub(crate) message: &'a syn::Type,
    /// `#[message_set(capacity = N)]`, or `None` for the class default.
    pub(crate) capacity: Option<usize>,
}

/// A message set the expansion can implement the trait for.
pub(crate) struct ValidSet<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) vis: &'a syn::Visibility,
    pub(crate) members: Vec<Member<'a>>,
    pub(crate) runtime: TokenStream,
}

pub(crate) fn validate<'a>(input: &SetInput<'a>, errors: &mut Errors) -> Option<ValidSet<'a>> {
    let name = input.ident;
    let mut structural = Errors::default();
    let mut members = Vec::new();
    match &input.shape {
        SetShape::NotAnEnum(span) => structural.at(
            *span,
            format!(
                "cannot derive `MessageSet` for `{name}`: it needs an enum whose variants each \
                 wrap one `RingPtr<Message>`, e.g. `enum {name} {{ Swap(RingPtr<SwapEvent>) }}`"
            ),
        ),
        SetShape::Enum(variants) if variants.is_empty() => structural.spanned(
            name,
            format!(
                "`{name}` has no variants; a message set needs at least one \
                 `Variant(RingPtr<Message>)`"
            ),
        ),
        SetShape::Enum(variants) => {
            for variant in variants {
                match ring_ptr_message(&variant.variant.fields) {
                    Some(message) => members.push(Member {
                        variant: &variant.variant.ident,
                        message,
                        capacity: variant.capacity,
                    }),
                    None => {
                        let ident = &variant.variant.ident;
                        let target: &dyn quote::ToTokens = match &variant.variant.fields {
                            syn::Fields::Unit => ident,
                            fields => fields,
                        };
                        structural.spanned(
                            target,
                            format!(
                                "variant `{ident}` must wrap exactly one `RingPtr<Message>`, \
                                 e.g. `{ident}(RingPtr<{ident}Event>)`"
                            ),
                        );
                    }
                }
            }
        }
    }
    if !input.generics.params.is_empty() {
        structural.spanned(
            input.generics,
            format!("cannot derive `MessageSet` for generic enum `{name}`; name the message types"),
        );
    }
    let valid = structural.is_empty();
    errors.extend(structural);
    valid.then(|| ValidSet {
        ident: name,
        vis: input.vis,
        members,
        runtime: crate::crate_path::runtime_path(input.runtime.as_ref()),
    })
}

/// `Message` when `fields` is exactly `(RingPtr<Message>)` (any path ending in `RingPtr`).
fn ring_ptr_message(fields: &syn::Fields) -> Option<&syn::Type> {
    let syn::Fields::Unnamed(fields) = fields else {
        return None;
    };
    let mut fields = fields.unnamed.iter();
    let (Some(field), None) = (fields.next(), fields.next()) else {
        return None;
    };
    let syn::Type::Path(syn::TypePath { qself: None, path }) = &field.ty else {
        return None;
    };
    let last = path.segments.last()?;
    if last.ident != "RingPtr" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    let mut arguments = arguments.args.iter();
    match (arguments.next(), arguments.next()) {
        (Some(syn::GenericArgument::Type(message)), None) => Some(message),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::validate;
    use crate::errors::Errors;
    use crate::message_set::ast::SetInput;

    fn check(item: proc_macro2::TokenStream) -> (Option<Vec<String>>, String) {
        let input: syn::DeriveInput = syn::parse2(item).unwrap();
        let mut errors = Errors::default();
        let parsed = SetInput::parse(&input, &mut errors);
        let members = validate(&parsed, &mut errors).map(|set| {
            set.members
                .iter()
                .map(|member| {
                    let message = member.message;
                    format!("{}={}", member.variant, quote::quote!(#message))
                })
                .collect()
        });
        (members, errors.to_compile_errors().to_string())
    }

    #[test]
    fn finds_the_message_of_each_variant() {
        let (members, errors) = check(quote::quote!(
            enum Inbound {
                Swap(RingPtr<SwapEvent>),
                Book(ringpool::RingPtr<book::Update>),
            }
        ));
        assert_eq!(errors, "");
        assert_eq!(members.unwrap(), ["Swap=SwapEvent", "Book=book :: Update"]);
    }

    #[test]
    fn rejects_every_bad_variant_at_once() {
        let (members, errors) = check(quote::quote!(
            enum Inbound {
                Unit,
                Named { swap: RingPtr<SwapEvent> },
                Two(RingPtr<A>, RingPtr<B>),
                Boxed(Box<SwapEvent>),
                Bare(SwapEvent),
                Good(RingPtr<C>),
            }
        ));
        assert!(members.is_none());
        for variant in ["Unit", "Named", "Two", "Boxed", "Bare"] {
            assert!(
                errors.contains(&format!("variant `{variant}` must wrap")),
                "{errors}"
            );
        }
        assert!(!errors.contains("`Good`"), "{errors}");
    }

    #[test]
    fn rejects_structs_empty_and_generic_enums() {
        for (item, expected) in [
            (
                quote::quote!(
                    struct S(RingPtr<A>);
                ),
                "cannot derive `MessageSet` for `S`",
            ),
            (
                quote::quote!(
                    enum E {}
                ),
                "`E` has no variants",
            ),
            (
                quote::quote!(
                    enum E<T> {
                        A(RingPtr<T>),
                    }
                ),
                "generic enum `E`",
            ),
        ] {
            let (members, errors) = check(item);
            assert!(members.is_none() && errors.contains(expected), "{errors}");
        }
    }
}
