//! `cargo xtask conformance`: the fragment against Intercom's own published
//! descriptions (`openapi/upstream/<version>.yaml`), fact by fact.
//!
//! For each vendored version, the fragment is projected to that version and
//! read into the same flat facts as `upstream-diff` reads a description
//! (request properties and their types, required properties per
//! `message_type`, request enums, response properties and enums, statuses).
//! Each difference is one line of text; every line must match a recorded
//! deviation of `openapi/deviations.yaml` whose versions include that version,
//! and every recorded deviation must match a difference in each vendored
//! version it names, or it is stale.
//!
//! Examples are not deviations: every example of a vendored description must
//! be in the fragment under `x-intercom-upstream-name`, with the same value
//! (as YAML reads it) and tagged with that version, and no example claiming
//! that name and version may be missing from the description.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::codegen::examples::examples;
use crate::codegen::operations::{FIRST_OPERATION, Operation, operations};
use crate::codegen::project::{Strictness, json_schema_for_version, required_when};
use crate::codegen::spec::Spec;
use crate::codegen::versions::Range;
use crate::upstream::surface::{Surface, TypeDesc, surface_with};

/// Where the descriptions are vendored, from the workspace root.
pub const UPSTREAM_DIR: &str = "openapi/upstream";
/// The recorded deviations, from the workspace root.
pub const DEVIATIONS: &str = "openapi/deviations.yaml";
/// The README whose deviation table is generated, from the workspace root.
pub const README: &str = "openapi/README.md";
const TABLE_START: &str = "<!-- deviations:start -->";
const TABLE_END: &str = "<!-- deviations:end -->";

/// One recorded deviation: a difference the fragment keeps on purpose.
#[derive(Clone, Debug)]
pub struct Deviation {
    /// The difference as the check prints it; `*` matches any text.
    pub fact: String,
    /// The versions it holds for.
    pub range: Range,
    /// Why the fragment differs.
    pub reason: String,
    /// What the choice rests on.
    pub evidence: String,
}

/// One vendored description: its version and its parsed document.
#[derive(Clone, Debug)]
pub struct Upstream {
    /// The version, as the file is named (`2.16`, `Preview`).
    pub version: String,
    /// The description as YAML reads it.
    pub doc: Value,
}

/// What the check found.
#[derive(Debug, Default)]
pub struct Report {
    /// How many facts agreed, over all versions.
    pub agreed: usize,
    /// How many differences a deviation covers.
    pub recorded: usize,
    /// `version: difference` lines no deviation covers.
    pub unrecorded: Vec<String>,
    /// Deviations that match no difference in a version they name.
    pub stale: Vec<String>,
    /// Examples missing from the fragment, altered, or claimed wrongly.
    pub examples: Vec<String>,
}

impl Report {
    /// Whether the fragment conforms: every difference recorded, nothing stale,
    /// every example verbatim.
    pub fn passed(&self) -> bool {
        self.unrecorded.is_empty() && self.stale.is_empty() && self.examples.is_empty()
    }

    /// The report as Markdown.
    pub fn render(&self) -> String {
        let mut out = format!(
            "# Conformance to Intercom's published descriptions\n\n\
             {} facts agree, {} differ as recorded in {DEVIATIONS}, {} differ unrecorded, \
             {} recorded deviations are stale, {} example problems.\n",
            self.agreed,
            self.recorded,
            self.unrecorded.len(),
            self.stale.len(),
            self.examples.len()
        );
        for (title, lines) in [
            ("Differences no deviation records", &self.unrecorded),
            ("Recorded deviations that no longer exist", &self.stale),
            ("Examples", &self.examples),
        ] {
            if !lines.is_empty() {
                let _ = write!(out, "\n## {title}\n\n");
                for l in lines {
                    let _ = writeln!(out, "- {l}");
                }
            }
        }
        out
    }
}

/// Reads every `<version>.yaml` of a folder of vendored descriptions.
pub fn load_upstream(dir: &Path) -> Result<Vec<Upstream>, String> {
    let mut out = Vec::new();
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("{}: cannot read: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let version = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| format!("{}: not a version name", path.display()))?
            .to_string();
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let doc: Value = serde_norway::from_str(&text)
            .map_err(|e| format!("{}: invalid YAML: {e}", path.display()))?;
        out.push(Upstream { version, doc });
    }
    Ok(out)
}

