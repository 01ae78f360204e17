//! The differential check of the request contract (see
//! `intercom_messages_tests::differential`): for every vendored version, in
//! both directions, every body one side accepts and the other refuses is
//! named by a recorded deviation of that version (or, for a refusal by the
//! facade's rules, by a refusal Intercom itself recorded). Prints how many
//! bodies each version and direction ran.

use intercom_messages::api::types::CreateMessageRequest;
use intercom_messages::api::version_table::{REQUEST_SCHEMAS, SEARCH_CONVERSATIONS_SCHEMAS};
use intercom_messages::{Message, Rule, Version};
use intercom_messages_tests::differential::{
    Change, Probe, Sampler, probes, upstream_schema, upstream_schema_of,
};
use serde_json::{Value, json};
use xtask::conformance::{self, Deviation};
use xtask::workspace_root;

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(false)
        .build(schema)
        .unwrap_or_else(|e| panic!("not a valid schema: {e}"))
}

/// Rules whose refusal Intercom itself recorded, with the record.
const RECORDED_REFUSALS: &[(Rule, &str)] = &[
    (
        Rule::BodyEmpty,
        "the recorded 400 no_body_supplied_for_message",
    ),
    (
        Rule::SubjectMissing,
        "the recorded 422 no_subject_supplied_for_email_message",
    ),
];

/// The bodies both sides should accept at a version, to change one place at a time.
fn bases(upstream: &Value) -> Vec<Value> {
    let from = json!({"type": "admin", "id": 394051});
    let to = json!({"type": "user", "id": "536e564f316c83104c000020"});
    let mut out = vec![
        json!({"message_type": "in_app", "body": "Hello", "from": from, "to": to}),
        json!({"message_type": "email", "subject": "Hi", "body": "Hello", "template": "plain", "from": from, "to": to}),
    ];
    let kinds = upstream
        .pointer("/paths/~1messages/post/requestBody/content/application~1json/schema")
        .map(|s| s.to_string())
        .unwrap_or_default()
        + &upstream
            .pointer("/components/schemas/create_message_request")
            .map(|s| s.to_string())
            .unwrap_or_default();
    if kinds.contains("\"whatsapp\"") {
        out.push(json!({
            "message_type": "whatsapp", "template": "keep_live",
            "components": [{"type": "BODY", "parameters": [{"type": "text", "text": "Ada"}]}],
            "from": from, "to": to
        }));
    }
    if kinds.contains("\"sms\"") {
        out.push(
            json!({"message_type": "sms", "body": "Your code is 1234", "from": from, "to": to}),
        );
    }
    out
}

/// Why the facade's rules refuse `body` at `version`, if they do.
fn rules_refusal(body: &Value, version: Version) -> Option<Result<Rule, String>> {
    let request: CreateMessageRequest = match serde_json::from_value(body.clone()) {
        Ok(r) => r,
        Err(e) => return Some(Err(format!("the generated types do not decode it: {e}"))),
    };
    let message = match Message::try_from(request) {
        Ok(m) => m,
        Err(e) => return Some(Ok(e.rule())),
    };
    message.validate(version).err().map(|e| Ok(e.rule()))
}

struct Run {
    bodies: usize,
    unexplained: Vec<String>,
}

/// A side's schema as a checker: the whole schema, and for a `oneOf` of
/// named members each member alone, so that a refusal is reported by the
/// member the body is closest to (a `oneOf` failure says nothing more).
struct Checker {
    whole: jsonschema::Validator,
    members: Vec<jsonschema::Validator>,
    /// Whether a union's refusal is reported by the errors of the member the
    /// body came closest to, at any depth (the search's `query`), rather
    /// than as the union's own.
    descend: bool,
}

