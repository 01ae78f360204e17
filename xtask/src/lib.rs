//! The generator: `openapi/messages.yaml` → `crates/intercom-messages-api/src/{generated,version_table}.rs`.
//!
//! A library so that its tests can run it on a temporary copy of the workspace.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub mod conformance;
pub mod facade;
pub mod project;
pub mod table;
pub mod upstream;
pub mod vendor;
pub mod versions;

use versions::{Range, VersionList};

/// The fragment, relative to the workspace root.
pub const SPEC: &str = "openapi/messages.yaml";
/// The generated client, relative to the workspace root.
pub const GENERATED: &str = "crates/intercom-messages-api/src/generated.rs";
/// The generated version table, relative to the workspace root.
pub const VERSION_TABLE: &str = "crates/intercom-messages-api/src/version_table.rs";
/// The facade's generated view of the contract, relative to the workspace root.
pub const FACADE: &str = "crates/intercom-messages/src/contract.rs";
/// The command that brings every generated file up to date.
pub const FIX: &str = "cargo xtask codegen";

/// Whether to write the generated files or only compare them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Write every file whose content changed.
    Write,
    /// Write nothing; fail when a checked-in file differs.
    Check,
}

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// The fragment, read and checked.
pub struct Spec {
    /// The document as plain JSON, with every vendor extension.
    pub raw: Value,
    /// The document as typed OpenAPI.
    pub openapi: openapiv3::OpenAPI,
    /// The versions of the `Intercom-Version` enum, in order.
    pub versions: VersionList,
}