/// Reads the recorded deviations.
pub fn parse_deviations(spec: &Spec, text: &str) -> Result<Vec<Deviation>, String> {
    let raw: Value =
        serde_norway::from_str(text).map_err(|e| format!("{DEVIATIONS}: invalid YAML: {e}"))?;
    let list = raw
        .as_array()
        .ok_or_else(|| format!("{DEVIATIONS}: expected a list of deviations"))?;
    let mut out = Vec::new();
    for (i, d) in list.iter().enumerate() {
        let field = |k: &str| {
            d.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("{DEVIATIONS}[{i}]: `{k}` is required (a string)"))
        };
        let range = d
            .get("versions")
            .ok_or_else(|| format!("{DEVIATIONS}[{i}]: `versions` is required"))
            .and_then(|v| {
                spec.versions
                    .parse_range(v)
                    .map_err(|e| format!("{DEVIATIONS}[{i}]: {e}"))
            })?;
        out.push(Deviation {
            fact: field("fact")?,
            range,
            reason: field("reason")?,
            evidence: field("evidence")?,
        });
    }
    Ok(out)
}

/// Runs the check over every vendored version.
pub fn check(
    spec: &Spec,
    upstream: &[Upstream],
    deviations: &[Deviation],
) -> Result<Report, String> {
    let mut report = Report::default();
    let mut used = vec![BTreeSet::new(); deviations.len()];
    let mut vendored = BTreeSet::new();
    for up in upstream {
        let position = spec.versions.position(&up.version).ok_or_else(|| {
            format!(
                "{UPSTREAM_DIR}/{}.yaml: `{}` is not a version of the fragment",
                up.version, up.version
            )
        })?;
        vendored.insert(position);
        let (agreed, differences) = compare_operations(spec, position, up)?;
        report.agreed += agreed;
        for line in differences {
            let hit = deviations
                .iter()
                .enumerate()
                .filter(|(_, d)| d.range.contains(position) && matches(&d.fact, &line))
                .map(|(i, _)| i)
                .collect::<Vec<_>>();
            if hit.is_empty() {
                report.unrecorded.push(format!("{}: {line}", up.version));
            } else {
                report.recorded += 1;
                for i in hit {
                    used[i].insert(position);
                }
            }
        }
        report
            .examples
            .extend(check_examples(spec, position, &up.version, &up.doc)?);
    }
    for (i, d) in deviations.iter().enumerate() {
        let names: Vec<usize> = (d.range.first..=d.range.last)
            .filter(|p| vendored.contains(p))
            .collect();
        if names.is_empty() {
            report.stale.push(format!(
                "`{}`: names no vendored version ({})",
                d.fact,
                spec.versions.describe(d.range)
            ));
        }
        for p in names.into_iter().filter(|p| !used[i].contains(p)) {
            let v = spec.versions.iter().nth(p).unwrap_or_default();
            report
                .stale
                .push(format!("`{}`: no such difference in {v}", d.fact));
        }
    }
    Ok(report)
}

/// `*` matches any text; everything else literally (how a deviation's
/// fact matches a difference).
pub fn matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let mut rest = line;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// Every operation of the fragment at `position` against the same operation
/// of a vendored description: the agreeing facts, and one line per
/// difference, those of an operation after the first prefixed with its
/// `operationId` (`searchConversations: request property ...`).
fn compare_operations(
    spec: &Spec,
    position: usize,
    up: &Upstream,
) -> Result<(usize, Vec<String>), String> {
    let mut agreed = 0;
    let mut lines = Vec::new();
    for op in operations(spec)? {
        if !op.range.contains(position) {
            continue;
        }
        let nested = op.id != FIRST_OPERATION;
        let theirs = surface_with(&up.doc, &op.pointer(), nested)
            .map_err(|e| format!("{}: {e}", up.version))?;
        let ours = fragment_surface(spec, position, &op)?;
        let (a, l) = compare(&normalised(ours), &normalised(theirs));
        agreed += a;
        let prefix = if op.id == FIRST_OPERATION {
            String::new()
        } else {
            format!("{}: ", op.id)
        };
        lines.extend(l.into_iter().map(|line| format!("{prefix}{line}")));
    }
    Ok((agreed, lines))
}

