//! The facade's rules against what Intercom documents: every documented
//! request is accepted by the rules in every version it documents, and the
//! per-version schema (which `MockIntercom` checks) agrees with the rules
//! on the choices recorded in openapi/README.md, read from the version table.

use intercom_messages::api::types::CreateMessageRequest;
use intercom_messages::api::version_table as table;
use intercom_messages::{Message, Version};
use intercom_messages_mock::sample::Sampler;
use intercom_messages_tests::{Strictness, examples, violations};
use serde_json::{Value, json};

fn schema_accepts(request: &Value, version: Version) -> Result<(), Vec<String>> {
    let v = violations(
        xtask::project::REQUEST_ROOT,
        version.position(),
        Strictness::Closed,
        request,
    );
    if v.is_empty() { Ok(()) } else { Err(v) }
}

/// Every documented request that is not marked flawed, as the generated type
/// decodes it, passes the facade's rules in every version it documents:
/// the rules refuse nothing Intercom documents.
#[test]
fn the_rules_accept_every_documented_request_in_its_versions() {
    let mut checked = 0;
    for example in examples() {
        if example.operation != "createMessage"
            || example.place != "request"
            || example.flaw.is_some()
        {
            continue;
        }
        let request: CreateMessageRequest = serde_json::from_value(example.value.clone())
            .unwrap_or_else(|e| panic!("{}: {e}", example.name));
        let message =
            Message::try_from(request).unwrap_or_else(|e| panic!("{}: {e}", example.name));
        for &version in Version::ALL {
            if !example.range.contains(version.position()) {
                continue;
            }
            message
                .validate(version)
                .unwrap_or_else(|e| panic!("{} at {version}: {e}", example.name));
            checked += 1;
        }
    }
    eprintln!("{checked} documented requests checked by the rules, version by version");
    assert!(checked >= 30, "{checked}");
}

/// "email if lead" (1.x): a `contact` sender by email is valid where
/// `contact` is the type of leads, in the schema and in the rules alike; a
/// `contact` recipient is never named by email, in either.
#[test]
fn a_contact_by_email_is_a_sender_where_contact_is_the_lead_type_and_never_a_recipient() {
    let row = table::EMAIL_SENDER_TYPE__CONTACT;
    let sender = json!({"from": {"type": "contact", "email": "lead@example.com"}, "body": "Hi"});
    let recipient = |version: Version| {
        let id = if version.has(table::ADMIN_ID__NUMBER) {
            json!(1)
        } else {
            json!("1")
        };
        json!({
            "message_type": "inapp",
            "body": "Hi",
            "from": {"type": "admin", "id": id},
            "to": {"type": "contact", "email": "visitor@example.com"}
        })
    };
    let mut inside = 0;
    for &version in Version::ALL {
        let rules = Message::try_from(
            serde_json::from_value::<CreateMessageRequest>(sender.clone()).unwrap(),
        )
        .unwrap()
        .validate(version);
        let schema = schema_accepts(&sender, version);
        assert_eq!(
            rules.is_ok(),
            version.has(row),
            "rules at {version}: {rules:?}"
        );
        assert_eq!(
            schema.is_ok(),
            version.has(row),
            "schema at {version}: {schema:?}"
        );
        inside += usize::from(version.has(row));
        assert!(
            schema_accepts(&recipient(version), version).is_err(),
            "a contact recipient by email passed the {version} schema"
        );
    }
    assert!(Version::V1_0.has(row) && !Version::V2_6.has(row));
    assert!(inside >= 5, "{inside}");
}

