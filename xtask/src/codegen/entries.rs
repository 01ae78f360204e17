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
    /// Whether it is part of a request body (reachable from an operation's
    /// request schema, e.g. `CreateMessageRequest`).
    pub request: bool,
    /// Why the range is what it is: the range's `evidence`, required on
    /// every row (the documents show it beside the row).
    pub evidence: String,
}

/// A row's `evidence`, which every version range of a schema must give.
fn evidence(at: &str, range: &Value) -> Result<String, String> {
    match range.get("evidence") {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            Ok(s.split_whitespace().collect::<Vec<_>>().join(" "))
        }
        _ => Err(format!(
            "at `{at}`: a version range needs its `evidence`, the documents that decide it"
        )),
    }
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
    // Request rows are those reachable from any operation's request body.
    let mut request = std::collections::BTreeSet::new();
    for op in crate::codegen::operations::operations(spec)? {
        request.extend(crate::codegen::project::reachable(spec, &op.request_root));
    }
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
            evidence: evidence(&format!("{path}.x-intercom-versions"), v)?,
        });
    }
    map_extension_rows(spec, path, obj, out)?;
    walk_children(spec, path, obj, out)
}

/// The rows of a schema's map extensions: `{value: range}` over the enum's
/// values, `{property: range}` over the required properties, one row per key.
fn map_extension_rows(
    spec: &Spec,
    path: &str,
    obj: &serde_json::Map<String, Value>,
    out: &mut Vec<Entry>,
) -> Result<(), String> {
    let listed = |key: &str| -> Vec<&str> {
        obj.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    };
    // (extension, the list its keys come from, row kind, what a key is,
    // and the item of a row: `Schema=value`, `Schema.property?`).
    let keyed = [
        (
            "x-intercom-enum-versions",
            "enum",
            "EnumValue",
            "a value of the enum",
            "=",
            "",
        ),
        (
            "x-intercom-optional-versions",
            "required",
            "Optional",
            "a required property",
            ".",
            "?",
        ),
    ];
    for (ext, list, kind, what, sep, suffix) in keyed {
        if let Some(ranges) = obj.get(ext) {
            let item = |key: &str| format!("{path}{sep}{key}{suffix}");
            let allowed = listed(list);
            if allowed.is_empty() {
                return Err(format!("at `{path}`: {ext} on a schema without {list}"));
            }
            keyed_entries(spec, path, ext, ranges, &allowed, what, item, kind, out)?;
        }
    }
    Ok(())
}

/// The rows of a map extension of a schema, one per key: `ext` maps each
/// key, which must be one of `allowed` (`what` says what they are), to its
/// range; the row's item is `item(key)`.
#[allow(clippy::too_many_arguments)]
fn keyed_entries(
    spec: &Spec,
    path: &str,
    ext: &str,
    ranges: &Value,
    allowed: &[&str],
    what: &str,
    item: impl Fn(&str) -> String,
    kind: &'static str,
    out: &mut Vec<Entry>,
) -> Result<(), String> {
    let map = ranges
        .as_object()
        .ok_or_else(|| format!("at `{path}.{ext}`: expected a map"))?;
    for (key, r) in map {
        if !allowed.contains(&key.as_str()) {
            return Err(format!("at `{path}.{ext}`: `{key}` is not {what}"));
        }
        let range = spec
            .versions
            .parse_range(r)
            .map_err(|e| format!("at `{path}.{ext}.{key}`: {e}"))?;
        out.push(Entry {
            item: item(key),
            kind,
            range,
            request: false,
            evidence: evidence(&format!("{path}.{ext}.{key}"), r)?,
        });
    }
    Ok(())
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
