//! Values a JSON Schema allows: the one sampler the mock's answers and the
//! workspace's differential test of the request contract share.
//!
//! [`Sampler::samples`] gives one value per shape a schema allows at a
//! place: each enum value, each union member's smallest instance, or one
//! ordinary value of its type (an object with its required properties, a
//! list of one item, `1`, `true`, a string fitting the phone or numeric-id
//! patterns the contract uses, else `"x"`). The mock answers a created
//! message with the first sample of each property the version declares, so
//! a property the contract gains is in its answers without a change to the
//! mock.
//!
//! ```
//! use intercom_messages_mock::sample::Sampler;
//! use serde_json::json;
//!
//! let schema = json!({
//!     "definitions": {"Owner": {"type": "object", "required": ["id"],
//!                               "properties": {"id": {"type": "string"}}}},
//!     "type": "object",
//!     "properties": {
//!         "kind": {"enum": ["admin", "user"]},
//!         "owner": {"anyOf": [{"$ref": "#/definitions/Owner"}, {"type": "null"}]},
//!     },
//! });
//! let sampler = Sampler::new(&schema);
//! let kind = &schema["properties"]["kind"];
//! assert_eq!(sampler.samples(kind, 0), [json!("admin"), json!("user")]);
//! let owner = &schema["properties"]["owner"];
//! assert_eq!(sampler.samples(owner, 0), [json!({"id": "x"})]);
//! assert_eq!(sampler.properties(&schema).len(), 2);
//! ```

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

/// The nesting past which [`Sampler::samples`] gives nothing (a recursive
/// schema ends there).
pub const MAX_DEPTH: usize = 6;

/// A draft-7 JSON Schema whose `$ref`s are JSON pointers into it (as
/// `#/definitions/Name`): a request schema the api crate ships, one
/// `schemars` derives, or a vendored description converted to draft 7.
#[derive(Clone, Copy, Debug)]
pub struct Sampler<'a> {
    root: &'a Value,
}

impl<'a> Sampler<'a> {
    /// A sampler of the schema `root` and the nodes inside it.
    pub fn new(root: &'a Value) -> Self {
        Sampler { root }
    }

    /// The whole schema.
    pub fn root(&self) -> &'a Value {
        self.root
    }

    /// `node` with its `$ref`s followed (16 at most; a dangling one stops).
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

    /// The members of `node`'s unions (`oneOf`, `anyOf`), resolved.
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

    /// The properties `node` declares, by name, with their schemas: those of
    /// its `allOf` parts and of its union members too, in order (a name
    /// declared by several comes once for each).
    pub fn properties(&self, node: &'a Value) -> Vec<(&'a str, &'a Value)> {
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

    /// The JSON types `node` allows (`"string"`, `"null"`, ...), its union
    /// members' included.
    pub fn types(&self, node: &'a Value) -> BTreeSet<String> {
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
    /// each union member's smallest instance, or one ordinary value; never
    /// `null` (a union's null member gives none). `depth` is how deep `node`
    /// already is (0 for a property of the root); past [`MAX_DEPTH`] there
    /// are none.
    pub fn samples(&self, node: &'a Value, depth: usize) -> Vec<Value> {
        if depth > MAX_DEPTH {
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

    /// An object with `node`'s required properties, each its first sample.
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
}