impl Checker {
    fn new(schema: &Value) -> Self {
        let members = schema
            .pointer("/definitions/CreateMessageRequest/oneOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("$ref"))
            .map(|r| {
                let mut one = schema.clone();
                one["$ref"] = r.clone();
                validator(&one)
            })
            .collect();
        Checker {
            whole: validator(schema),
            members,
            descend: false,
        }
    }

    /// A checker that reports a union's refusal by its closest member.
    fn descending(schema: &Value) -> Self {
        Checker {
            descend: true,
            ..Checker::new(schema)
        }
    }

    fn accepts(&self, body: &Value) -> bool {
        self.whole.is_valid(body)
    }

    /// Why it refuses `body`: `(place, kind, text)` per error, `place` as
    /// conformance writes it (`request.to[].id`).
    fn refusal(&self, body: &Value) -> Vec<(String, String, String)> {
        let descend = self.descend;
        let errors = |v: &jsonschema::Validator| -> Vec<(String, String, String)> {
            let mut out = Vec::new();
            for e in v.iter_errors(body) {
                described(&e, descend, &mut out);
            }
            out
        };
        if self.members.is_empty() || body.is_null() {
            return errors(&self.whole);
        }
        self.members
            .iter()
            .map(errors)
            .min_by_key(Vec::len)
            .unwrap_or_default()
    }
}

/// An error as `(place, kind, text)`, `place` as conformance writes it;
/// with `descend`, a union's refusal is replaced by the errors of the
/// member with the fewest.
fn described(
    e: &jsonschema::ValidationError<'_>,
    descend: bool,
    out: &mut Vec<(String, String, String)>,
) {
    use jsonschema::error::ValidationErrorKind as K;
    if descend
        && let K::OneOfNotValid { context } | K::AnyOf { context } = e.kind()
        && let Some(closest) = context
            .iter()
            .filter(|c| !c.is_empty())
            .min_by_key(|c| c.len())
    {
        for inner in closest {
            described(inner, descend, out);
        }
        return;
    }
    let text = e.to_string();
    let mut place = String::from("request");
    for seg in e
        .instance_path()
        .to_string()
        .split('/')
        .filter(|s| !s.is_empty())
    {
        if seg.parse::<usize>().is_ok() {
            place.push_str("[]");
        } else {
            place.push('.');
            place.push_str(seg);
        }
    }
    out.push((place, kind(&text).to_string(), text));
}

/// The kind of constraint an error message is about.
fn kind(text: &str) -> &'static str {
    [
        ("is a required property", "required"),
        ("Additional properties are not allowed", "closed"),
        ("is not one of", "enum"),
        ("is shorter than", "minLength"),
        ("has less than", "minItems"),
        ("is less than the minimum", "minimum"),
        ("does not match", "pattern"),
        ("under any of the schemas", "union"),
        ("under more than one", "union"),
        ("null is not of type", "nullable"),
        ("is not of type", "type"),
    ]
    .iter()
    .find(|(needle, _)| text.contains(needle))
    .map_or("other", |(_, k)| k)
}

/// Whether a recorded fact names this error: its kind, at its place.
/// `body` is the body refused (a missing property of a nested object is
/// named by the property the body has there instead).
fn explains(fact: &str, place: &str, kind: &str, text: &str, body: &Value) -> bool {
    let named = |prefix: &str, constraint: Option<&str>, at: &str| {
        fact.starts_with(prefix)
            && fact.split('`').nth(1).is_some_and(|p| {
                let mut words = p.split(' ');
                let fp = words.next().unwrap_or("");
                constraint.is_none_or(|c| words.next() == Some(c)) && conformance::matches(fp, at)
            })
    };
    match kind {
        // A nested object named by another key than the one the other side
        // requires (a recipient by `user_id` where Intercom requires `id`).
        "required" if place != "request" => {
            let pointer: String = place
                .trim_start_matches("request")
                .replace("[]", ".0")
                .replace('.', "/");
            let keys = body.pointer(&pointer).and_then(Value::as_object);
            let by_key = |k: &String| named("request property", None, &format!("{place}.{k}"));
            named("request constraint", Some("required"), place)
                || keys.is_some_and(|o| o.keys().any(by_key))
        }
        "required" => names_the_required_property(fact, text),
        "closed" => {
            // The unexpected property is declared by one side only, or the
            // object is closed on purpose.
            let unexpected = text.split('\'').nth(1).unwrap_or("");
            named("request property", None, &format!("{place}.{unexpected}"))
                || named("request constraint", Some("closed"), place)
        }
        // The sender types are split between two kinds of message: a user,
        // lead or visitor writes a user message, which has no `to`.
        "enum" if place == "request.from.type" => {
            named("request enum", None, place) || fact.starts_with("required `(UserMessageRequest")
        }
        "enum" => named("request enum", None, place),
        "type" => named("request property", None, place),
        "nullable" => {
            named("request constraint", Some("nullable"), place)
                || named("request property", None, place)
        }
        "union" => {
            named("request constraint", Some("union"), place)
                || named("request property", None, place)
        }
        constraint => named("request constraint", Some(constraint), place),
    }
}

