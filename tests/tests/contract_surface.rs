//! The contract as a reviewer reads it: every generated type with its fields,
//! Rust types, serde names and required/optional status; the version table;
//! and the JSON Schema of the request and response types.
//!
//! A change to the fragment shows up here as a readable diff, not only as a
//! diff of `generated.rs`.

use std::fmt::Write as _;

use intercom_messages_api::{types, version_table};
use intercom_messages_tests::{Strictness, versions, violations};
use quote::ToTokens;
use serde_json::json;

fn generated_source() -> String {
    let path = xtask::workspace_root().join(xtask::GENERATED);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `::std::option::Option<::std::string::String>` → `Option<String>`.
fn short_type(ty: &syn::Type) -> String {
    let mut s = ty.to_token_stream().to_string().replace(' ', "");
    for prefix in [
        "::std::option::",
        "::std::string::",
        "::std::vec::",
        "::std::collections::",
        "super::",
    ] {
        s = s.replace(prefix, "");
    }
    s
}

/// The value of `#[serde(rename = "...")]` among `attrs`, if any.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut found = None;
    for a in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = a.parse_nested_meta(|m| {
            if m.path.is_ident("rename") {
                found = Some(m.value()?.parse::<syn::LitStr>()?.value());
            } else if m.input.peek(syn::Token![=]) {
                m.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        });
    }
    found
}

fn serde_flags(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut flags = Vec::new();
    for a in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = a.parse_nested_meta(|m| {
            let name = m.path.to_token_stream().to_string();
            if m.input.peek(syn::Token![=]) {
                m.value()?.parse::<syn::Expr>()?;
            } else {
                flags.push(name);
            }
            Ok(())
        });
    }
    flags
}

