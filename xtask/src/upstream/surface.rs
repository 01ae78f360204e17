//! `cargo xtask upstream-diff OLD.yaml NEW.yaml`: what changed for
//! `POST /messages` between two of Intercom's own descriptions.
//!
//! Intercom publishes one OpenAPI description per version. In that layout the
//! version header is a parameter named `Intercom-Version` whose schema is (a
//! `$ref` to) a string enum, the request body and the responses are
//! `application/json` schemas (usually `$ref`s into `components.schemas`), and
//! the request is an `anyOf` of branches with their own `required` sets. Only
//! `POST /messages` and what it references is read: some published files hold
//! broken `$ref`s elsewhere, which must not matter here.
//!
//! Each description is read into a flat set of facts (a version, a property and
//! its type, a branch and its required set, an enum and its values, a status,
//! a named example); the report is the difference of the two sets.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

/// A union keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Union {
    /// `anyOf`: one member or more.
    AnyOf,
    /// `oneOf`: exactly one member.
    OneOf,
}

impl Union {
    fn keyword(self) -> &'static str {
        match self {
            Union::AnyOf => "anyOf",
            Union::OneOf => "oneOf",
        }
    }
}

/// The type of a property, as a description writes it: read once from the
/// schema, shown by `Display` (`string`, `integer:int64`, `array<object>`,
/// `anyOf<a|b>`, `?` for nullable, ` or ` between the types one property
/// has in several branches), and compared by [`TypeDesc::kinds`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeDesc {
    /// One or more JSON types (`type: [a, b]`), with a format.
    Scalar {
        /// The type names: `string`, `object`, `any` (no type), ...
        names: Vec<String>,
        /// `format`, if any.
        format: Option<String>,
        /// `nullable: true`.
        nullable: bool,
    },
    /// An array, of these items if it says.
    Array {
        /// The items' type.
        items: Option<Box<TypeDesc>>,
        /// `nullable: true`.
        nullable: bool,
    },
    /// A union of members.
    Union {
        /// `anyOf` or `oneOf`.
        union: Union,
        /// The members, in order.
        members: Vec<TypeDesc>,
        /// `nullable: true`.
        nullable: bool,
    },
    /// The types one property has in the several branches that declare it.
    Alternatives(Vec<TypeDesc>),
    /// Too deep to follow.
    Deep,
}

impl TypeDesc {
    /// This type, or `other` where a branch declares it otherwise.
    fn or(&mut self, other: TypeDesc) {
        let mut all = match std::mem::replace(self, TypeDesc::Deep) {
            TypeDesc::Alternatives(v) => v,
            one => vec![one],
        };
        if !all.contains(&other) {
            all.push(other);
        }
        *self = if all.len() == 1 {
            all.pop().expect("one")
        } else {
            TypeDesc::Alternatives(all)
        };
    }

    /// The kinds it stands for, what differs only in spelling made equal:
    /// integer widths dropped, `nullable` as `null`, nested unions flattened.
    pub fn kinds(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let null = |out: &mut BTreeSet<String>, nullable: bool| {
            if nullable {
                out.insert("null".to_string());
            }
        };
        match self {
            TypeDesc::Scalar {
                names,
                format,
                nullable,
            } => {
                null(&mut out, *nullable);
                for n in names {
                    match format.as_deref() {
                        Some(f) if names.len() == 1 && !matches!(f, "int64" | "int32") => {
                            out.insert(format!("{n}:{f}"));
                        }
                        _ => {
                            out.insert(n.clone());
                        }
                    }
                }
            }
            TypeDesc::Array { items, nullable } => {
                null(&mut out, *nullable);
                out.insert(match items {
                    Some(i) => format!(
                        "array<{}>",
                        i.kinds().into_iter().collect::<Vec<_>>().join(" | ")
                    ),
                    None => "array".into(),
                });
            }
            TypeDesc::Union {
                members, nullable, ..
            } => {
                null(&mut out, *nullable);
                for m in members {
                    out.extend(m.kinds());
                }
            }
            TypeDesc::Alternatives(v) => {
                for t in v {
                    out.extend(t.kinds());
                }
            }
            TypeDesc::Deep => {
                out.insert("…".into());
            }
        }
        out
    }
}

