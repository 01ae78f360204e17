//! The size on the page: the README's table of hand-written and generated
//! Rust lines per part (between `<!-- size-table:start -->` and
//! `<!-- size-table:end -->`), rewritten by `cargo xtask codegen` so that
//! growth shows in review; `--check` fails when it is stale, as for every
//! other derived fact. A file is generated when its first line says
//! `@generated`.

use std::path::{Path, PathBuf};

/// The parts, each a list of files and folders (relative to the workspace
/// root); a folder counts every `.rs` file under it, minus `except`.
pub const PARTS: &[(&str, &[&str], &[&str])] = &[
    (
        "rules (the facade's `message/`)",
        &["crates/intercom-messages/src/message"],
        &[],
    ),
    (
        "transport (the facade's `send/`, less the pacer)",
        &["crates/intercom-messages/src/send"],
        &["crates/intercom-messages/src/send/budget"],
    ),
    (
        "pacer (the facade's `send/budget/`)",
        &["crates/intercom-messages/src/send/budget"],
        &[],
    ),
    (
        "conversations (the facade's `conversation/`)",
        &["crates/intercom-messages/src/conversation"],
        &[],
    ),
    (
        "the facade's root (`lib.rs`, `text.rs`, `lock.rs`, `contract.rs`)",
        &[
            "crates/intercom-messages/src/lib.rs",
            "crates/intercom-messages/src/text.rs",
            "crates/intercom-messages/src/lock.rs",
            "crates/intercom-messages/src/contract.rs",
        ],
        &[],
    ),
    (
        "generated client (`intercom-messages-api/src`)",
        &["crates/intercom-messages-api/src"],
        &[],
    ),
    (
        "mock (`intercom-messages-mock/src`)",
        &["crates/intercom-messages-mock/src"],
        &[],
    ),
    (
        "Redis crate (`intercom-messages-redis/src`)",
        &["crates/intercom-messages-redis/src"],
        &[],
    ),
    (
        "generator (`xtask/src/codegen`)",
        &["xtask/src/codegen"],
        &[],
    ),
    (
        "fidelity tools (`xtask/src/upstream`)",
        &["xtask/src/upstream"],
        &[],
    ),
];

/// Every `.rs` file under `path` (or `path` itself), sorted.
pub fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for e in entries {
            rust_files(&e, out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") && path.is_file() {
        out.push(path.to_path_buf());
    }
}

/// (hand-written, generated) lines of the files under `paths` less
/// `except`, relative to `root`; `overlay` holds files about to be written
/// (relative path, text), read instead of what is on disk.
pub fn count(
    root: &Path,
    paths: &[&str],
    except: &[&str],
    overlay: &[(String, String)],
) -> (usize, usize) {
    let mut files = Vec::new();
    for p in paths {
        rust_files(&root.join(p), &mut files);
    }
    for (rel, _) in overlay {
        let path = root.join(rel);
        if rel.ends_with(".rs")
            && paths.iter().any(|p| path.starts_with(root.join(p)))
            && !files.contains(&path)
        {
            files.push(path);
        }
    }
    let skip: Vec<PathBuf> = except.iter().map(|e| root.join(e)).collect();
    let (mut hand, mut generated) = (0, 0);
    for f in files
        .iter()
        .filter(|f| !skip.iter().any(|s| f.starts_with(s)))
    {
        let text = match overlay.iter().find(|(rel, _)| root.join(rel) == *f) {
            Some((_, t)) => t.clone(),
            None => std::fs::read_to_string(f).unwrap_or_default(),
        };
        let lines = text.lines().count();
        if text
            .lines()
            .next()
            .is_some_and(|l| l.contains("@generated"))
        {
            generated += lines;
        } else {
            hand += lines;
        }
    }
    (hand, generated)
}

/// The table, as the README carries it.
pub fn table(root: &Path, overlay: &[(String, String)]) -> String {
    let mut out =
        String::from("| part | hand-written lines | generated lines |\n| --- | ---: | ---: |\n");
    for (name, paths, except) in PARTS {
        let (hand, generated) = count(root, paths, except, overlay);
        out.push_str(&format!("| {name} | {hand} | {generated} |\n"));
    }
    out
}

/// The table, or `None` when the workspace at `root` lacks a part (a copy
/// holding only the generator's inputs, as the generator's tests make):
/// then the README's table is left as it is.
pub fn table_if_whole(root: &Path, overlay: &[(String, String)]) -> Option<String> {
    PARTS
        .iter()
        .all(|(_, paths, _)| paths.iter().any(|p| root.join(p).exists()))
        .then(|| table(root, overlay))
}
