//! What the facade needs from the fragment, generated so that it never spells a
//! version fact itself: the `Version` constants in the enum's order, the open
//! enums of the response's known values, and the request contract of each
//! version as a JSON Schema for the mock.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

use crate::Spec;

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
            name: camel(s),
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
                None => camel(&value),
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

/// `admin_message` → `AdminMessage`.
fn camel(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
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

/// The variants of the generated `IntercomVersion` enum, with their wire names,
/// read from progenitor's output so that the names are progenitor's own.
fn header_variants(client: &str) -> Result<Vec<(String, String)>, String> {
    let file: syn::File = syn::parse_str(client).map_err(|e| format!("generated code: {e}"))?;
    fn find(items: &[syn::Item]) -> Option<&syn::ItemEnum> {
        items.iter().find_map(|i| match i {
            syn::Item::Enum(e) if e.ident == "IntercomVersion" => Some(e),
            syn::Item::Mod(m) => m.content.as_ref().and_then(|(_, items)| find(items)),
            _ => None,
        })
    }
    let e = find(&file.items).ok_or("no `IntercomVersion` enum in the generated client")?;
    let mut out = Vec::new();
    for v in &e.variants {
        let mut rename = None;
        for a in v.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            let _ = a.parse_nested_meta(|m| {
                if m.path.is_ident("rename") {
                    let s: syn::LitStr = m.value()?.parse()?;
                    rename = Some(s.value());
                }
                Ok(())
            });
        }
        let ident = v.ident.to_string();
        out.push((rename.unwrap_or_else(|| ident.clone()), ident));
    }
    Ok(out)
}

/// The facade's generated module (`crates/intercom-messages/src/contract.rs`).
pub fn generate_facade(spec: &Spec, client: &str) -> Result<String, String> {
    let variants = header_variants(client)?;
    let versions: Vec<&str> = spec.versions.iter().collect();
    let wire: Vec<&str> = variants.iter().map(|(w, _)| w.as_str()).collect();
    if wire != versions {
        return Err(format!(
            "the generated IntercomVersion enum {wire:?} differs from the fragment's {versions:?}"
        ));
    }
    let default = spec.versions.default_version();
    let latest = versions[versions.len() - 1];
    let mut s = crate::header();
    s.push_str(
        "//! The facade's view of the contract: the versions of the `Intercom-Version`\n\
         //! enum, in its order, and the known values of the response's open strings.\n\n\
         use intercom_messages_api::types::IntercomVersion;\n\n\
         use crate::Version;\n\n\
         impl Version {\n",
    );
    for (wire, ident) in &variants {
        let _ = writeln!(
            s,
            "    /// API version {wire}.\n    pub const {}: Version = Version(IntercomVersion::{ident});",
            version_const(wire)
        );
    }
    let _ = writeln!(
        s,
        "    /// Every version, oldest first.\n    pub const ALL: [Version; {}] = [",
        versions.len()
    );
    for v in &versions {
        let _ = writeln!(s, "        Version::{},", version_const(v));
    }
    s.push_str("    ];\n");
    let _ = writeln!(
        s,
        "    /// The newest version the contract covers ({latest}).\n    pub const LATEST: Version = Version::{};",
        version_const(latest)
    );
    let _ = writeln!(
        s,
        "    /// The version a client sends unless told otherwise ({default}).\n    pub const DEFAULT: Version = Version::{};",
        version_const(default)
    );
    let aliases = spec.versions.aliases();
    let _ = writeln!(
        s,
        "    /// Other names of versions, read as the version they name \
         (`x-intercom-version-aliases`); a client always sends the version's own name.\n    \
         pub const ALIASES: [(&'static str, Version); {}] = [",
        aliases.len()
    );
    for (alias, target) in aliases {
        let wire = spec
            .versions
            .iter()
            .nth(*target)
            .expect("an alias names a version");
        let _ = writeln!(s, "        ({alias:?}, Version::{}),", version_const(wire));
    }
    s.push_str("    ];\n");
    s.push_str("}\n");

    let known = known_values(spec)?;
    for (site, _) in &known {
        if !OPEN_ENUMS.iter().any(|(at, _, _)| at == site) {
            return Err(format!(
                "`{site}` has x-intercom-known-values but no facade enum; add it to OPEN_ENUMS in xtask/src/facade.rs"
            ));
        }
    }
    for (site, name, doc) in OPEN_ENUMS {
        let values = &known
            .iter()
            .find(|(at, _)| at == site)
            .ok_or_else(|| format!("`{site}`: expected x-intercom-known-values"))?
            .1;
        open_enum(&mut s, site, name, doc, values);
    }
    Ok(s)
}

fn open_enum(s: &mut String, site: &str, name: &str, doc: &str, values: &[KnownValue]) {
    let _ = write!(
        s,
        "\n/// {doc}\n///\n/// An open enum: the values listed for `{site}` in the fragment, and\n\
         /// [`{name}::Other`] for any other, so a new value is data, not an error.\n\
         #[derive(Clone, Debug, PartialEq, Eq, Hash)]\n#[non_exhaustive]\npub enum {name} {{\n"
    );
    for v in values {
        let also = if v.aliases.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = v.aliases.iter().map(|a| format!("`{a}`")).collect();
            format!(" (also {})", list.join(", "))
        };
        let _ = writeln!(s, "    /// `{}`{also}.\n    {},", v.value, v.name);
    }
    let _ = write!(
        s,
        "    /// A value this crate does not know yet.\n    Other(String),\n}}\n\nimpl {name} {{\n"
    );
    let list: Vec<String> = values.iter().map(|v| format!("{:?}", v.value)).collect();
    let _ = writeln!(
        s,
        "    /// The known values, as the fragment lists them.\n    pub const KNOWN: [&'static str; {}] = [{}];\n",
        values.len(),
        list.join(", ")
    );
    s.push_str("    /// Reads a wire value; an unknown one is kept as `Other`.\n    pub fn parse(s: &str) -> Self {\n        match s {\n");
    for v in values {
        let pats: Vec<String> = std::iter::once(&v.value)
            .chain(&v.aliases)
            .map(|x| format!("{x:?}"))
            .collect();
        let _ = writeln!(s, "            {} => Self::{},", pats.join(" | "), v.name);
    }
    s.push_str("            other => Self::Other(other.to_string()),\n        }\n    }\n\n");
    s.push_str("    /// The wire value (an alias reads as its main spelling).\n    pub fn as_str(&self) -> &str {\n        match self {\n");
    for v in values {
        let _ = writeln!(s, "            Self::{} => {:?},", v.name, v.value);
    }
    s.push_str("            Self::Other(s) => s,\n        }\n    }\n}\n");
}
