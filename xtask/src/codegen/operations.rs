//! The operations of the fragment (`paths`), each with the component schema
//! of its request body and the versions that have it: the versions of that
//! schema (`x-intercom-versions` on it), every version when it has none.
//! Everything that is per operation (examples, request schemas, the version
//! table's schema lists) reads them from here, so that an operation is data.

use serde_json::Value;

use crate::codegen::spec::Spec;
use crate::codegen::versions::Range;

/// The operation whose request schemas keep their historic place
/// (`schemas/request/`) and names (`REQUEST_SCHEMAS`, `REQUEST_ROOT`).
pub const FIRST_OPERATION: &str = "createMessage";

/// Where the first operation's request schemas are, relative to the workspace root.
pub const FIRST_SCHEMA_DIR: &str = "crates/intercom-messages-api/schemas/request";

/// One operation of the fragment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// Its `operationId`, e.g. `searchConversations`.
    pub id: String,
    /// Its method, upper case (`POST`).
    pub method: String,
    /// Its path, e.g. `/conversations/search`.
    pub path: String,
    /// The component schema of its JSON request body.
    pub request_root: String,
    /// The versions that have it.
    pub range: Range,
}

impl Operation {
    /// The JSON pointer of the operation in the fragment.
    pub fn pointer(&self) -> String {
        format!(
            "/paths/{}/{}",
            self.path.replace('~', "~0").replace('/', "~1"),
            self.method.to_lowercase()
        )
    }

    /// The directory of its per-version request schemas, relative to the workspace root.
    pub fn schema_dir(&self) -> String {
        if self.id == FIRST_OPERATION {
            FIRST_SCHEMA_DIR.to_string()
        } else {
            format!("crates/intercom-messages-api/schemas/{}", self.id)
        }
    }

    /// Where its request schema at `version` is written.
    pub fn schema_path(&self, version: &str) -> String {
        format!("{}/{version}.json", self.schema_dir())
    }
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every operation, `createMessage` first, then in the fragment's order;
/// each must have an `operationId`
/// and a JSON request body that is a `$ref` to a component schema.
pub fn operations(spec: &Spec) -> Result<Vec<Operation>, String> {
    let paths = spec
        .raw
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("at `paths`: missing")?;
    let mut out = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let at = format!("paths.{path}.{method}");
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("at `{at}`: every operation needs an operationId"))?;
            let root = op
                .pointer("/requestBody/content/application~1json/schema/$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                .ok_or_else(|| {
                    format!("at `{at}.requestBody`: expected a JSON body that is a $ref to a component schema")
                })?;
            let range = match spec
                .raw
                .pointer(&format!("/components/schemas/{root}/x-intercom-versions"))
            {
                Some(v) => spec
                    .versions
                    .parse_range(v)
                    .map_err(|e| format!("at `{root}`: {e}"))?,
                None => Range {
                    first: 0,
                    last: spec.versions.len() - 1,
                },
            };
            out.push(Operation {
                id: id.to_string(),
                method: method.to_uppercase(),
                path: path.clone(),
                request_root: root.to_string(),
                range,
            });
        }
    }
    // The first operation first, the others in the fragment's order.
    out.sort_by_key(|o| o.id != FIRST_OPERATION);
    if !out.iter().any(|o| o.id == FIRST_OPERATION) {
        return Err(format!(
            "at `paths`: the operation `{FIRST_OPERATION}` is missing"
        ));
    }
    Ok(out)
}
