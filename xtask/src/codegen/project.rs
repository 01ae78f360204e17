//! The fragment as it stands for one version, as a plain JSON Schema (draft 7).
//!
//! Items whose `x-intercom-versions` / `x-intercom-enum-versions` exclude the
//! version are removed; OpenAPI's `nullable` and `$ref` paths become JSON
//! Schema. Tests validate examples and the facade's output against it, and
//! [`request_schemas`] writes the request's schema at each version for the mock.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::codegen::spec::Spec;

/// How closely objects are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strictness {
    /// As the fragment says (responses allow unknown properties).
    AsWritten,
    /// Every object refuses properties it does not declare.
    Closed,
}

/// A draft-7 JSON Schema for `root` (a component schema name) at the version at
/// position `version` of the version list.
pub fn json_schema_for_version(
    spec: &Spec,
    root: &str,
    version: usize,
    strictness: Strictness,
) -> Result<Value, String> {
    let schemas = spec
        .raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .ok_or("components.schemas missing")?;
    if !schemas.contains_key(root) {
        return Err(format!("no component schema `{root}`"));
    }
    let mut defs = Map::new();
    for (name, schema) in schemas {
        defs.insert(
            name.clone(),
            convert(spec, schemas, schema, version, strictness)?,
        );
    }
    Ok(json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$ref": format!("#/definitions/{root}"),
        "definitions": defs,
    }))
}

fn available(spec: &Spec, schema: &Value, version: usize) -> Result<bool, String> {
    match schema.get("x-intercom-versions") {
        None => Ok(true),
        Some(r) => Ok(spec.versions.parse_range(r)?.contains(version)),
    }
}

/// Whether a property or union member exists at `version`: its own range, or
/// that of the schema it refers to.
fn member_available(
    spec: &Spec,
    schemas: &Map<String, Value>,
    member: &Value,
    version: usize,
) -> Result<bool, String> {
    match member.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            let target = schemas
                .get(name)
                .ok_or_else(|| format!("dangling $ref {r}"))?;
            available(spec, target, version)
        }
        None => available(spec, member, version),
    }
}

/// `x-intercom-required-when: {property: {value: [required, ...]}}` as draft-7
/// `if`/`then` conditions: with `property` equal to `value`, the listed
/// properties are required too (an email needs its subject).
pub fn required_when(when: &Value) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    let props = when
        .as_object()
        .ok_or("x-intercom-required-when is a map {property: {value: [required]}}")?;
    for (prop, cases) in props {
        let cases = cases.as_object().ok_or_else(|| {
            format!("x-intercom-required-when.{prop} is a map {{value: [required]}}")
        })?;
        for (value, required) in cases {
            let required = required
                .as_array()
                .filter(|a| a.iter().all(Value::is_string))
                .ok_or_else(|| {
                    format!("x-intercom-required-when.{prop}.{value} is a list of property names")
                })?;
            out.push(json!({
                "if": {"properties": {prop: {"const": value}}, "required": [prop]},
                "then": {"required": required},
            }));
        }
    }
    Ok(out)
}

/// One schema of the fragment as draft-7 JSON Schema at `version`.
struct Converter<'a> {
    spec: &'a Spec,
    schemas: &'a Map<String, Value>,
    version: usize,
    strictness: Strictness,
}

fn convert(
    spec: &Spec,
    schemas: &Map<String, Value>,
    schema: &Value,
    version: usize,
    strictness: Strictness,
) -> Result<Value, String> {
    Converter {
        spec,
        schemas,
        version,
        strictness,
    }
    .convert(schema)
}

