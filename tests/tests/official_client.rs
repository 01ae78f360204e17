//! Intercom's official Node SDK (`intercom-client`, pinned in
//! `tools/intercom-client/package-lock.json`, installed by
//! `tools/install-test-deps`) against `MockIntercom`: every form its types
//! allow at every version it offers, its docstring examples, and Intercom's
//! recorded requests, refused ones included (`tools/intercom-client/drive.cjs`).
//!
//! Each verdict is judged by Intercom's published description of that version
//! (`openapi/upstream/`): its recorded answer where the request is one of its
//! examples, its request schema otherwise; by the fragment's evidence where
//! no description is published (1.0–2.6); or it is a recorded deviation. Every
//! answer must fit the SDK's declared types, every refusal be an error list
//! naming its field, and the undeclared properties the mock reports be the
//! ones the fragment does not declare at the version.

use std::collections::BTreeMap;
use std::process::Command;

use intercom_messages::Version;
use intercom_messages::api::version_table::{self as table, REQUEST_SCHEMAS};
use intercom_messages_mock::{MockIntercom, TEST_TOKEN};
use intercom_messages_tests::differential::upstream_schema;
use serde_json::{Value, json};
use xtask::conformance::{self, Deviation};
use xtask::workspace_root;

/// One request the SDK made, as `drive.cjs` prints it.
#[derive(Debug)]
struct Verdict {
    case: String,
    version: Version,
    body: Value,
    status: u16,
    answer: Value,
    misfits: Vec<String>,
}

/// Runs the SDK against `mock`; a missing `node` or SDK fails loudly.
fn drive(mock: &MockIntercom) -> Vec<Verdict> {
    let dir = workspace_root().join("tools/intercom-client");
    assert!(
        dir.join("node_modules/intercom-client/package.json")
            .exists(),
        "the official Node SDK is not installed: run tools/install-test-deps (needs node and npm)"
    );
    let recorded = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(recorded.path(), recorded_requests().to_string()).unwrap();
    let out = Command::new("node")
        .arg(dir.join("drive.cjs"))
        .arg(mock.uri())
        .arg(TEST_TOKEN)
        .arg(recorded.path())
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node (install Node.js 18+): {e}"));
    assert!(
        out.status.success(),
        "drive.cjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            Verdict {
                case: v["case"].as_str().unwrap().to_string(),
                version: v["version"].as_str().unwrap().parse().unwrap(),
                body: v["body"].clone(),
                status: u16::try_from(v["status"].as_u64().unwrap()).unwrap(),
                answer: v["answer"].clone(),
                misfits: serde_json::from_value(v["misfits"].clone()).unwrap(),
            }
        })
        .collect()
}

/// The request examples of each published description, by the version
/// name the SDK offers (`Unstable` for Preview), for the SDK to send
/// verbatim; versions the SDK does not offer (2.15, 2.16) are left out.
fn recorded_requests() -> Value {
    let root = workspace_root();
    let mut out = serde_json::Map::new();
    for u in conformance::load_upstream(&root.join(conformance::UPSTREAM_DIR)).unwrap() {
        let name = match u.version.as_str() {
            "Preview" => "Unstable".to_string(),
            "2.15" | "2.16" => continue,
            v => v.to_string(),
        };
        let examples = u.doc["paths"]["/messages"]["post"]
            .pointer("/requestBody/content/application~1json/examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, e)| (k.clone(), e["value"].clone()))
            .collect();
        out.insert(name, Value::Object(examples));
    }
    Value::Object(out)
}

/// A published description: its request schema, and its recorded outcomes
/// (request example to status and first error) by example name.
struct Published {
    validator: jsonschema::Validator,
    recorded: Vec<(Value, u16, Value)>,
}

fn published() -> BTreeMap<Version, Published> {
    let root = workspace_root();
    conformance::load_upstream(&root.join(conformance::UPSTREAM_DIR))
        .unwrap()
        .into_iter()
        .map(|u| {
            let version: Version = u.version.parse().unwrap();
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft7)
                .should_validate_formats(false)
                .build(&upstream_schema(&u.doc))
                .unwrap();
            (
                version,
                Published {
                    validator,
                    recorded: recorded(&u.doc),
                },
            )
        })
        .collect()
}

/// Each recorded request with the status and body of the answer recorded
/// under the same name ("no_body_supplied_for_message" is answered by
/// "No body supplied for message").
fn recorded(doc: &Value) -> Vec<(Value, u16, Value)> {
    let op = &doc["paths"]["/messages"]["post"];
    let requests = op
        .pointer("/requestBody/content/application~1json/examples")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for (status, response) in op["responses"].as_object().into_iter().flatten() {
        let examples = response.pointer("/content/application~1json/examples");
        for (name, example) in examples.and_then(Value::as_object).into_iter().flatten() {
            let key = name.to_lowercase().replace(' ', "_");
            if let (Some(request), Ok(status)) = (requests.get(&key), status.parse()) {
                out.push((request["value"].clone(), status, example["value"].clone()));
            }
        }
    }
    out
}

