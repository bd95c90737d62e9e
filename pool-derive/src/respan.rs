//! Re-spanning generated tokens so that a failing check points at the user's tokens.

use proc_macro2::{Group, Span, TokenStream, TokenTree};

/// Gives every token of `tokens` the span `span`: a type error in them is then reported at
/// `span` (e.g. the type's name) rather than at the `derive` attribute.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => {
                let mut respanned = Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                TokenTree::Group(respanned)
            }
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}
