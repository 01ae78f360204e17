//! Loading the fragment: parsed as YAML, checked as OpenAPI with errors that
//! name the place, and its version list read.

use serde_json::Value;

use crate::codegen::versions::VersionList;

/// The fragment, read and checked.
pub struct Spec {
    /// The document as plain JSON, with every vendor extension.
    pub raw: Value,
    /// The document as typed OpenAPI.
    pub openapi: openapiv3::OpenAPI,
    /// The versions of the `Intercom-Version` enum, in order.
    pub versions: VersionList,
}

/// Parses fragment text as an OpenAPI 3.0 document with its version list;
/// [`crate::codegen::parse_spec`] also checks every vendor extension.
pub fn parse_document(text: &str) -> Result<Spec, String> {
    let raw: Value = serde_norway::from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
    let openapi: openapiv3::OpenAPI = serde_path_to_error::deserialize(for_generator(&raw))
        .map_err(|e| {
            format!(
                "not an OpenAPI document at `{}`: {}",
                locate(&raw, &e),
                e.inner()
            )
        })?;
    if !openapi.openapi.starts_with("3.0.") {
        return Err(format!(
            "at `openapi`: progenitor needs OpenAPI 3.0.x, found {}",
            openapi.openapi
        ));
    }
    let versions = VersionList::from_spec(&raw)?;
    Ok(Spec {
        raw,
        openapi,
        versions,
    })
}

/// The document progenitor reads: a property that some version lets be
/// omitted (`x-intercom-optional-versions`) is not required, so that the
/// generated type can leave it out; each version's schema still requires it
/// where that version does.
fn for_generator(raw: &Value) -> Value {
    let mut doc = raw.clone();
    if let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        for schema in schemas.values_mut() {
            let Some(optional) = schema.get("x-intercom-optional-versions").cloned() else {
                continue;
            };
            if let Some(Value::Array(req)) = schema.get_mut("required") {
                req.retain(|r| r.as_str().is_none_or(|name| optional.get(name).is_none()));
            }
        }
    }
    doc
}

/// Narrows a deserialisation error to the deepest path it can name. openapiv3
/// flattens extensions into `paths` and `components`, which hides the path below
/// them from serde_path_to_error, so those parts are retried one entry at a time.
fn locate(raw: &Value, err: &serde_path_to_error::Error<serde_json::Error>) -> String {
    fn try_as<T: serde::de::DeserializeOwned>(prefix: &str, v: &Value) -> Option<String> {
        serde_path_to_error::deserialize::<_, T>(v.clone())
            .err()
            .map(|e| match e.path().to_string().as_str() {
                "." => prefix.to_string(),
                p => format!("{prefix}.{p}"),
            })
    }
    let top = err.path().to_string();
    let found = match top.split('.').next() {
        Some("paths") => raw
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .find_map(|(p, v)| try_as::<openapiv3::PathItem>(&format!("paths.{p}"), v)),
        Some("components") => raw
            .get("components")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .flat_map(|(kind, m)| {
                m.as_object()
                    .into_iter()
                    .flatten()
                    .map(move |(k, v)| (format!("components.{kind}.{k}"), kind.clone(), v))
            })
            .find_map(|(at, kind, v)| match kind.as_str() {
                "schemas" => try_as::<openapiv3::ReferenceOr<openapiv3::Schema>>(&at, v),
                "parameters" => try_as::<openapiv3::ReferenceOr<openapiv3::Parameter>>(&at, v),
                "securitySchemes" => {
                    try_as::<openapiv3::ReferenceOr<openapiv3::SecurityScheme>>(&at, v)
                }
                _ => None,
            }),
        _ => None,
    };
    found.unwrap_or(top)
}
