//! Every named example of `openapi/messages.yaml` (every operation), decoded into the generated
//! types and checked against the contract in each version it is tagged with.
//!
//! Adding an example to the fragment adds a case here with no code change. An
//! example without `x-intercom-flaw` must decode, round-trip, and fit the closed
//! contract in every tagged version; a flawed one gets a recorded verdict.
//!
//! Round-trip normalisations (the only differences tolerated between the
//! documented JSON and the re-encoded one): see [`NORMALISATIONS`].

use intercom_messages_api::types;
use intercom_messages_tests::{
    Strictness, examples, request_schema, response_schema, versions, violations,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// What the round trip may change, and why it does not matter on the wire.
const NORMALISATIONS: &[&str] = &[
    "key order: documented and re-encoded JSON are compared as JSON values",
    "null members: an optional field documented as null is omitted when re-encoded (the contract reads null and absent alike)",
];

/// Applies [`NORMALISATIONS`]: drops null members of objects, recursively.
fn normalise(value: &Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), normalise(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(normalise).collect()),
        v => v.clone(),
    }
}

/// Decodes `value` as `T`; on success re-encodes it.
fn decode<T: DeserializeOwned + Serialize + std::fmt::Debug>(
    value: &Value,
) -> Result<(String, Value), String> {
    let typed: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    let encoded = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    Ok((format!("{typed:#?}"), encoded))
}

/// Debug output as lines, so that the snapshot shows it as a readable block.
/// Fields that are `None` are left out: the example does not set them, and
/// an optional field the contract gains would otherwise add a line to every
/// snapshot of its type (what is set shows, and `re-encoded` shows the wire).
fn lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.trim_end().ends_with(": None,"))
        .collect()
}

/// The union's error only says that no member matched; say why each one did not.
fn request_member_errors(value: &Value) -> Value {
    json!({
        "AdminMessageRequest": decode::<types::AdminMessageRequest>(value).err(),
        "UserMessageRequest": decode::<types::UserMessageRequest>(value).err(),
    })
}

/// The contract verdict for each tagged version, consecutive equal verdicts grouped.
fn contract_verdicts(root: &str, first: usize, last: usize, value: &Value) -> (Vec<Value>, bool) {
    let all = versions();
    let mut groups: Vec<(usize, usize, Value)> = Vec::new();
    let mut all_fit = true;
    for v in first..=last {
        let open = violations(root, v, Strictness::AsWritten, value);
        let closed = violations(root, v, Strictness::Closed, value);
        let verdict = if !open.is_empty() {
            all_fit = false;
            if root == xtask::project::REQUEST_ROOT {
                // The union's own error only says no member matched; say why for each.
                let member = |m| violations(m, v, Strictness::AsWritten, value);
                json!({"rejected": open, "why, per union member": {
                    "AdminMessageRequest": member("AdminMessageRequest"),
                    "UserMessageRequest": member("UserMessageRequest"),
                }})
            } else {
                json!({"rejected": open})
            }
        } else if !closed.is_empty() {
            all_fit = false;
            json!({"accepted leniently, undeclared in this version": closed})
        } else {
            json!("fits")
        };
        match groups.last_mut() {
            Some((_, end, prev)) if *prev == verdict => *end = v,
            _ => groups.push((v, v, verdict)),
        }
    }
    let rows = groups
        .into_iter()
        .map(|(a, b, verdict)| {
            let range = if a == b {
                all[a].to_string()
            } else {
                format!("{}–{}", all[a], all[b])
            };
            json!({ "versions": range, "verdict": verdict })
        })
        .collect();
    (rows, all_fit)
}

/// Decodes `value` as the generated type of the component schema `root`.
fn decode_as(root: &str, value: &Value) -> Result<(String, Value), String> {
    match root {
        r if r == xtask::project::REQUEST_ROOT => decode::<types::CreateMessageRequest>(value),
        "SearchConversationsRequest" => decode::<types::SearchConversationsRequest>(value),
        "Message" => decode::<types::Message>(value),
        "ConversationList" => decode::<types::ConversationList>(value),
        _ => decode::<types::ErrorList>(value),
    }
}

/// The first operation's snapshots keep their names; another's are
/// prefixed with its operationId.
fn snapshot_name(ex: &intercom_messages_tests::Example) -> String {
    match ex.operation.as_str() {
        "createMessage" => format!("{}__{}", ex.place, ex.name),
        op => format!("{op}__{}__{}", ex.place, ex.name),
    }
}

/// What decoding an example gave: the typed value, its re-encoding and
/// whether it round-trips, or the error (per union member for a request).
fn decoding_record(decoded: &Result<(String, Value), String>, root: &str, value: &Value) -> Value {
    match decoded {
        Ok((typed, encoded)) => {
            let round_trip = if normalise(encoded) == normalise(value) {
                json!({"equal after normalisation": NORMALISATIONS})
            } else {
                json!({"differs": {"documented": value, "re-encoded": encoded}})
            };
            json!({
                "verdict": "accepted",
                "typed": lines(typed),
                "re-encoded": encoded,
                "round trip": round_trip,
            })
        }
        Err(e) => {
            let mut v = json!({"verdict": "rejected", "error": e});
            if root == xtask::project::REQUEST_ROOT {
                v["why, per union member"] = request_member_errors(value);
            }
            v
        }
    }
}

