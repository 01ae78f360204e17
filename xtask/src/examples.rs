//! The named examples of `POST /messages`, with their versions and sources.

use serde_json::Value;

use crate::Spec;
use crate::versions::Range;

/// One documented example of the fragment.
#[derive(Clone, Debug)]
pub struct Example {
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

/// Every named example of `POST /messages`; each must say which versions it documents.
pub fn examples(spec: &Spec) -> Result<Vec<Example>, String> {
    let op = spec
        .raw
        .pointer("/paths/~1messages/post")
        .ok_or("at `paths./messages.post`: missing")?;
    let mut places: Vec<(String, String, &Value)> = Vec::new();
    if let Some(c) = op.pointer("/requestBody/content/application~1json/examples") {
        places.push(("request".into(), "requestBody".into(), c));
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        for (status, r) in responses {
            if let Some(c) = r.pointer("/content/application~1json/examples") {
                places.push((status.clone(), format!("responses.{status}"), c));
            }
        }
    }
    let mut out = Vec::new();
    for (place, at, map) in places {
        let map = map
            .as_object()
            .ok_or_else(|| format!("at `{at}.examples`: expected a map"))?;
        for (name, ex) in map {
            let here = format!("{at}.examples.{name}");
            let keys = ex.as_object().into_iter().flat_map(|o| o.keys());
            for key in keys.filter(|k| k.starts_with("x-")) {
                if !matches!(
                    key.as_str(),
                    "x-intercom-versions"
                        | "x-intercom-source"
                        | "x-intercom-flaw"
                        | "x-intercom-upstream-name"
                        | "x-intercom-rebuilt"
                ) {
                    return Err(format!("at `{here}`: unknown extension `{key}`"));
                }
            }
            let range = ex
                .get("x-intercom-versions")
                .ok_or_else(|| format!("at `{here}`: every example needs x-intercom-versions"))
                .and_then(|v| {
                    spec.versions
                        .parse_range(v)
                        .map_err(|e| format!("at `{here}`: {e}"))
                })?;
            let source = ex
                .get("x-intercom-source")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("at `{here}`: every example needs x-intercom-source"))?;
            let value = ex
                .get("value")
                .ok_or_else(|| format!("at `{here}`: missing value"))?;
            out.push(Example {
                place: place.clone(),
                name: name.clone(),
                range,
                source: source.to_string(),
                flaw: ex
                    .get("x-intercom-flaw")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                upstream_name: ex
                    .get("x-intercom-upstream-name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                rebuilt: ex
                    .get("x-intercom-rebuilt")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                value: value.clone(),
            });
        }
    }
    Ok(out)
}
