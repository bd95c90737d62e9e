//! Parse: `DeriveInput` → [`SetInput`], plus every malformed-attribute error.

use super::attr::{Placement, SetAttrs};
use crate::errors::Errors;
use proc_macro2::Span;

/// One variant with its `#[message_set]` options.
pub(crate) struct VariantInput<'a> {
    pub(crate) variant: &'a syn::Variant,
    pub(crate) capacity: Option<usize>,
}

/// What the derive is on.
pub(crate) enum SetShape<'a> {
    Enum(Vec<VariantInput<'a>>),
    /// Span of the `struct` / `union` keyword.
    NotAnEnum(Span),
}

/// One `#[derive(MessageSet)]` input, parsed.
pub(crate) struct SetInput<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) vis: &'a syn::Visibility,
    pub(crate) generics: &'a syn::Generics,
    pub(crate) shape: SetShape<'a>,
    pub(crate) runtime: Option<syn::Path>,
}

impl<'a> SetInput<'a> {
    pub(crate) fn parse(input: &'a syn::DeriveInput, errors: &mut Errors) -> SetInput<'a> {
        let shape = match &input.data {
            syn::Data::Enum(data) => SetShape::Enum(
                data.variants
                    .iter()
                    .map(|variant| VariantInput {
                        variant,
                        capacity: SetAttrs::parse(&variant.attrs, Placement::Variant, errors)
                            .capacity,
                    })
                    .collect(),
            ),
            syn::Data::Struct(data) => SetShape::NotAnEnum(data.struct_token.span),
            syn::Data::Union(data) => SetShape::NotAnEnum(data.union_token.span),
        };
        SetInput {
            ident: &input.ident,
            vis: &input.vis,
            generics: &input.generics,
            shape,
            runtime: SetAttrs::parse(&input.attrs, Placement::Enum, errors).runtime,
        }
    }
}