/// The fragment's operation `operation` at `position` as a description of
/// Intercom's layout, read by the same reader as a published one.
fn fragment_surface(
    spec: &Spec,
    position: usize,
    operation: &Operation,
) -> Result<Surface, String> {
    let request = json_schema_for_version(
        spec,
        &operation.request_root,
        position,
        Strictness::AsWritten,
    )?;
    let mut definitions = request["definitions"].clone();
    let op = spec.raw.pointer(&operation.pointer()).ok_or_else(|| {
        format!(
            "the fragment has no {} {}",
            operation.method, operation.path
        )
    })?;
    let mut responses = Map::new();
    for (status, r) in op["responses"].as_object().into_iter().flatten() {
        let schema = r
            .pointer("/content/application~1json/schema/$ref")
            .and_then(Value::as_str)
            .map(|s| s.replace("#/components/schemas/", "#/definitions/"));
        let content = match schema {
            Some(s) => json!({"application/json": {"schema": {"$ref": s}}}),
            None => json!({}),
        };
        responses.insert(status.clone(), json!({ "content": content }));
    }
    response_definitions(spec, position, op, &mut definitions)?;
    let versions: Vec<&str> = spec.versions.iter().take(position + 1).collect();
    let root = format!("#/definitions/{}", operation.request_root);
    let mut doc = json!({"definitions": definitions});
    doc["paths"] = json!({ operation.path.as_str(): { operation.method.to_lowercase(): {
        "parameters": [{"name": "Intercom-Version", "schema": {"enum": versions}}],
        "requestBody": {"content": {"application/json": {"schema": {"$ref": root}}}},
        "responses": responses,
    }}});
    let mut s = surface_with(&doc, &operation.pointer(), operation.id != FIRST_OPERATION)?;
    if operation.id == FIRST_OPERATION {
        s.required = fragment_required(spec, &doc)?;
        s.branch_properties = fragment_branch_properties(&doc)?;
    }
    Ok(s)
}

/// Adds the definitions the responses of `op` reach (at `position`) that
/// the request's schema did not bring.
fn response_definitions(
    spec: &Spec,
    position: usize,
    op: &Value,
    definitions: &mut Value,
) -> Result<(), String> {
    for r in op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, r)| r)
    {
        let Some(name) = r
            .pointer("/content/application~1json/schema/$ref")
            .and_then(Value::as_str)
            .and_then(|s| s.strip_prefix("#/components/schemas/"))
        else {
            continue;
        };
        let schema = json_schema_for_version(spec, name, position, Strictness::AsWritten)?;
        for (k, v) in schema["definitions"].as_object().into_iter().flatten() {
            if definitions.get(k).is_none() {
                definitions[k] = v.clone();
            }
        }
    }
    Ok(())
}

/// One member of the fragment's request, as the comparison sees it.
struct Member<'a> {
    /// Its component schema's name.
    name: &'a str,
    /// Its schema.
    schema: &'a Value,
    /// The `message_type` values it takes, when it requires one; empty for
    /// a member without (a user's message).
    message_types: Vec<&'a str>,
}

impl Member<'_> {
    /// The branches it stands for, keyed as Intercom titles its branches:
    /// one per `message_type`, or `(Name, no message_type)`.
    fn branches(&self) -> Vec<(String, Option<&str>)> {
        if self.message_types.is_empty() {
            return vec![(format!("({}, no message_type)", self.name), None)];
        }
        self.message_types
            .iter()
            .map(|v| (branch_key(v), Some(*v)))
            .collect()
    }
}

