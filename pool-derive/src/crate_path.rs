//! Which path generated code uses to reach the runtime.
//!
//! Generated code names everything through `<runtime>::__private::...`, where `<runtime>` is, in
//! order of preference:
//!
//! 1. the path given by `#[pooled(crate = "...")]` / `#[message_set(crate = "...")]`, used as
//!    written (for re-exports, or builds without Cargo);
//! 2. `::<name>` where `<name>` is what the user's `Cargo.toml` calls the `ringpool` package, or
//!    else the `pool-runtime` package (renames via `package = "..."` are followed), found with
//!    the `proc-macro-crate` crate from `CARGO_MANIFEST_DIR`;
//! 3. `::ringpool` when neither is found (e.g. a build system without `Cargo.toml`).
//!
//! Inside `pool-runtime` itself (its unit tests, doc tests, examples) the package resolves to
//! `::pool_runtime`, which works because `pool-runtime` declares `extern crate self as pool_runtime;`.

use proc_macro_crate::{FoundCrate, crate_name};
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};

/// Packages that expose the `__private` module, in order of preference, with their crate names.
const RUNTIME_PACKAGES: [(&str, &str); 2] =
    [("ringpool", "ringpool"), ("pool-runtime", "pool_runtime")];

/// The runtime path for generated code: `explicit` if given, else found from `Cargo.toml`.
pub(crate) fn runtime_path(explicit: Option<&syn::Path>) -> TokenStream {
    if let Some(path) = explicit {
        return path.to_token_stream();
    }
    // Inside `pool-runtime` (its unit tests) the facade, a dev-dependency there, is another copy
    // of the runtime: generated code must name the crate being compiled.
    if let Ok(FoundCrate::Itself) = crate_name(RUNTIME_PACKAGES[1].0) {
        return quote!(::pool_runtime);
    }
    let name = RUNTIME_PACKAGES
        .iter()
        .find_map(|(package, crate_ident)| match crate_name(package) {
            Ok(FoundCrate::Itself) => Some((*crate_ident).to_owned()),
            Ok(FoundCrate::Name(name)) => Some(name),
            Err(_) => None,
        })
        .unwrap_or_else(|| RUNTIME_PACKAGES[0].1.to_owned());
    let ident = syn::Ident::new(&name, Span::call_site());
    quote!(::#ident)
}

#[cfg(test)]
mod tests {
    use super::runtime_path;

    #[test]
    fn explicit_path_is_used_as_written() {
        let path: syn::Path = syn::parse_quote!(crate::reexport::runtime);
        assert_eq!(
            runtime_path(Some(&path)).to_string(),
            "crate :: reexport :: runtime"
        );
    }

    #[test]
    fn found_from_cargo_toml_as_an_absolute_path() {
        // pool-derive's own manifest lists `pool-runtime` (a dev-dependency) and not `ringpool`.
        assert_eq!(runtime_path(None).to_string(), ":: pool_runtime");
    }
}
