//! The arguments of `#[ringpool::message(...)]`: the form and the runtime path, which the macro
//! needs itself. Every argument is also passed on to `#[pooled(...)]` unchanged, so the derive
//! checks them (and words their errors) in one place.

use crate::errors::Errors;
use crate::pooled_message::Form;

/// What the attribute macro needs from its arguments.
#[derive(Default)]
pub(crate) struct MessageArgs {
    /// `zerocopy` or `validated`; bytemuck without either.
    pub(crate) form: Form,
    /// `crate = "path"`, for the derives' own crate paths.
    pub(crate) runtime: Option<syn::Path>,
}

impl MessageArgs {
    /// Reads `args`; a malformed list is reported into `errors` (unknown keys are left to the
    /// derive, which reports them with the list of known ones).
    pub(crate) fn parse(args: proc_macro2::TokenStream, errors: &mut Errors) -> MessageArgs {
        let mut parsed = MessageArgs::default();
        // The first form named wins, as in the derive (which reports any second one), so the
        // derives added here agree with the proof the derive names: one error, no cascade.
        let mut form_named = false;
        let parser = syn::meta::parser(|meta| {
            let form = ["bytemuck", "zerocopy", "validated"]
                .into_iter()
                .zip([Form::Bytemuck, Form::Zerocopy, Form::Validated])
                .find(|(name, _)| meta.path.is_ident(name));
            if let Some((_, form)) = form {
                if !form_named {
                    parsed.form = form;
                    form_named = true;
                }
            } else if meta.path.is_ident("crate") {
                let value: syn::Expr = meta.value()?.parse()?;
                let mut ignored = Errors::default();
                parsed.runtime =
                    crate::attr_value::parse_crate_path(&value, "pooled", &mut ignored);
                return Ok(());
            }
            crate::attr_value::skip_value(&meta)
        });
        if let Err(error) = syn::parse::Parser::parse2(parser, args) {
            errors.push(error);
        }
        parsed
    }
}
