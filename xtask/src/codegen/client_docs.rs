//! Doc comments for the public items progenitor leaves undocumented in
//! `generated.rs`: the fields of the contract's types (from the fragment's
//! descriptions: the property's own, or the schema it refers to), the enum
//! values (their wire spelling), and the request builders and their setters.
//! Items that have a doc comment keep it.

use serde_json::Value;
use syn::{Attribute, Fields, ImplItem, Item};

/// Adds the missing doc comments to progenitor's output.
pub fn document(file: &mut syn::File, raw: &Value) {
    let schemas = raw.pointer("/components/schemas").unwrap_or(&Value::Null);
    for item in &mut file.items {
        if let Item::Mod(m) = item {
            let Some((_, items)) = m.content.as_mut() else {
                continue;
            };
            match m.ident.to_string().as_str() {
                "types" => types(items, schemas),
                "builder" => operation_builders(items),
                _ => {}
            }
        }
    }
}

fn has_doc(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("doc"))
}

fn doc(attrs: &mut Vec<Attribute>, text: &str) {
    if !has_doc(attrs) {
        let text = format!(" {}", text.trim());
        attrs.insert(0, syn::parse_quote!(#[doc = #text]));
    }
}

/// The name serde gives an item: its `rename`, or its identifier (without
/// the `_` that escapes a keyword, as in `type_`).
pub(crate) fn serde_name(attrs: &[Attribute], ident: &syn::Ident) -> String {
    let mut name = None;
    for a in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = a.parse_nested_meta(|m| {
            if m.path.is_ident("rename") {
                let s: syn::LitStr = m.value()?.parse()?;
                name = Some(s.value());
            } else if let Ok(v) = m.value() {
                // Other keys' values (`default = "…"`) are read and ignored.
                let _: Option<syn::Expr> = v.parse().ok();
            }
            Ok(())
        });
    }
    name.unwrap_or_else(|| ident.to_string().trim_end_matches('_').to_string())
}

/// The first sentence of a description, on one line.
fn first_sentence(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.find(". ") {
        Some(end) => text[..=end].to_string(),
        None => text,
    }
}

/// What the fragment says of `property` of the schema `owner`: its own
/// description, or that of the schema it refers to.
fn property_doc(schemas: &Value, owner: &str, property: &str) -> Option<String> {
    let p = schemas.get(owner)?.get("properties")?.get(property)?;
    if let Some(d) = p.get("description").and_then(Value::as_str) {
        return Some(first_sentence(d));
    }
    let target = p
        .get("$ref")
        .or_else(|| p.pointer("/allOf/0/$ref"))
        .and_then(Value::as_str)?
        .rsplit('/')
        .next()?;
    let d = schemas
        .get(target)?
        .get("description")
        .and_then(Value::as_str)?;
    Some(format!(
        "{} ([`{target}`])",
        first_sentence(d).trim_end_matches('.')
    ))
}

fn types(items: &mut [Item], schemas: &Value) {
    for item in items {
        match item {
            Item::Struct(st) => {
                let owner = st.ident.to_string();
                if let Fields::Named(fields) = &mut st.fields {
                    for f in &mut fields.named {
                        let Some(ident) = f.ident.clone() else {
                            continue;
                        };
                        let wire = serde_name(&f.attrs, &ident);
                        let text = property_doc(schemas, &owner, &wire)
                            .unwrap_or_else(|| format!("`{wire}`."));
                        doc(&mut f.attrs, &text);
                    }
                }
            }
            Item::Enum(e) => {
                for v in &mut e.variants {
                    if matches!(v.fields, Fields::Unit) {
                        let wire = serde_name(&v.attrs, &v.ident);
                        doc(&mut v.attrs, &format!("`{wire}` on the wire."));
                    } else {
                        let text = variant_doc(v);
                        doc(&mut v.attrs, &text);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A variant holding a value: a link to the value's type when it is one of
/// the generated types, its name otherwise.
fn variant_doc(v: &syn::Variant) -> String {
    let inner = match &v.fields {
        Fields::Unnamed(f) if f.unnamed.len() == 1 => Some(&f.unnamed[0].ty),
        _ => None,
    };
    match inner {
        Some(syn::Type::Path(p)) if p.qself.is_none() && p.path.segments.len() == 1 => {
            format!("`{}`: a [`{}`].", v.ident, p.path.segments[0].ident)
        }
        _ => format!("The `{}` form.", v.ident),
    }
}

/// The top-level `builder`: one request builder per operation.
fn operation_builders(items: &mut [Item]) {
    for item in items {
        if let Item::Impl(i) = item
            && i.trait_.is_none()
        {
            for it in &mut i.items {
                if let ImplItem::Fn(f) = it {
                    let name = f.sig.ident.to_string();
                    let text = match name.as_str() {
                        "new" => "A request on `client`, with nothing set.".to_string(),
                        "send" => "Sends the request and decodes the answer.".to_string(),
                        "intercom_version" => {
                            "Sets the `Intercom-Version` header: the API version of this request."
                                .to_string()
                        }
                        "body" => "Sets the request body.".to_string(),
                        other => format!("Sets `{other}`."),
                    };
                    doc(&mut f.attrs, &text);
                }
            }
        }
    }
}
