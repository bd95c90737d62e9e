//! `#[repr(...)]` of a message, modelled so that only layouts the pools accept can be built.
//!
//! Accepted: `repr(C)` and `repr(transparent)` (a stable layout the wire can rely on), optionally
//! with `packed` / `packed(N)` (alignment drops, `bytemuck` still checks there is no padding) and
//! `align(N)` up to the 64-byte slot alignment. Everything else is an error spanning the
//! offending tokens; combinations rustc itself rejects (`transparent` with `packed`) are left to rustc.

use crate::errors::Errors;
use proc_macro2::Span;
use syn::spanned::Spanned;

/// Largest `align(N)` a message may ask for: the slot alignment, one cache line.
pub(crate) const MAX_ALIGN: u64 = 64;

/// The layout keyword that fixes field order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LayoutKind {
    C,
    Transparent,
}

/// The parsed `#[repr]` attributes of one type.
#[derive(Default)]
pub(crate) struct Repr {
    /// `C` or `transparent`, if present.
    pub(crate) layout: Option<(LayoutKind, Span)>,
    /// `align(N)`, if present.
    pub(crate) align: Option<(u64, Span)>,
    /// `packed` (1) or `packed(N)`, if present.
    pub(crate) packed: Option<(u64, Span)>,
    /// Keywords that do not give a stable layout (`Rust`, `u8`, `simd`…), for the error.
    pub(crate) other: Vec<(String, Span)>,
}

impl Repr {
    /// Reads every `#[repr(...)]` in `attrs`; malformed ones are reported into `errors`.
    pub(crate) fn parse(attrs: &[syn::Attribute], errors: &mut Errors) -> Repr {
        let mut repr = Repr::default();
        for attr in attrs.iter().filter(|attr| attr.path().is_ident("repr")) {
            let result = attr.parse_nested_meta(|meta| {
                let span = meta.path.span();
                let keyword = meta
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                match keyword.as_str() {
                    "C" => repr.layout = Some((LayoutKind::C, span)),
                    "transparent" => repr.layout = Some((LayoutKind::Transparent, span)),
                    "align" => {
                        let content;
                        syn::parenthesized!(content in meta.input);
                        let value: syn::LitInt = content.parse()?;
                        let full_span = span.join(value.span()).unwrap_or(span);
                        repr.align = Some((value.base10_parse()?, full_span));
                    }
                    "packed" => {
                        let mut bytes = 1;
                        if meta.input.peek(syn::token::Paren) {
                            let content;
                            syn::parenthesized!(content in meta.input);
                            bytes = content.parse::<syn::LitInt>()?.base10_parse()?;
                        }
                        repr.packed = Some((bytes, span));
                    }
                    _ => {
                        if meta.input.peek(syn::token::Paren) {
                            let content;
                            syn::parenthesized!(content in meta.input);
                            let _ignored: proc_macro2::TokenStream = content.parse()?;
                        }
                        repr.other.push((keyword, span));
                    }
                }
                Ok(())
            });
            if let Err(error) = result {
                errors.push(error);
            }
        }
        repr
    }

    /// Reports what makes this layout unusable for a pooled message named `type_name`.
    pub(crate) fn validate(&self, type_name: &syn::Ident, errors: &mut Errors) {
        if self.layout.is_none() {
            let fix = format!(
                "`{type_name}` needs `#[repr(C)]` or `#[repr(transparent)]` so that its layout is \
                 the same in every build that reads it"
            );
            match self.other.first() {
                Some((keyword, span)) => errors.at(
                    *span,
                    format!("`#[repr({keyword})]` is not a stable layout: {fix}"),
                ),
                None => errors.spanned(type_name, fix),
            }
        }
        if let Some((align, span)) = self.align
            && align > MAX_ALIGN
        {
            errors.at(
                span,
                format!(
                    "`#[repr(align({align}))]` exceeds the {MAX_ALIGN}-byte slot alignment; use at \
                     most `align({MAX_ALIGN})`"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{LayoutKind, Repr};
    use crate::errors::Errors;

    fn parse(item: proc_macro2::TokenStream) -> (Repr, Errors) {
        let input: syn::DeriveInput = syn::parse2(item).unwrap();
        let mut errors = Errors::default();
        let repr = Repr::parse(&input.attrs, &mut errors);
        repr.validate(&input.ident, &mut errors);
        (repr, errors)
    }

    #[test]
    fn accepts_c_packed_and_small_align() {
        let (repr, errors) = parse(quote::quote!(
            #[repr(C, align(64))]
            #[repr(packed(2))]
            struct M(u8);
        ));
        assert!(errors.is_empty());
        assert_eq!(repr.layout.map(|(kind, _)| kind), Some(LayoutKind::C));
        assert_eq!(repr.align.map(|(n, _)| n), Some(64));
        assert_eq!(repr.packed.map(|(n, _)| n), Some(2));
    }

    #[test]
    fn accepts_transparent() {
        let (repr, errors) = parse(quote::quote!(
            #[repr(transparent)]
            struct M(u8);
        ));
        assert!(errors.is_empty());
        assert_eq!(
            repr.layout.map(|(kind, _)| kind),
            Some(LayoutKind::Transparent)
        );
    }

    #[test]
    fn rejects_missing_rust_and_large_align() {
        for item in [
            quote::quote!(
                struct M(u8);
            ),
            quote::quote!(
                #[repr(Rust)]
                struct M(u8);
            ),
            quote::quote!(
                #[repr(packed)]
                struct M(u8);
            ),
            quote::quote!(
                #[repr(C, align(128))]
                struct M(u8);
            ),
        ] {
            let (_, errors) = parse(item.clone());
            assert!(!errors.is_empty(), "{item}");
        }
    }
}
