//! `cargo xtask vendor FULL.yaml [OUT.yaml]`: cuts one of Intercom's full
//! published descriptions down to the fragment's operations (`POST
//! /messages`, `POST /conversations/search`) and what they reference,
//! keeping the published lines as they are.
//!
//! Kept: the top-level `openapi`, `info`, `servers` and `security`; each
//! operation the fragment describes; every component they reference,
//! transitively; the security schemes `security` names. `POST /messages`
//! must be there and everything it references must exist; a `$ref` of
//! another operation that points nowhere (the published 2.11 conversation
//! names a `custom_attributes` schema it does not have) is kept as written,
//! with nothing behind it. Nothing is re-serialised: a YAML re-dump would
//! lose evidence such as the unquoted `phone: +5547999998888`, so the cut
//! works on lines, by indentation, and the parsed document only says which
//! blocks to keep.

use std::collections::BTreeSet;

use serde_json::Value;

/// The top-level keys kept whole.
const KEPT_TOP: [&str; 4] = ["openapi", "info", "servers", "security"];

/// The operation every cut must have.
const FIRST: (&str, &str) = ("/messages", "post");

/// Cuts `text` (a full description) down to the operations of the
/// workspace's fragment.
pub fn cut(text: &str) -> Result<String, String> {
    let spec =
        crate::codegen::load_spec(&crate::codegen::workspace_root().join(crate::codegen::SPEC))?;
    let operations: Vec<(String, String)> = crate::codegen::operations::operations(&spec)?
        .into_iter()
        .map(|o| (o.path, o.method.to_lowercase()))
        .collect();
    cut_to(text, &operations)
}

/// Cuts `text` down to `operations` (`(path, method)`, the method in lower
/// case), of which `POST /messages` must be one.
pub fn cut_to(text: &str, operations: &[(String, String)]) -> Result<String, String> {
    let doc: Value = serde_norway::from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
    let op = doc
        .pointer("/paths/~1messages/post")
        .ok_or("no `paths./messages.post`: not a description of Intercom's POST /messages")?;
    let mut components = referenced(&doc, op, true)?;
    let pointer = |(path, method): &(String, String)| {
        format!(
            "/paths/{}/{method}",
            path.replace('~', "~0").replace('/', "~1")
        )
    };
    for o in operations
        .iter()
        .filter(|o| (o.0.as_str(), o.1.as_str()) != FIRST)
    {
        if let Some(node) = doc.pointer(&pointer(o)) {
            components.extend(referenced(&doc, node, false)?);
        }
    }
    let schemes: BTreeSet<String> = doc
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|o| o.keys().cloned())
        .collect();

    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    for top in blocks(&lines, 0, lines.len(), 0) {
        match top.key.as_str() {
            k if KEPT_TOP.contains(&k) => push(&mut out, &lines[top.start..top.end]),
            "paths" => cut_paths(&lines, &top, operations, &mut out),
            "components" => cut_components(&lines, &top, &components, &schemes, &mut out),
            _ => {}
        }
    }
    Ok(out)
}

/// `paths:` with the kept operations only, in the published order.
fn cut_paths(lines: &[&str], top: &Block, operations: &[(String, String)], out: &mut String) {
    push(out, &lines[top.start..=top.start]);
    for path in blocks(lines, top.start + 1, top.end, child_indent(lines, top)) {
        let kept = |method: &str| {
            operations
                .iter()
                .any(|(p, m)| *p == path.key && m == method)
        };
        let ind = child_indent(lines, &path);
        let methods: Vec<Block> = blocks(lines, path.start + 1, path.end, ind)
            .into_iter()
            .filter(|m| kept(&m.key))
            .collect();
        if methods.is_empty() {
            continue;
        }
        push(out, &lines[path.start..=path.start]);
        for method in methods {
            push(out, &lines[method.start..method.end]);
        }
    }
}