/// "If not provided, the default sender will be used" (2.7–Preview): an
/// admin message without `from` is valid where the row
/// `AdminMessageRequest.from?` says, in the schema and in the rules alike,
/// and goes out with no `from` at all.
#[test]
fn an_admin_message_may_leave_the_sender_to_intercom_where_documented() {
    use intercom_messages::Contact;
    let row = table::ADMIN_MESSAGE_REQUEST__FROM__OPTIONAL;
    let message: Message = Message::from_default_sender()
        .to(Contact::user_id("70"))
        .in_app("Hi")
        .into();
    let wire =
        json!({"message_type": "inapp", "body": "Hi", "to": {"type": "user", "user_id": "70"}});
    for &version in Version::ALL {
        let rules = message.to_request(version);
        assert_eq!(
            rules.is_ok(),
            version.has(row),
            "rules at {version}: {rules:?}"
        );
        if let Ok(request) = rules {
            assert_eq!(serde_json::to_value(request).unwrap(), wire, "{version}");
        }
        let schema = schema_accepts(&wire, version);
        assert_eq!(
            schema.is_ok(),
            version.has(row),
            "schema at {version}: {schema:?}"
        );
    }
    assert!(Version::V2_7.has(row) && !Version::V2_6.has(row));
}

/// The regions the facade knows are the fragment's `servers`, one for one.
#[test]
fn the_regions_are_the_fragments_servers() {
    let servers: Vec<String> = intercom_messages_tests::spec().raw["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["url"].as_str().unwrap().to_string())
        .collect();
    let regions: Vec<String> = ["us", "eu", "au"]
        .iter()
        .map(|r| {
            r.parse::<intercom_messages::Region>()
                .unwrap()
                .base_url()
                .to_string()
        })
        .collect();
    assert_eq!(regions, servers);
    assert_eq!(intercom_messages::Region::default().base_url(), servers[0]);
}

/// What `Message::try_from` does not carry over from a generated request,
/// and why: (member, property, reason). Anything else a request may carry
/// survives the conversion and `to_request`.
const NOT_KEPT: &[(&str, &str, &str)] = &[
    (
        "WhatsAppMessageRequest",
        "body",
        "declared because every branch of Intercom's schema shares it; a WhatsApp message is its approved template and parameters, and the facade offers no free text for it",
    ),
    (
        "WhatsAppMessageRequest",
        "subject",
        "declared because every branch of Intercom's schema shares it; a WhatsApp message has no subject, and the facade offers none",
    ),
    (
        "SmsMessageRequest",
        "subject",
        "declared because every branch of Intercom's schema shares it; an SMS has no subject, and the facade offers none",
    ),
    (
        "SmsMessageRequest",
        "template",
        "declared because every branch of Intercom's schema shares it; an SMS has no email template, and the facade offers none",
    ),
    (
        "UserMessageRequest",
        "message_type",
        "its one value, `inapp`, is what a user's message is without it; the facade sends none",
    ),
    (
        "WhatsAppMessageRequest",
        "cc",
        "declared because every branch of Intercom's schema shares it; the facade offers no copied recipients on a WhatsApp message",
    ),
    (
        "WhatsAppMessageRequest",
        "bcc",
        "declared because every branch of Intercom's schema shares it; the facade offers no blind-copied recipients on a WhatsApp message",
    ),
    (
        "SmsMessageRequest",
        "cc",
        "declared because every branch of Intercom's schema shares it; the facade offers no copied recipients on an SMS",
    ),
    (
        "SmsMessageRequest",
        "bcc",
        "declared because every branch of Intercom's schema shares it; the facade offers no blind-copied recipients on an SMS",
    ),
];

/// Whether the facade's encoding `back` says what `sent` said: the same
/// value, or, for a list of recipients, its one recipient (the facade sends
/// one recipient as an object, which every version takes; a list only from
/// `Recipients|List`).
fn same_on_the_wire(back: &Value, sent: &Value) -> bool {
    back == sent || matches!(sent.as_array().map(Vec::as_slice), Some([one]) if one == back)
}

/// Every optional property of every kind of message, set on a documented
/// request of that kind to each value the newest version's schema allows
/// there (the mock's sampler, which the differential check uses too: each
/// enum value, each union member's smallest instance), survives
/// `Message::try_from` and `to_request`: a property the contract
/// gains that the facade does not carry fails here, naming it, until it is
/// carried (`from_request` in the kind's file) or listed in
/// [`NOT_KEPT`] with its reason.
#[test]
fn every_property_a_request_may_carry_survives_the_conversion() {
    let newest = Version::LATEST;
    let schema: Value = serde_json::from_str(table::REQUEST_SCHEMAS[newest.position()]).unwrap();
    let samples = Sampler::new(&schema);
    let defs = &schema["definitions"];
    let members: Vec<&str> = defs[table::REQUEST_ROOT]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["$ref"].as_str()?.rsplit('/').next())
        .collect();
    for (member, property, _) in NOT_KEPT {
        assert!(
            defs[*member]["properties"].get(*property).is_some(),
            "NOT_KEPT names {member}.{property}, which the newest schema does not have"
        );
    }
    let mut dropped = Vec::new();
    let mut checked = 0;
    for member in &members {
        let Some(base) = documented_request(member, newest) else {
            panic!("no documented {member} the facade sends at {newest}");
        };
        let mut carry = Carry {
            samples: &samples,
            newest,
            checked: &mut checked,
            dropped: &mut dropped,
        };
        carry.every_optional_property(member, &defs[*member], &base);
    }
    assert!(
        dropped.is_empty(),
        "Message::try_from does not carry these over (carry them in the kind's `from_request` \
         and the kind's file, or list them in NOT_KEPT with the reason):\n{}",
        dropped.join("\n")
    );
    assert!(checked > 0);
    eprintln!("{checked} optional property values carried over");
}

