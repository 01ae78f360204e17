//! What the facade needs from the fragment, generated so that it never spells a
//! version fact itself: the `Version` constants in the enum's order, the open
//! enums of the response's known values, the regions of the fragment's
//! `servers`, and the request contract of each version as a JSON Schema for
//! the mock.

use std::collections::BTreeSet;

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::codegen::spec::Spec;

/// The facade's open enums: which `x-intercom-known-values` site each one reads,
/// and what it is called and documented as. Naming the Rust type is the
/// facade's business; the values are the fragment's.
const OPEN_ENUMS: &[(&str, &str, &str)] = &[
    (
        "Message.type",
        "MessageKind",
        "What kind of message was created (`type` in the response).",
    ),
    (
        "Message.message_type",
        "DeliveredBy",
        "How the message was delivered (`message_type` in the response).",
    ),
    (
        "Error.code",
        "ErrorCode",
        "What went wrong (`code` of an error); Intercom adds codes at any time.",
    ),
    (
        "Conversation.state",
        "ConversationState",
        "Where a conversation stands (`state` of a conversation): open, closed or snoozed.",
    ),
];

/// The facade's closed enums, mirrors of a component schema's `enum`: which
/// schema, the facade's name and doc, and the value the facade sends when the
/// user sets none (its own choice, not Intercom's; checked to be a value).
const CLOSED_ENUMS: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "Template",
        "EmailTemplate",
        "The style of an email (`template`); the facade sends `plain` unless told otherwise.",
        Some("plain"),
    ),
    (
        "ContactType",
        "ContactType",
        "The kind of contact, as Intercom names it on the wire: `contact` is a lead or visitor in the 1.x naming (see the version table for where each exists).",
        None,
    ),
];

/// One known value of an open string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownValue {
    /// The wire value.
    pub value: String,
    /// The Rust variant name.
    pub name: String,
    /// Other spellings that mean the same.
    pub aliases: Vec<String>,
}

/// Every `x-intercom-known-values` in the component schemas, by `Schema.property`.
pub fn known_values(spec: &Spec) -> Result<Vec<(String, Vec<KnownValue>)>, String> {
    let schemas = spec
        .raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .ok_or("at `components.schemas`: missing")?;
    let mut out = Vec::new();
    for (name, schema) in schemas {
        for (prop, p) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let Some(list) = p.get("x-intercom-known-values") else {
                continue;
            };
            let at = format!("{name}.{prop}");
            let list = list
                .as_array()
                .ok_or_else(|| format!("at `{at}.x-intercom-known-values`: expected a list"))?;
            let mut values = Vec::new();
            for v in list {
                values.push(
                    known_value(v)
                        .map_err(|e| format!("at `{at}.x-intercom-known-values`: {e}"))?,
                );
            }
            let mut seen = BTreeSet::new();
            for v in &values {
                for s in std::iter::once(&v.value).chain(&v.aliases) {
                    if !seen.insert(s.clone()) {
                        return Err(format!(
                            "at `{at}.x-intercom-known-values`: `{s}` is listed twice"
                        ));
                    }
                }
            }
            out.push((at, values));
        }
    }
    Ok(out)
}

fn known_value(v: &Value) -> Result<KnownValue, String> {
    match v {
        Value::String(s) => Ok(KnownValue {
            value: s.clone(),
            name: s.to_upper_camel_case(),
            aliases: Vec::new(),
        }),
        Value::Object(m) => {
            if let Some(k) = m
                .keys()
                .find(|k| !matches!(k.as_str(), "value" | "name" | "aliases"))
            {
                return Err(format!("unknown key `{k}` (value, name, aliases)"));
            }
            let value = m
                .get("value")
                .and_then(Value::as_str)
                .ok_or("an entry needs a string `value`")?
                .to_string();
            let name = match m.get("name") {
                None => value.to_upper_camel_case(),
                Some(Value::String(n))
                    if n.starts_with(|c: char| c.is_ascii_uppercase())
                        && n.chars().all(|c| c.is_ascii_alphanumeric()) =>
                {
                    n.clone()
                }
                Some(other) => return Err(format!("`name: {other}` is not a Rust type name")),
            };
            let aliases = match m.get("aliases") {
                None => Vec::new(),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|x| x.as_str().map(str::to_string))
                    .collect::<Option<_>>()
                    .ok_or("`aliases` is a list of strings")?,
                Some(_) => return Err("`aliases` is a list of strings".into()),
            };
            Ok(KnownValue {
                value,
                name,
                aliases,
            })
        }
        other => Err(format!(
            "{other} is neither a string nor {{value, name, aliases}}"
        )),
    }
}