impl std::fmt::Display for TypeDesc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let q = |nullable: bool| if nullable { "?" } else { "" };
        match self {
            TypeDesc::Scalar {
                names,
                format,
                nullable,
            } => {
                let t = names.join("|");
                match format {
                    Some(fmt) => write!(f, "{t}:{fmt}{}", q(*nullable)),
                    None => write!(f, "{t}{}", q(*nullable)),
                }
            }
            TypeDesc::Array { items, nullable } => match items {
                Some(i) => write!(f, "array<{i}>{}", q(*nullable)),
                None => write!(f, "array{}", q(*nullable)),
            },
            TypeDesc::Union {
                union,
                members,
                nullable,
            } => {
                let m: Vec<String> = members.iter().map(ToString::to_string).collect();
                write!(f, "{}<{}>{}", union.keyword(), m.join("|"), q(*nullable))
            }
            TypeDesc::Alternatives(v) => {
                let m: Vec<String> = v.iter().map(ToString::to_string).collect();
                f.write_str(&m.join(" or "))
            }
            TypeDesc::Deep => f.write_str("…"),
        }
    }
}

/// What one description says about `POST /messages`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Surface {
    /// The values of the `Intercom-Version` header enum, in order.
    pub versions: Vec<String>,
    /// `request.to.type` → its type, for every request property.
    pub request_properties: BTreeMap<String, TypeDesc>,
    /// A branch of the request's `anyOf`/`oneOf` (its title) → its required
    /// properties; `(body)` for the body schema's own `required`.
    pub required: BTreeMap<String, BTreeSet<String>>,
    /// A branch of the request (keyed as [`Surface::required`]) → the
    /// top-level properties it may carry: the body schema's own properties,
    /// which every branch shares, and the branch's own.
    pub branch_properties: BTreeMap<String, BTreeSet<String>>,
    /// `request.message_type` → its enum values, for every enum in the request.
    pub request_enums: BTreeMap<String, BTreeSet<String>>,
    /// `request.to.id minLength` → its values, for every constraint in the
    /// request beyond types and enums: a closed object (`closed`),
    /// `minLength`, `maxLength`, `minItems`, `maxItems`, `minimum`,
    /// `maximum`, `pattern`, `nullable`, and whether a union is `oneOf`
    /// (exactly one member) or `anyOf` (`union`).
    pub request_constraints: BTreeMap<String, BTreeSet<String>>,
    /// `200.message_type` → type, for every property of every JSON response.
    pub response_properties: BTreeMap<String, TypeDesc>,
    /// `200.message_type` → enum values, for every enum in a response.
    pub response_enums: BTreeMap<String, BTreeSet<String>>,
    /// The response statuses, e.g. `200`, `400`.
    pub statuses: BTreeSet<String>,
    /// Named examples, as `request: name` or `400: name`.
    pub examples: BTreeSet<String>,
}

/// Reads a description file (YAML or JSON).
pub fn load(path: &Path) -> Result<Surface, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let doc: Value = serde_norway::from_str(&text)
        .map_err(|e| format!("{}: invalid YAML: {e}", path.display()))?;
    surface(&doc).map_err(|e| format!("{}: {e}", path.display()))
}

struct Reader<'a> {
    doc: &'a Value,
    /// Whether a `$ref` that points nowhere reads as a schema that says
    /// nothing (a response's: the published 2.11 conversation names a
    /// `custom_attributes` schema the description lacks) rather than failing.
    lenient: bool,
    /// Whether the required properties of nested objects are constraints
    /// (`request.pagination required`).
    nested_required: bool,
}

/// What a lenient reader reads behind a `$ref` that points nowhere.
static NOTHING: Value = Value::Null;

