//! The generated version table (`crates/intercom-messages-api/src/version_table.rs`),
//! emitted with `quote!` and formatted with prettyplease, so it always parses.
//!
//! Besides one constant per row and `TABLE`, it emits the typed lookups the
//! facade joins its rules to the table with, checked by the compiler: for
//! each request member, its properties that have a row
//! (`ADMIN_MESSAGE_REQUEST_PROPERTIES`); for each request enum with
//! per-version values, a function from the generated enum to its row
//! (`contact_type_row`).

use std::collections::BTreeMap;

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::codegen::entries::{Entry, version_entries};
use crate::codegen::spec::Spec;

/// The version table's source.
/// `variants` are the generated `IntercomVersion`'s, as
/// [`version_variants`](crate::codegen::client::version_variants) reads them.
pub fn generate_version_table(
    spec: &Spec,
    variants: &[(String, String)],
) -> Result<String, String> {
    let entries = version_entries(spec)?;
    let variants: Vec<String> = variants.iter().map(|(_, ident)| ident.clone()).collect();
    let rows = row_consts(spec, &entries, &variants)?;
    let lookups = lookups(spec, &entries)?;
    let root = crate::codegen::project::REQUEST_ROOT;
    let versions: Vec<&str> = spec.versions.iter().collect();
    let table: Vec<_> = entries.iter().map(|e| const_ident(&e.item)).collect();
    let schemas: Vec<String> = spec
        .versions
        .iter()
        .map(|v| {
            format!(
                "../{}",
                crate::codegen::project::request_schema_path(v)
                    .trim_start_matches("crates/intercom-messages-api/")
            )
        })
        .collect();
    let range_impl = version_range_impl(&variants);
    let tokens = quote! {
        #![doc = " Which API versions have which field, union member and enum value."]
        #![doc = ""]
        #![doc = " Read from the `x-intercom-versions` and `x-intercom-enum-versions` extensions"]
        #![doc = " of the fragment. An item not listed here exists in every version."]
        #![doc = " [`REQUEST_SCHEMAS`] is the request body's contract at each version; the"]
        #![doc = " `*_PROPERTIES` constants and `*_row` functions join the facade's rules to the rows."]

        use crate::availability::{Availability, ItemKind, VersionRange};
        use crate::types::IntercomVersion;

        #[doc = " Every API version of the contract, oldest first."]
        pub const VERSIONS: &[&str] = &[#(#versions),*];

        #range_impl

        #rows

        #[doc = " Every row above, sorted by item."]
        pub const TABLE: &[Availability] = &[#(#table),*];

        #lookups

        #[doc = " The request body's contract at each version (the position in [`VERSIONS`]), as a"]
        #[doc = " closed draft-7 JSON Schema: what a version does not have is not allowed."]
        pub const REQUEST_SCHEMAS: &[&str] = &[#(include_str!(#schemas)),*];

        #[doc = " The component schema of the request body in [`REQUEST_SCHEMAS`]' `definitions`,"]
        #[doc = " whose `oneOf` members are the kinds of message."]
        pub const REQUEST_ROOT: &str = #root;
    };
    Ok(format!(
        "{}{}",
        crate::codegen::header(),
        crate::codegen::pretty(tokens)?
    ))
}

/// For every operation after the first (`createMessage`, whose schemas are
/// [`REQUEST_SCHEMAS`]): its request schema at each version, `None` where the
/// version does not have the operation, and the root of that schema.
fn operation_schemas(spec: &Spec) -> Result<TokenStream, String> {
    let mut out = TokenStream::new();
    for op in crate::codegen::operations::operations(spec)? {
        if op.id == crate::codegen::operations::FIRST_OPERATION {
            continue;
        }
        let shouty = op.id.to_shouty_snake_case();
        let schemas_ident = format_ident!("{shouty}_SCHEMAS");
        let root_ident = format_ident!("{shouty}_ROOT");
        let schemas = spec.versions.iter().enumerate().map(|(i, v)| {
            if op.range.contains(i) {
                let rel = format!(
                    "../{}",
                    op.schema_path(v)
                        .trim_start_matches("crates/intercom-messages-api/")
                );
                quote! { Some(include_str!(#rel)) }
            } else {
                quote! { None }
            }
        });
        let doc = format!(
            " The request body of `{} {}` (`{}`) at each version (the position in [`VERSIONS`]), \
             as a closed draft-7 JSON Schema; `None` where the version does not have it ({}).",
            op.method,
            op.path,
            op.id,
            spec.versions.span(op.range)
        );
        let root = &op.request_root;
        let root_doc = format!(" The component schema of [`{schemas_ident}`]' root.");
        out.extend(quote! {
            #[doc = #doc]
            pub const #schemas_ident: &[Option<&str>] = &[#(#schemas),*];
            #[doc = #root_doc]
            pub const #root_ident: &str = #root;
        });
    }
    Ok(out)
}

/// `VersionRange`'s methods that need the version list (and `ALL`, which
/// names the oldest and newest versions), generated beside the list.
fn version_range_impl(variants: &[String]) -> TokenStream {
    let oldest = variant_path(&variants[0]);
    let newest = variant_path(&variants[variants.len() - 1]);
    quote! {
        impl VersionRange {
            #[doc = " Every version of the contract."]
            pub const ALL: Self = Self { since: #oldest, until: #newest };

            #[doc = " The first version of the range, e.g. `\"2.11\"`."]
            pub fn first_version(self) -> &'static str {
                VERSIONS[self.first()]
            }

            #[doc = " The last version of the range, e.g. `\"2.14\"`."]
            pub fn last_version(self) -> &'static str {
                VERSIONS[self.last()]
            }
        }

        impl std::fmt::Display for VersionRange {
            #[doc = " `2.14`, `2.11–2.14`, `1.0–2.5`."]
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                if self.since == self.until {
                    f.write_str(self.first_version())
                } else {
                    write!(f, "{}–{}", self.first_version(), self.last_version())
                }
            }
        }

    }
}

/// `AdminMessageRequest.cc` → `ADMIN_MESSAGE_REQUEST__CC`, `ContactType=lead` → `CONTACT_TYPE__LEAD`,
/// `AdminMessageRequest.from?` → `ADMIN_MESSAGE_REQUEST__FROM__OPTIONAL`.
pub fn const_name(item: &str) -> String {
    let (item, optional) = match item.strip_suffix('?') {
        Some(required) => (required, true),
        None => (item, false),
    };
    let mut name = item
        .split(['.', '|', '=', '['])
        .filter(|p| !p.is_empty())
        .map(|p| p.trim_end_matches(']').to_shouty_snake_case())
        .collect::<Vec<_>>()
        .join("__");
    if optional {
        name.push_str("__OPTIONAL");
    }
    name
}

fn const_ident(item: &str) -> proc_macro2::Ident {
    format_ident!("{}", const_name(item))
}

/// `IntercomVersion::X211`: a version by its generated variant.
fn variant_path(ident: &str) -> TokenStream {
    let ident = format_ident!("{ident}");
    quote! { IntercomVersion::#ident }
}

fn row_consts(spec: &Spec, entries: &[Entry], variants: &[String]) -> Result<TokenStream, String> {
    let mut names = BTreeMap::new();
    let mut out = TokenStream::new();
    for e in entries {
        let name = const_name(&e.item);
        if let Some(prev) = names.insert(name.clone(), e.item.clone()) {
            return Err(format!(
                "`{}` and `{prev}` both map to the constant {name}",
                e.item
            ));
        }
        let ident = format_ident!("{name}");
        let doc = format!(
            " `{}` ({}): {}.",
            e.item,
            e.kind,
            spec.versions.describe(e.range)
        );
        let (item, kind, first, last, request) = (
            &e.item,
            format_ident!("{}", e.kind),
            variant_path(&variants[e.range.first]),
            variant_path(&variants[e.range.last]),
            e.request,
        );
        out.extend(quote! {
            #[doc = #doc]
            pub const #ident: Availability = Availability {
                item: #item,
                kind: ItemKind::#kind,
                versions: VersionRange { since: #first, until: #last },
                request: #request,
            };
        });
    }
    Ok(out)
}

/// The request's members, by the names of their component schemas.
pub(crate) fn request_members(raw: &Value) -> Result<Vec<String>, String> {
    let root = crate::codegen::project::REQUEST_ROOT;
    raw.pointer(&format!("/components/schemas/{root}/oneOf"))
        .and_then(Value::as_array)
        .ok_or_else(|| format!("components.schemas.{root}.oneOf: missing"))?
        .iter()
        .map(|m| {
            m.get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                .map(str::to_string)
                .ok_or_else(|| format!("a member of {root} is not a $ref"))
        })
        .collect()
}

fn lookups(spec: &Spec, entries: &[Entry]) -> Result<TokenStream, String> {
    let mut out = TokenStream::new();
    for member in request_members(&spec.raw)? {
        let props: Vec<TokenStream> = entries
            .iter()
            .filter(|e| e.kind == "Property")
            .filter_map(|e| {
                let prop = e.item.strip_prefix(&format!("{member}."))?;
                let c = const_ident(&e.item);
                Some(quote! { (#prop, #c) })
            })
            .collect();
        let ident = format_ident!("{}_PROPERTIES", member.to_shouty_snake_case());
        let doc =
            format!(" The properties of `{member}` that not every version has: `(property, row)`.");
        out.extend(quote! {
            #[doc = #doc]
            pub const #ident: &[(&str, Availability)] = &[#(#props),*];
        });
    }
    let mut enums: BTreeMap<&str, Vec<(&str, &Entry)>> = BTreeMap::new();
    for e in entries
        .iter()
        .filter(|e| e.kind == "EnumValue" && e.request)
    {
        if let Some((name, value)) = e.item.split_once('=') {
            enums.entry(name).or_default().push((value, e));
        }
    }
    for (name, values) in enums {
        let ty = format_ident!("{name}");
        let f = format_ident!("{}_row", name.to_snake_case());
        let arms = values.iter().map(|(value, e)| {
            let variant = format_ident!("{}", value.to_upper_camel_case());
            let c = const_ident(&e.item);
            quote! { crate::types::#ty::#variant => Some(#c), }
        });
        let doc = format!(" The row of a `{name}` value that not every version has.");
        out.extend(quote! {
            #[doc = #doc]
            #[allow(unreachable_patterns)]
            pub fn #f(value: crate::types::#ty) -> Option<Availability> {
                match value {
                    #(#arms)*
                    _ => None,
                }
            }
        });
    }
    // The other operations' request schemas.
    out.extend(operation_schemas(spec)?);
    Ok(out)
}