/// `2.10` → `V2_10`, `Preview` → `PREVIEW`.
pub fn version_const(v: &str) -> String {
    if v.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{}", v.replace('.', "_"))
    } else {
        v.to_ascii_uppercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect()
    }
}

/// The facade's generated module (`crates/intercom-messages/src/contract.rs`),
/// emitted with `quote!` and formatted with prettyplease.
/// `variants` are the generated `IntercomVersion`'s, as
/// [`version_variants`](crate::codegen::client::version_variants) reads them.
pub fn generate_facade(spec: &Spec, variants: &[(String, String)]) -> Result<String, String> {
    let versions = version_consts(spec, variants)?;
    let known = known_values(spec)?;
    for (site, _) in &known {
        if !OPEN_ENUMS.iter().any(|(at, _, _)| at == site) {
            return Err(format!(
                "`{site}` has x-intercom-known-values but no facade enum; add it to OPEN_ENUMS in xtask/src/codegen/facade.rs"
            ));
        }
    }
    let mut enums = TokenStream::new();
    for (site, name, doc) in OPEN_ENUMS {
        let values = &known
            .iter()
            .find(|(at, _)| at == site)
            .ok_or_else(|| format!("`{site}`: expected x-intercom-known-values"))?
            .1;
        enums.extend(open_enum(site, name, doc, values));
    }
    let regions = region_enum(&regions(spec)?);
    let mut closed = TokenStream::new();
    for (schema, name, doc, default) in CLOSED_ENUMS {
        closed.extend(closed_enum(spec, schema, name, doc, *default)?);
    }
    let tokens = quote! {
        #![doc = " The facade's view of the contract: the versions of the `Intercom-Version`"]
        #![doc = " enum, in its order, the known values of the response's open strings, and"]
        #![doc = " the regions of the fragment's `servers`."]

        use intercom_messages_api::types::IntercomVersion;

        use crate::message::version::Version;

        #versions
        #enums
        #closed
        #regions
    };
    Ok(format!(
        "{}{}",
        crate::codegen::header(),
        crate::codegen::pretty(tokens)?
    ))
}

/// The values of component schema `schema`'s string `enum`.
fn enum_values<'a>(spec: &'a Spec, schema: &str) -> Result<Vec<&'a str>, String> {
    spec.raw
        .pointer(&format!("/components/schemas/{schema}/enum"))
        .and_then(Value::as_array)
        .ok_or_else(|| format!("at `components.schemas.{schema}`: expected a string `enum`"))?
        .iter()
        .map(|v| {
            v.as_str().ok_or(format!(
                "at `components.schemas.{schema}.enum`: {v} is not a string"
            ))
        })
        .collect()
}