/// Whether a `required` fact names the property `text` says is missing:
/// required on one side only, or in its one list.
fn names_the_required_property(fact: &str, text: &str) -> bool {
    let Some(name) = text.split('"').nth(1) else {
        return false;
    };
    fact.starts_with("required") && {
        let lists: Vec<Vec<&str>> = fact
            .split('[')
            .skip(1)
            .map(|l| l.split(']').next().unwrap_or("").split(", ").collect())
            .collect();
        match lists.as_slice() {
            [ours, theirs] => ours.contains(&name) != theirs.contains(&name),
            [one] => one.contains(&name),
            _ => false,
        }
    }
}

fn differences(
    source: &Sampler<'_>,
    source_check: &Checker,
    target_check: &Checker,
    bases: &[Value],
    facts: &[&str],
    rules_at: Option<Version>,
) -> Run {
    let mut run = Run {
        bodies: 0,
        unexplained: Vec::new(),
    };
    let mut seen = std::collections::BTreeSet::new();
    for base in bases {
        for Probe { path, change, body } in probes(source, base) {
            if !source_check.accepts(&body) || !seen.insert(body.to_string()) {
                continue;
            }
            run.bodies += 1;
            let recorded = rules_at.is_some_and(|v| {
                matches!(rules_refusal(&body, v), Some(Ok(rule)) if RECORDED_REFUSALS.iter().any(|(r, _)| *r == rule))
            });
            if recorded {
                continue; // Intercom refuses it too, in a recorded answer.
            }
            let mut why: Vec<String> = Vec::new();
            if !target_check.accepts(&body) {
                for (place, kind, text) in target_check.refusal(&body) {
                    if !facts
                        .iter()
                        .any(|f| explains(f, &place, &kind, &text, &body))
                    {
                        why.push(format!("{place} ({kind}): {text}"));
                    }
                }
            } else if let Some(version) = rules_at {
                match rules_refusal(&body, version) {
                    None => {}
                    Some(Ok(rule)) => why.push(format!("the facade's rule `{}`", rule.id())),
                    Some(Err(e)) => why.push(e),
                }
            }
            if !why.is_empty() {
                let shown: String = body.to_string().chars().take(300).collect();
                run.unexplained.push(format!(
                    "{path} ({change:?}): {shown}\n      refused: {}",
                    why.join("; ")
                ));
            }
        }
    }
    run
}

