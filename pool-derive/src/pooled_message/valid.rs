//! Validate: what can be decided from the tokens alone. Size, alignment and `Pod`-ness depend
//! on field types, so they are checked by the generated `const` code instead (see `expand`).

use super::ast::{MessageInput, Shape};
use crate::errors::Errors;
use proc_macro2::TokenStream;

/// A message the expansion can implement the trait for.
pub(crate) struct ValidMessage<'a> {
    pub(crate) ident: &'a syn::Ident,
    /// The byte-level proof the impl names.
    pub(crate) form: super::attr::Form,
    /// `#[pooled(type_id = N)]`, or `None` for the name hash.
    pub(crate) type_id: Option<u16>,
    /// Path to the runtime crate (see `crate_path`).
    pub(crate) runtime: TokenStream,
}

/// Checks the shape, generics and repr of `input`. Errors in `#[pooled]` values alone do not
/// stop the expansion (defaults stand in, the impl is still emitted): the user then sees only
/// the attribute error, never a follow-on "trait not implemented".
pub(crate) fn validate<'a>(
    input: &MessageInput<'a>,
    errors: &mut Errors,
) -> Option<ValidMessage<'a>> {
    let name = input.ident;
    let mut structural = Errors::default();
    match input.shape {
        Shape::Enum(span) => structural.at(
            span,
            format!(
                "cannot derive `PooledMessage` for enum `{name}`; use a `#[repr(C)]` struct (one \
                 per variant, grouped with `#[derive(MessageSet)]`)"
            ),
        ),
        Shape::Union(span) => structural.at(
            span,
            format!("cannot derive `PooledMessage` for union `{name}`; use a `#[repr(C)]` struct"),
        ),
        Shape::Struct(fields) if fields.is_empty() => structural.spanned(
            name,
            format!("`{name}` has no fields; a pooled message must be at least one byte"),
        ),
        Shape::Struct(_) => {}
    }
    if !input.generics.params.is_empty() {
        structural.spanned(
            input.generics,
            format!(
                "cannot derive `PooledMessage` for generic struct `{name}`; a message needs one \
                 fixed size and wire id, so declare a concrete struct per instantiation"
            ),
        );
    }
    if matches!(input.shape, Shape::Struct(_)) {
        input.repr.validate(name, &mut structural);
    }
    let valid = structural.is_empty();
    errors.extend(structural);
    valid.then(|| ValidMessage {
        ident: name,
        form: input.attrs.form,
        type_id: input.attrs.type_id,
        runtime: crate::crate_path::runtime_path(input.attrs.runtime.as_ref()),
    })
}

#[cfg(test)]
mod tests {
    use super::validate;
    use crate::errors::Errors;
    use crate::pooled_message::ast::MessageInput;

    fn errors_of(item: proc_macro2::TokenStream) -> (bool, String) {
        let input: syn::DeriveInput = syn::parse2(item).unwrap();
        let mut errors = Errors::default();
        let parsed = MessageInput::parse(&input, &mut errors);
        let valid = validate(&parsed, &mut errors).is_some();
        (valid, errors.to_compile_errors().to_string())
    }

    #[test]
    fn plain_repr_c_struct_is_valid() {
        let (valid, errors) = errors_of(quote::quote!(
            #[repr(C)]
            struct M {
                a: u64,
            }
        ));
        assert!(valid && errors.is_empty(), "{errors}");
    }

    #[test]
    fn structural_errors_are_all_reported() {
        let (valid, errors) = errors_of(quote::quote!(
            struct M<T> {
                a: T,
            }
        ));
        assert!(!valid);
        assert!(errors.contains("generic struct `M`"), "{errors}");
        assert!(errors.contains("needs `#[repr(C)]`"), "{errors}");
    }

    #[test]
    fn enums_unions_and_empty_structs_are_rejected() {
        for (item, expected) in [
            (
                quote::quote!(
                    #[repr(C)]
                    enum M {
                        A,
                    }
                ),
                "enum `M`",
            ),
            (quote::quote!(#[repr(C)] union M { a: u8 }), "union `M`"),
            (
                quote::quote!(
                    #[repr(C)]
                    struct M {}
                ),
                "no fields",
            ),
            (
                quote::quote!(
                    #[repr(C)]
                    struct M;
                ),
                "no fields",
            ),
        ] {
            let (valid, errors) = errors_of(item);
            assert!(!valid && errors.contains(expected), "{errors}");
        }
    }

    #[test]
    fn attribute_errors_keep_the_expansion() {
        let (valid, errors) = errors_of(quote::quote!(
            #[repr(C)]
            #[pooled(nope)]
            struct M(u8);
        ));
        assert!(valid);
        assert!(
            errors.contains("unknown `pooled` attribute `nope`"),
            "{errors}"
        );
    }
}