/// A facade enum with the values of component schema `schema`'s `enum`, and
/// `From` both ways with the generated type of the same schema.
fn closed_enum(
    spec: &Spec,
    schema: &str,
    name: &str,
    doc: &str,
    default: Option<&str>,
) -> Result<TokenStream, String> {
    let values = enum_values(spec, schema)?;
    if let Some(d) = default.filter(|d| !values.contains(d)) {
        return Err(format!(
            "the facade's default `{d}` is not a value of `{schema}`"
        ));
    }
    let (ty, wire) = (format_ident!("{name}"), format_ident!("{schema}"));
    let idents: Vec<_> = values
        .iter()
        .map(|v| format_ident!("{}", v.to_upper_camel_case()))
        .collect();
    let variants = values.iter().zip(&idents).map(|(v, id)| {
        let doc = format!(" `{v}`.");
        let dflt = (default == Some(*v)).then(|| quote! { #[default] });
        quote! { #[doc = #doc] #dflt #id, }
    });
    let derive_default = default.map(|_| quote! { Default, });
    let (doc, from_doc) = (
        format!(" {doc}"),
        format!(" The generated `{schema}` of the same value."),
    );
    Ok(quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, #derive_default)]
        #[non_exhaustive]
        pub enum #ty {
            #(#variants)*
        }

        impl From<#ty> for intercom_messages_api::types::#wire {
            #[doc = #from_doc]
            fn from(v: #ty) -> Self {
                match v { #(#ty::#idents => Self::#idents,)* }
            }
        }

        impl From<intercom_messages_api::types::#wire> for #ty {
            fn from(v: intercom_messages_api::types::#wire) -> Self {
                match v { #(intercom_messages_api::types::#wire::#idents => Self::#idents,)* }
            }
        }
    })
}

/// One of the fragment's `servers`: its `x-intercom-region` name, URL and
/// description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// The region's name (`us`), as `INTERCOM_REGION` reads it.
    pub region: String,
    /// The base URL.
    pub url: String,
    /// What the fragment says of it.
    pub description: String,
}

/// The fragment's `servers`, in order (the first is the default); each needs
/// `url` and a lower-case `x-intercom-region`.
pub fn regions(spec: &Spec) -> Result<Vec<Server>, String> {
    let servers = spec
        .raw
        .get("servers")
        .and_then(Value::as_array)
        .filter(|s| !s.is_empty())
        .ok_or("at `servers`: expected a list of servers")?;
    let mut out: Vec<Server> = Vec::new();
    for (i, s) in servers.iter().enumerate() {
        let field = |k: &str| s.get(k).and_then(Value::as_str).map(str::to_string);
        let at = format!("at `servers[{i}]`");
        let region = field("x-intercom-region")
            .filter(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_lowercase()))
            .ok_or_else(|| format!("{at}: `x-intercom-region` must be a lower-case name"))?;
        if out.iter().any(|o| o.region == region) {
            return Err(format!("{at}: region `{region}` is listed twice"));
        }
        out.push(Server {
            url: field("url").ok_or_else(|| format!("{at}: `url` is missing"))?,
            description: field("description").unwrap_or_default(),
            region,
        });
    }
    Ok(out)
}

