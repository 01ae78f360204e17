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
//! schema, so the same run gives the same count.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

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

/// A draft-7 schema with `definitions` (the fragment's per-version request
/// schema, or a vendored description converted by [`upstream_schema`]).
pub struct Schema<'a> {
    root: &'a Value,
}

impl<'a> Schema<'a> {
    pub fn new(root: &'a Value) -> Self {
        Schema { root }
    }

    fn resolve(&self, mut node: &'a Value) -> &'a Value {
        for _ in 0..16 {
            match node.get("$ref").and_then(Value::as_str) {
                Some(r) => match self.root.pointer(r.trim_start_matches('#')) {
                    Some(n) => node = n,
                    None => return node,
                },
                None => return node,
            }
        }
        node
    }

    /// The schema's view of `node`: its `allOf` parts merged in.
    fn parts(&self, node: &'a Value) -> Vec<&'a Value> {
        let node = self.resolve(node);
        let mut out = vec![node];
        for p in node
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.extend(self.parts(p));
        }
        out
    }

    fn members(&self, node: &'a Value) -> Vec<&'a Value> {
        let mut out = Vec::new();
        for p in self.parts(node) {
            for key in ["oneOf", "anyOf"] {
                for m in p.get(key).and_then(Value::as_array).into_iter().flatten() {
                    out.push(self.resolve(m));
                }
            }
        }
        out
    }

    /// The property schemas at `node` (its parts and its members).
    fn properties(&self, node: &'a Value) -> Vec<(&'a str, &'a Value)> {
        let mut out = Vec::new();
        let mut nodes = self.parts(node);
        nodes.extend(self.members(node).into_iter().flat_map(|m| self.parts(m)));
        for n in nodes {
            for (k, v) in n
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                out.push((k.as_str(), v));
            }
        }
        out
    }

    /// The JSON types `node` allows, its union members' included.
    fn types(&self, node: &'a Value) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for m in self.members(node) {
            out.extend(self.types(m));
        }
        for p in self.parts(node) {
            match p.get("type") {
                Some(Value::String(t)) => {
                    out.insert(t.clone());
                }
                Some(Value::Array(ts)) => {
                    out.extend(ts.iter().filter_map(Value::as_str).map(String::from))
                }
                _ => {}
            }
        }
        out
    }

    /// Values the schema allows at `node`, one per shape: each enum value,
    /// each union member's smallest instance, or one ordinary value.
    pub fn samples(&self, node: &'a Value, depth: usize) -> Vec<Value> {
        if depth > 6 {
            return vec![];
        }
        let mut out = Vec::new();
        let members = self.members(node);
        if !members.is_empty() {
            for m in members {
                out.extend(self.samples(m, depth + 1));
            }
            return out;
        }
        let parts = self.parts(node);
        if let Some(values) = parts
            .iter()
            .find_map(|p| p.get("enum").and_then(Value::as_array))
        {
            return values.clone();
        }
        let types = self.types(node);
        if types.contains("object") || parts.iter().any(|p| p.get("properties").is_some()) {
            out.push(self.smallest_object(node, depth));
        } else if types.contains("array") {
            let items = parts.iter().find_map(|p| p.get("items"));
            let item = items
                .and_then(|i| self.samples(i, depth + 1).into_iter().next())
                .unwrap_or(json!({}));
            out.push(json!([item]));
        } else if types.contains("integer") || types.contains("number") {
            out.push(json!(1));
        } else if types.contains("boolean") {
            out.push(json!(true));
        } else if types.contains("string") {
            let pattern = parts
                .iter()
                .find_map(|p| p.get("pattern").and_then(Value::as_str));
            out.push(json!(match pattern {
                Some(p) if p.contains("\\+") => "+4915112345678",
                Some(p) if p.contains("[0-9]+$") => "394051",
                _ => "x",
            }));
        } else if parts.iter().any(|p| p.get("type").is_none()) {
            out.push(json!({"type": "x"}));
        }
        out
    }

    fn smallest_object(&self, node: &'a Value, depth: usize) -> Value {
        let mut obj = Map::new();
        let required: BTreeSet<&str> = self
            .parts(node)
            .iter()
            .flat_map(|p| {
                p.get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .filter_map(Value::as_str)
            .collect();
        for (name, schema) in self.properties(node) {
            if required.contains(name)
                && !obj.contains_key(name)
                && let Some(v) = self.samples(schema, depth + 1).into_iter().next()
            {
                obj.insert(name.to_string(), v);
            }
        }
        Value::Object(obj)
    }

    /// Every probe of `base`: at each property the schema declares along the
    /// body, each value it allows and each boundary value its type has, and
    /// each property of the body removed.
    pub fn probes(&self, base: &Value) -> Vec<Probe> {
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
        self.walk(self.root, base, &mut Vec::new(), base, &mut out, 0);
        out
    }

    fn walk(
        &self,
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
        for (name, schema) in self.properties(node) {
            if !seen.insert(name) {
                continue;
            }
            path.push(name.to_string());
            let place = format!("request.{}", path.join("."));
            let mut values: Vec<(Change, Value)> = self
                .samples(schema, depth + 1)
                .into_iter()
                .map(|v| (Change::Shape, v))
                .collect();
            let types = self.types(schema);
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
                    self.walk(schema, child, path, base, out, depth + 1);
                }
            }
            path.pop();
        }
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
