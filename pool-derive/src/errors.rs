//! Collects every error of one derive so they are reported together, each on its own tokens.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fmt::Display;

/// Errors found so far; [`Errors::push`] never stops the derive, so one run reports all of them.
#[derive(Default)]
pub(crate) struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    /// Records `error`, keeping every earlier one.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// Records an error spanning `tokens`.
    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error at `span`.
    pub(crate) fn at(&mut self, span: proc_macro2::Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Moves every error of `other` into `self`.
    pub(crate) fn extend(&mut self, other: Errors) {
        if let Some(error) = other.combined {
            self.push(error);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.combined.is_none()
    }

    /// One `compile_error!` per recorded error (nothing when there are none).
    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        self.combined
            .as_ref()
            .map(syn::Error::to_compile_error)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::Errors;

    #[test]
    fn keeps_every_error() {
        let mut errors = Errors::default();
        assert!(errors.is_empty());
        errors.at(proc_macro2::Span::call_site(), "first");
        errors.at(proc_macro2::Span::call_site(), "second");
        let text = errors.to_compile_errors().to_string();
        assert!(text.contains("first") && text.contains("second"), "{text}");
    }
}