#[test]
fn every_documented_example_has_a_snapshot_and_a_verdict() {
    let all = versions();
    let examples = examples();
    let mut problems = Vec::new();
    for ex in &examples {
        let request_root = request_schema(&ex.operation);
        let root = match ex.place.as_str() {
            "request" => &request_root,
            status => response_schema(&ex.operation, status),
        };
        let decoded = decode_as(root, &ex.value);
        let (contract, fits) = contract_verdicts(root, ex.range.first, ex.range.last, &ex.value);
        let decoding = decoding_record(&decoded, root, &ex.value);
        let round_trips =
            matches!(&decoded, Ok((_, encoded)) if normalise(encoded) == normalise(&ex.value));
        if ex.flaw.is_none() && !(round_trips && fits) {
            problems.push(format!(
                "{} {}: documented as sound but decodes={} round-trips={round_trips} fits={fits}",
                ex.place,
                ex.name,
                decoded.is_ok()
            ));
        }
        let record = json!({
            "example": ex.name,
            "place": if ex.place == "request" { "request".to_string() } else { format!("response {}", ex.place) },
            "documented for": format!("{}–{}", all[ex.range.first], all[ex.range.last]),
            "source": ex.source,
            "known flaw": ex.flaw,
            "generated type": root,
            "documented": ex.value,
            "decoding": decoding,
            "contract, per tagged version": contract,
        });
        let name = snapshot_name(ex);
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_yaml_snapshot!(name, record);
        });
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_flawed_examples_get_the_verdicts_openapi_readme_gives() {
    let find = |place: &str, name: &str| {
        examples()
            .into_iter()
            .find(|e| e.place == place && e.name == name)
            .unwrap_or_else(|| panic!("example {place} {name} missing"))
    };
    let req = |name: &str| decode::<types::CreateMessageRequest>(&find("request", name).value);
    // `from.id` a string of digits in 2.7+: accepted (`AdminId::Digits`).
    assert!(req("user_message_created_2_14").is_ok());
    // `to` by `user_id` in 2.7+: accepted (`ContactByUserId`).
    assert!(req("no_subject_supplied_for_email_message_2_14").is_ok());
    let err = req("admin_message_created_2_14").unwrap_err();
    assert!(err.contains("did not match any variant"), "{err}");
    let why = request_member_errors(&find("request", "admin_message_created_2_14").value);
    assert!(
        why["AdminMessageRequest"]
            .as_str()
            .unwrap()
            .contains("unknown variant `conversation`"),
        "{why}"
    );
    let why = request_member_errors(&find("request", "no_body_supplied_for_message_2_14").value);
    assert!(
        why["AdminMessageRequest"]
            .as_str()
            .unwrap()
            .contains("invalid type: null"),
        "{why}"
    );
    assert!(decode::<types::Message>(&find("200", "admin_email_1x_2_6").value).is_ok());
    // The published WhatsApp number, read as YAML reads it, is an integer:
    // refused; as written (a string with its `+`) it fits.
    let err = req("admin_whatsapp_message_created_2_16").unwrap_err();
    assert!(err.contains("did not match any variant"), "{err}");
    assert!(req("admin_whatsapp_message_phone_as_written").is_ok());
}

#[test]
fn every_example_of_the_facts_sheet_and_seeds_is_in_the_fragment() {
    let have: Vec<String> = examples()
        .iter()
        .map(|e| format!("{} {}", e.place, e.name))
        .collect();
    for want in [
        "request user_message_1x",     // seed 000 curl
        "request user_message_1x_php", // seed 000 PHP
        "request admin_email_1x_2_6",  // facts: 1.0-2.6 admin email
        "request admin_in_app_2_9",    // facts: 2.7-2.10 model example
        "request admin_in_app_2_11",   // facts: 2.11+ model example; seed 003 fields
        "200 user_message_1x",         // seed 000 response
        "200 admin_email_1x_2_6",      // facts: admin email response with owner
        "200 message_model_2_0",       // facts: 2.0 message model
        "200 message_model_2_3",       // facts: the same on the 2.3 page
        "200 user_message_2_6",        // facts: 2.6 user message
        "200 user_message_2_4",        // facts: the same on the 2.4 page
        "200 field_examples_2_15",     // seed 003 response fields
        "400 field_examples_2_15",     // seed 003 error fields
    ] {
        assert!(
            have.iter().any(|h| h == want),
            "{want} missing; have {have:?}"
        );
    }
}

#[test]
fn every_documented_message_has_known_kinds() {
    use intercom_messages::{DeliveredBy, MessageKind};
    for ex in examples()
        .into_iter()
        .filter(|e| e.operation == "createMessage" && e.place == "200")
    {
        let bytes = serde_json::to_vec(&ex.value).unwrap();
        let facade = intercom_messages::SentMessage::from_json(&bytes).unwrap();
        // A documented value is a known one: the fragment's known-values lists
        // cover its own examples.
        assert!(!matches!(facade.kind, MessageKind::Other(_)), "{}", ex.name);
        assert!(
            !matches!(facade.delivered_by, DeliveredBy::Other(_)),
            "{}",
            ex.name
        );
    }
}
