//! `#[derive(Row)]`: a struct whose fields are the columns of a query result, in order.

use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

/// `impl FromRow`: each field decoded from the column at its position, named in errors.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "#[derive(Row)] does not support generic structs",
        ));
    }
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) if !named.named.is_empty() => &named.named,
            _ => {
                return Err(syn::Error::new(
                    input.ident.span(),
                    "#[derive(Row)] needs a struct with named fields, one per result column",
                ))
            }
        },
        _ => {
            return Err(syn::Error::new(
                input.ident.span(),
                "#[derive(Row)] works on structs only",
            ))
        }
    };
    let ident = &input.ident;
    let types = fields.iter().map(|f| {
        let ty = &f.ty;
        quote!(<#ty as ::anytable::ColumnValue>::TYPE)
    });
    let reads = fields.iter().enumerate().map(|(i, f)| {
        let name = f.ident.as_ref().expect("named field");
        let ty = &f.ty;
        let label = name.to_string().trim_start_matches("r#").to_owned();
        quote!(#name: ::anytable::derive_support::field::<#ty>(values, #i, #label)?)
    });
    Ok(quote! {
        impl ::anytable::FromRow for #ident {
            fn types() -> ::std::vec::Vec<::anytable::ValueType> {
                ::std::vec![#(#types),*]
            }

            fn from_row(values: &mut [::anytable::Value]) -> ::anytable::Result<Self> {
                ::std::result::Result::Ok(#ident { #(#reads),* })
            }
        }
    })
}
