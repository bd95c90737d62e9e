//! `#[pooled(...)]`: the derive's own options.

use crate::attr_value::{parse_crate_path, skip_value};
use crate::errors::Errors;

/// Which crate proves that a message's bytes are its value (see the runtime's `message_bytes`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Form {
    /// `bytemuck::Pod` (the default).
    #[default]
    Bytemuck,
    /// `#[pooled(zerocopy)]`: zerocopy's `FromBytes + IntoBytes + Immutable + KnownLayout`.
    Zerocopy,
    /// `#[pooled(validated)]`: zerocopy's `TryFromBytes + IntoBytes + Immutable + KnownLayout`,
    /// checked on every decode.
    Validated,
}

/// The options of one `#[derive(PooledMessage)]`.
#[derive(Default)]
pub(crate) struct PooledAttrs {
    /// `zerocopy` or `validated`: the byte-level proof; bytemuck without either.
    pub(crate) form: Form,
    /// `type_id = N`: the wire id, overriding the name hash.
    pub(crate) type_id: Option<u16>,
    /// `crate = "path"`: where the runtime is, overriding the `Cargo.toml` lookup.
    pub(crate) runtime: Option<syn::Path>,
}

impl PooledAttrs {
    /// Reads every `#[pooled(...)]` in `attrs`. Each bad key or value is reported into `errors`
    /// on its own tokens and parsing goes on, so all of them show up at once.
    pub(crate) fn parse(attrs: &[syn::Attribute], errors: &mut Errors) -> PooledAttrs {
        let mut parsed = PooledAttrs::default();
        let mut seen: Vec<String> = Vec::new();
        for attr in attrs.iter().filter(|attr| attr.path().is_ident("pooled")) {
            if let Err(error) = attr.meta.require_list() {
                errors.push(error);
                continue;
            }
            let result = attr.parse_nested_meta(|meta| {
                let key = meta
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| {
                        let path = &meta.path;
                        quote::quote!(#path).to_string().replace(' ', "")
                    });
                let known = matches!(
                    key.as_str(),
                    "type_id" | "crate" | "bytemuck" | "zerocopy" | "validated"
                );
                if !known {
                    errors.spanned(
                        &meta.path,
                        format!(
                            "unknown `pooled` attribute `{key}`; expected `type_id`, `crate`, \
                             `zerocopy` or `validated`"
                        ),
                    );
                    skip_value(&meta)?;
                    return Ok(());
                }
                if seen.contains(&key) {
                    errors.spanned(&meta.path, format!("duplicate `pooled` attribute `{key}`"));
                    skip_value(&meta)?;
                    return Ok(());
                }
                if let Some(form) = form_of(&key) {
                    if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                        errors.spanned(
                            &meta.path,
                            format!("`{key}` takes no value: write `#[pooled({key})]`"),
                        );
                        skip_value(&meta)?;
                    } else if seen.iter().any(|other| form_of(other).is_some()) {
                        errors.spanned(
                            &meta.path,
                            "choose one form: `bytemuck` (the default), `zerocopy` or `validated`",
                        );
                    } else {
                        parsed.form = form;
                    }
                    seen.push(key);
                    return Ok(());
                }
                seen.push(key.clone());
                let value: syn::Expr = meta.value()?.parse()?;
                match key.as_str() {
                    "type_id" => parsed.type_id = parse_type_id(&value, errors),
                    _ => parsed.runtime = parse_crate_path(&value, "pooled", errors),
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

/// The form a flag key names, if it names one.
fn form_of(key: &str) -> Option<Form> {
    match key {
        "bytemuck" => Some(Form::Bytemuck),
        "zerocopy" => Some(Form::Zerocopy),
        "validated" => Some(Form::Validated),
        _ => None,
    }
}

fn parse_type_id(value: &syn::Expr, errors: &mut Errors) -> Option<u16> {
    const EXPECTED: &str =
        "`type_id` must be a `u16` integer literal, e.g. `#[pooled(type_id = 7)]`";
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(literal),
        ..
    }) = value
    else {
        errors.spanned(value, EXPECTED);
        return None;
    };
    if !matches!(literal.suffix(), "" | "u16") {
        errors.spanned(
            literal,
            format!(
                "`type_id` is a `u16`, not a `{}`; drop the suffix",
                literal.suffix()
            ),
        );
        return None;
    }
    match literal.base10_parse::<u16>() {
        Ok(id) => Some(id),
        Err(_) => {
            errors.spanned(
                literal,
                format!(
                    "`type_id = {}` does not fit in a `u16`; use 0..=65535",
                    literal.base10_digits()
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PooledAttrs;
    use crate::errors::Errors;

    fn parse(item: proc_macro2::TokenStream) -> (PooledAttrs, String) {
        let input: syn::DeriveInput = syn::parse2(item).unwrap();
        let mut errors = Errors::default();
        let attrs = PooledAttrs::parse(&input.attrs, &mut errors);
        (attrs, errors.to_compile_errors().to_string())
    }

    #[test]
    fn reads_type_id_and_crate() {
        let (attrs, errors) = parse(quote::quote!(
            #[pooled(type_id = 65535u16, crate = "::renamed::inner")]
            struct M;
        ));
        assert_eq!(errors, "");
        assert_eq!(attrs.type_id, Some(65535));
        let path = attrs.runtime.unwrap();
        assert_eq!(quote::quote!(#path).to_string(), ":: renamed :: inner");
    }

    #[test]
    fn reports_every_bad_key_together() {
        let (attrs, errors) = parse(quote::quote!(
            #[pooled(type_id = 70000, colour = "red", type_id = 1)]
            #[pooled(crate = 5, type_id = -1)]
            struct M;
        ));
        assert_eq!(attrs.type_id, None);
        for expected in [
            "does not fit in a `u16`",
            "unknown `pooled` attribute `colour`",
            "duplicate `pooled` attribute `type_id`",
            "`crate` must be a string literal",
        ] {
            assert!(
                errors.contains(expected),
                "missing {expected:?} in {errors}"
            );
        }
    }

    #[test]
    fn reads_the_form() {
        let (attrs, errors) = parse(quote::quote!(
            #[pooled(validated, type_id = 3)]
            struct M;
        ));
        assert_eq!(errors, "");
        assert_eq!(attrs.form, super::Form::Validated);
        let (attrs, _) = parse(quote::quote!(
            struct M;
        ));
        assert_eq!(attrs.form, super::Form::Bytemuck);
        let (_, errors) = parse(quote::quote!(
            #[pooled(zerocopy, validated)]
            struct M;
        ));
        assert!(errors.contains("choose one form"), "{errors}");
        let (_, errors) = parse(quote::quote!(
            #[pooled(zerocopy = true)]
            struct M;
        ));
        assert!(errors.contains("takes no value"), "{errors}");
    }

    #[test]
    fn rejects_suffix_and_non_literal() {
        let (_, errors) = parse(quote::quote!(
            #[pooled(type_id = 7u32)]
            struct M;
        ));
        assert!(errors.contains("not a `u32`"), "{errors}");
        let (_, errors) = parse(quote::quote!(
            #[pooled(type_id = ID)]
            struct M;
        ));
        assert!(errors.contains("integer literal"), "{errors}");
    }
}