/// `components:` with the referenced entries of each section, and the
/// security schemes `security` names.
fn cut_components(
    lines: &[&str],
    top: &Block,
    components: &BTreeSet<(String, String)>,
    schemes: &BTreeSet<String>,
    out: &mut String,
) {
    push(out, &lines[top.start..=top.start]);
    for section in blocks(lines, top.start + 1, top.end, child_indent(lines, top)) {
        let wanted = |name: &str| {
            if section.key == "securitySchemes" {
                schemes.contains(name)
            } else {
                components.contains(&(section.key.clone(), name.to_string()))
            }
        };
        let ind = child_indent(lines, &section);
        let entries: Vec<Block> = blocks(lines, section.start + 1, section.end, ind)
            .into_iter()
            .filter(|e| wanted(&e.key))
            .collect();
        if entries.is_empty() {
            continue;
        }
        push(out, &lines[section.start..=section.start]);
        for e in entries {
            push(out, &lines[e.start..e.end]);
        }
    }
}

/// Every `(section, name)` of `#/components/<section>/<name>` that `node`
/// references, followed transitively through the document. A `$ref` that
/// points nowhere is an error when `strict`, else it is left as written.
fn referenced(
    doc: &Value,
    node: &Value,
    strict: bool,
) -> Result<BTreeSet<(String, String)>, String> {
    let mut seen = BTreeSet::new();
    let mut todo = Vec::new();
    refs(node, &mut todo);
    while let Some(r) = todo.pop() {
        let Some(rest) = r.strip_prefix("#/components/") else {
            return Err(format!(
                "`$ref: {r}` points outside the components, which is not cut"
            ));
        };
        let Some((section, name)) = rest.split_once('/') else {
            return Err(format!("`$ref: {r}` names no component"));
        };
        let key = (section.to_string(), unescape(name));
        if seen.contains(&key) {
            continue;
        }
        let target = doc
            .get("components")
            .and_then(|c| c.get(&key.0))
            .and_then(|s| s.get(&key.1));
        match target {
            Some(target) => {
                seen.insert(key);
                refs(target, &mut todo);
            }
            None if strict => return Err(format!("`$ref: {r}` points nowhere")),
            None => {}
        }
    }
    Ok(seen)
}

fn unescape(pointer_part: &str) -> String {
    pointer_part.replace("~1", "/").replace("~0", "~")
}

fn refs(node: &Value, out: &mut Vec<String>) {
    match node {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// A mapping key and the lines of its value: `start` is the key's line,
/// `end` one past the last line of the block.
#[derive(Clone, Debug)]
struct Block {
    key: String,
    start: usize,
    end: usize,
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// The key of a `key:` line at exactly `ind` spaces, unquoted.
fn key_at(line: &str, ind: usize) -> Option<String> {
    if indent(line) != ind || blank(line) {
        return None;
    }
    let t = &line[ind..];
    if t.starts_with("- ") || t == "-" {
        return None;
    }
    let (key, rest) = match t.as_bytes()[0] {
        q @ (b'"' | b'\'') => {
            let close = t[1..].find(q as char)? + 1;
            (&t[1..close], &t[close + 1..])
        }
        _ => {
            let colon = t.find(':')?;
            (&t[..colon], &t[colon..])
        }
    };
    let rest = rest.strip_prefix(':')?;
    (rest.is_empty() || rest.starts_with(' ')).then(|| key.to_string())
}

/// The blocks of the keys at indentation `ind` between lines `from` and `to`.
/// A block runs until the next line at `ind` or less that is not a list item
/// of its own (YAML lets `- ` items sit at the key's indentation).
fn blocks(lines: &[&str], from: usize, to: usize, ind: usize) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for (i, line) in lines.iter().enumerate().take(to).skip(from) {
        if let Some(key) = key_at(line, ind) {
            if let Some(last) = out.last_mut() {
                last.end = i;
            }
            out.push(Block {
                key,
                start: i,
                end: to,
            });
        }
    }
    out
}

/// The indentation of a block's children: that of its first non-blank line
/// after the key.
fn child_indent(lines: &[&str], b: &Block) -> usize {
    lines[b.start + 1..b.end]
        .iter()
        .find(|l| !blank(l))
        .map_or(0, |l| indent(l))
}

fn push(out: &mut String, lines: &[&str]) {
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
}
