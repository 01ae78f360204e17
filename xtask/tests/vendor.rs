//! `cargo xtask vendor`: cutting a full description down to the fragment's
//! operations (`POST /messages`, `POST /conversations/search`) gives back,
//! line for line, the cut vendored in `openapi/upstream/`.

use std::process::Command;

use xtask::vendor::cut;
use xtask::workspace_root;

fn vendored() -> Vec<(String, String)> {
    let dir = workspace_root().join("openapi/upstream");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// A full description around a cut: other paths, another method on
/// `/messages`, other components (some referencing each other), another
/// security scheme, and top-level keys the cut drops.
fn widened(cut_text: &str) -> String {
    let mut out = String::new();
    for line in cut_text.lines() {
        match line {
            "paths:" => {
                out.push_str("paths:\n  \"/contacts\":\n    get:\n      summary: List contacts\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                \"$ref\": \"#/components/schemas/contact_list\"\n");
                continue;
            }
            // Another method on `/messages`, before the kept one.
            "  \"/messages\":" => {
                out.push_str("  \"/messages\":\n    get:\n      summary: Not a real operation\n      responses:\n        '200':\n          description: ok\n");
                continue;
            }
            "components:" => {
                out.push_str("tags:\n- name: Messages\n  description: not kept\n");
                out.push_str(
                    "components:\n  parameters:\n    unused:\n      name: x\n      in: query\n",
                );
                out.push_str("  schemas:\n    contact_list:\n      type: object\n      properties:\n        data:\n          type: array\n          items:\n            \"$ref\": \"#/components/schemas/contact\"\n    contact:\n      type: object\n      properties:\n        phone:\n          type: string\n          example: +5547999998888\n");
                continue;
            }
            "  schemas:" => continue,
            "  securitySchemes:" => {
                out.push_str(
                    "  securitySchemes:\n    other:\n      type: http\n      scheme: basic\n",
                );
                continue;
            }
            _ => {}
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("x-tagGroups:\n- name: Dropped\n  tags:\n  - Messages\n");
    out
}

#[test]
fn a_vendored_cut_is_its_own_cut() {
    let all = vendored();
    // One per version of the fragment from the first published one (2.7) on.
    let spec = xtask::load_spec(&workspace_root().join(xtask::SPEC)).unwrap();
    let published = spec.versions.len() - spec.versions.position("2.7").unwrap();
    assert_eq!(
        all.len(),
        published,
        "{:?}",
        all.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    for (name, text) in all {
        assert_eq!(cut(&text).unwrap(), text, "{name}");
        // The second operation of the fragment is kept with what it references.
        assert!(text.contains("operationId: searchConversations"), "{name}");
        assert!(
            text.contains("    conversation_list:")
                || text.contains("    paginated_conversation_response:"),
            "{name}"
        );
    }
}

#[test]
fn a_broken_ref_of_another_operation_is_kept_as_written() {
    // The published 2.11 conversation refers to a `custom_attributes` schema
    // the description does not have: the cut keeps the reference, with
    // nothing behind it, where a broken ref of POST /messages is refused.
    let (_, text) = vendored()
        .into_iter()
        .find(|(n, _)| n == "2.11.yaml")
        .unwrap();
    assert!(text.contains("#/components/schemas/custom_attributes"));
    assert!(!text.contains("\n    custom_attributes:\n"));
    assert_eq!(cut(&text).unwrap(), text);
}

#[test]
fn cutting_a_larger_file_gives_back_the_vendored_cut() {
    let mut with_phone = 0;
    for (name, text) in vendored() {
        let full = widened(&text);
        assert_ne!(full, text, "{name}: the widening did nothing");
        assert!(full.contains("/contacts") && full.contains("contact_list"));
        let got = cut(&full).unwrap();
        assert_eq!(got, text, "{name}");
        // The published lines are kept as written, not re-serialised.
        if text.contains("admin_whatsapp_message_created") {
            assert!(got.contains("phone: +5547999998888"), "{name}");
            with_phone += 1;
        }
    }
    assert!(with_phone > 0, "no description has the WhatsApp example");
}

#[test]
fn the_command_writes_the_cut() {
    let (name, text) = vendored()
        .into_iter()
        .find(|(n, _)| n == "Preview.yaml")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.yaml");
    let out = dir.path().join(&name);
    std::fs::write(&full, widened(&text)).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["vendor"])
        .arg(&full)
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
}

#[test]
fn a_description_without_post_messages_or_with_a_broken_ref_is_refused() {
    let err = cut("openapi: 3.0.1\npaths:\n  \"/contacts\":\n    get: {}\n").unwrap_err();
    assert!(err.contains("paths./messages.post"), "{err}");
    let err = cut(
        "openapi: 3.0.1\npaths:\n  \"/messages\":\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema:\n              \"$ref\": \"#/components/schemas/missing\"\n",
    )
    .unwrap_err();
    assert!(err.contains("points nowhere"), "{err}");
}
