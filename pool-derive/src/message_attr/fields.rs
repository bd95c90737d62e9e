//! Field types a form can never accept, reported on the field before any derive runs, with the
//! fix. (Types that are not `Pod` for other reasons, such as a user's enum, are caught by the
//! derive's own check; only the spelling of a field is visible here.)

use crate::errors::Errors;
use crate::pooled_message::Form;

/// Reports each field of `item` whose type `form` cannot hold.
pub(crate) fn check(item: &syn::DeriveInput, form: Form, errors: &mut Errors) {
    let syn::Data::Struct(data) = &item.data else {
        return;
    };
    for field in &data.fields {
        check_type(&field.ty, form, errors);
    }
}

fn check_type(ty: &syn::Type, form: Form, errors: &mut Errors) {
    match ty {
        syn::Type::Array(array) => check_type(&array.elem, form, errors),
        syn::Type::Group(group) => check_type(&group.elem, form, errors),
        syn::Type::Paren(paren) => check_type(&paren.elem, form, errors),
        syn::Type::Reference(_) | syn::Type::Ptr(_) => errors.spanned(
            ty,
            "a message cannot hold references or pointers (another process or machine cannot \
             follow them): store the data, or an index",
        ),
        syn::Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else {
                return;
            };
            let name = last.ident.to_string();
            match (name.as_str(), form) {
                ("bool", Form::Bytemuck) => errors.spanned(
                    ty,
                    "`bool` is not Pod: use `u8`, or the validated form \
                     `#[ringpool::message(validated)]` (feature `zerocopy`)",
                ),
                ("bool", Form::Zerocopy) => errors.spanned(
                    ty,
                    "`bool` is not `FromBytes` (only 0 and 1 are valid): use `u8`, or the \
                     validated form `#[ringpool::message(validated)]`",
                ),
                ("char", _) => errors.spanned(
                    ty,
                    "`char` cannot be a message field (most `u32`s are not a `char`): use `u32`",
                ),
                _ => {}
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::errors::Errors;
    use crate::pooled_message::Form;

    fn errors_of(form: Form, item: proc_macro2::TokenStream) -> String {
        let input: syn::DeriveInput = syn::parse2(item).unwrap();
        let mut errors = Errors::default();
        check(&input, form, &mut errors);
        errors.to_compile_errors().to_string()
    }

    #[test]
    fn bool_is_refused_by_the_pod_form_and_accepted_by_the_validated_one() {
        let item = quote::quote!(
            struct M {
                flags: [bool; 4],
                ok: u8,
            }
        );
        assert!(errors_of(Form::Bytemuck, item.clone()).contains("`bool` is not Pod: use `u8`"));
        assert!(errors_of(Form::Zerocopy, item.clone()).contains("not `FromBytes`"));
        assert_eq!(errors_of(Form::Validated, item), "");
    }

    #[test]
    fn references_and_char_are_refused_in_every_form() {
        let item = quote::quote!(
            struct M {
                name: &'static str,
                letter: char,
            }
        );
        let errors = errors_of(Form::Validated, item);
        assert!(errors.contains("references or pointers"), "{errors}");
        assert!(
            errors.contains("`char` cannot be a message field"),
            "{errors}"
        );
    }
}
