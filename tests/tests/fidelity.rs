//! The facade's rules against what Intercom documents: every documented
//! request is accepted by the rules in every version it documents, and the
//! per-version schema (which `MockIntercom` checks) agrees with the rules
//! on the choices recorded in openapi/README.md, read from the version table.

use intercom_messages::api::types::CreateMessageRequest;
use intercom_messages::api::version_table as table;
use intercom_messages::{Message, Version};
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
        if example.place != "request" || example.flaw.is_some() {
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