/// What the fragment says of `body` at `version`, with the properties it
/// does not declare there taken out (the mock accepts and reports them):
/// whether it is valid, and those properties.
fn fragment_verdict(body: &Value, version: Version) -> (bool, Vec<String>) {
    let undeclared: Vec<String> = table::ADMIN_MESSAGE_REQUEST_PROPERTIES
        .iter()
        .filter(|(name, row)| body.get(*name).is_some() && !version.has(*row))
        .map(|(name, _)| format!("/{name}"))
        .collect();
    let mut stripped = body.clone();
    for name in &undeclared {
        stripped.as_object_mut().map(|o| o.remove(&name[1..]));
    }
    let schema: Value = serde_json::from_str(REQUEST_SCHEMAS[version.position()]).unwrap();
    let valid = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(false)
        .build(&schema)
        .unwrap()
        .is_valid(&stripped);
    (valid, undeclared)
}

/// The recorded deviations that explain why the mock parts from a
/// published description on `body`: one for each way the body differs.
fn deviations_for(body: &Value) -> Vec<&'static str> {
    let mut out = Vec::new();
    if matches!(
        body["from"]["type"].as_str(),
        Some("user" | "lead" | "contact")
    ) {
        out.push("required `(UserMessageRequest, no message_type)`");
    }
    if body["message_type"] == "inapp" {
        out.push("request enum `request.message_type`");
    }
    if body["from"]["id"].is_string() && body["from"]["type"] == "admin" {
        out.push("request property `request.from.id`");
    }
    out
}

fn deviations() -> Vec<Deviation> {
    let root = workspace_root();
    let spec = xtask::load_spec(&root.join(xtask::SPEC)).unwrap();
    let text = std::fs::read_to_string(root.join(conformance::DEVIATIONS)).unwrap();
    conformance::parse_deviations(&spec, &text).unwrap()
}