impl<'a> Reader<'a> {
    /// Follows a local `$ref` (repeatedly); a broken one is an error naming it.
    fn resolve(&self, mut node: &'a Value, at: &str) -> Result<&'a Value, String> {
        for _ in 0..32 {
            let Some(r) = node.get("$ref").and_then(Value::as_str) else {
                return Ok(node);
            };
            let pointer = r.strip_prefix('#').ok_or_else(|| {
                format!("at `{at}`: `$ref: {r}` points outside the file, which is not read")
            })?;
            node = match self.doc.pointer(pointer) {
                Some(n) => n,
                None if self.lenient => &NOTHING,
                None => return Err(format!("at `{at}`: `$ref: {r}` points nowhere")),
            };
        }
        Err(format!("at `{at}`: `$ref`s loop"))
    }

    /// The type of a schema node, as a [`TypeDesc`].
    fn type_of(&self, node: &'a Value, at: &str, depth: usize) -> Result<TypeDesc, String> {
        let node = self.resolve(node, at)?;
        if depth > 8 {
            return Ok(TypeDesc::Deep);
        }
        let nullable = node.get("nullable").and_then(Value::as_bool) == Some(true);
        // `allOf` of one schema (a `$ref` with a description beside it) is that schema.
        if let Some([only]) = node
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            && node.get("type").is_none()
        {
            return self.type_of(only, at, depth + 1);
        }
        for union in [Union::AnyOf, Union::OneOf] {
            if let Some(members) = node.get(union.keyword()).and_then(Value::as_array) {
                let mut types = Vec::new();
                for m in members {
                    types.push(self.type_of(m, at, depth + 1)?);
                }
                return Ok(TypeDesc::Union {
                    union,
                    members: types,
                    nullable,
                });
            }
        }
        let names: Vec<String> = match node.get("type") {
            Some(Value::String(t)) => vec![t.clone()],
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            _ if node.get("properties").is_some() => vec!["object".into()],
            _ => vec!["any".into()],
        };
        if names == ["array"] {
            let items = match node.get("items") {
                Some(items) => Some(Box::new(self.type_of(items, at, depth + 1)?)),
                None => None,
            };
            return Ok(TypeDesc::Array { items, nullable });
        }
        Ok(TypeDesc::Scalar {
            names,
            format: node.get("format").and_then(Value::as_str).map(String::from),
            nullable,
        })
    }

    /// Records every property (with its type), every enum and every
    /// constraint under `node`.
    fn walk(
        &self,
        node: &'a Value,
        path: &str,
        props: &mut BTreeMap<String, TypeDesc>,
        enums: &mut BTreeMap<String, BTreeSet<String>>,
        cons: &mut BTreeMap<String, BTreeSet<String>>,
        depth: usize,
    ) -> Result<(), String> {
        if depth > 8 {
            return Ok(());
        }
        // `nullable` beside a `$ref` (the 2.11 search's pagination): OpenAPI
        // 3.0 says to ignore it, but it is what Intercom wrote, and a body
        // with null there is one Intercom documents as valid.
        if node.get("$ref").is_some() && node.get("nullable") == Some(&Value::Bool(true)) {
            cons.entry(format!("{path} nullable"))
                .or_default()
                .insert("true".into());
        }
        let node = self.resolve(node, path)?;
        constraints(node, path, cons, self.nested_required);
        if let Some(values) = node.get("enum").and_then(Value::as_array) {
            let set = enums.entry(path.to_string()).or_default();
            set.extend(values.iter().map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }));
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            for m in node
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                self.walk(m, path, props, enums, cons, depth + 1)?;
            }
        }
        if let Some(items) = node.get("items") {
            self.walk(items, &format!("{path}[]"), props, enums, cons, depth + 1)?;
        }
        if let Some(p) = node.get("properties").and_then(Value::as_object) {
            for (name, child) in p {
                let at = format!("{path}.{name}");
                let t = self.type_of(child, &at, 0)?;
                // The same property in several branches: keep every type seen.
                props
                    .entry(at.clone())
                    .and_modify(|old| old.or(t.clone()))
                    .or_insert(t);
                self.walk(child, &at, props, enums, cons, depth + 1)?;
            }
        }
        Ok(())
    }
}

/// The constraints of one schema node, as `path kind` → values.
fn constraints(
    node: &Value,
    path: &str,
    cons: &mut BTreeMap<String, BTreeSet<String>>,
    nested_required: bool,
) {
    let mut put = |kind: &str, value: String| {
        cons.entry(format!("{path} {kind}"))
            .or_default()
            .insert(value);
    };
    if node.get("additionalProperties") == Some(&Value::Bool(false)) {
        put("closed", "true".into());
    }
    for kind in [
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
        "pattern",
    ] {
        if let Some(v) = node.get(kind) {
            put(
                kind,
                match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
            );
        }
    }
    let null_type = node
        .get("type")
        .and_then(Value::as_array)
        .is_some_and(|ts| ts.iter().any(|t| t == "null"));
    if node.get("nullable").and_then(Value::as_bool) == Some(true) || null_type {
        put("nullable", "true".into());
    }
    for union in ["oneOf", "anyOf"] {
        if node.get(union).is_some() {
            put("union", union.into());
        }
    }
    // The required properties of a nested object, when asked (the body's
    // own are its branches' required sets).
    if nested_required
        && path != "request"
        && let Some(names) = node.get("required").and_then(Value::as_array)
    {
        for n in names.iter().filter_map(Value::as_str) {
            put("required", n.to_string());
        }
    }
}