impl Converter<'_> {
    fn convert(&self, schema: &Value) -> Result<Value, String> {
        let Some(obj) = schema.as_object() else {
            return Ok(schema.clone());
        };
        let mut out = Map::new();
        for (key, value) in obj {
            if let Some(v) = self.keyword(obj, key, value)? {
                out.insert(key.clone(), v);
            }
        }
        self.finish(obj, &mut out)?;
        Ok(Value::Object(out))
    }

    /// One keyword converted, or `None` when it is dropped.
    fn keyword(
        &self,
        obj: &Map<String, Value>,
        key: &str,
        value: &Value,
    ) -> Result<Option<Value>, String> {
        let available = |m: &Value| member_available(self.spec, self.schemas, m, self.version);
        Ok(Some(match key {
            k if k.starts_with("x-") => return Ok(None),
            "nullable" | "example" | "examples" => return Ok(None),
            "$ref" => Value::String(
                value
                    .as_str()
                    .unwrap_or_default()
                    .replace("#/components/schemas/", "#/definitions/"),
            ),
            "properties" => {
                let mut props = Map::new();
                for (name, p) in value.as_object().into_iter().flatten() {
                    if available(p)? {
                        props.insert(name.clone(), self.convert(p)?);
                    }
                }
                Value::Object(props)
            }
            "oneOf" | "anyOf" | "allOf" => {
                let mut members = Vec::new();
                for m in value.as_array().into_iter().flatten() {
                    if key == "allOf" || available(m)? {
                        members.push(self.convert(m)?);
                    }
                }
                Value::Array(members)
            }
            "items" | "additionalProperties" if value.is_object() => self.convert(value)?,
            "enum" => Value::Array(self.enum_values(obj, value)?),
            _ => value.clone(),
        }))
    }

    /// The enum's values that exist at this version.
    fn enum_values(&self, obj: &Map<String, Value>, value: &Value) -> Result<Vec<Value>, String> {
        let ranges = obj.get("x-intercom-enum-versions");
        let mut kept = Vec::new();
        for v in value.as_array().into_iter().flatten() {
            let keep = match v.as_str().and_then(|s| ranges.and_then(|m| m.get(s))) {
                None => true,
                Some(r) => self.spec.versions.parse_range(r)?.contains(self.version),
            };
            if keep {
                kept.push(v.clone());
            }
        }
        Ok(kept)
    }

    /// What holds for the whole object: required properties that are gone,
    /// conditional requirements, `nullable`, and closing the object.
    fn finish(&self, obj: &Map<String, Value>, out: &mut Map<String, Value>) -> Result<(), String> {
        // Properties removed for this version are no longer required.
        if let (Some(Value::Array(req)), Some(Value::Object(props))) =
            (out.get("required"), out.get("properties"))
        {
            let kept: Vec<Value> = req
                .iter()
                .filter(|r| r.as_str().is_some_and(|r| props.contains_key(r)))
                .cloned()
                .collect();
            out.insert("required".into(), Value::Array(kept));
        }
        // A required property this version lets be omitted.
        if let (Some(optional), Some(Value::Array(req))) = (
            obj.get("x-intercom-optional-versions"),
            out.get("required").cloned(),
        ) {
            let mut kept = Vec::new();
            for r in req {
                let omitted = match r.as_str().and_then(|name| optional.get(name)) {
                    Some(range) => self
                        .spec
                        .versions
                        .parse_range(range)?
                        .contains(self.version),
                    None => false,
                };
                if !omitted {
                    kept.push(r);
                }
            }
            out.insert("required".into(), Value::Array(kept));
        }
        if let Some(when) = obj.get("x-intercom-required-when") {
            let mut conds = match out.remove("allOf") {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            };
            conds.extend(required_when(when)?);
            out.insert("allOf".into(), Value::Array(conds));
        }
        if obj.get("nullable").and_then(Value::as_bool) == Some(true)
            && let Some(Value::String(t)) = out.get("type").cloned()
        {
            out.insert("type".into(), json!([t, "null"]));
        }
        // An object that says `additionalProperties: {}` or `true` (a response
        // Intercom grows faster than the contract, such as a conversation)
        // keeps what it does not declare even when closed.
        let open = obj
            .get("additionalProperties")
            .is_some_and(|v| *v == Value::Bool(true) || v.is_object());
        if self.strictness == Strictness::Closed && out.contains_key("properties") && !open {
            out.insert("additionalProperties".into(), Value::Bool(false));
        }
        Ok(())
    }
}

/// The component schema of the request body.
pub const REQUEST_ROOT: &str = "CreateMessageRequest";

/// Where each version's request schema is written, relative to the workspace root.
pub fn request_schema_path(version: &str) -> String {
    format!("crates/intercom-messages-api/schemas/request/{version}.json")
}

/// The directory of the request schemas, relative to the workspace root.
pub const REQUEST_SCHEMA_DIR: &str = crate::codegen::operations::FIRST_SCHEMA_DIR;

/// Pushes the names of every `$ref` under `v` that starts with `prefix`.
fn collect_refs(v: &Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref")
                && let Some(name) = r.strip_prefix(prefix)
            {
                out.push(name.to_string());
            }
            m.values().for_each(|x| collect_refs(x, prefix, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, prefix, out)),
        _ => {}
    }
}

/// Every schema reachable from `root` through `$ref`s that start with
/// `prefix`, `root` included; `lookup` finds a schema by name.
fn closure<'a>(
    root: &str,
    prefix: &str,
    lookup: impl Fn(&str) -> Option<&'a Value>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![root.to_string()];
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone())
            && let Some(s) = lookup(&name)
        {
            collect_refs(s, prefix, &mut todo);
        }
    }
    seen
}

/// Every component schema of the fragment reachable from `root`, `root` included.
pub fn reachable(spec: &Spec, root: &str) -> BTreeSet<String> {
    closure(root, "#/components/schemas/", |name| {
        spec.raw.pointer(&format!("/components/schemas/{name}"))
    })
}

/// The request body's contract of every operation at each version it has,
/// as a closed draft-7 JSON Schema (an object refuses properties its version
/// does not declare), with only the definitions the request reaches; each at
/// its operation's [`schema_path`](crate::codegen::operations::Operation::schema_path).
pub fn request_schemas(spec: &Spec) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for op in crate::codegen::operations::operations(spec)? {
        for (i, v) in spec.versions.iter().enumerate() {
            if !op.range.contains(i) {
                continue;
            }
            let title = format!(
                "{} {} request body, Intercom-Version {v} (generated from openapi/messages.yaml)",
                op.method, op.path
            );
            let text = request_schema(spec, &op.request_root, i, &title)?;
            out.push((op.schema_path(v), text));
        }
    }
    Ok(out)
}

/// The closed schema of `root` at the version at position `i`, titled.
fn request_schema(spec: &Spec, root: &str, i: usize, title: &str) -> Result<String, String> {
    let mut schema = json_schema_for_version(spec, root, i, Strictness::Closed)?;
    // Keep the definitions this version's request reaches: a member the
    // version does not have is gone from its `oneOf`, and so is its schema.
    let keep = closure(root, "#/definitions/", |name| {
        schema.pointer(&format!("/definitions/{name}"))
    });
    if let Some(Value::Object(defs)) = schema.get_mut("definitions") {
        defs.retain(|name, _| keep.contains(name));
    }
    if let Value::Object(m) = &mut schema {
        m.insert("title".into(), Value::String(title.to_string()));
    }
    Ok(serde_json::to_string_pretty(&schema).map_err(|e| e.to_string())? + "\n")
}
