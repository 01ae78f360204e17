//! The contract as a reviewer reads it: every generated type with its fields,
//! Rust types, serde names and required/optional status; the version table;
//! and the JSON Schema of the request and response types.
//!
//! A change to the fragment shows up here as a readable diff, not only as a
//! diff of `generated.rs`.

use std::fmt::Write as _;

use intercom_messages_api::availability::Availability;
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
    let types_mod = xtask::client::types_module(file).unwrap_or_else(|e| panic!("{e}"));
    let mut out = String::new();
    for item in types_mod {
        match item {
            syn::Item::Struct(s) => describe_struct(&mut out, s),
            syn::Item::Enum(e) => describe_enum(&mut out, e),
            _ => {}
        }
    }
    out
}

/// A struct: its serde flags, then each field's wire name, Rust name, type
/// and whether it is required.
fn describe_struct(out: &mut String, s: &syn::ItemStruct) {
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
            let inner: Vec<String> = u.unnamed.iter().map(|f| short_type(&f.ty)).collect();
            let _ = writeln!(out, "    newtype of {}", inner.join(", "));
        }
        syn::Fields::Unit => {}
    }
}

/// An enum: its serde flags, then each variant with its wire name or payload.
fn describe_enum(out: &mut String, e: &syn::ItemEnum) {
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
    // Every version of the table is a value of the generated header enum, and
    // the enum orders them as the table does (versions, not numbers).
    let from_enum: Vec<types::IntercomVersion> = version_table::VERSIONS
        .iter()
        .map(|v| v.parse().unwrap_or_else(|e| panic!("{v}: {e}")))
        .collect();
    for (v, e) in version_table::VERSIONS.iter().zip(&from_enum) {
        assert_eq!(e.to_string(), *v);
    }
    assert!(from_enum.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(versions(), version_table::VERSIONS);
    // The facade's generated constants are the same list.
    let facade: Vec<&str> = intercom_messages::Version::ALL
        .iter()
        .map(|v| v.as_str())
        .collect();
    assert_eq!(facade, version_table::VERSIONS);
}

/// Whether `body` fits the request schema of the version at `position`, as written.
fn fits(position: usize, body: &serde_json::Value) -> bool {
    violations(
        xtask::project::REQUEST_ROOT,
        position,
        Strictness::AsWritten,
        body,
    )
    .is_empty()
}

/// An admin in-app message every version accepts.
fn admin() -> serde_json::Value {
    json!({
        "message_type": "inapp", "body": "Hi",
        "from": {"type": "admin", "id": "1"}, "to": {"type": "user", "id": "u"}
    })
}

/// An email without a subject fits no version's request schema; with one it
/// does. A visitor writes to the team as `contact` in every version.
#[test]
fn the_per_version_contract_keeps_what_every_version_has() {
    let mut email = admin();
    email["message_type"] = json!("email");
    let mut with_subject = email.clone();
    with_subject["subject"] = json!("Hi");
    let visitor = json!({"from": {"type": "contact", "id": "c"}, "body": "Hi"});
    for (p, v) in versions().iter().enumerate() {
        assert!(!fits(p, &email), "an email without a subject at {v}");
        assert!(fits(p, &with_subject), "an email with a subject at {v}");
        assert!(fits(p, &visitor), "a visitor sender at {v}");
    }
}

#[test]
fn the_per_version_contract_removes_what_a_version_lacks() {
    for (row, body) in rows_and_their_use() {
        let r = row.versions;
        for (p, v) in versions().iter().enumerate() {
            assert_eq!(
                fits(p, &body),
                (r.first()..=r.last()).contains(&p),
                "{} at {v}",
                row.item,
            );
        }
    }
}

/// Rows of the version table and a request using each.
fn rows_and_their_use() -> Vec<(Availability, serde_json::Value)> {
    let mut with_created_at = admin();
    with_created_at["created_at"] = json!(1590000000);
    let mut numeric_admin = admin();
    numeric_admin["from"]["id"] = json!(1);
    let mut list = admin();
    list["to"] = json!([{"type": "user", "id": "u"}]);
    let lead = json!({"from": {"type": "lead", "id": "l"}, "body": "Hi"});
    let mut lead_recipient = admin();
    lead_recipient["to"] = json!({"type": "lead", "id": "l"});
    let mut contact_recipient = admin();
    contact_recipient["to"] = json!({"type": "contact", "id": "c"});
    // Recipients by email exist in every version, so cc by email follows cc's row.
    let by_email = json!({
        "message_type": "email", "subject": "S", "body": "Hi",
        "from": {"type": "admin", "id": "1"}, "to": {"type": "user", "id": "u"},
        "cc": {"type": "user", "email": "a@b.c"}
    });
    vec![
        (
            version_table::ADMIN_MESSAGE_REQUEST__CREATED_AT,
            with_created_at,
        ),
        (version_table::SENDER_TYPE__LEAD, lead),
        (version_table::CONTACT_TYPE__LEAD, lead_recipient),
        (version_table::CONTACT_TYPE__CONTACT, contact_recipient),
        (version_table::ADMIN_ID__NUMBER, numeric_admin),
        (version_table::RECIPIENTS__LIST, list),
        (version_table::ADMIN_MESSAGE_REQUEST__CC, by_email),
    ]
}
