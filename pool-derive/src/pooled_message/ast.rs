//! Parse: `DeriveInput` → [`MessageInput`], the facts the later phases need, plus every
//! malformed-attribute error.

use super::attr::PooledAttrs;
use super::repr::Repr;
use crate::errors::Errors;
use proc_macro2::Span;

/// What kind of item the derive is on.
pub(crate) enum Shape<'a> {
    Struct(&'a syn::Fields),
    /// Span of the `enum` keyword.
    Enum(Span),
    /// Span of the `union` keyword.
    Union(Span),
}

/// One `#[derive(PooledMessage)]` input, parsed.
pub(crate) struct MessageInput<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) generics: &'a syn::Generics,
    pub(crate) shape: Shape<'a>,
    pub(crate) repr: Repr,
    pub(crate) attrs: PooledAttrs,
}

impl<'a> MessageInput<'a> {
    /// Parses `input`; malformed `#[repr]` / `#[pooled]` attributes are reported into `errors`.
    pub(crate) fn parse(input: &'a syn::DeriveInput, errors: &mut Errors) -> MessageInput<'a> {
        let shape = match &input.data {
            syn::Data::Struct(data) => Shape::Struct(&data.fields),
            syn::Data::Enum(data) => Shape::Enum(data.enum_token.span),
            syn::Data::Union(data) => Shape::Union(data.union_token.span),
        };
        MessageInput {
            ident: &input.ident,
            generics: &input.generics,
            shape,
            repr: Repr::parse(&input.attrs, errors),
            attrs: PooledAttrs::parse(&input.attrs, errors),
        }
    }
}