/// The whole check, with these deviations; one line per version and direction.
fn check(deviations: &[Deviation]) -> (Vec<String>, Vec<String>) {
    let root = workspace_root();
    let spec = xtask::load_spec(&root.join(xtask::SPEC)).unwrap();
    let mut report = Vec::new();
    let mut unexplained = Vec::new();
    for upstream in conformance::load_upstream(&root.join(conformance::UPSTREAM_DIR)).unwrap() {
        let position = spec.versions.position(&upstream.version).unwrap();
        let version = Version::ALL[position];
        let ours: Value = serde_json::from_str(REQUEST_SCHEMAS[position]).unwrap();
        let theirs = upstream_schema(&upstream.doc);
        let (ours_check, theirs_check) = (Checker::new(&ours), Checker::new(&theirs));
        let facts: Vec<&str> = deviations
            .iter()
            .filter(|d| d.range.contains(position))
            .map(|d| d.fact.as_str())
            .collect();
        let bases: Vec<Value> = bases(&upstream.doc)
            .into_iter()
            .filter(|b| ours_check.accepts(b) && theirs_check.accepts(b))
            .collect();
        assert!(
            bases.len() >= 2,
            "{}: the bases are not accepted by both",
            upstream.version
        );
        let to_ours = differences(
            &Sampler::new(&theirs),
            &theirs_check,
            &ours_check,
            &bases,
            &facts,
            Some(version),
        );
        let to_theirs = differences(
            &Sampler::new(&ours),
            &ours_check,
            &theirs_check,
            &bases,
            &facts,
            None,
        );
        record(
            &upstream.version,
            to_ours,
            to_theirs,
            &mut report,
            &mut unexplained,
        );
    }
    (report, unexplained)
}

/// One version's line of the report, and its unexplained refusals named by
/// direction; each direction probed with enough bodies.
fn record(
    version: &str,
    to_ours: Run,
    to_theirs: Run,
    report: &mut Vec<String>,
    unexplained: &mut Vec<String>,
) {
    report.push(format!(
        "{version}: {} bodies from Intercom's schema, {} from the fragment's; {} and {} unexplained",
        to_ours.bodies,
        to_theirs.bodies,
        to_ours.unexplained.len(),
        to_theirs.unexplained.len()
    ));
    assert!(
        to_ours.bodies >= 20 && to_theirs.bodies >= 20,
        "{}",
        report.last().unwrap()
    );
    for u in to_ours.unexplained {
        unexplained.push(format!(
            "{version} Intercom accepts, the fragment refuses: {u}"
        ));
    }
    for u in to_theirs.unexplained {
        unexplained.push(format!(
            "{version} the fragment accepts, Intercom refuses: {u}"
        ));
    }
}

/// The search's bodies both sides should accept: the one the facade sends,
/// and the published example's.
fn search_bases() -> Vec<Value> {
    vec![
        json!({"query": {"field": "source.id", "operator": "=", "value": "19"}}),
        json!({"query": {"operator": "AND", "value": [
            {"field": "created_at", "operator": ">", "value": "1306054154"}
        ]}, "pagination": {"per_page": 5}}),
    ]
}

/// The same check for the search's request (`searchConversations`), with
/// the deviations recorded for it; one line per version.
fn check_search(deviations: &[Deviation]) -> (Vec<String>, Vec<String>) {
    let root = workspace_root();
    let spec = xtask::load_spec(&root.join(xtask::SPEC)).unwrap();
    let (mut report, mut unexplained) = (Vec::new(), Vec::new());
    for upstream in conformance::load_upstream(&root.join(conformance::UPSTREAM_DIR)).unwrap() {
        let position = spec.versions.position(&upstream.version).unwrap();
        let ours: Value =
            serde_json::from_str(SEARCH_CONVERSATIONS_SCHEMAS[position].unwrap()).unwrap();
        let theirs = upstream_schema_of(&upstream.doc, "/paths/~1conversations~1search/post");
        let (ours_check, theirs_check) = (Checker::descending(&ours), Checker::descending(&theirs));
        let facts: Vec<&str> = deviations
            .iter()
            .filter(|d| d.range.contains(position))
            .filter_map(|d| d.fact.strip_prefix("searchConversations: "))
            .collect();
        let bases = search_bases();
        assert!(
            bases
                .iter()
                .all(|b| ours_check.accepts(b) && theirs_check.accepts(b))
        );
        let runs = [
            (
                Sampler::new(&theirs),
                &theirs_check,
                &ours_check,
                "Intercom accepts, the fragment refuses",
            ),
            (
                Sampler::new(&ours),
                &ours_check,
                &theirs_check,
                "the fragment accepts, Intercom refuses",
            ),
        ];
        let mut counts = Vec::new();
        for (source, from, to, what) in runs {
            let run = differences(&source, from, to, &bases, &facts, None);
            counts.push(run.bodies);
            let v = &upstream.version;
            unexplained.extend(
                run.unexplained
                    .into_iter()
                    .map(|u| format!("{v} search: {what}: {u}")),
            );
        }
        report.push(format!(
            "{} search: {} bodies from Intercom's schema, {} from the fragment's",
            upstream.version, counts[0], counts[1]
        ));
        assert!(
            counts.iter().all(|&n| n >= 10),
            "{}",
            report.last().unwrap()
        );
    }
    (report, unexplained)
}