/// Reads and validates the fragment. Errors name the file and the place in it.
pub fn load_spec(path: &Path) -> Result<Spec, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    parse_spec(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses and validates fragment text.
pub fn parse_spec(text: &str) -> Result<Spec, String> {
    let raw: Value = serde_norway::from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
    let openapi: openapiv3::OpenAPI =
        serde_path_to_error::deserialize(raw.clone()).map_err(|e| {
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
    let spec = Spec {
        raw,
        openapi,
        versions,
    };
    // Reading the table and the examples validates every vendor extension.
    version_entries(&spec)?;
    examples(&spec)?;
    facade::known_values(&spec)?;
    Ok(spec)
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

/// One row of the version table: an item that does not exist in every version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Where the item is, e.g. `AdminMessageRequest.cc`, `Recipients|List`, `ContactType=lead`.
    pub item: String,
    /// `Schema`, `Property`, `UnionMember` or `EnumValue`.
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
    let request = project::reachable(spec, project::REQUEST_ROOT);
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
    for key in obj.keys().filter(|k| k.starts_with("x-")) {
        if !matches!(
            key.as_str(),
            "x-intercom-versions"
                | "x-intercom-enum-versions"
                | "x-intercom-known-values"
                | "x-intercom-default-version"
                | "x-intercom-version-aliases"
                | "x-intercom-required-when"
        ) {
            return Err(format!("at `{path}`: unknown extension `{key}`"));
        }
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
        let values: Vec<&str> = obj
            .get("enum")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .ok_or_else(|| {
                format!("at `{path}`: x-intercom-enum-versions on a schema without enum")
            })?;
        let map = v
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
    }
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        for (name, p) in props {
            walk_schema(spec, &format!("{path}.{name}"), p, "Property", out)?;
        }
    }
    for union in ["oneOf", "anyOf"] {
        if let Some(members) = obj.get(union).and_then(Value::as_array) {
            for (i, m) in members.iter().enumerate() {
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
    }
    if let Some(items) = obj.get("items") {
        walk_schema(spec, &format!("{path}[]"), items, "Items", out)?;
    }
    Ok(())
}

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

/// Generates the client with progenitor, formatted with prettyplease.
pub fn generate_client(spec: &Spec) -> Result<String, String> {
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        // lib.rs implements ClientHooks (it strips progenitor's api-version header).
        .with_hooks(progenitor::HooksMode::Expected)
        .with_derive("schemars::JsonSchema");
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec.openapi)
        .map_err(|e| format!("progenitor: {e}"))?;
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("progenitor produced invalid Rust: {e}"))?;
    let code = prettyplease::unparse(&file);
    // progenitor's `Client::new` builds its reqwest client inline; route it through
    // lib.rs so that the TLS crypto provider is installed first. Fail loudly if a
    // progenitor upgrade changes the shape, rather than silently skipping it.
    let needle = "reqwest::ClientBuilder::new()";
    if !code.contains(needle) {
        return Err(format!(
            "expected `{needle}` in progenitor's output; update xtask for this progenitor"
        ));
    }
    let code = code.replace(needle, "crate::client_builder()");
    Ok(format!("{}{code}", header()))
}

pub(crate) fn header() -> String {
    format!(
        "// @generated by `{FIX}` from {SPEC}. Do not edit: change the fragment and run `{FIX}`.\n\n"
    )
}

/// Formats generated tokens as a Rust file (prettyplease, no nightly tools).
pub(crate) fn pretty(tokens: proc_macro2::TokenStream) -> Result<String, String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated invalid Rust: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

/// The files generation produces, relative to the workspace root, with their content.
pub fn render(spec: &Spec) -> Result<Vec<(String, String)>, String> {
    let client = generate_client(spec)?;
    let facade = facade::generate_facade(spec, &client)?;
    let mut out = vec![
        (GENERATED.to_string(), client),
        (
            VERSION_TABLE.to_string(),
            table::generate_version_table(spec)?,
        ),
        (FACADE.to_string(), facade),
    ];
    out.extend(project::request_schemas(spec)?);
    Ok(out)
}

/// Writes `text` to `path`, or in check mode fails with a diff when they differ.
/// Returns whether the file changed (or would change).
pub fn ensure_file_contents(path: &Path, text: &str, mode: Mode) -> Result<bool, String> {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current == text {
        return Ok(false);
    }
    match mode {
        Mode::Write => {
            std::fs::write(path, text)
                .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            Ok(true)
        }
        Mode::Check => {
            let diff = similar::TextDiff::from_lines(current.as_str(), text);
            let mut shown = String::new();
            let _ = write!(
                shown,
                "{}",
                diff.unified_diff()
                    .context_radius(2)
                    .header(&format!("{} (checked in)", path.display()), "(generated)")
            );
            const MAX: usize = 8000;
            if shown.len() > MAX {
                let cut = (0..=MAX)
                    .rev()
                    .find(|&i| shown.is_char_boundary(i))
                    .unwrap_or(0);
                shown.truncate(cut);
                shown.push_str("\n... (diff cut)\n");
            }
            Err(format!(
                "{} is stale relative to {SPEC}:\n{shown}\nrun `{FIX}` and commit the result",
                path.display()
            ))
        }
    }
}

/// Runs the whole generator against the workspace at `root`.
/// Returns the files that changed (in write mode), written or removed.
pub fn codegen(root: &Path, mode: Mode) -> Result<Vec<String>, String> {
    let spec = load_spec(&root.join(SPEC))?;
    let mut changed = Vec::new();
    let mut stale = Vec::new();
    let files = render(&spec)?;
    for (rel, text) in &files {
        let path = root.join(rel);
        if mode == Mode::Write
            && let Some(dir) = path.parent()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
        }
        match ensure_file_contents(&path, text, mode) {
            Ok(true) => changed.push(rel.clone()),
            Ok(false) => {}
            Err(e) => stale.push(e),
        }
    }
    // A schema of a version the fragment no longer has is stale too.
    let dir = root.join(project::REQUEST_SCHEMA_DIR);
    let mut extra: Vec<String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            format!(
                "{}/{}",
                project::REQUEST_SCHEMA_DIR,
                e.file_name().to_string_lossy()
            )
        })
        .filter(|rel| !files.iter().any(|(f, _)| f == rel))
        .collect();
    extra.sort();
    for rel in extra {
        match mode {
            Mode::Write => {
                std::fs::remove_file(root.join(&rel))
                    .map_err(|e| format!("{rel}: cannot remove: {e}"))?;
                changed.push(rel);
            }
            Mode::Check => stale.push(format!(
                "{rel} is not generated from {SPEC} any more: run `{FIX}` to remove it"
            )),
        }
    }
    if stale.is_empty() {
        Ok(changed)
    } else {
        Err(stale.join("\n\n"))
    }
}
