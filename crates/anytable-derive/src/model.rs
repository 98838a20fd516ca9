//! Parses the struct and its `#[anytable(...)]` attributes into a checked table model.

use std::collections::HashSet;

use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{DeriveInput, Field, Ident, Lit, LitStr, Token, Type};

use crate::{is_literal_default, is_type, lit_str};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    Data,
    Id,
    Added,
    Updated,
}

pub(crate) struct FieldModel {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    pub(crate) column: LitStr,
    pub(crate) role: Role,
    pub(crate) unique: bool,
    pub(crate) index: bool,
    pub(crate) default: Option<Lit>,
    /// `scale = N` of a decimal field.
    pub(crate) scale: Option<syn::LitInt>,
    /// The record type whose id this field holds (`references = Other`).
    pub(crate) references: Option<syn::Path>,
}

pub(crate) struct TableModel {
    pub(crate) name: LitStr,
    pub(crate) fields: Vec<FieldModel>,
    pub(crate) indexes: Vec<Vec<LitStr>>,
    pub(crate) unique: Vec<Vec<LitStr>>,
}

impl TableModel {
    pub(crate) fn parse(
        input: &DeriveInput,
        fields: &Punctuated<Field, Token![,]>,
    ) -> syn::Result<Self> {
        let mut name = None;
        let mut index_groups: Vec<Vec<Ident>> = Vec::new();
        let mut unique_groups: Vec<Vec<Ident>> = Vec::new();
        for attr in input.attrs.iter().filter(|a| a.path().is_ident("anytable")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("table") {
                    let value: LitStr = meta.value()?.parse()?;
                    if value.value().is_empty() {
                        return Err(syn::Error::new(value.span(), "the table name must not be empty"));
                    }
                    name = Some(value);
                    Ok(())
                } else if meta.path.is_ident("index") || meta.path.is_ident("unique") {
                    let mut group = Vec::new();
                    meta.parse_nested_meta(|inner| {
                        group.push(inner.path.require_ident()?.clone());
                        Ok(())
                    })?;
                    if group.is_empty() {
                        return Err(meta.error("list at least one field, e.g. index(a, b)"));
                    }
                    if meta.path.is_ident("index") {
                        index_groups.push(group);
                    } else {
                        unique_groups.push(group);
                    }
                    Ok(())
                } else {
                    Err(meta.error(
                        "unknown struct attribute; expected `table = \"...\"`, `index(...)` or `unique(...)`",
                    ))
                }
            })?;
        }

        let mut models = Vec::new();
        for field in fields {
            models.push(parse_field(field)?);
        }
        check_roles(&models, input)?;

        let mut seen = HashSet::new();
        for f in &models {
            if !seen.insert(f.column.value().to_lowercase()) {
                return Err(syn::Error::new(
                    f.column.span(),
                    format!("two fields map to the column `{}`", f.column.value()),
                ));
            }
        }

        let resolve = |group: &Vec<Ident>| -> syn::Result<Vec<LitStr>> {
            group
                .iter()
                .map(|ident| {
                    models
                        .iter()
                        .find(|f| f.ident == *ident)
                        .map(|f| f.column.clone())
                        .ok_or_else(|| {
                            syn::Error::new(ident.span(), format!("no field named `{ident}`"))
                        })
                })
                .collect()
        };
        let mut indexes = index_groups
            .iter()
            .map(resolve)
            .collect::<syn::Result<Vec<_>>>()?;
        indexes.extend(
            models
                .iter()
                .filter(|f| f.index)
                .map(|f| vec![f.column.clone()]),
        );
        let unique = unique_groups
            .iter()
            .map(resolve)
            .collect::<syn::Result<Vec<_>>>()?;

        let name = name
            .unwrap_or_else(|| lit_str(&snake_case(&input.ident.to_string()), input.ident.span()));
        Ok(TableModel {
            name,
            fields: models,
            indexes,
            unique,
        })
    }
}

