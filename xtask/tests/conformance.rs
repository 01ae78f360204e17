//! `cargo xtask conformance`: the fragment agrees with Intercom's published
//! descriptions except where `openapi/deviations.yaml` says why, and the check
//! fails on each kind of disagreement: an unrecorded difference, a stale
//! deviation, an altered or missing example, a stale README table.

use std::process::Command;

use xtask::conformance::{self, Deviation, Report, Upstream};
use xtask::{Spec, parse_spec, workspace_root};

/// The first version Intercom published a description of
/// (`intercom/Intercom-OpenAPI` starts there).
const FIRST_PUBLISHED: &str = "2.7";

fn fragment_text() -> String {
    std::fs::read_to_string(workspace_root().join(xtask::SPEC)).unwrap()
}

fn upstream() -> Vec<Upstream> {
    conformance::load_upstream(&workspace_root().join(conformance::UPSTREAM_DIR)).unwrap()
}

fn deviations(spec: &Spec) -> Vec<Deviation> {
    let text = std::fs::read_to_string(workspace_root().join(conformance::DEVIATIONS)).unwrap();
    conformance::parse_deviations(spec, &text).unwrap()
}

fn check(fragment: &str) -> Report {
    let spec = parse_spec(fragment).unwrap();
    let deviations = deviations(&spec);
    conformance::check(&spec, &upstream(), &deviations).unwrap()
}

#[test]
fn the_fragment_conforms_to_every_vendored_description() {
    let (report, table_fresh) = conformance::run(&workspace_root(), false).unwrap();
    assert!(report.passed(), "{}", report.render());
    assert!(
        table_fresh,
        "openapi/README.md's deviation table is stale: run `cargo xtask conformance --write`"
    );
    // Every version Intercom publishes a description of was read: every
    // version of the fragment from the first published one (2.7) on.
    let spec = parse_spec(&fragment_text()).unwrap();
    let published: Vec<&str> = spec
        .versions
        .iter()
        .skip(spec.versions.position(FIRST_PUBLISHED).unwrap())
        .collect();
    let mut read: Vec<String> = upstream().into_iter().map(|u| u.version).collect();
    read.sort_by_key(|v| spec.versions.position(v));
    assert_eq!(read, published);
    assert!(
        report.agreed > 0 && report.recorded > 0,
        "{}",
        report.render()
    );
}

#[test]
fn the_command_passes_and_says_so() {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("conformance")
        .current_dir(workspace_root())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("0 differ unrecorded"), "{stdout}");
}

#[test]
fn an_unrecorded_difference_fails() {
    // A property Intercom never published, added to the admin message.
    let text = fragment_text().replace(
        "      x-intercom-required-when:\n        message_type:\n          email: [subject]\n      properties:\n",
        "      x-intercom-required-when:\n        message_type:\n          email: [subject]\n      properties:\n        priority:\n          type: string\n",
    );
    assert_ne!(text, fragment_text(), "the edit did not apply");
    let report = check(&text);
    assert!(!report.passed());
    assert!(
        report
            .unrecorded
            .iter()
            .any(|l| l
                .contains("request property `request.priority`: fragment string, Intercom absent")),
        "{}",
        report.render()
    );
    // In every vendored version, since the property has no range.
    assert_eq!(
        report
            .unrecorded
            .iter()
            .filter(|l| l.contains("request.priority"))
            .count(),
        upstream().len()
    );
}

/// Intercom's request schema declares its properties once for every branch.
/// A property Intercom adds there, added by the fragment to the admin
/// member only, is a difference of the WhatsApp branch, though the
/// flattened request properties agree.
#[test]
fn a_shared_property_on_one_member_only_fails() {
    let mut published = upstream();
    for u in &mut published {
        let root = u
            .doc
            .pointer("/paths/~1messages/post/requestBody/content/application~1json/schema/$ref")
            .and_then(|r| r.as_str())
            .map(|r| r.trim_start_matches('#').to_string())
            .unwrap();
        let props = u
            .doc
            .pointer_mut(&format!("{root}/properties"))
            .and_then(|p| p.as_object_mut())
            .unwrap();
        props.insert("external_id".into(), serde_json::json!({"type": "string"}));
    }
    let text = fragment_text().replace(
        "      x-intercom-required-when:\n        message_type:\n          email: [subject]\n      properties:\n",
        "      x-intercom-required-when:\n        message_type:\n          email: [subject]\n      properties:\n        external_id:\n          type: string\n",
    );
    assert_ne!(text, fragment_text(), "the edit did not apply");
    let spec = parse_spec(&text).unwrap();
    let report = conformance::check(&spec, &published, &deviations(&spec)).unwrap();
    assert!(!report.passed());
    let whatsapp: Vec<&String> = report
        .unrecorded
        .iter()
        .filter(|l| l.contains("properties of branch `message_type: `whatsapp``"))
        .collect();
    assert!(
        !whatsapp.is_empty() && whatsapp.iter().all(|l| l.contains("external_id")),
        "{}",
        report.render()
    );
    // The flattened property agrees: only the branch sees the gap.
    assert!(
        !report
            .unrecorded
            .iter()
            .any(|l| l.contains("request property `request.external_id`")),
        "{}",
        report.render()
    );
}

#[test]
fn a_retyped_property_fails() {
    // created_at as a string: the 2.11+ descriptions say integer.
    let text = fragment_text().replace(
        "          description: When the message was created, UNIX seconds; for importing past conversations.\n          type: integer",
        "          description: When the message was created, UNIX seconds; for importing past conversations.\n          type: string",
    );
    assert_ne!(text, fragment_text(), "the edit did not apply");
    let report = check(&text);
    assert!(
        report
            .unrecorded
            .iter()
            .any(|l| l.starts_with("2.11: request property `request.created_at`")),
        "{}",
        report.render()
    );
}

