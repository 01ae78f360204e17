//! The fragment as it stands for one version, as a plain JSON Schema (draft 7).
//!
//! Items whose `x-intercom-versions` / `x-intercom-enum-versions` exclude the
//! version are removed; OpenAPI's `nullable` and `$ref` paths become JSON
//! Schema. Tests validate examples and the facade's output against it.

use serde_json::{Map, Value, json};

use crate::Spec;

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

fn convert(
    spec: &Spec,
    schemas: &Map<String, Value>,
    schema: &Value,
    version: usize,
    strictness: Strictness,
) -> Result<Value, String> {
    let Some(obj) = schema.as_object() else {
        return Ok(schema.clone());
    };
    let mut out = Map::new();
    let recurse = |v: &Value| convert(spec, schemas, v, version, strictness);
    for (key, value) in obj {
        match key.as_str() {
            k if k.starts_with("x-") => {}
            "nullable" | "example" | "examples" => {}
            "$ref" => {
                let r = value.as_str().unwrap_or_default();
                out.insert(
                    key.clone(),
                    Value::String(r.replace("#/components/schemas/", "#/definitions/")),
                );
            }
            "properties" => {
                let mut props = Map::new();
                for (name, p) in value.as_object().into_iter().flatten() {
                    if member_available(spec, schemas, p, version)? {
                        props.insert(name.clone(), recurse(p)?);
                    }
                }
                out.insert(key.clone(), Value::Object(props));
            }
            "oneOf" | "anyOf" | "allOf" => {
                let mut members = Vec::new();
                for m in value.as_array().into_iter().flatten() {
                    if key == "allOf" || member_available(spec, schemas, m, version)? {
                        members.push(recurse(m)?);
                    }
                }
                out.insert(key.clone(), Value::Array(members));
            }
            "items" | "additionalProperties" if value.is_object() => {
                out.insert(key.clone(), recurse(value)?);
            }
            "enum" => {
                let ranges = obj.get("x-intercom-enum-versions");
                let mut kept = Vec::new();
                for v in value.as_array().into_iter().flatten() {
                    let r = v.as_str().and_then(|s| ranges.and_then(|m| m.get(s)));
                    let keep = match r {
                        None => true,
                        Some(r) => spec.versions.parse_range(r)?.contains(version),
                    };
                    if keep {
                        kept.push(v.clone());
                    }
                }
                out.insert(key.clone(), Value::Array(kept));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
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
    if strictness == Strictness::Closed && out.contains_key("properties") {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    Ok(Value::Object(out))
}