/// A documented request of the kind `member` that the facade takes at `newest`.
fn documented_request(member: &str, newest: Version) -> Option<Value> {
    examples().into_iter().find_map(|e| {
        if e.operation != "createMessage" || e.place != "request" || e.flaw.is_some() {
            return None;
        }
        let request: CreateMessageRequest = serde_json::from_value(e.value.clone()).ok()?;
        let kind = serde_json::to_value(&request).ok()?;
        let is_member = match &request {
            CreateMessageRequest::AdminMessageRequest(_) => member == "AdminMessageRequest",
            CreateMessageRequest::UserMessageRequest(_) => member == "UserMessageRequest",
            CreateMessageRequest::WhatsAppMessageRequest(_) => member == "WhatsAppMessageRequest",
            CreateMessageRequest::SmsMessageRequest(_) => member == "SmsMessageRequest",
        };
        let ok = Message::try_from(request).ok()?.to_request(newest).is_ok();
        (is_member && ok).then_some(kind)
    })
}

/// What the conversion keeps of each sample, counted.
struct Carry<'a> {
    samples: &'a Sampler<'a>,
    newest: Version,
    checked: &'a mut usize,
    dropped: &'a mut Vec<String>,
}

impl Carry<'_> {
    /// Each optional property of `def` not in `base`, at each sample value,
    /// set on `base` and converted there and back.
    fn every_optional_property(&mut self, member: &str, def: &Value, base: &Value) {
        let newest = self.newest;
        let required: Vec<&str> = def["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (name, property) in def["properties"].as_object().unwrap() {
            if required.contains(&name.as_str()) || base.get(name).is_some() {
                continue;
            }
            if NOT_KEPT.iter().any(|(m, p, _)| *m == member && p == name) {
                continue;
            }
            for value in self.samples.samples(property, 0) {
                let mut body = base.clone();
                body[name] = value.clone();
                // A sample the request types do not take is not a request.
                let Ok(request) = serde_json::from_value::<CreateMessageRequest>(body) else {
                    continue;
                };
                let back = Message::try_from(request)
                    .and_then(|m| m.to_request(newest))
                    .map(|r| serde_json::to_value(r).unwrap());
                *self.checked += 1;
                match back {
                    Ok(back) if back.get(name).is_some_and(|b| same_on_the_wire(b, &value)) => {}
                    other => self
                        .dropped
                        .push(format!("{member}.{name} = {value}: {other:?}")),
                }
            }
        }
    }
}
