//! Each kind of message owns its file (issue 32): in the facade's code, a
//! kind's generated request type (`SmsMessageRequest`, ... every
//! `*MessageRequest` the generated crate defines) is named only by the
//! kind's own file under `message/` and by `message/mod.rs`, and nothing
//! under `send/` names one. Doc comments may name a schema's properties
//! (`AdminMessageRequest.from?`): only code counts.

use std::path::PathBuf;

use xtask::codegen::sizes::rust_files;

/// The generated kinds' request types, read from the generated crate.
fn kind_types(root: &std::path::Path) -> Vec<String> {
    let generated =
        std::fs::read_to_string(root.join("crates/intercom-messages-api/src/generated.rs"))
            .unwrap();
    let mut kinds: Vec<String> = generated
        .split("pub struct ")
        .skip(1)
        .filter_map(|rest| {
            rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                .next()
        })
        .filter(|name| name.ends_with("MessageRequest"))
        .map(String::from)
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// Whether `code` (comments left out) names `ty` as a whole word.
fn names(code: &str, ty: &str) -> bool {
    code.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .any(|l| {
            l.match_indices(ty).any(|(i, _)| {
                let before = l[..i].chars().next_back();
                let after = l[i + ty.len()..].chars().next();
                let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                !word(before) && !word(after)
            })
        })
}

#[test]
fn a_kinds_generated_type_is_named_only_by_its_own_file_and_the_message_module() {
    let root = xtask::workspace_root();
    let kinds = kind_types(&root);
    assert!(kinds.len() >= 4, "{kinds:?}");
    let src = root.join("crates/intercom-messages/src");
    let mut files: Vec<PathBuf> = Vec::new();
    rust_files(&src, &mut files);
    let module = src.join("message/mod.rs");
    for ty in &kinds {
        let naming: Vec<&PathBuf> = files
            .iter()
            .filter(|f| names(&std::fs::read_to_string(f).unwrap(), ty))
            .collect();
        let own: Vec<&&PathBuf> = naming.iter().filter(|f| **f != &module).collect();
        assert!(
            naming.contains(&&module),
            "{ty}: message/mod.rs does not name it"
        );
        assert_eq!(own.len(), 1, "{ty} is named by {naming:?}");
        assert!(own[0].starts_with(src.join("message")), "{ty}: {own:?}");
    }
}

#[test]
fn the_word_check_sees_code_and_not_comments() {
    assert!(names(
        "let r: types::SmsMessageRequest = x;",
        "SmsMessageRequest"
    ));
    assert!(!names("/// `SmsMessageRequest.body`", "SmsMessageRequest"));
    assert!(!names("let r = MySmsMessageRequests;", "SmsMessageRequest"));
}
