//! The size on the page: the README's table of hand-written and generated
//! lines per part, kept current by this test, so that growth shows in review.
//! When it fails, the message holds the table as it is now; rewrite the
//! README's with `INTERCOM_WRITE_SIZES=1 cargo test -p intercom-messages-tests --test size_table`.

use std::path::{Path, PathBuf};

/// The parts, each a list of files and folders (relative to the workspace
/// root); a folder counts every `.rs` file under it, minus `except`.
const PARTS: &[(&str, &[&str], &[&str])] = &[
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
        "mock (the facade's `testing`)",
        &[
            "crates/intercom-messages/src/testing.rs",
            "crates/intercom-messages/src/testing",
        ],
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

const START: &str = "<!-- size-table:start -->\n";
const END: &str = "<!-- size-table:end -->";

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for e in entries {
            rust_files(&e, out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// (hand-written, generated) lines of one part.
fn count(root: &Path, paths: &[&str], except: &[&str]) -> (usize, usize) {
    let mut files = Vec::new();
    for p in paths {
        rust_files(&root.join(p), &mut files);
    }
    let skip: Vec<PathBuf> = except.iter().map(|e| root.join(e)).collect();
    let (mut hand, mut generated) = (0, 0);
    for f in files
        .iter()
        .filter(|f| !skip.iter().any(|s| f.starts_with(s)))
    {
        let text = std::fs::read_to_string(f).unwrap();
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

fn table(root: &Path) -> String {
    let mut out =
        String::from("| part | hand-written lines | generated lines |\n| --- | ---: | ---: |\n");
    for (name, paths, except) in PARTS {
        let (hand, generated) = count(root, paths, except);
        assert!(hand + generated > 0, "{name}: no Rust file under {paths:?}");
        out.push_str(&format!("| {name} | {hand} | {generated} |\n"));
    }
    out
}

#[test]
fn the_readme_states_the_size_of_each_part() {
    let root = xtask::workspace_root();
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let start = readme
        .find(START)
        .expect("README.md has no size-table markers")
        + START.len();
    let end = start
        + readme[start..]
            .find(END)
            .expect("README.md: size-table has no end");
    let now = table(&root);
    if readme[start..end] != now {
        if std::env::var_os("INTERCOM_WRITE_SIZES").is_some() {
            let text = format!("{}{now}{}", &readme[..start], &readme[end..]);
            std::fs::write(&readme_path, text).unwrap();
        } else {
            panic!(
                "README.md's size table is stale; it is now:\n\n{now}\nrewrite it with \
                 INTERCOM_WRITE_SIZES=1 cargo test -p intercom-messages-tests --test size_table"
            );
        }
    }
}

#[test]
fn every_source_file_of_the_crates_is_in_one_part() {
    let root = xtask::workspace_root();
    let mut files = Vec::new();
    for dir in [
        "crates/intercom-messages/src",
        "crates/intercom-messages-api/src",
        "crates/intercom-messages-redis/src",
    ] {
        rust_files(&root.join(dir), &mut files);
    }
    for f in files {
        let parts: Vec<&str> = PARTS
            .iter()
            .filter(|(_, paths, except)| {
                paths.iter().any(|p| f.starts_with(root.join(p)))
                    && !except.iter().any(|e| f.starts_with(root.join(e)))
            })
            .map(|(name, _, _)| *name)
            .collect();
        assert_eq!(
            parts.len(),
            1,
            "{} is in {parts:?}: give it one part in PARTS",
            f.display()
        );
    }
}

#[test]
fn a_part_that_grows_changes_the_table() {
    let root = xtask::workspace_root();
    let dir = tempfile::tempdir().unwrap();
    for (_, paths, _) in PARTS {
        for p in *paths {
            let from = root.join(p);
            if from.is_file() {
                let to = dir.path().join(p);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(&from, &to).unwrap();
            }
        }
    }
    let lib = dir.path().join("crates/intercom-messages/src/lib.rs");
    let before = count(dir.path(), &["crates/intercom-messages/src/lib.rs"], &[]);
    let mut text = std::fs::read_to_string(&lib).unwrap();
    text.push_str("// one more line\n");
    std::fs::write(&lib, text).unwrap();
    let after = count(dir.path(), &["crates/intercom-messages/src/lib.rs"], &[]);
    assert_eq!((after.0 - before.0, after.1), (1, before.1));
}
