//! The version facts of the fragment: every `x-intercom-versions` and
//! `x-intercom-enum-versions`, as rows of the version table.

use serde_json::Value;

use crate::codegen::spec::Spec;
use crate::codegen::versions::Range;

/// One row of the version table: an item that does not exist in every version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Where the item is, e.g. `AdminMessageRequest.cc`, `Recipients|List`, `ContactType=lead`.
    pub item: String,
    /// `Schema`, `Property`, `UnionMember`, `EnumValue`, `Items` or
    /// `Optional` (the names of the generated `ItemKind`).
    pub kind: &'static str,
    /// The versions that have it.
    pub range: Range,
    /// Whether it is part of the request body (reachable from `CreateMessageRequest`).
    pub request: bool,
}

/// Every `x-intercom-versions` and `x-intercom-enum-versions` in the component schemas.
pub fn version_entries(spec: &Spec) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    let schemas = spec
        .raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .ok_or("at `components.schemas`: missing")?;
    for (name, schema) in schemas {
        walk_schema(spec, name, schema, "Schema", &mut out)?;
    }
    let request = crate::codegen::project::reachable(spec, crate::codegen::project::REQUEST_ROOT);
    for e in &mut out {
        let root = e
            .item
            .split(['.', '|', '=', '['])
            .next()
            .unwrap_or_default();
        e.request = request.contains(root);
    }
    Ok(out)
}

/// The vendor extensions a component schema may carry.
const KNOWN_EXTENSIONS: [&str; 7] = [
    "x-intercom-versions",
    "x-intercom-enum-versions",
    "x-intercom-known-values",
    "x-intercom-default-version",
    "x-intercom-version-aliases",
    "x-intercom-required-when",
    "x-intercom-optional-versions",
];

fn walk_schema(
    spec: &Spec,
    path: &str,
    schema: &Value,
    kind: &'static str,
    out: &mut Vec<Entry>,
) -> Result<(), String> {
    let Some(obj) = schema.as_object() else {
        return Ok(());
    };
    if let Some(key) = obj
        .keys()
        .find(|k| k.starts_with("x-") && !KNOWN_EXTENSIONS.contains(&k.as_str()))
    {
        return Err(format!("at `{path}`: unknown extension `{key}`"));
    }
    if let Some(v) = obj.get("x-intercom-versions") {
        let range = spec
            .versions
            .parse_range(v)
            .map_err(|e| format!("at `{path}`: {e}"))?;
        out.push(Entry {
            item: path.to_string(),
            kind,
            range,
            request: false,
        });
    }
    if let Some(v) = obj.get("x-intercom-enum-versions") {
        enum_entries(spec, path, obj, v, out)?;
    }
    if let Some(v) = obj.get("x-intercom-optional-versions") {
        optional_entries(spec, path, obj, v, out)?;
    }
    walk_children(spec, path, obj, out)
}

/// The rows of `x-intercom-enum-versions`, one per value.
fn enum_entries(
    spec: &Spec,
    path: &str,
    obj: &serde_json::Map<String, Value>,
    ranges: &Value,
    out: &mut Vec<Entry>,
) -> Result<(), String> {
    let values: Vec<&str> = obj
        .get("enum")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .ok_or_else(|| format!("at `{path}`: x-intercom-enum-versions on a schema without enum"))?;
    let map = ranges
        .as_object()
        .ok_or_else(|| format!("at `{path}.x-intercom-enum-versions`: expected a map"))?;
    for (value, r) in map {
        if !values.contains(&value.as_str()) {
            return Err(format!(
                "at `{path}.x-intercom-enum-versions`: `{value}` is not a value of the enum"
            ));
        }
        let range = spec
            .versions
            .parse_range(r)
            .map_err(|e| format!("at `{path}.x-intercom-enum-versions.{value}`: {e}"))?;
        out.push(Entry {
            item: format!("{path}={value}"),
            kind: "EnumValue",
            range,
            request: false,
        });
    }
    Ok(())
}

/// The rows of `x-intercom-optional-versions`: a required property that may
/// be omitted in these versions, as `Schema.property?`.
fn optional_entries(
    spec: &Spec,
    path: &str,
    obj: &serde_json::Map<String, Value>,
    ranges: &Value,
    out: &mut Vec<Entry>,
) -> Result<(), String> {
    let required = optional_properties(obj, path)?;
    let map = ranges
        .as_object()
        .ok_or_else(|| format!("at `{path}.x-intercom-optional-versions`: expected a map"))?;
    for (property, r) in map {
        if !required.contains(&property.as_str()) {
            return Err(format!(
                "at `{path}.x-intercom-optional-versions`: `{property}` is not a required property"
            ));
        }
        let range = spec
            .versions
            .parse_range(r)
            .map_err(|e| format!("at `{path}.x-intercom-optional-versions.{property}`: {e}"))?;
        out.push(Entry {
            item: format!("{path}.{property}?"),
            kind: "Optional",
            range,
            request: false,
        });
    }
    Ok(())
}

/// The required properties of an object schema.
fn optional_properties<'a>(
    obj: &'a serde_json::Map<String, Value>,
    path: &str,
) -> Result<Vec<&'a str>, String> {
    obj.get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .ok_or_else(|| {
            format!("at `{path}`: x-intercom-optional-versions on a schema without required")
        })
}

/// Walks the properties, inline union members and items of a schema.
fn walk_children(
    spec: &Spec,
    path: &str,
    obj: &serde_json::Map<String, Value>,
    out: &mut Vec<Entry>,
) -> Result<(), String> {
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        for (name, p) in props {
            walk_schema(spec, &format!("{path}.{name}"), p, "Property", out)?;
        }
    }
    for union in ["oneOf", "anyOf"] {
        for (i, m) in obj
            .get(union)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if m.get("$ref").is_some() {
                continue; // the referenced schema carries its own data
            }
            let label = m
                .get("title")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| i.to_string());
            walk_schema(spec, &format!("{path}|{label}"), m, "UnionMember", out)?;
        }
    }
    if let Some(items) = obj.get("items") {
        walk_schema(spec, &format!("{path}[]"), items, "Items", out)?;
    }
    Ok(())
}