/// The shape of an id Intercom's schema describes (`format: uuid`).
fn uuid_shaped(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// What is wrong with one verdict, if anything.
fn judge(
    v: &Verdict,
    published: &BTreeMap<Version, Published>,
    deviations: &[Deviation],
    reported: Option<&Vec<String>>,
) -> Option<String> {
    if !v.misfits.is_empty() {
        return Some(format!(
            "the SDK's types cannot hold the answer: {:?}",
            v.misfits
        ));
    }
    let (valid, undeclared) = fragment_verdict(&v.body, v.version);
    if let Some(reported) = reported
        && *reported != undeclared
    {
        return Some(format!(
            "reported undeclared {reported:?}, the fragment leaves out {undeclared:?}"
        ));
    }
    if let Some(wrong) = refusal_shape(v) {
        return Some(wrong);
    }
    let Some(p) = published.get(&v.version) else {
        // 1.0–2.6: the fragment's evidence.
        return (valid != (v.status == 200)).then(|| format!("the fragment says valid={valid}"));
    };
    if let Some((_, status, answer)) = p.recorded.iter().find(|(r, _, _)| *r == v.body) {
        return by_record(v, *status, answer);
    }
    let upstream = p.validator.is_valid(&v.body);
    if upstream == (v.status == 200) {
        return None;
    }
    let facts = deviations_for(&v.body);
    let recorded = |fact: &str| {
        deviations
            .iter()
            .any(|d| d.fact.starts_with(fact) && d.range.contains(v.version.position()))
    };
    if !facts.is_empty() && facts.iter().all(|f| recorded(f)) {
        return None;
    }
    Some(format!(
        "Intercom's {} schema says valid={upstream}; deviations {facts:?}",
        v.version
    ))
}

/// What is wrong with a refusal's shape: serde's words, a request id not
/// shaped as Intercom's, a 400 or 422 naming no field.
fn refusal_shape(v: &Verdict) -> Option<String> {
    if v.status == 200 {
        return None;
    }
    let text = v.answer.to_string();
    if text.contains("untagged enum") || text.contains("did not match any variant") {
        return Some(format!("serde's words reach the user: {text}"));
    }
    if !v.answer["request_id"].as_str().is_some_and(uuid_shaped) {
        return Some(format!("request_id is not uuid-shaped: {text}"));
    }
    let field = v.answer["errors"][0]["field"].as_str();
    (matches!(v.status, 400 | 422) && field.is_none_or(str::is_empty))
        .then(|| format!("the refusal names no field: {text}"))
}

/// A verdict on one of Intercom's recorded requests, held to its recorded
/// answer: the status, and a refusal's code and message.
fn by_record(v: &Verdict, status: u16, answer: &Value) -> Option<String> {
    if status == 200 && body_is_conversation(&v.body) {
        // Decided: refused, naming message_type (openapi/README.md,
        // "Intercom's `admin_message_created` request").
        let field = &v.answer["errors"][0]["field"];
        return (v.status != 400 || field != "message_type")
            .then(|| format!("the decision is a 400 naming message_type, not {field}"));
    }
    let ours = &v.answer["errors"][0];
    let theirs = &answer["errors"][0];
    let same = v.status == status
        && (status == 200
            || (ours["code"] == theirs["code"] && ours["message"] == theirs["message"]));
    (!same).then(|| format!("Intercom records {status} {theirs}"))
}

/// How many verdicts were held to a recorded answer.
fn judged_by_record(verdicts: &[Verdict], published: &BTreeMap<Version, Published>) -> usize {
    verdicts
        .iter()
        .filter(|v| {
            published
                .get(&v.version)
                .is_some_and(|p| p.recorded.iter().any(|(r, _, _)| *r == v.body))
        })
        .count()
}

fn body_is_conversation(body: &Value) -> bool {
    body["message_type"] == "conversation"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_node_sdk_sees_intercom() {
    let mock = MockIntercom::start().await;
    let verdicts = tokio::task::block_in_place(|| drive(&mock));
    let received = mock.received();
    let reported: BTreeMap<String, Vec<String>> = received
        .iter()
        .filter_map(|r| Some((r.id.clone()?, r.undeclared.clone())))
        .collect();
    let published = published();
    let deviations = deviations();
    let mut wrong = Vec::new();
    for v in &verdicts {
        let id = v.answer["id"].as_str().unwrap_or("");
        let reported = (v.status == 200).then(|| reported.get(id)).flatten();
        if let Some(why) = judge(v, &published, &deviations, reported) {
            wrong.push(format!(
                "{} at {} → {} {}: {why}",
                v.case, v.version, v.status, v.answer
            ));
        }
    }
    // The versions the pinned SDK offers (1.0 to 2.14 and Unstable: a fact of
    // the SDK, not of the fragment); the recorded requests of every vendored
    // description are sent at their own versions besides.
    let offered = verdicts
        .iter()
        .filter(|v| !v.case.starts_with("recorded request "))
        .map(|v| v.version)
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(offered.len(), 21, "1.0 to 2.14 and Unstable");
    assert!(verdicts.len() > 1000, "{} requests", verdicts.len());
    let created = verdicts.iter().filter(|v| v.status == 200).count();
    let by_record = judged_by_record(&verdicts, &published);
    println!(
        "{} requests, {created} created, {by_record} judged by Intercom's recorded answer, {} wrong",
        verdicts.len(),
        wrong.len()
    );
    // Every recorded request of 2.7-2.14 and Preview (six to nine each),
    // and the SDK's docstrings that repeat them.
    assert!(
        by_record >= 57,
        "{by_record} verdicts judged by a recorded answer"
    );
    assert!(
        wrong.is_empty(),
        "{} of {} verdicts part from Intercom:\n{}",
        wrong.len(),
        verdicts.len(),
        wrong.join("\n")
    );
    // The SMS with a link is refused as Intercom's recorded example is.
    let sms = json!("heyy https://picsum.photos/200/300");
    assert!(
        verdicts
            .iter()
            .any(|v| v.body["body"] == sms && v.version == Version::PREVIEW && v.status == 400)
    );
}

/// Intercom's recorded 401 (a wrong token) is reproduced word for word, in
/// every published version: the code and message of its error list.
#[tokio::test]
async fn the_recorded_unauthorized_answer_is_reproduced() {
    let mock = MockIntercom::start().await;
    let root = workspace_root();
    let mut checked = 0;
    for u in conformance::load_upstream(&root.join(conformance::UPSTREAM_DIR)).unwrap() {
        let examples = u.doc["paths"]["/messages"]["post"]["responses"]["401"]
            .pointer("/content/application~1json/examples")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for example in examples.values() {
            let r = reqwest::Client::new()
                .post(format!("{}/messages", mock.uri()))
                .bearer_auth("not-the-token")
                .header("Intercom-Version", &u.version)
                .json(&json!({"message_type": "inapp", "body": "Hi",
                    "from": {"type": "admin", "id": 1}, "to": {"type": "user", "id": "u"}}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 401, "{}", u.version);
            let answer: Value = r.json().await.unwrap();
            let (ours, theirs) = (&answer["errors"][0], &example["value"]["errors"][0]);
            assert_eq!(ours["code"], theirs["code"], "{}", u.version);
            assert_eq!(ours["message"], theirs["message"], "{}", u.version);
            assert!(uuid_shaped(answer["request_id"].as_str().unwrap()));
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked} recorded 401s");
    assert!(mock.received().is_empty());
}