/// `enum Region` with `ALL`, `base_url` and `name`, from the servers.
fn region_enum(servers: &[Server]) -> TokenStream {
    let idents: Vec<_> = servers
        .iter()
        .map(|s| format_ident!("{}", s.region.to_upper_camel_case()))
        .collect();
    let variants = servers.iter().zip(&idents).enumerate().map(|(i, (s, id))| {
        let doc = format!(" `{}`: {}.", s.url, s.description);
        let default = (i == 0).then(|| quote! { #[default] });
        quote! { #[doc = #doc] #default #id, }
    });
    let urls = servers.iter().map(|s| &s.url);
    let names = servers.iter().map(|s| &s.region);
    quote! {
        #[doc = " Intercom's regional API hosts (the fragment's `servers`; the first is the default)."]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
        #[non_exhaustive]
        pub enum Region {
            #(#variants)*
        }

        impl Region {
            #[doc = " Every region, in the fragment's order."]
            pub const ALL: &'static [Region] = &[#(Region::#idents),*];

            #[doc = " The region's base URL."]
            pub fn base_url(self) -> &'static str {
                match self { #(Region::#idents => #urls,)* }
            }

            #[doc = " The region's name, as `INTERCOM_REGION` and `str::parse` read it."]
            pub fn name(self) -> &'static str {
                match self { #(Region::#idents => #names,)* }
            }
        }
    }
}

fn version_ident(v: &str) -> proc_macro2::Ident {
    format_ident!("{}", version_const(v))
}

/// `impl Version { V1_0 …, ALL, LATEST, DEFAULT, ALIASES }`, on
/// progenitor's own `IntercomVersion` variants.
fn version_consts(spec: &Spec, variants: &[(String, String)]) -> Result<TokenStream, String> {
    let versions: Vec<&str> = spec.versions.iter().collect();
    let consts = variants.iter().map(|(wire, ident)| {
        let (name, ident, doc) = (
            version_ident(wire),
            format_ident!("{ident}"),
            format!(" API version {wire}."),
        );
        quote! { #[doc = #doc] pub const #name: Version = Version(IntercomVersion::#ident); }
    });
    let all: Vec<_> = versions.iter().map(|v| version_ident(v)).collect();
    let (latest, default) = (
        versions[versions.len() - 1],
        spec.versions.default_version(),
    );
    let (latest_doc, default_doc) = (
        format!(" The newest version the contract covers ({latest})."),
        format!(" The version a client sends unless told otherwise ({default})."),
    );
    let (latest, default) = (version_ident(latest), version_ident(default));
    let aliases: Vec<_> = spec
        .versions
        .aliases()
        .iter()
        .map(|(alias, target)| {
            let v = version_ident(versions[*target]);
            quote! { (#alias, Version::#v) }
        })
        .collect();
    Ok(quote! {
        impl Version {
            #(#consts)*
            #[doc = " Every version, oldest first."]
            pub const ALL: &'static [Version] = &[#(Version::#all),*];
            #[doc = #latest_doc]
            pub const LATEST: Version = Version::#latest;
            #[doc = #default_doc]
            pub const DEFAULT: Version = Version::#default;
            #[doc = " Other names of versions, read as the version they name (`x-intercom-version-aliases`);"]
            #[doc = " a client always sends the version's own name."]
            pub const ALIASES: &'static [(&'static str, Version)] = &[#(#aliases),*];
        }
    })
}

/// One documented variant of an open enum.
fn variant(v: &KnownValue) -> TokenStream {
    let also = if v.aliases.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = v.aliases.iter().map(|a| format!("`{a}`")).collect();
        format!(" (also {})", list.join(", "))
    };
    let (doc, ident) = (
        format!(" `{}`{also}.", v.value),
        format_ident!("{}", v.name),
    );
    quote! { #[doc = #doc] #ident, }
}

/// An open enum of the known values of one site, with `Other` for the rest.
fn open_enum(site: &str, name: &str, doc: &str, values: &[KnownValue]) -> TokenStream {
    let ty = format_ident!("{name}");
    let docs = [
        format!(" {doc}"),
        String::new(),
        format!(" An open enum: the values listed for `{site}` in the fragment, and"),
        format!(" [`{name}::Other`] for any other, so a new value is data, not an error."),
    ];
    let variants = values.iter().map(variant);
    let known: Vec<&str> = values.iter().map(|v| v.value.as_str()).collect();
    let n = proc_macro2::Literal::usize_unsuffixed(known.len());
    let parse_arms = values.iter().map(|v| {
        let pats = std::iter::once(&v.value).chain(&v.aliases);
        let ident = format_ident!("{}", v.name);
        quote! { #(#pats)|* => Self::#ident, }
    });
    let str_arms = values.iter().map(|v| {
        let (ident, value) = (format_ident!("{}", v.name), &v.value);
        quote! { Self::#ident => #value, }
    });
    quote! {
        #(#[doc = #docs])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #ty {
            #(#variants)*
            #[doc = " A value this crate does not know yet."]
            Other(String),
        }

        impl #ty {
            #[doc = " The known values, as the fragment lists them."]
            pub const KNOWN: [&'static str; #n] = [#(#known),*];

            #[doc = " Reads a wire value; an unknown one is kept as `Other`."]
            pub fn parse(s: &str) -> Self {
                match s {
                    #(#parse_arms)*
                    other => Self::Other(other.to_string()),
                }
            }

            #[doc = " The wire value (an alias reads as its main spelling)."]
            pub fn as_str(&self) -> &str {
                match self {
                    #(#str_arms)*
                    Self::Other(s) => s,
                }
            }
        }
    }
}
