//! `cargo xtask upstream-diff OLD NEW` on small descriptions written in
//! Intercom's published layout (`tests/upstream/`): one pair per kind of
//! change against `base.yaml`, each with its expected report (`<kind>.md`),
//! a pair with nothing changed for `/messages`, a pair with a broken `$ref`
//! elsewhere in the file, and descriptions the tool must refuse by name.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/upstream")
}

fn diff(old: &Path, new: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("upstream-diff")
        .args([old, new])
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const KINDS: [&str; 9] = [
    "versions",
    "property_added",
    "property_removed",
    "property_retyped",
    "required",
    "enum",
    "response",
    "statuses",
    "examples",
];

#[test]
fn each_kind_of_change_gives_its_report_and_exit_code_1() {
    let base = dir().join("base.yaml");
    for kind in KINDS {
        let out = diff(&base, &dir().join(format!("{kind}.yaml")));
        let expected = std::fs::read_to_string(dir().join(format!("{kind}.md"))).unwrap();
        assert_eq!(text(&out.stdout), expected, "{kind}: {}", text(&out.stderr));
        assert_eq!(out.status.code(), Some(1), "{kind}");
        assert!(out.stderr.is_empty(), "{kind}: {}", text(&out.stderr));
    }
}

#[test]
fn every_kind_the_report_knows_is_covered_by_a_pair() {
    let reports: Vec<String> = KINDS
        .iter()
        .map(|k| std::fs::read_to_string(dir().join(format!("{k}.md"))).unwrap())
        .collect();
    for section in [
        "## Versions of the `Intercom-Version` header",
        "## Request properties",
        "## Required properties per branch",
        "## Request enums",
        "## Response properties",
        "## Response enums",
        "## Response statuses",
        "## Named examples",
    ] {
        assert!(
            reports.iter().any(|r| r.contains(section)),
            "no pair shows {section}"
        );
    }
    for change in [
        "- added `request.",
        "- removed `request.",
        "- retyped `request.",
    ] {
        assert!(reports.iter().any(|r| r.contains(change)), "{change}");
    }
}

#[test]
fn nothing_changed_for_messages_exits_0() {
    let base = dir().join("base.yaml");
    for new in ["base.yaml", "unchanged.yaml", "broken_ref_elsewhere.yaml"] {
        let out = diff(&base, &dir().join(new));
        assert_eq!(out.status.code(), Some(0), "{new}: {}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout),
            "No change to `POST /messages`.\n",
            "{new}"
        );
    }
    // The same with the broken file as the old side.
    let out = diff(&dir().join("broken_ref_elsewhere.yaml"), &base);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn an_unknown_layout_is_a_clear_error_naming_the_missing_piece() {
    let base = dir().join("base.yaml");
    for (file, names) in [
        ("no_messages.yaml", "paths./messages.post"),
        ("no_version_header.yaml", "Intercom-Version"),
        (
            "broken_ref_inside.yaml",
            "#/components/schemas/recipients_gone",
        ),
        ("does_not_exist.yaml", "cannot read"),
    ] {
        let out = diff(&base, &dir().join(file));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(names), "{file}: {err}");
        assert!(
            err.contains(file),
            "{file}: the error names the file: {err}"
        );
        assert!(!err.contains("panicked"), "{file}: {err}");
        assert!(out.stdout.is_empty(), "{file}");
    }
    // Not YAML at all, and not a map.
    let tmp = tempfile::tempdir().unwrap();
    for (name, body) in [("junk.yaml", "{ not: [yaml"), ("list.yaml", "- 1\n- 2\n")] {
        let p = tmp.path().join(name);
        std::fs::write(&p, body).unwrap();
        let out = diff(&base, &p);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(!text(&out.stderr).contains("panicked"), "{name}");
    }
    // Wrong usage is exit 2 too, with the usage text.
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["upstream-diff", "only-one.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("upstream-diff OLD.yaml NEW.yaml"));
}

#[test]
fn the_search_is_reported_beside_the_messages() {
    // The vendored cuts carry both operations of the fragment: a change to
    // the conversation (2.16 adds `channel`) is reported under its own title.
    let up = xtask::workspace_root().join("openapi/upstream");
    let out = diff(&up.join("2.15.yaml"), &up.join("2.16.yaml"));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.contains("# What changed for `POST /messages`"),
        "{report}"
    );
    let search = report
        .split("# What changed for `POST /conversations/search`")
        .nth(1)
        .expect("a section for the search");
    assert!(
        search.contains("added `200.conversations[].channel`"),
        "{search}"
    );
    // The same file twice: nothing changed for either operation.
    let out = diff(&up.join("2.16.yaml"), &up.join("2.16.yaml"));
    assert_eq!(out.status.code(), Some(0));
}