fn parse_field(field: &Field) -> syn::Result<FieldModel> {
    let ident = field.ident.clone().expect("named fields have idents");
    let mut model = FieldModel {
        column: lit_str(ident.to_string().trim_start_matches("r#"), ident.span()),
        ident,
        ty: field.ty.clone(),
        role: Role::Data,
        unique: false,
        index: false,
        default: None,
        references: None,
        scale: None,
    };
    let set_role = |role: Role, span: proc_macro2::Span, model: &mut FieldModel| {
        if model.role != Role::Data {
            return Err(syn::Error::new(
                span,
                "a field can be only one of `id`, `added` and `updated`",
            ));
        }
        model.role = role;
        Ok(())
    };
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("anytable")) {
        attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            if meta.path.is_ident("id") {
                set_role(Role::Id, span, &mut model)
            } else if meta.path.is_ident("added") {
                set_role(Role::Added, span, &mut model)
            } else if meta.path.is_ident("updated") {
                set_role(Role::Updated, span, &mut model)
            } else if meta.path.is_ident("unique") {
                model.unique = true;
                Ok(())
            } else if meta.path.is_ident("index") {
                model.index = true;
                Ok(())
            } else if meta.path.is_ident("rename") {
                let value: LitStr = meta.value()?.parse()?;
                if value.value().is_empty() {
                    return Err(syn::Error::new(
                        value.span(),
                        "the column name must not be empty",
                    ));
                }
                model.column = value;
                Ok(())
            } else if meta.path.is_ident("references") {
                model.references = Some(meta.value()?.parse()?);
                Ok(())
            } else if meta.path.is_ident("scale") {
                let scale: syn::LitInt = meta.value()?.parse()?;
                match scale.base10_parse::<u32>() {
                    Ok(0..=28) => {
                        model.scale = Some(scale);
                        Ok(())
                    }
                    _ => Err(syn::Error::new(
                        scale.span(),
                        "`scale` is how many digits follow the point: 0 to 28",
                    )),
                }
            } else if meta.path.is_ident("default") {
                let lit: Lit = meta.value()?.parse()?;
                if !is_literal_default(&lit) {
                    return Err(syn::Error::new(
                        lit.span(),
                        "`default` takes a string, integer, float or bool literal",
                    ));
                }
                model.default = Some(lit);
                Ok(())
            } else {
                Err(meta.error(
                    "unknown field attribute; expected one of `id`, `added`, `updated`, `unique`, \
                     `index`, `rename = \"...\"`, `default = <literal>`, `references = Record`, \
                     `scale = N`",
                ))
            }
        })?;
    }
    check_field(&model)?;
    Ok(model)
}

fn check_field(f: &FieldModel) -> syn::Result<()> {
    let ty_span = f.ty.span();
    match f.role {
        Role::Id => {
            if !matches!(&f.ty, Type::Path(p) if p.path.is_ident("i64")) {
                return Err(syn::Error::new(
                    ty_span,
                    "the `id` field must have type `i64` (the database assigns it on insert)",
                ));
            }
        }
        Role::Added | Role::Updated => {
            if !is_type(&f.ty, "DateTime") {
                return Err(syn::Error::new(
                    ty_span,
                    "`added` and `updated` fields must be `DateTime<Utc>` (or `Option<DateTime<Utc>>`)",
                ));
            }
        }
        Role::Data => {}
    }
    if f.role != Role::Data {
        if let Some(lit) = &f.default {
            return Err(syn::Error::new(
                lit.span(),
                "`default` cannot be combined with `id`, `added` or `updated`: the database fills those",
            ));
        }
        if f.unique || f.index {
            return Err(syn::Error::new(
                f.ident.span(),
                "`unique`/`index` cannot be combined with `id`, `added` or `updated`",
            ));
        }
    }
    if f.unique && f.index {
        return Err(syn::Error::new(
            f.ident.span(),
            "`unique` already creates an index; drop `index`",
        ));
    }
    if let Some(path) = &f.references {
        let id_type = |ty: &Type| matches!(ty, Type::Path(p) if p.path.is_ident("i64"));
        let ok = f.role == Role::Data && (id_type(&f.ty) || option_of(&f.ty).is_some_and(id_type));
        if !ok {
            return Err(syn::Error::new(
                path.span(),
                "`references` goes on an `i64` or `Option<i64>` data field holding the other \
                 record's id",
            ));
        }
    }
    Ok(())
}

fn check_roles(models: &[FieldModel], input: &DeriveInput) -> syn::Result<()> {
    for role in [Role::Id, Role::Added, Role::Updated] {
        let mut with_role = models.iter().filter(|f| f.role == role);
        if let (Some(_), Some(second)) = (with_role.next(), with_role.next()) {
            let what = match role {
                Role::Id => "id",
                Role::Added => "added",
                _ => "updated",
            };
            return Err(syn::Error::new(
                second.ident.span(),
                format!("only one field can be `{what}`"),
            ));
        }
    }
    if models.is_empty() {
        return Err(syn::Error::new(
            input.ident.span(),
            "a record needs at least one field",
        ));
    }
    Ok(())
}

/// `SimpleRow` -> `simple_row`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// `T` when `ty` is `Option<T>`.
fn option_of(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => match args.args.first()? {
            syn::GenericArgument::Type(inner) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}
