//! The README's size table (written by `cargo xtask codegen`, see
//! `xtask::codegen::sizes`): every source file of the crates belongs to one
//! part, and a part that grows changes the table.

use xtask::codegen::sizes::{PARTS, count, rust_files, table};

#[test]
fn every_source_file_of_the_crates_is_in_one_part() {
    let root = xtask::workspace_root();
    let mut files = Vec::new();
    for dir in [
        "crates/intercom-messages/src",
        "crates/intercom-messages-api/src",
        "crates/intercom-messages-mock/src",
        "crates/intercom-messages-redis/src",
    ] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 20, "{files:?}");
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
fn the_readme_carries_the_table_as_it_is() {
    let root = xtask::workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains(&table(&root, &[])),
        "README.md's size table is stale: run `cargo xtask codegen`"
    );
}

#[test]
fn a_part_that_grows_changes_the_table() {
    let root = xtask::workspace_root();
    let lib = "crates/intercom-messages/src/lib.rs";
    let text = std::fs::read_to_string(root.join(lib)).unwrap();
    let before = count(&root, &[lib], &[], &[]);
    let grown = [(lib.to_string(), format!("{text}// one more line\n"))];
    let after = count(&root, &[lib], &[], &grown);
    assert_eq!((after.0 - before.0, after.1), (1, before.1));
    // A generated file counts as generated.
    let generated = [(lib.to_string(), format!("// @generated\n{text}"))];
    assert_eq!(count(&root, &[lib], &[], &generated), (0, before.0 + 1));
    assert_ne!(table(&root, &grown), table(&root, &[]));
}