#[test]
fn every_difference_between_the_search_schemas_is_a_recorded_deviation() {
    let (report, unexplained) = check_search(&deviations());
    eprintln!("{}", report.join("\n"));
    assert!(
        unexplained.is_empty(),
        "{} unexplained differences:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
    // Without the search's deviations, its differences are unexplained.
    let without: Vec<Deviation> = deviations()
        .into_iter()
        .filter(|d| !d.fact.starts_with("searchConversations: request"))
        .collect();
    assert!(!check_search(&without).1.is_empty());
}

fn deviations() -> Vec<Deviation> {
    let root = workspace_root();
    let spec = xtask::load_spec(&root.join(xtask::SPEC)).unwrap();
    let text = std::fs::read_to_string(root.join(conformance::DEVIATIONS)).unwrap();
    conformance::parse_deviations(&spec, &text).unwrap()
}

#[test]
fn every_difference_between_the_schemas_is_a_recorded_deviation() {
    let (report, unexplained) = check(&deviations());
    eprintln!("{}", report.join("\n"));
    assert!(
        unexplained.is_empty(),
        "{} unexplained differences:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
}

#[test]
fn removing_a_deviation_makes_its_differences_unexplained() {
    let without: Vec<Deviation> = deviations()
        .into_iter()
        .filter(|d| !d.fact.contains("minLength"))
        .collect();
    let (_, unexplained) = check(&without);
    assert!(
        unexplained.iter().any(|u| u.contains("(EmptyString)")),
        "removing the minLength deviation explained nothing less: {unexplained:?}"
    );
}

#[test]
fn a_probe_of_each_kind_is_made() {
    let schema = json!({
        "type": "object", "required": ["a"],
        "properties": {"a": {"type": "string"}, "n": {"type": "integer"}, "l": {"type": "array", "items": {"type": "string"}}}
    });
    let probes = probes(&Sampler::new(&schema), &json!({"a": "x"}));
    for change in [
        Change::Base,
        Change::EmptyString,
        Change::Negative,
        Change::EmptyList,
        Change::Null,
        Change::Shape,
        Change::Omitted,
    ] {
        assert!(probes.iter().any(|p| p.change == change), "{change:?}");
    }
}

/// Which recorded deviations the differential leans on: without each,
/// some generated body is unexplained. (Deviations about responses,
/// statuses or versions cannot be; others are reached only through a union
/// refusal, which `request* union` names.)
#[test]
fn the_differential_leans_on_the_request_deviations() {
    let all = deviations();
    let mut bearing = Vec::new();
    for i in 0..all.len() {
        let without: Vec<Deviation> = all
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, d)| d.clone())
            .collect();
        let (_, unexplained) = check(&without);
        if !unexplained.is_empty() {
            bearing.push(format!("{} ({} bodies)", all[i].fact, unexplained.len()));
        }
    }
    eprintln!(
        "{} of {} deviations are load-bearing:\n{}",
        bearing.len(),
        all.len(),
        bearing.join("\n")
    );
    assert!(bearing.len() >= 6, "{bearing:?}");
}
