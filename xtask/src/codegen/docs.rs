//! The parts of hand-written documents that are facts of the fragment,
//! rewritten by `cargo xtask codegen` so that no one keeps them by hand:
//!
//! - between `<!-- version-table:start -->` and `<!-- version-table:end -->`:
//!   the version table (item, kind, versions), for users;
//! - between `<!-- version-evidence:start -->` and `<!-- version-evidence:end -->`:
//!   the same rows with the evidence the fragment gives for each range;
//! - the prose range "1.0 to X", where X is the newest numbered version.
//!
//! And a generated file: the change of the request schema from each
//! version to the next ([`SCHEMA_CHANGES`]), for a reviewer of a new version.

use std::fmt::Write as _;
use std::path::Path;

use crate::codegen::entries::{Entry, version_entries};
use crate::codegen::project::{REQUEST_SCHEMA_DIR, request_schema_path};
use crate::codegen::spec::Spec;
use crate::codegen::versions::{Range, is_numbered};

/// The documents whose derived parts are rewritten, relative to the
/// workspace root. One that is not there is left alone.
pub const DOCUMENTS: &[&str] = &[
    "README.md",
    "openapi/README.md",
    "CHANGELOG.md",
    "crates/intercom-messages-api/Cargo.toml",
    "crates/intercom-messages-api/src/lib.rs",
];

/// The generated change log of the request schema, version to version.
pub const SCHEMA_CHANGES: &str = "crates/intercom-messages-api/schemas/request/CHANGES.md";

/// The documents whose derived parts are out of date, with their new text.
pub fn render_documents(spec: &Spec, root: &Path) -> Result<Vec<(String, String)>, String> {
    // In the order of the generated `TABLE`.
    let entries = version_entries(spec)?;
    let table = version_table(spec, &entries);
    let evidence = evidence_table(spec, &entries);
    let mut out = Vec::new();
    for rel in DOCUMENTS {
        let Ok(text) = std::fs::read_to_string(root.join(rel)) else {
            continue;
        };
        let text = between(&text, "version-table", &table, rel)?;
        let text = between(&text, "version-evidence", &evidence, rel)?;
        let text = prose_range(spec, &text);
        out.push((rel.to_string(), text));
    }
    Ok(out)
}

/// A table cell: `|` escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn version_table(spec: &Spec, entries: &[Entry]) -> String {
    let mut out = String::from("| item | kind | versions |\n| --- | --- | --- |\n");
    for e in entries {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            cell(&e.item),
            e.kind,
            spec.versions.span(e.range)
        );
    }
    out
}

/// One line per evidence: rows with the same range and evidence share it.
fn evidence_table(spec: &Spec, entries: &[Entry]) -> String {
    let mut groups: Vec<(Vec<&str>, Range, &str)> = Vec::new();
    for e in entries {
        match groups
            .iter_mut()
            .find(|(_, r, ev)| *r == e.range && *ev == e.evidence)
        {
            Some((items, _, _)) => items.push(&e.item),
            None => groups.push((vec![&e.item], e.range, &e.evidence)),
        }
    }
    let mut out = String::from("| item | versions | evidence |\n| --- | --- | --- |\n");
    for (items, range, evidence) in groups {
        let items: Vec<String> = items.iter().map(|i| format!("`{}`", cell(i))).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            items.join(", "),
            spec.versions.span(range),
            cell(evidence)
        );
    }
    out
}

/// `text` with what stands between the `name` markers replaced by `body`;
/// unchanged when it has no such markers.
pub(crate) fn between(text: &str, name: &str, body: &str, rel: &str) -> Result<String, String> {
    let (start, end) = (
        format!("<!-- {name}:start -->\n"),
        format!("<!-- {name}:end -->"),
    );
    let Some(a) = text.find(&start) else {
        return Ok(text.to_string());
    };
    let from = a + start.len();
    let b = text[from..]
        .find(&end)
        .ok_or_else(|| format!("{rel}: `{}` without `{end}`", start.trim_end()))?;
    Ok(format!("{}{body}{}", &text[..from], &text[from + b..]))
}