#[test]
fn a_stale_deviation_fails() {
    let spec = parse_spec(&fragment_text()).unwrap();
    let mut deviations = deviations(&spec);
    let extra = conformance::parse_deviations(
        &spec,
        r#"[{fact: "request property `request.nothing`: fragment string, Intercom absent", versions: {since: "2.16"}, reason: r, evidence: e}]"#,
    )
    .unwrap();
    deviations.extend(extra);
    let upstream = upstream();
    let report = conformance::check(&spec, &upstream, &deviations).unwrap();
    assert!(report.unrecorded.is_empty(), "{}", report.render());
    // One stale line per vendored version the deviation covers (2.16 and
    // every later one, whatever versions exist), in the fragment's order.
    let since = spec.versions.position("2.16").unwrap();
    let mut covered: Vec<&str> = upstream
        .iter()
        .map(|u| u.version.as_str())
        .filter(|v| spec.versions.position(v).is_some_and(|p| p >= since))
        .collect();
    covered.sort_by_key(|v| spec.versions.position(v));
    assert!(covered.len() >= 2, "2.16 and Preview at least: {covered:?}");
    let expected: Vec<String> = covered
        .iter()
        .map(|v| {
            format!(
                "`request property `request.nothing`: fragment string, Intercom absent`: no such difference in {v}"
            )
        })
        .collect();
    assert_eq!(report.stale, expected, "{}", report.render());
}

#[test]
fn an_altered_or_missing_example_fails() {
    // The WhatsApp number as a string in the verbatim example is an alteration.
    let text = fragment_text().replacen("phone: 5547999998888", "phone: \"+5547999998888\"", 1);
    assert_ne!(text, fragment_text(), "the edit did not apply");
    let report = check(&text);
    assert!(
        report.examples.iter().any(|l| l
            == "2.16: example `request: admin_whatsapp_message_created` is altered in the fragment (`admin_whatsapp_message_created_2_16`)"),
        "{}",
        report.render()
    );
    // An example no longer claiming its published name is missing.
    let text = fragment_text().replacen(
        "x-intercom-upstream-name: \"Unauthorized\"",
        "x-intercom-upstream-name: \"Unauthorised\"",
        1,
    );
    let report = check(&text);
    assert!(
        report
            .examples
            .iter()
            .any(|l| l.starts_with("2.7: example `401: Unauthorized` is not in the fragment")),
        "{}",
        report.render()
    );
    assert!(
        report
            .examples
            .iter()
            .any(|l| l.contains("claims `401: Unauthorised`")),
        "{}",
        report.render()
    );
}

#[test]
fn an_altered_or_missing_search_example_fails() {
    // The search's examples are checked as the send's are, named by operation.
    let text = fragment_text().replacen("\"id\": \"48\"", "\"id\": \"49\"", 1);
    assert_ne!(text, fragment_text(), "the edit did not apply");
    let report = check(&text);
    assert!(
        report.examples.iter().any(|l| l
            == "2.7: searchConversations example `200: successful` is altered in the fragment (`successful_2_7`)"),
        "{}",
        report.render()
    );
    let text = fragment_text().replacen(
        "x-intercom-versions: {since: \"2.7\", until: \"Preview\"}",
        "x-intercom-versions: {since: \"2.8\", until: \"Preview\"}",
        1,
    );
    assert_ne!(text, fragment_text(), "the edit did not apply");
    let report = check(&text);
    assert!(
        report.examples.iter().any(|l| l.starts_with(
            "2.7: searchConversations example `request: successful` is not in the fragment"
        )),
        "{}",
        report.render()
    );
}

#[test]
fn the_readme_table_is_generated_from_the_deviations() {
    let spec = parse_spec(&fragment_text()).unwrap();
    let deviations = deviations(&spec);
    let table = conformance::render_table(&spec, &deviations);
    assert_eq!(table.lines().count(), deviations.len() + 2);
    let readme = "intro\n<!-- deviations:start -->\nold\n<!-- deviations:end -->\nafter\n";
    let fresh = conformance::with_table(readme, &table).unwrap();
    assert!(fresh.contains(&table) && !fresh.contains("old") && fresh.ends_with("after\n"));
    assert_eq!(conformance::with_table(&fresh, &table).unwrap(), fresh);
}

#[test]
fn a_constraint_the_descriptions_lack_fails_unless_recorded() {
    // A maximum length on the body: no description sets one.
    let text = fragment_text().replace(
        "        body:\n          description: The content of the message; HTML or plain text.\n          type: string\n",
        "        body:\n          description: The content of the message; HTML or plain text.\n          type: string\n          maxLength: 10\n",
    );
    assert_ne!(text, fragment_text(), "the edit did not apply");
    let report = check(&text);
    assert!(
        report.unrecorded.iter().any(|l| l.contains(
            "request constraint `request.body maxLength`: fragment [10], Intercom absent"
        )),
        "{}",
        report.render()
    );
    // And a recorded constraint is one the check sees: without its entry,
    // the closed objects are unrecorded differences.
    let spec = parse_spec(&fragment_text()).unwrap();
    let without: Vec<Deviation> = deviations(&spec)
        .into_iter()
        .filter(|d| !d.fact.contains(" closed`"))
        .collect();
    let report = conformance::check(&spec, &upstream(), &without).unwrap();
    assert!(
        report
            .unrecorded
            .iter()
            .any(|l| l.contains("request constraint `request closed`")),
        "{}",
        report.render()
    );
}
