//! Value parsers shared by the `#[pooled(...)]` and `#[message_set(...)]` attributes.

use crate::errors::Errors;

/// Consumes `= value` or `(...)` after a key that is reported as an error, so parsing goes on to
/// the next key and every mistake of the attribute is reported together.
pub(crate) fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _value: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        let _ignored: proc_macro2::TokenStream = content.parse()?;
    }
    Ok(())
}

/// The path of `crate = "path"` in attribute `#[<attribute>(...)]`, or an error on its tokens.
pub(crate) fn parse_crate_path(
    value: &syn::Expr,
    attribute: &str,
    errors: &mut Errors,
) -> Option<syn::Path> {
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(literal),
        ..
    }) = value
    else {
        errors.spanned(
            value,
            format!(
                "`crate` must be a string literal path, e.g. `#[{attribute}(crate = \"ringpool\")]`"
            ),
        );
        return None;
    };
    match literal.parse::<syn::Path>() {
        Ok(path) => Some(path),
        Err(_) => {
            errors.at(
                literal.span(),
                format!(
                    "`crate = {:?}` is not a path, e.g. `\"ringpool\"`",
                    literal.value()
                ),
            );
            None
        }
    }
}