/// Every "1.0 to X" (the first version, then a numbered version; the
/// words may be split across lines) with X the newest numbered version of
/// the fragment.
fn prose_range(spec: &Spec, text: &str) -> String {
    let first = spec.versions.iter().next().unwrap_or_default();
    let Some(newest) = spec.versions.newest_numbered() else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(first) {
        let (head, after) = rest.split_at(at + first.len());
        out.push_str(head);
        rest = after;
        // `<space>to<space>` (any whitespace), then the version.
        let gap = |s: &str| s.len() - s.trim_start().len();
        let (g1, tail) = (gap(rest), &rest[gap(rest)..]);
        let Some(tail) = tail.strip_prefix("to").filter(|_| g1 > 0) else {
            continue;
        };
        let g2 = gap(tail);
        let tail = &tail[g2..];
        let len = tail
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(tail.len());
        // A version, not the end of a sentence: "1.0 to 2.16." keeps its stop.
        let version = tail[..len].trim_end_matches('.');
        if g2 == 0 || !is_numbered(version) {
            continue;
        }
        let words = g1 + "to".len() + g2;
        out.push_str(&rest[..words]);
        out.push_str(newest);
        rest = &rest[words + version.len()..];
    }
    out.push_str(rest);
    out
}

/// The change log of the request schema: for each version after the first,
/// a unified diff of its schema against the previous version's, or "no
/// change". Adding a version adds its section (and the next version's
/// section then compares with it).
pub fn schema_changes(schemas: &[(String, String)], spec: &Spec) -> String {
    let mut out = format!(
        "<!-- generated from openapi/messages.yaml by `cargo xtask codegen`. Do not edit. -->\n\n\
         # The request schema, version to version\n\n\
         What each version's request body schema (`{REQUEST_SCHEMA_DIR}/<version>.json`)\n\
         changes from the version before it. A new version's section is what to review.\n"
    );
    let text = |v: &str| {
        let path = request_schema_path(v);
        schemas
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, t)| untitled(t))
            .unwrap_or_default()
    };
    let versions: Vec<&str> = spec.versions.iter().collect();
    for pair in versions.windows(2) {
        let (before, after) = (text(pair[0]), text(pair[1]));
        let _ = write!(out, "\n## {} (from {})\n\n", pair[1], pair[0]);
        if before == after {
            out.push_str("No change.\n");
            continue;
        }
        let diff = similar::TextDiff::from_lines(&before, &after);
        let _ = write!(
            out,
            "```diff\n{}```\n",
            diff.unified_diff()
                .context_radius(2)
                .header(&format!("{}.json", pair[0]), &format!("{}.json", pair[1]))
        );
    }
    out
}

/// A schema's text without its `title` line, which names its version.
fn untitled(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("\"title\":"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_between_markers_is_replaced_and_the_rest_kept() {
        let text = "a\n<!-- t:start -->\nold\n<!-- t:end -->\nb\n";
        assert_eq!(
            between(text, "t", "new\n", "f").unwrap(),
            "a\n<!-- t:start -->\nnew\n<!-- t:end -->\nb\n"
        );
        assert_eq!(between("plain", "t", "x", "f").unwrap(), "plain");
        let err = between("<!-- t:start -->\nx", "t", "y", "f.md").unwrap_err();
        assert!(err.contains("f.md") && err.contains("t:end"), "{err}");
    }

    #[test]
    fn the_prose_range_ends_at_the_newest_numbered_version() {
        let spec = crate::parse_spec(
            &std::fs::read_to_string(crate::workspace_root().join(crate::SPEC)).unwrap(),
        )
        .unwrap();
        let newest = spec.versions.newest_numbered().unwrap();
        let text = "versions 1.0 to 2.3 and Preview; from 1.0\nto 2.9. Also 1.0 to come, 1.0 too.";
        assert_eq!(
            prose_range(&spec, text),
            format!(
                "versions 1.0 to {newest} and Preview; from 1.0\nto {newest}. Also 1.0 to come, 1.0 too."
            )
        );
    }
}
