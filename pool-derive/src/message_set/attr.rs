//! `#[message_set(...)]`: `crate = "path"` on the enum, `capacity = N` on a variant.

use crate::attr_value::{parse_crate_path, skip_value};
use crate::errors::Errors;

/// Where a `#[message_set]` attribute sits, which decides the keys it accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    Enum,
    Variant,
}

impl Placement {
    fn key(self) -> &'static str {
        match self {
            Placement::Enum => "crate",
            Placement::Variant => "capacity",
        }
    }
}

/// The options found in the `#[message_set]` attributes of one item.
#[derive(Default)]
pub(crate) struct SetAttrs {
    /// `crate = "path"` (enum only).
    pub(crate) runtime: Option<syn::Path>,
    /// `capacity = N` (variant only): slots this member adds to its class.
    pub(crate) capacity: Option<usize>,
}

impl SetAttrs {
    /// Reads every `#[message_set(...)]` in `attrs`, reporting each bad key or value into
    /// `errors` on its own tokens.
    pub(crate) fn parse(
        attrs: &[syn::Attribute],
        placement: Placement,
        errors: &mut Errors,
    ) -> SetAttrs {
        let mut parsed = SetAttrs::default();
        let mut seen = false;
        for attr in attrs
            .iter()
            .filter(|attr| attr.path().is_ident("message_set"))
        {
            if let Err(error) = attr.meta.require_list() {
                errors.push(error);
                continue;
            }
            let result = attr.parse_nested_meta(|meta| {
                let expected = placement.key();
                if !meta.path.is_ident(expected) {
                    let path = &meta.path;
                    let key = quote::quote!(#path).to_string().replace(' ', "");
                    let place = match placement {
                        Placement::Enum => "on the enum",
                        Placement::Variant => "on a variant",
                    };
                    errors.spanned(
                        path,
                        format!(
                            "unknown `message_set` attribute `{key}` {place}; expected `{expected}`"
                        ),
                    );
                    skip_value(&meta)?;
                    return Ok(());
                }
                if seen {
                    errors.spanned(
                        &meta.path,
                        format!("duplicate `message_set` attribute `{expected}`"),
                    );
                    skip_value(&meta)?;
                    return Ok(());
                }
                seen = true;
                let value: syn::Expr = meta.value()?.parse()?;
                match placement {
                    Placement::Enum => {
                        parsed.runtime = parse_crate_path(&value, "message_set", errors)
                    }
                    Placement::Variant => parsed.capacity = parse_capacity(&value, errors),
                }
                Ok(())
            });
            if let Err(error) = result {
                errors.push(error);
            }
        }
        parsed
    }
}

fn parse_capacity(value: &syn::Expr, errors: &mut Errors) -> Option<usize> {
    let message = "`capacity` must be a positive integer literal (slots), e.g. \
                   `#[message_set(capacity = 1024)]`";
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(literal),
        ..
    }) = value
    else {
        errors.spanned(value, message);
        return None;
    };
    match literal.base10_parse::<usize>() {
        Ok(slots) if slots > 0 && matches!(literal.suffix(), "" | "usize") => Some(slots),
        _ => {
            errors.spanned(literal, message);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Placement, SetAttrs};
    use crate::errors::Errors;

    fn parse(attr: proc_macro2::TokenStream, placement: Placement) -> (SetAttrs, String) {
        let input: syn::DeriveInput = syn::parse2(quote::quote!(#attr enum E {})).unwrap();
        let mut errors = Errors::default();
        let attrs = SetAttrs::parse(&input.attrs, placement, &mut errors);
        (attrs, errors.to_compile_errors().to_string())
    }

    #[test]
    fn reads_capacity_and_crate() {
        let (attrs, errors) = parse(
            quote::quote!(#[message_set(capacity = 64)]),
            Placement::Variant,
        );
        assert_eq!((attrs.capacity, errors.as_str()), (Some(64), ""));
        let (attrs, errors) = parse(quote::quote!(#[message_set(crate = "rp")]), Placement::Enum);
        assert!(attrs.runtime.is_some() && errors.is_empty());
    }

    #[test]
    fn rejects_misplaced_duplicate_and_bad_values() {
        let (_, errors) = parse(
            quote::quote!(#[message_set(capacity = 64)]),
            Placement::Enum,
        );
        assert!(
            errors.contains("unknown `message_set` attribute `capacity` on the enum"),
            "{errors}"
        );
        let (_, errors) = parse(
            quote::quote!(#[message_set(capacity = 1, capacity = 2)]),
            Placement::Variant,
        );
        assert!(errors.contains("duplicate"), "{errors}");
        for bad in [
            quote::quote!(0),
            quote::quote!(-1),
            quote::quote!(N),
            quote::quote!(4u8),
        ] {
            let (attrs, errors) = parse(
                quote::quote!(#[message_set(capacity = #bad)]),
                Placement::Variant,
            );
            assert!(
                attrs.capacity.is_none() && errors.contains("positive integer"),
                "{errors}"
            );
        }
    }
}
