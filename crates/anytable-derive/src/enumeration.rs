//! `#[derive(Enum)]`: a fieldless enum stored as text, one name per variant.

use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

/// `impl ColumnValue` (and `From<E> for Value`) for a fieldless enum.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "#[derive(Enum)] does not support generic enums",
        ));
    }
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new(
            ident.span(),
            "#[derive(Enum)] works on enums only (its variants are the stored texts)",
        ));
    };
    if data.variants.is_empty() {
        return Err(syn::Error::new(
            ident.span(),
            "#[derive(Enum)] needs at least one variant: a column of an empty enum holds nothing",
        ));
    }
    let mut variants = Vec::new();
    let mut names: Vec<LitStr> = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            return Err(syn::Error::new(
                variant.span(),
                "#[derive(Enum)] stores variants without fields only",
            ));
        }
        let name = stored_name(variant)?;
        if name.value().is_empty() || name.value().contains('\0') {
            return Err(syn::Error::new(
                name.span(),
                "a stored name must be non-empty text without NUL characters",
            ));
        }
        if names.iter().any(|n| n.value() == name.value()) {
            return Err(syn::Error::new(
                name.span(),
                format!(
                    "two variants are stored as {:?}: each needs its own name, or a read \
                     could not tell them apart",
                    name.value()
                ),
            ));
        }
        variants.push(&variant.ident);
        names.push(name);
    }
    let listed = names
        .iter()
        .map(|n| format!("{:?}", n.value()))
        .collect::<Vec<_>>()
        .join(", ");
    let enum_name = ident.to_string();
    Ok(quote! {
        impl ::anytable::ColumnValue for #ident {
            const TYPE: ::anytable::ValueType = ::anytable::ValueType::Text;
            const VARIANTS: &'static [&'static str] = &[#(#names),*];

            fn to_value(&self) -> ::anytable::Value {
                ::anytable::Value::Text(::std::string::String::from(match self {
                    #(#ident::#variants => #names,)*
                }))
            }

            fn from_value(value: ::anytable::Value) -> ::anytable::Result<Self> {
                match value {
                    ::anytable::Value::Text(text) => match text.as_str() {
                        #(#names => ::std::result::Result::Ok(#ident::#variants),)*
                        _ => ::std::result::Result::Err(
                            ::anytable::derive_support::unknown_variant(#enum_name, &text, #listed),
                        ),
                    },
                    other => ::std::result::Result::Err(
                        ::anytable::derive_support::not_text(#enum_name, &other),
                    ),
                }
            }
        }

        impl ::std::convert::From<#ident> for ::anytable::Value {
            fn from(v: #ident) -> ::anytable::Value {
                ::anytable::ColumnValue::to_value(&v)
            }
        }
    })
}

/// The variant's `#[anytable(rename = "...")]`, else its name as written.
fn stored_name(variant: &syn::Variant) -> syn::Result<LitStr> {
    let mut name = LitStr::new(&variant.ident.to_string(), variant.ident.span());
    for attr in variant
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("anytable"))
    {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                name = meta.value()?.parse()?;
                Ok(())
            } else {
                Err(meta.error("unknown variant attribute; expected `rename = \"...\"`"))
            }
        })?;
    }
    Ok(name)
}
