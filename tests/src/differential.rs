//! The differential check of the request contract, per vendored version and
//! in both directions: bodies made from one side's request schema (a body
//! both sides accept, changed at one place at a time, as that side's schema
//! allows) are run through the other side's schema (and, towards the
//! fragment, the facade's rules). A body one side accepts and the other
//! refuses is a difference, and it must be one a recorded deviation names:
//! a deviation of the right kind (a constraint for a boundary value, a
//! property, enum or union for another shape, `required` for an omission)
//! whose path matches the place changed.
//!
//! The bodies are pinned, not random: every change is derived from the
//! schema, so the same run gives the same count. The values come from the
//! mock's sampler (`intercom_messages_mock::sample`), the one that also
//! fills the mock's answers.

use std::collections::BTreeSet;

pub use intercom_messages_mock::sample::Sampler;
use serde_json::{Value, json};

/// A changed body: where it was changed, how, and the body.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The place, as conformance writes it: `request.to.id`.
    pub path: String,
    /// What was done there.
    pub change: Change,
    /// The whole body.
    pub body: Value,
}

/// What a probe did at its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The body as it is.
    Base,
    /// An empty string.
    EmptyString,
    /// A negative integer.
    Negative,
    /// An empty list.
    EmptyList,
    /// `null`.
    Null,
    /// Another value or shape the source schema allows there.
    Shape,
    /// A property the body has, removed.
    Omitted,
}

/// Every probe of `base` as `schema` (the source side) allows: at each
/// property the schema declares along the body, each value it allows (the
/// mock's sampler, [`Sampler::samples`]) and each boundary value its type
/// has, and each property of the body removed.
pub fn probes(schema: &Sampler<'_>, base: &Value) -> Vec<Probe> {
    let mut out = vec![Probe {
        path: "request".into(),
        change: Change::Base,
        body: base.clone(),
    }];
    out.push(Probe {
        path: "request".into(),
        change: Change::Null,
        body: Value::Null,
    });
    walk(
        schema,
        schema.root(),
        base,
        &mut Vec::new(),
        base,
        &mut out,
        0,
    );
    out
}

fn walk<'a>(
    schema: &Sampler<'a>,
    node: &'a Value,
    at: &Value,
    path: &mut Vec<String>,
    base: &Value,
    out: &mut Vec<Probe>,
    depth: usize,
) {
    if depth > 5 {
        return;
    }
    let mut seen = BTreeSet::new();
    for (name, property) in schema.properties(node) {
        if !seen.insert(name) {
            continue;
        }
        path.push(name.to_string());
        let place = format!("request.{}", path.join("."));
        let mut values: Vec<(Change, Value)> = schema
            .samples(property, depth + 1)
            .into_iter()
            .map(|v| (Change::Shape, v))
            .collect();
        let types = schema.types(property);
        if types.contains("string") {
            values.push((Change::EmptyString, json!("")));
        }
        if types.contains("integer") {
            values.push((Change::Negative, json!(-1)));
        }
        if types.contains("array") {
            values.push((Change::EmptyList, json!([])));
        }
        values.push((Change::Null, Value::Null));
        for (change, v) in values {
            out.push(Probe {
                path: place.clone(),
                change,
                body: set(base, path, Some(v)),
            });
        }
        if at.get(name).is_some() {
            out.push(Probe {
                path: place.clone(),
                change: Change::Omitted,
                body: set(base, path, None),
            });
            if let Some(child) = at.get(name)
                && child.is_object()
            {
                walk(schema, property, child, path, base, out, depth + 1);
            }
        }
        path.pop();
    }
}

/// `base` with the value at `path` replaced (or removed for `None`).
fn set(base: &Value, path: &[String], value: Option<Value>) -> Value {
    let mut body = base.clone();
    let mut node = &mut body;
    for (i, key) in path.iter().enumerate() {
        if !node.is_object() {
            *node = json!({});
        }
        let obj = node.as_object_mut().expect("an object");
        if i + 1 == path.len() {
            match value {
                Some(v) => {
                    obj.insert(key.clone(), v);
                }
                None => {
                    obj.remove(key);
                }
            }
            return body;
        }
        node = obj.entry(key.clone()).or_insert_with(|| json!({}));
    }
    body
}

/// A vendored description's request schema as draft-7: its component
/// schemas as `definitions`, `nullable` as a `null` type, examples dropped.
pub fn upstream_schema(doc: &Value) -> Value {
    upstream_schema_of(doc, "/paths/~1messages/post")
}

/// [`upstream_schema`] of the operation at `operation` (a JSON pointer such
/// as `/paths/~1conversations~1search/post`).
pub fn upstream_schema_of(doc: &Value, operation: &str) -> Value {
    let root = doc
        .pointer(&format!(
            "{operation}/requestBody/content/application~1json/schema"
        ))
        .cloned()
        .unwrap_or(json!({}));
    let mut schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": doc.pointer("/components/schemas").cloned().unwrap_or(json!({})),
    });
    if let (Value::Object(s), Value::Object(r)) = (&mut schema, root) {
        s.extend(r);
    }
    convert(&mut schema);
    schema
}

fn convert(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref") {
                *r = r.replace("#/components/schemas/", "#/definitions/");
            }
            m.remove("example");
            if m.remove("nullable") == Some(Value::Bool(true)) {
                match m.get("type").cloned() {
                    Some(Value::String(t)) => {
                        m.insert("type".into(), json!([t, "null"]));
                    }
                    _ => {
                        let inner = Value::Object(std::mem::take(m));
                        m.insert("anyOf".into(), json!([inner, {"type": "null"}]));
                    }
                }
            }
            m.values_mut().for_each(convert);
        }
        Value::Array(a) => a.iter_mut().for_each(convert),
        _ => {}
    }
}