fn describe_types(file: &syn::File) -> String {
    let types_mod = file
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items),
            _ => None,
        })
        .expect("generated.rs has `mod types`");
    let mut out = String::new();
    for item in types_mod {
        match item {
            syn::Item::Struct(s) => {
                let flags = serde_flags(&s.attrs);
                let _ = write!(out, "struct {}", s.ident);
                if !flags.is_empty() {
                    let _ = write!(out, "  #[serde({})]", flags.join(", "));
                }
                out.push('\n');
                match &s.fields {
                    syn::Fields::Named(named) => {
                        for f in &named.named {
                            let ident = f.ident.as_ref().unwrap().to_string();
                            let wire = serde_rename(&f.attrs).unwrap_or_else(|| ident.clone());
                            let ty = short_type(&f.ty);
                            let status = if ty.starts_with("Option<") {
                                "optional"
                            } else {
                                "required"
                            };
                            let _ = writeln!(out, "    {wire:<44} {ident}: {ty}  ({status})");
                        }
                    }
                    syn::Fields::Unnamed(u) => {
                        let inner: Vec<String> =
                            u.unnamed.iter().map(|f| short_type(&f.ty)).collect();
                        let _ = writeln!(out, "    newtype of {}", inner.join(", "));
                    }
                    syn::Fields::Unit => {}
                }
            }
            syn::Item::Enum(e) => {
                let flags = serde_flags(&e.attrs);
                let _ = write!(out, "enum {}", e.ident);
                if !flags.is_empty() {
                    let _ = write!(out, "  #[serde({})]", flags.join(", "));
                }
                out.push('\n');
                for v in &e.variants {
                    let payload: Vec<String> = v.fields.iter().map(|f| short_type(&f.ty)).collect();
                    match (serde_rename(&v.attrs), payload.is_empty()) {
                        (Some(wire), _) => {
                            let _ = writeln!(out, "    {wire:?} => {}", v.ident);
                        }
                        (None, true) => {
                            let _ = writeln!(out, "    {}", v.ident);
                        }
                        (None, false) => {
                            let _ = writeln!(out, "    {}({})", v.ident, payload.join(", "));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn contract_surface() {
    let file = syn::parse_file(&generated_source()).expect("generated.rs parses");
    let mut out = String::from("# Generated types (serde name, Rust field: type, status)\n\n");
    out.push_str(&describe_types(&file));
    out.push_str("\n# Version table (items not listed exist in every version)\n\n");
    let _ = writeln!(out, "versions: {}", version_table::VERSIONS.join(" "));
    for row in version_table::TABLE {
        let _ = writeln!(
            out,
            "{:<52} {:<12} {}",
            row.item,
            format!("{:?}", row.kind),
            row.versions
        );
    }
    insta::assert_snapshot!("contract_surface", out);
}

#[test]
fn json_schema_of_the_request_and_response_types() {
    let schemas = json!({
        "CreateMessageRequest": schemars::schema_for!(types::CreateMessageRequest),
        "Message": schemars::schema_for!(types::Message),
        "ErrorList": schemars::schema_for!(types::ErrorList),
    });
    insta::assert_json_snapshot!("json_schema", schemas);
}

#[test]
fn the_version_table_agrees_with_the_generated_header_enum() {
    let from_enum: Vec<String> = [
        types::IntercomVersion::X10,
        types::IntercomVersion::X11,
        types::IntercomVersion::X12,
        types::IntercomVersion::X13,
        types::IntercomVersion::X14,
        types::IntercomVersion::X20,
        types::IntercomVersion::X21,
        types::IntercomVersion::X22,
        types::IntercomVersion::X23,
        types::IntercomVersion::X24,
        types::IntercomVersion::X25,
        types::IntercomVersion::X26,
        types::IntercomVersion::X27,
        types::IntercomVersion::X28,
        types::IntercomVersion::X29,
        types::IntercomVersion::X210,
        types::IntercomVersion::X211,
        types::IntercomVersion::X212,
        types::IntercomVersion::X213,
        types::IntercomVersion::X214,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(from_enum, version_table::VERSIONS);
    assert_eq!(versions(), version_table::VERSIONS);
    // Ordered as versions, not as numbers or strings.
    assert!(types::IntercomVersion::X210 > types::IntercomVersion::X29);
}

#[test]
fn the_per_version_contract_removes_what_a_version_lacks() {
    let v = |s: &str| versions().iter().position(|x| *x == s).unwrap();
    let with_created_at = json!({
        "message_type": "inapp", "body": "Hi",
        "from": {"type": "admin", "id": "1"}, "to": {"type": "user", "id": "u"},
        "created_at": 1590000000
    });
    let check = |version: &str, body: &serde_json::Value| {
        violations(
            "CreateMessageRequest",
            v(version),
            Strictness::AsWritten,
            body,
        )
    };
    assert!(check("2.11", &with_created_at).is_empty());
    assert!(!check("2.10", &with_created_at).is_empty());

    let lead = json!({"from": {"type": "lead", "id": "l"}, "body": "Hi"});
    assert!(check("2.0", &lead).is_empty());
    assert!(!check("1.4", &lead).is_empty());

    let contact = json!({"from": {"type": "contact", "id": "c"}, "body": "Hi"});
    assert!(check("2.5", &contact).is_empty());
    assert!(!check("2.6", &contact).is_empty());

    let numeric_admin = json!({
        "message_type": "inapp", "body": "Hi",
        "from": {"type": "admin", "id": 1}, "to": {"type": "user", "id": "u"}
    });
    assert!(check("2.7", &numeric_admin).is_empty());
    assert!(!check("2.6", &numeric_admin).is_empty());

    let list = json!({
        "message_type": "email", "subject": "S", "body": "Hi",
        "from": {"type": "admin", "id": "1"}, "to": [{"type": "user", "id": "u"}],
        "cc": {"type": "user", "email": "a@b.c"}
    });
    // 2.14 has lists and cc, but recipients by email only exist in 1.x.
    let errors = check("2.14", &list);
    assert!(!errors.is_empty());
    let list_by_id = json!({
        "message_type": "email", "subject": "S", "body": "Hi",
        "from": {"type": "admin", "id": "1"}, "to": [{"type": "user", "id": "u"}],
        "cc": {"type": "user", "id": "v"}
    });
    assert!(check("2.14", &list_by_id).is_empty());
    assert!(!check("2.13", &list_by_id).is_empty());
}

#[test]
fn the_readme_version_table_is_the_generated_one() {
    let readme = std::fs::read_to_string(xtask::workspace_root().join("README.md")).unwrap();
    let start = readme
        .find("<!-- version-table:start -->")
        .expect("start marker");
    let end = readme
        .find("<!-- version-table:end -->")
        .expect("end marker");
    let rows: Vec<String> = readme[start..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l.replace("\\|", "|"))
        .collect();
    let expected: Vec<String> = version_table::TABLE
        .iter()
        .map(|r| format!("| `{}` | {:?} | {} |", r.item, r.kind, r.versions))
        .collect();
    assert_eq!(rows, expected, "update the README's version table");
}