/// Reads what a description says about `POST /messages`.
pub fn surface(doc: &Value) -> Result<Surface, String> {
    surface_at(doc, "/paths/~1messages/post")
}

/// Reads what a description says about the operation at `pointer` (a JSON
/// pointer such as `/paths/~1conversations~1search/post`).
pub fn surface_at(doc: &Value, pointer: &str) -> Result<Surface, String> {
    surface_with(doc, pointer, false)
}

/// [`surface_at`], with the required properties of nested objects read as
/// constraints when `nested_required` (the comparisons of the operations
/// after `POST /messages` ask for them; the message's nested objects are
/// unions whose members each require their own identifier).
pub fn surface_with(doc: &Value, pointer: &str, nested_required: bool) -> Result<Surface, String> {
    let r = Reader {
        doc,
        lenient: false,
        nested_required,
    };
    let op = doc.pointer(pointer).ok_or_else(|| {
        // `/paths/~1messages/post` is shown as `paths./messages.post`.
        let parts: Vec<String> = pointer
            .trim_start_matches('/')
            .split('/')
            .map(|p| p.replace("~1", "/").replace("~0", "~"))
            .collect();
        format!(
            "missing `{}`: not a description of Intercom's API with this operation",
            parts.join(".")
        )
    })?;
    let mut s = Surface {
        versions: header_versions(&r, op)?,
        ..Surface::default()
    };
    request(&r, op, &mut s)?;
    responses(&r, op, &mut s)?;
    Ok(s)
}

/// The values of the `Intercom-Version` header's enum.
fn header_versions(r: &Reader<'_>, op: &Value) -> Result<Vec<String>, String> {
    let params = op.get("parameters").and_then(Value::as_array).ok_or(
        "missing `paths./messages.post.parameters` (where the Intercom-Version header is)",
    )?;
    let mut header = None;
    for (i, p) in params.iter().enumerate() {
        let p = r.resolve(p, &format!("paths./messages.post.parameters[{i}]"))?;
        if p.get("name").and_then(Value::as_str) == Some("Intercom-Version") {
            header = Some((i, p));
        }
    }
    let (i, header) =
        header.ok_or("no `Intercom-Version` parameter in `paths./messages.post.parameters`")?;
    let at = format!("paths./messages.post.parameters[{i}].schema");
    let schema = header
        .get("schema")
        .ok_or_else(|| format!("missing `{at}` (the version enum)"))?;
    Ok(r.resolve(schema, &at)?
        .get("enum")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("`{at}` has no enum of versions"))?
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect())
}

/// The request's properties, enums, required sets per branch and examples.
fn request(r: &Reader<'_>, op: &Value, s: &mut Surface) -> Result<(), String> {
    let at = "paths./messages.post.requestBody.content.application/json";
    let body = op
        .pointer("/requestBody/content/application~1json")
        .ok_or_else(|| format!("missing `{at}`"))?;
    let schema = body
        .get("schema")
        .ok_or_else(|| format!("missing `{at}.schema`"))?;
    let root = r.resolve(schema, &format!("{at}.schema"))?;
    r.walk(
        root,
        "request",
        &mut s.request_properties,
        &mut s.request_enums,
        &mut s.request_constraints,
        0,
    )?;
    let shared = property_names(root);
    if let Some(req) = root.get("required").and_then(Value::as_array) {
        s.required
            .insert("(body)".into(), strings(req).into_iter().collect());
    }
    for key in ["anyOf", "oneOf"] {
        let members = root
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for (n, m) in members.enumerate() {
            let label = m
                .get("title")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| m.get("$ref").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_else(|| format!("{key}[{n}]"));
            let m = r.resolve(m, &format!("{at}.schema.{key}[{n}]"))?;
            let req = m.get("required").and_then(Value::as_array);
            let mut props = shared.clone();
            props.extend(property_names(m));
            s.branch_properties.insert(label.clone(), props);
            s.required.insert(
                label,
                req.map(|a| strings(a).into_iter().collect())
                    .unwrap_or_default(),
            );
        }
    }
    if s.branch_properties.is_empty() {
        s.branch_properties.insert("(body)".into(), shared);
    }
    examples(body, "request", &mut s.examples);
    Ok(())
}