/// The members of the fragment's request (the `oneOf` of its root).
fn members(doc: &Value) -> Result<Vec<Member<'_>>, String> {
    let defs = &doc["definitions"];
    let mut out = Vec::new();
    for member in defs[crate::codegen::project::REQUEST_ROOT]["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let name = member["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/definitions/"))
            .ok_or("a request member is not a $ref")?;
        let schema = &defs[name];
        let mt = &schema["properties"]["message_type"];
        let mt = match mt.get("$ref").and_then(Value::as_str) {
            Some(r) => &defs[r.trim_start_matches("#/definitions/")],
            None => mt,
        };
        let message_types = if names(&schema["required"]).contains("message_type") {
            mt["enum"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect()
        } else {
            Vec::new()
        };
        out.push(Member {
            name,
            schema,
            message_types,
        });
    }
    Ok(out)
}

/// The required properties of each kind of message the fragment takes,
/// keyed as Intercom titles its branches (`message_type: `email``).
fn fragment_required(
    spec: &Spec,
    doc: &Value,
) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let mut out = BTreeMap::new();
    for m in members(doc)? {
        let required: BTreeSet<String> = names(&m.schema["required"]);
        let when = spec
            .raw
            .pointer(&format!(
                "/components/schemas/{}/x-intercom-required-when",
                m.name
            ))
            .map(required_when)
            .transpose()?
            .unwrap_or_default();
        for (key, value) in m.branches() {
            let mut req = required.clone();
            if let Some(value) = value {
                req.extend(required_if(&when, value));
            }
            out.entry(key).or_insert_with(BTreeSet::new).extend(req);
        }
    }
    Ok(out)
}

/// The top-level properties of each kind of message the fragment takes,
/// keyed as [`fragment_required`] keys them: every `message_type` value of
/// a member is a branch with the member's properties.
fn fragment_branch_properties(doc: &Value) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let mut out = BTreeMap::new();
    for m in members(doc)? {
        let props = crate::upstream::surface::property_names(m.schema);
        for (key, _) in m.branches() {
            out.entry(key)
                .or_insert_with(BTreeSet::new)
                .extend(props.iter().cloned());
        }
    }
    Ok(out)
}

