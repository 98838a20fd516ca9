//! `#[derive(Record)]`: a plain struct declares its table, checked at compile time.
//!
//! ```text
//! #[derive(Record)]
//! #[anytable(table = "simple_rows", index(process, number))]
//! struct SimpleRow {
//!     #[anytable(id)]
//!     id: i64,
//!     #[anytable(added)]
//!     added: DateTime<Utc>,
//!     #[anytable(index)]
//!     process: String,
//!     #[anytable(rename = "num", default = 0)]
//!     number: i64,
//!     note: Option<String>, // Option<T> = nullable column
//! }
//! ```
//!
//! Struct attributes: `table = "name"` (default: the struct name in snake_case),
//! `index(field, ...)`, `unique(field, ...)`. Field attributes: `id` (auto-increment `i64`
//! primary key), `added` / `updated` (UTC timestamps the database sets on insert / on every
//! write), `unique`, `index`, `rename = "column"`, `default = <literal>`.

use proc_macro::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{parse_macro_input, Data, DeriveInput, Fields, Ident, Lit, LitStr, Type};

mod enumeration;
mod model;
mod row;

use model::{FieldModel, Role, TableModel};

/// Derives `anytable::Record` for a struct with named fields.
#[proc_macro_derive(Record, attributes(anytable))]
pub fn derive_record(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(err) => err.to_compile_error().into(),
    }
}

/// Derives `anytable::FromRow` for a struct with named fields: the result of a query that is
/// not a table's records (a projection, a group-by, hand-written SQL). Field `n` reads column
/// `n`, decoded as a record field of its type is.
#[proc_macro_derive(Row)]
pub fn derive_row(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match row::expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(err) => err.to_compile_error().into(),
    }
}

/// Derives `anytable::ColumnValue` for an enum without fields: stored as text (each variant's
/// name, or `#[anytable(rename = "...")]`), with a CHECK constraint listing the names; a
/// stored text that names no variant reads back as a `TypeMismatch` naming it.
#[proc_macro_derive(Enum, attributes(anytable))]
pub fn derive_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match enumeration::expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(err) => err.to_compile_error().into(),
    }
}

fn expand(input: &DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "#[derive(Record)] does not support generic structs: a table has one fixed schema",
        ));
    }
    let fields =
        match &input.data {
            Data::Struct(s) => match &s.fields {
                Fields::Named(named) => &named.named,
                _ => return Err(syn::Error::new(
                    input.ident.span(),
                    "#[derive(Record)] needs a struct with named fields (the names become columns)",
                )),
            },
            _ => {
                return Err(syn::Error::new(
                    input.ident.span(),
                    "#[derive(Record)] works on structs only",
                ))
            }
        };
    let table = TableModel::parse(input, fields)?;
    Ok(generate(input, &table))
}