/// The names of a schema's own `properties`.
pub fn property_names(schema: &Value) -> BTreeSet<String> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// The statuses, and each JSON response's properties, enums and examples.
fn responses(r: &Reader<'_>, op: &Value, s: &mut Surface) -> Result<(), String> {
    let r = &Reader {
        doc: r.doc,
        lenient: true,
        nested_required: r.nested_required,
    };
    let responses = op
        .get("responses")
        .and_then(Value::as_object)
        .ok_or("missing `paths./messages.post.responses`")?;
    for (status, resp) in responses {
        let at = format!("paths./messages.post.responses.{status}");
        s.statuses.insert(status.clone());
        let resp = r.resolve(resp, &at)?;
        let Some(json) = resp.pointer("/content/application~1json") else {
            continue;
        };
        if let Some(schema) = json.get("schema") {
            r.walk(
                schema,
                status,
                &mut s.response_properties,
                &mut s.response_enums,
                // Responses are open by design (openapi/README.md): only the
                // request's constraints are compared.
                &mut BTreeMap::new(),
                0,
            )?;
        }
        examples(json, status, &mut s.examples);
    }
    Ok(())
}

fn strings(a: &[Value]) -> Vec<String> {
    a.iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn examples(content: &Value, place: &str, out: &mut BTreeSet<String>) {
    if let Some(map) = content.get("examples").and_then(Value::as_object) {
        out.extend(map.keys().map(|k| format!("{place}: {k}")));
    }
}

fn list(s: &BTreeSet<String>) -> String {
    s.iter()
        .map(|x| format!("`{x}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One section of the report per kind of change; `None` when nothing changed.
pub fn report(old: &Surface, new: &Surface) -> Option<String> {
    report_for(old, new, "POST /messages")
}

/// Reads a description file (YAML or JSON) as a document.
pub fn load_doc(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    serde_norway::from_str(&text).map_err(|e| format!("{}: invalid YAML: {e}", path.display()))
}

/// What changed between two description files for each operation:
/// `operations` are `(title, JSON pointer)`, e.g. `("POST /messages",
/// "/paths/~1messages/post")`. The first must be in both files; another
/// missing from either is left out. `None` when nothing changed.
pub fn report_operations(
    old: &Path,
    new: &Path,
    operations: &[(String, String)],
) -> Result<Option<String>, String> {
    let (a, b) = (load_doc(old)?, load_doc(new)?);
    let mut out = String::new();
    for (i, (title, pointer)) in operations.iter().enumerate() {
        let read = |doc: &Value, path: &Path| {
            surface_at(doc, pointer).map_err(|e| format!("{}: {e}", path.display()))
        };
        if i > 0 && (a.pointer(pointer).is_none() || b.pointer(pointer).is_none()) {
            continue;
        }
        if let Some(r) = report_for(&read(&a, old)?, &read(&b, new)?, title) {
            out.push_str(if out.is_empty() { "" } else { "\n" });
            out.push_str(&r);
        }
    }
    Ok((!out.is_empty()).then_some(out))
}

/// [`report`] for the operation `title` (`POST /conversations/search`).
pub fn report_for(old: &Surface, new: &Surface, title: &str) -> Option<String> {
    let sections: Vec<(&str, Vec<String>)> = vec![
        (
            "Versions of the `Intercom-Version` header",
            version_diff(&old.versions, &new.versions),
        ),
        (
            "Request properties",
            map_diff(&old.request_properties, &new.request_properties),
        ),
        (
            "Required properties per branch",
            required_diff(&old.required, &new.required),
        ),
        (
            "Request enums",
            enum_diff(&old.request_enums, &new.request_enums),
        ),
        (
            "Request constraints",
            enum_diff(&old.request_constraints, &new.request_constraints),
        ),
        (
            "Response properties",
            map_diff(&old.response_properties, &new.response_properties),
        ),
        (
            "Response enums",
            enum_diff(&old.response_enums, &new.response_enums),
        ),
        ("Response statuses", set_diff(&old.statuses, &new.statuses)),
        ("Named examples", set_diff(&old.examples, &new.examples)),
    ];
    let changed: Vec<_> = sections
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    if changed.is_empty() {
        return None;
    }
    let mut out = format!("# What changed for `{title}`\n");
    for (title, lines) in changed {
        let _ = write!(out, "\n## {title}\n\n{}\n", lines.join("\n"));
    }
    Some(out)
}

fn version_diff(old: &[String], new: &[String]) -> Vec<String> {
    let mut v = Vec::new();
    for x in new.iter().filter(|x| !old.contains(x)) {
        v.push(format!("- added `{x}`"));
    }
    for x in old.iter().filter(|x| !new.contains(x)) {
        v.push(format!("- removed `{x}`"));
    }
    if v.is_empty() && old != new {
        v.push(format!(
            "- reordered: {} → {}",
            old.join(", "),
            new.join(", ")
        ));
    }
    v
}

fn required_diff(
    old: &BTreeMap<String, BTreeSet<String>>,
    new: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<String> {
    let mut v = Vec::new();
    for (branch, req) in new {
        match old.get(branch) {
            None => v.push(format!(
                "- branch \"{branch}\" added, requires {}",
                list(req)
            )),
            Some(o) if o != req => v.push(format!(
                "- branch \"{branch}\": requires {} (was {})",
                list(req),
                list(o)
            )),
            _ => {}
        }
    }
    for (branch, req) in old {
        if !new.contains_key(branch) {
            v.push(format!(
                "- branch \"{branch}\" removed (required {})",
                list(req)
            ));
        }
    }
    v
}

fn map_diff(old: &BTreeMap<String, TypeDesc>, new: &BTreeMap<String, TypeDesc>) -> Vec<String> {
    let mut v = Vec::new();
    for (k, t) in new {
        match old.get(k) {
            None => v.push(format!("- added `{k}`: {t}")),
            Some(o) if o != t => v.push(format!("- retyped `{k}`: {o} → {t}")),
            _ => {}
        }
    }
    for (k, t) in old {
        if !new.contains_key(k) {
            v.push(format!("- removed `{k}` (was {t})"));
        }
    }
    v
}

fn enum_diff(
    old: &BTreeMap<String, BTreeSet<String>>,
    new: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<String> {
    let empty = BTreeSet::new();
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut v = Vec::new();
    for k in keys {
        let (o, n) = (old.get(k).unwrap_or(&empty), new.get(k).unwrap_or(&empty));
        let added: BTreeSet<String> = n.difference(o).cloned().collect();
        let removed: BTreeSet<String> = o.difference(n).cloned().collect();
        if !added.is_empty() {
            v.push(format!("- `{k}`: added {}", list(&added)));
        }
        if !removed.is_empty() {
            v.push(format!("- `{k}`: removed {}", list(&removed)));
        }
    }
    v
}

fn set_diff(old: &BTreeSet<String>, new: &BTreeSet<String>) -> Vec<String> {
    let mut v: Vec<String> = new
        .difference(old)
        .map(|x| format!("- added `{x}`"))
        .collect();
    v.extend(old.difference(new).map(|x| format!("- removed `{x}`")));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_type_is_read_once_shown_as_written_and_compared_by_kind() {
        let doc =
            json!({"components": {"schemas": {"id": {"type": "integer", "format": "int64"}}}});
        let r = Reader {
            doc: &doc,
            lenient: false,
            nested_required: false,
        };
        let node = json!({"oneOf": [
            {"$ref": "#/components/schemas/id"},
            {"type": "array", "items": {"type": "string", "nullable": true}}
        ], "nullable": true});
        let t = r.type_of(&node, "x", 0).unwrap();
        assert_eq!(t.to_string(), "oneOf<integer:int64|array<string?>>?");
        let kinds: Vec<String> = t.kinds().into_iter().collect();
        assert_eq!(kinds, ["array<null | string>", "integer", "null"]);
        let mut both = TypeDesc::Scalar {
            names: vec!["string".into()],
            format: None,
            nullable: false,
        };
        both.or(TypeDesc::Scalar {
            names: vec!["integer".into()],
            format: None,
            nullable: false,
        });
        assert_eq!(both.to_string(), "string or integer");
    }
}