/// A list of names as a set.
fn names(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// What the `if`/`then` conditions require when `message_type` is `value`.
fn required_if(conditions: &[Value], value: &str) -> BTreeSet<String> {
    conditions
        .iter()
        .filter(|c| c.pointer("/if/properties/message_type/const") == Some(&json!(value)))
        .flat_map(|c| names(c.pointer("/then/required").unwrap_or(&Value::Null)))
        .collect()
}

/// `message_type: `inapp`` for `in_app`, `inapp` or Intercom's title
/// ``message_type: `inapp`.``: one key per kind of message.
fn branch_key(value: &str) -> String {
    format!("message_type: `{}`", value.replace('_', ""))
}

/// Normalises what differs only in spelling: Intercom's branch titles become
/// one key per kind of message (types are compared by [`TypeDesc::kinds`]).
fn normalised(mut s: Surface) -> Surface {
    let key = |k: String| match k.split('`').nth(1) {
        Some(value) if k.starts_with("message_type") => branch_key(value),
        _ => k,
    };
    s.required = s.required.into_iter().map(|(k, v)| (key(k), v)).collect();
    s.branch_properties = s
        .branch_properties
        .into_iter()
        .map(|(k, v)| (key(k), v))
        .collect();
    s
}

/// A type as it is compared and shown in a difference: its kinds.
fn shown(types: &BTreeMap<String, TypeDesc>) -> BTreeMap<String, String> {
    types
        .iter()
        .map(|(k, t)| {
            let kinds: Vec<String> = t.kinds().into_iter().collect();
            (k.clone(), kinds.join(" | "))
        })
        .collect()
}

/// Agreeing facts, and one line per difference.
fn compare(ours: &Surface, theirs: &Surface) -> (usize, Vec<String>) {
    let mut agreed = 0;
    let mut lines = Vec::new();
    let ov: BTreeSet<&String> = ours.versions.iter().collect();
    let tv: BTreeSet<&String> = theirs.versions.iter().collect();
    agreed += ov.intersection(&tv).count();
    for v in ov.difference(&tv) {
        lines.push(format!(
            "version `{v}`: in the fragment's enum, not in Intercom's"
        ));
    }
    for v in tv.difference(&ov) {
        lines.push(format!(
            "version `{v}`: in Intercom's enum, not in the fragment's"
        ));
    }
    for (what, o, t) in [
        (
            "request property",
            shown(&ours.request_properties),
            shown(&theirs.request_properties),
        ),
        (
            "response property",
            shown(&ours.response_properties),
            shown(&theirs.response_properties),
        ),
    ] {
        agreed += map_lines(what, &o, &t, &mut lines);
    }
    for (what, o, t) in [
        ("request enum", &ours.request_enums, &theirs.request_enums),
        (
            "request constraint",
            &ours.request_constraints,
            &theirs.request_constraints,
        ),
        (
            "response enum",
            &ours.response_enums,
            &theirs.response_enums,
        ),
        ("required", &ours.required, &theirs.required),
        (
            "properties of branch",
            &ours.branch_properties,
            &theirs.branch_properties,
        ),
    ] {
        agreed += set_map_lines(what, o, t, &mut lines);
    }
    agreed += ours.statuses.intersection(&theirs.statuses).count();
    for s in ours.statuses.difference(&theirs.statuses) {
        lines.push(format!("status `{s}`: declared by the fragment only"));
    }
    for s in theirs.statuses.difference(&ours.statuses) {
        lines.push(format!("status `{s}`: declared by Intercom only"));
    }
    (agreed, lines)
}

fn map_lines(
    what: &str,
    ours: &BTreeMap<String, String>,
    theirs: &BTreeMap<String, String>,
    lines: &mut Vec<String>,
) -> usize {
    let mut agreed = 0;
    let keys: BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
    for k in keys {
        match (ours.get(k), theirs.get(k)) {
            (Some(o), Some(t)) if o == t => agreed += 1,
            (Some(o), Some(t)) => lines.push(format!("{what} `{k}`: fragment {o}, Intercom {t}")),
            (Some(o), None) => lines.push(format!("{what} `{k}`: fragment {o}, Intercom absent")),
            (None, Some(t)) => lines.push(format!("{what} `{k}`: fragment absent, Intercom {t}")),
            (None, None) => {}
        }
    }
    agreed
}

fn set_map_lines(
    what: &str,
    ours: &BTreeMap<String, BTreeSet<String>>,
    theirs: &BTreeMap<String, BTreeSet<String>>,
    lines: &mut Vec<String>,
) -> usize {
    let show = |s: Option<&BTreeSet<String>>| match s {
        None => "absent".to_string(),
        Some(s) => format!(
            "[{}]",
            s.iter().map(String::as_str).collect::<Vec<_>>().join(", ")
        ),
    };
    let mut agreed = 0;
    let keys: BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
    for k in keys {
        let (o, t) = (ours.get(k), theirs.get(k));
        if o == t {
            agreed += 1;
        } else {
            lines.push(format!(
                "{what} `{k}`: fragment {}, Intercom {}",
                show(o),
                show(t)
            ));
        }
    }
    agreed
}

/// The examples of one vendored description: `(place, name, value)`.
fn published_examples(
    version: &str,
    doc: &Value,
    operation: &Operation,
) -> Result<Vec<(String, String, Value)>, String> {
    let op = doc.pointer(&operation.pointer()).ok_or_else(|| {
        format!(
            "{version}: no {} {} ({})",
            operation.method, operation.path, operation.id
        )
    })?;
    let mut places = vec![(
        "request".to_string(),
        op.pointer("/requestBody/content/application~1json/examples"),
    )];
    for (status, r) in op["responses"].as_object().into_iter().flatten() {
        places.push((
            status.clone(),
            r.pointer("/content/application~1json/examples"),
        ));
    }
    let mut out = Vec::new();
    for (place, map) in places {
        for (name, ex) in map.and_then(Value::as_object).into_iter().flatten() {
            out.push((place.clone(), name.clone(), ex["value"].clone()));
        }
    }
    Ok(out)
}

/// The examples of one vendored description against the fragment's, for
/// every operation of the fragment.
fn check_examples(
    spec: &Spec,
    position: usize,
    version: &str,
    doc: &Value,
) -> Result<Vec<String>, String> {
    let all = examples(spec)?;
    let mut out = Vec::new();
    for operation in operations(spec)? {
        let theirs = published_examples(version, doc, &operation)?;
        let ours: Vec<_> = all
            .iter()
            .filter(|e| e.operation == operation.id)
            .cloned()
            .collect();
        let label = if operation.id == FIRST_OPERATION {
            String::new()
        } else {
            format!("{} ", operation.id)
        };
        out.extend(
            operation_examples(position, version, &theirs, &ours)?
                .into_iter()
                .map(|line| line.replacen(": example `", &format!(": {label}example `"), 1)),
        );
    }
    Ok(out)
}

/// One operation's published examples (`theirs`) against the fragment's (`ours`).
fn operation_examples(
    position: usize,
    version: &str,
    theirs: &[(String, String, Value)],
    ours: &[crate::codegen::examples::Example],
) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for (place, name, value) in theirs {
        let found: Vec<_> = ours
            .iter()
            .filter(|e| {
                &e.place == place
                    && e.upstream_name.as_deref() == Some(name.as_str())
                    && e.range.contains(position)
            })
            .collect();
        match found.as_slice() {
            [] => out.push(format!(
                "{version}: example `{place}: {name}` is not in the fragment (tag it with {version} and x-intercom-upstream-name)"
            )),
            [e] if e.value != *value => out.push(format!(
                "{version}: example `{place}: {name}` is altered in the fragment (`{}`)",
                e.name
            )),
            [_] => {}
            many => out.push(format!(
                "{version}: example `{place}: {name}` is in the fragment {} times",
                many.len()
            )),
        }
    }
    for e in ours {
        if let Some(name) = &e.upstream_name
            && e.range.contains(position)
            && !theirs.iter().any(|(p, n, _)| p == &e.place && n == name)
        {
            out.push(format!(
                "{version}: example `{}` claims `{}: {name}`, which this description does not have",
                e.name, e.place
            ));
        }
    }
    Ok(out)
}