fn generate(input: &DeriveInput, table: &TableModel) -> proc_macro2::TokenStream {
    let ident = &input.ident;
    let vis = &input.vis;
    let table_name = &table.name;

    let column_schemas = table.fields.iter().map(|f| {
        let ty = &f.ty;
        let column = &f.column;
        let field = f.ident.to_string();
        let role = match f.role {
            Role::Data => quote!(Data),
            Role::Id => quote!(Id),
            Role::Added => quote!(Added),
            Role::Updated => quote!(Updated),
        };
        let unique = f.unique.then(|| quote!(.unique()));
        // The other record's table and id by constant: no call of its `schema()`, which may
        // be this one's (a record referencing itself) or be building this one.
        let references = f.references.as_ref().map(|other| {
            quote_spanned!(other.span()=> .references(
                <#other as ::anytable::Record>::TABLE,
                ::anytable::derive_support::id_column::<#other>(),
            ))
        });
        let default = f.default.as_ref().map(|lit| {
            // Spanned on the literal, so a literal of the wrong type is reported there.
            let value = quote_spanned!(lit.span()=> ::anytable::derive_support::default_value::<#ty, _>(#lit));
            quote!(.default_value(#value))
        });
        let scale = f.scale.as_ref().map(|scale| quote!(.scale(#scale)));
        quote! {
            ::anytable::ColumnSchema::new(
                #column,
                <#ty as ::anytable::ColumnValue>::TYPE,
                <#ty as ::anytable::ColumnValue>::NULLABLE,
            )
            #scale
            .variants(<#ty as ::anytable::ColumnValue>::VARIANTS)
            .field(#field)
            .role(::anytable::ColumnRole::#role)
            #references
            #unique
            #default
        }
    });
    // Checked when the record compiles: the derive sees a field's type by name only, and a
    // decimal may hide behind an alias.
    let scale_checks = table.fields.iter().map(|f| {
        let ty = &f.ty;
        match &f.scale {
            Some(scale) => quote_spanned!(scale.span()=> const {
                ::std::assert!(
                    ::anytable::derive_support::is_decimal::<#ty>(),
                    "`scale` applies to Decimal fields only"
                )
            };),
            None => quote_spanned!(ty.span()=> const {
                ::std::assert!(
                    !::anytable::derive_support::is_decimal::<#ty>(),
                    "a Decimal field declares how many digits follow the point: #[anytable(scale = N)]"
                )
            };),
        }
    });
    let indexes = table
        .indexes
        .iter()
        .map(|columns| quote!(.index(&[#(#columns),*])));
    let uniques = table
        .unique
        .iter()
        .map(|columns| quote!(.unique_together(&[#(#columns),*])));

    let write = table
        .fields
        .iter()
        .filter(|f| f.role == Role::Data)
        .map(|f| {
            let name = &f.ident;
            quote!(out.push(::anytable::ColumnValue::to_value(&self.#name));)
        });
    let read = table.fields.iter().enumerate().map(|(i, f)| {
        let name = &f.ident;
        let ty = &f.ty;
        let column = &f.column;
        quote!(#name: ::anytable::derive_support::field::<#ty>(values, #i, #column)?)
    });
    let check = table.fields.iter().enumerate().map(|(i, f)| {
        let ty = &f.ty;
        let column = &f.column;
        quote!(::anytable::derive_support::check_field::<#ty>(values, #i, #column)?;)
    });
    let set_generated = table
        .fields
        .iter()
        .filter(|f| f.role != Role::Data)
        .enumerate()
        .map(|(i, f)| {
            let name = &f.ident;
            let ty = &f.ty;
            let column = &f.column;
            quote!(self.#name = ::anytable::derive_support::field::<#ty>(values, #i, #column)?;)
        });
    let id_type = if table.fields.iter().any(|f| f.role == Role::Id) {
        quote!(i64)
    } else {
        quote!(())
    };
    let id_column = match table.fields.iter().find(|f| f.role == Role::Id) {
        Some(f) => {
            let column = &f.column;
            quote!(::std::option::Option::Some(#column))
        }
        None => quote!(::std::option::Option::None),
    };
    let handles = table.fields.iter().map(|f| column_handle(ident, vis, f));

    quote! {
        impl ::anytable::Record for #ident {
            type Id = #id_type;
            const TABLE: &'static str = #table_name;
            const ID_COLUMN: ::std::option::Option<&'static str> = #id_column;

            fn schema() -> &'static ::anytable::TableSchema {
                #(#scale_checks)*
                static SCHEMA: ::std::sync::OnceLock<::anytable::TableSchema> =
                    ::std::sync::OnceLock::new();
                SCHEMA.get_or_init(|| {
                    ::anytable::TableSchema::new(#table_name, ::std::vec![#(#column_schemas),*])
                        #(#indexes)*
                        #(#uniques)*
                })
            }

            fn write_values(&self, out: &mut ::std::vec::Vec<::anytable::Value>) {
                #(#write)*
            }

            fn read_values(values: &mut [::anytable::Value]) -> ::anytable::Result<Self> {
                ::std::result::Result::Ok(#ident { #(#read),* })
            }

            fn check_values(values: &[::anytable::Value]) -> ::anytable::Result<()> {
                #(#check)*
                ::std::result::Result::Ok(())
            }

            #[allow(unused_variables)]
            fn set_generated(&mut self, values: &mut [::anytable::Value]) -> ::anytable::Result<()> {
                #(#set_generated)*
                ::std::result::Result::Ok(())
            }
        }

        impl #ident {
            #(#handles)*
        }
    }
}

fn column_handle(
    record: &Ident,
    vis: &syn::Visibility,
    f: &FieldModel,
) -> proc_macro2::TokenStream {
    let name = format_ident!("{}", f.ident.to_string().trim_start_matches("r#"));
    let ty = &f.ty;
    let column = &f.column;
    let doc = format!(
        "The `{}` column, for filters, ordering and updates.",
        column.value()
    );
    quote! {
        #[doc = #doc]
        #[allow(dead_code)]
        #vis fn #name() -> ::anytable::Column<#record, #ty> {
            ::anytable::Column::new(#column)
        }
    }
}

/// Helper so `model` can build literal strings with the right span.
fn lit_str(value: &str, span: proc_macro2::Span) -> LitStr {
    LitStr::new(value, span)
}

/// Whether `ty` is `name` or `Option<name>` by its last path segment.
fn is_type(ty: &Type, name: &str) -> bool {
    let Type::Path(path) = ty else { return false };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    if last.ident == name {
        return true;
    }
    if last.ident != "Option" {
        return false;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    matches!(args.args.first(), Some(syn::GenericArgument::Type(inner)) if is_type(inner, name))
}

fn is_literal_default(lit: &Lit) -> bool {
    matches!(
        lit,
        Lit::Str(_) | Lit::Int(_) | Lit::Float(_) | Lit::Bool(_)
    )
}
