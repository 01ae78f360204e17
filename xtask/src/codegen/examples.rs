//! The named examples of every operation of the fragment, with their
//! operation, versions and sources.

use serde_json::Value;

use crate::codegen::spec::Spec;
use crate::codegen::versions::Range;

/// One documented example of the fragment.
#[derive(Clone, Debug)]
pub struct Example {
    /// The `operationId` of the operation it documents (`createMessage`).
    pub operation: String,
    /// `request`, or the response status (`200`, `400`, ...).
    pub place: String,
    /// The example's name.
    pub name: String,
    /// The versions it documents.
    pub range: Range,
    /// Where it was documented.
    pub source: String,
    /// What is wrong with it, for an example that contradicts the contract.
    pub flaw: Option<String>,
    /// Its name in Intercom's published descriptions, for an example copied
    /// from them verbatim (`x-intercom-upstream-name`).
    pub upstream_name: Option<String>,
    /// What it was put together from, for an example no description records
    /// whole (`x-intercom-rebuilt`).
    pub rebuilt: Option<String>,
    /// The documented JSON.
    pub value: Value,
}

/// The extensions an example may carry.
const EXAMPLE_EXTENSIONS: [&str; 5] = [
    "x-intercom-versions",
    "x-intercom-source",
    "x-intercom-flaw",
    "x-intercom-upstream-name",
    "x-intercom-rebuilt",
];

/// Every named example of every operation; each must say which versions it documents.
pub fn examples(spec: &Spec) -> Result<Vec<Example>, String> {
    let mut out = Vec::new();
    for operation in crate::codegen::operations::operations(spec)? {
        let at = format!(
            "paths.{}.{}",
            operation.path,
            operation.method.to_lowercase()
        );
        let op = spec
            .raw
            .pointer(&operation.pointer())
            .ok_or_else(|| format!("at `{at}`: missing"))?;
        for mut ex in operation_examples(spec, &at, op)? {
            ex.operation = operation.id.clone();
            out.push(ex);
        }
    }
    Ok(out)
}

/// The named examples of one operation (`op`, at `at`).
fn operation_examples(spec: &Spec, at: &str, op: &Value) -> Result<Vec<Example>, String> {
    let mut places: Vec<(String, String, &Value)> = Vec::new();
    if let Some(c) = op.pointer("/requestBody/content/application~1json/examples") {
        places.push(("request".into(), format!("{at}.requestBody"), c));
    }
    for (status, r) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(c) = r.pointer("/content/application~1json/examples") {
            places.push((status.clone(), format!("{at}.responses.{status}"), c));
        }
    }
    let mut out = Vec::new();
    for (place, at, map) in places {
        let map = map
            .as_object()
            .ok_or_else(|| format!("at `{at}.examples`: expected a map"))?;
        for (name, ex) in map {
            out.push(example(
                spec,
                &place,
                name,
                &format!("{at}.examples.{name}"),
                ex,
            )?);
        }
    }
    Ok(out)
}

/// One example, its extensions checked.
fn example(
    spec: &Spec,
    place: &str,
    name: &str,
    here: &str,
    ex: &Value,
) -> Result<Example, String> {
    let keys = ex.as_object().into_iter().flat_map(|o| o.keys());
    if let Some(key) = keys
        .filter(|k| k.starts_with("x-"))
        .find(|k| !EXAMPLE_EXTENSIONS.contains(&k.as_str()))
    {
        return Err(format!("at `{here}`: unknown extension `{key}`"));
    }
    let range = ex
        .get("x-intercom-versions")
        .ok_or_else(|| format!("at `{here}`: every example needs x-intercom-versions"))
        .and_then(|v| {
            spec.versions
                .parse_range(v)
                .map_err(|e| format!("at `{here}`: {e}"))
        })?;
    let text = |k: &str| ex.get(k).and_then(Value::as_str).map(str::to_string);
    Ok(Example {
        operation: String::new(),
        place: place.to_string(),
        name: name.to_string(),
        range,
        source: text("x-intercom-source")
            .ok_or_else(|| format!("at `{here}`: every example needs x-intercom-source"))?,
        flaw: text("x-intercom-flaw"),
        upstream_name: text("x-intercom-upstream-name"),
        rebuilt: text("x-intercom-rebuilt"),
        value: ex
            .get("value")
            .ok_or_else(|| format!("at `{here}`: missing value"))?
            .clone(),
    })
}