/// The deviation table of `openapi/README.md`.
pub fn render_table(spec: &Spec, deviations: &[Deviation]) -> String {
    let mut out =
        String::from("| difference | versions | reason | evidence |\n| --- | --- | --- | --- |\n");
    for d in deviations {
        let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&d.fact),
            spec.versions.describe(d.range),
            cell(&d.reason),
            cell(&d.evidence)
        );
    }
    out
}

/// `readme` with its deviation table replaced by `table`.
pub fn with_table(readme: &str, table: &str) -> Result<String, String> {
    let start = readme
        .find(TABLE_START)
        .ok_or_else(|| format!("{README}: no `{TABLE_START}` marker"))?;
    let end = readme
        .find(TABLE_END)
        .ok_or_else(|| format!("{README}: no `{TABLE_END}` marker"))?;
    Ok(format!(
        "{}{TABLE_START}\n{table}{}",
        &readme[..start],
        &readme[end..]
    ))
}

/// Runs the check over the workspace at `root`; with `write`, rewrites the
/// README's deviation table first. Returns the report and whether the README
/// table was up to date.
pub fn run(root: &Path, write: bool) -> Result<(Report, bool), String> {
    let spec = crate::codegen::load_spec(&root.join(crate::codegen::SPEC))?;
    let upstream = load_upstream(&root.join(UPSTREAM_DIR))?;
    let text = std::fs::read_to_string(root.join(DEVIATIONS))
        .map_err(|e| format!("{DEVIATIONS}: cannot read: {e}"))?;
    let deviations = parse_deviations(&spec, &text)?;
    let readme_path = root.join(README);
    let readme =
        std::fs::read_to_string(&readme_path).map_err(|e| format!("{README}: cannot read: {e}"))?;
    let wanted = with_table(&readme, &render_table(&spec, &deviations))?;
    let fresh = wanted == readme;
    if write && !fresh {
        std::fs::write(&readme_path, &wanted).map_err(|e| format!("{README}: {e}"))?;
    }
    Ok((check(&spec, &upstream, &deviations)?, fresh || write))
}
