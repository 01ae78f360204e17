//! Helpers for the workspace tests: the fragment, its examples, and validators
//! for the contract as it stands in one version.

use std::sync::OnceLock;

pub mod differential;
pub mod html;
/// The raw loopback HTTP servers, shared with the facade's own tests.
pub use intercom_messages_test_support::server;
pub mod soak;

use serde_json::Value;
pub use xtask::project::Strictness;
pub use xtask::{Example, Spec};

/// The fragment, loaded and validated once per test binary.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        xtask::load_spec(&xtask::workspace_root().join(xtask::SPEC))
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// Every named example of the fragment.
pub fn examples() -> Vec<Example> {
    xtask::examples(spec()).unwrap_or_else(|e| panic!("{e}"))
}

/// The versions of the contract, oldest first.
pub fn versions() -> Vec<&'static str> {
    spec().versions.iter().collect()
}

/// Validates `instance` against component schema `root` as it stands at the
/// version at `position`; returns one line per violation, `path: message`.
pub fn violations(
    root: &str,
    position: usize,
    strictness: Strictness,
    instance: &Value,
) -> Vec<String> {
    let schema = xtask::project::json_schema_for_version(spec(), root, position, strictness)
        .unwrap_or_else(|e| panic!("{e}"));
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(false)
        .build(&schema)
        .unwrap_or_else(|e| panic!("projected schema for {root} is not valid JSON Schema: {e}"));
    let mut out: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| {
            let at = e.instance_path().to_string();
            let at = if at.is_empty() { "/".to_string() } else { at };
            format!("{at}: {e}")
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The component schema a response status of `operation` decodes into.
pub fn response_schema(operation: &str, status: &str) -> &'static str {
    match (operation, status) {
        ("createMessage", "200") => "Message",
        ("searchConversations", "200") => "ConversationList",
        _ => "ErrorList",
    }
}

/// The component schema of `operation`'s request body.
pub fn request_schema(operation: &str) -> String {
    xtask::operations::operations(spec())
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .find(|o| o.id == operation)
        .unwrap_or_else(|| panic!("no operation {operation}"))
        .request_root
}

/// The README's Rust examples, compiled as doctests so they stay true. They
/// live here, in the workspace's own test crate, so that the published
/// facade's doctests need no file outside its package.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The generated crate's own README (its registry page), compiled the same way.
#[cfg(doctest)]
#[doc = include_str!("../../crates/intercom-messages-api/README.md")]
pub struct ApiReadmeDoctests;
