//! One named case per rule, accepted and rejected. The version boundaries are
//! not written here: they are derived from the generated version table.

use intercom_messages::api::version_table as table;
use intercom_messages::{
    Contact, ContactKey, ContactType, EmailTemplate, Message, Rule, ValidationError, Version,
};
use serde_json::{Value, json};

fn admin_in_app() -> intercom_messages::AdminMessage<intercom_messages::InApp> {
    Message::from_admin(394051)
        .to(Contact::user("u1"))
        .in_app("Hello")
}

fn admin_email() -> intercom_messages::AdminMessage<intercom_messages::Email> {
    Message::from_admin(394051)
        .to(Contact::user("u1"))
        .email("Subject", "Hello")
}

fn whatsapp(phone: &str) -> intercom_messages::WhatsAppMessage {
    Message::from_admin(394051)
        .to_phone(phone, "Ada")
        .whatsapp("keep_live")
        .body_text(["Ada"])
}

fn user(from: Contact) -> Message {
    Message::from_contact(from).body("Hey").into()
}

struct Case {
    name: &'static str,
    rule: Rule,
    version: Version,
    message: Message,
    /// `true`: the rule must refuse it; `false`: it must be accepted.
    rejected: bool,
}

fn ok(name: &'static str, rule: Rule, version: Version, message: impl Into<Message>) -> Case {
    Case {
        name,
        rule,
        version,
        message: message.into(),
        rejected: false,
    }
}

fn no(name: &'static str, rule: Rule, version: Version, message: impl Into<Message>) -> Case {
    Case {
        name,
        rule,
        version,
        message: message.into(),
        rejected: true,
    }
}

fn cases() -> Vec<Case> {
    let mut cases = boundary_cases().unwrap_or_else(|missing| panic!("{missing}"));
    for group in [
        senders_and_recipients_by_email,
        visitors_and_whatsapp_recipients,
        identifiers,
        admin_ids,
        phone_numbers,
        phone_number_separators,
        required_parts,
    ] {
        cases.extend(group());
    }
    cases
}

/// A conversation not opened, and senders and recipients by email.
fn senders_and_recipients_by_email() -> Vec<Case> {
    use Rule::*;
    use Version as V;
    vec![
        ok(
            "open conversation false is not sent, so no version refuses it",
            FieldNotInVersion,
            V::ALL[0],
            admin_in_app().open_conversation(false),
        ),
        ok(
            "sender by email in every version",
            ContactTypeNotInVersion,
            V::LATEST,
            user(Contact::lead_email("a@b.c")),
        ),
        // Recipients by email: the 1.x docs, the 2.6 page's PHP sample and
        // the PHP and Go SDKs; accepted in every version, as `user_id` is.
        ok(
            "recipient by email in 1.0",
            ContactTypeNotInVersion,
            V::ALL[0],
            Message::from_admin(1)
                .to(Contact::user_email("a@b.c"))
                .in_app("Hi"),
        ),
        ok(
            "recipient by email in the latest version",
            ContactTypeNotInVersion,
            V::LATEST,
            Message::from_admin(1)
                .to(Contact::user_email("a@b.c"))
                .in_app("Hi"),
        ),
    ]
}

/// Visitors write as `contact`; WhatsApp goes to contacts.
fn visitors_and_whatsapp_recipients() -> Vec<Case> {
    use Rule::*;
    use Version as V;
    vec![
        // Visitors write to the team as `contact` in every version.
        ok(
            "visitor sender in 2.6",
            ContactTypeNotInVersion,
            V::V2_6,
            user(Contact::visitor("v1")),
        ),
        ok(
            "visitor sender in Preview",
            ContactTypeNotInVersion,
            V::PREVIEW,
            user(Contact::visitor_user_id("v1")),
        ),
        // WhatsApp to contacts, as the published schema declares `to`.
        ok(
            "whatsapp to a user",
            RecipientMissing,
            V::LATEST,
            Message::from_admin(1)
                .to(Contact::user("u"))
                .whatsapp("keep_live")
                .body_text(["x"]),
        ),
        no(
            "whatsapp to nobody",
            RecipientMissing,
            V::LATEST,
            Message::from_admin(1)
                .whatsapp("keep_live")
                .body_text(["x"]),
        ),
    ]
}

/// Visitors have no email, and identifiers are not empty.
fn identifiers() -> Vec<Case> {
    use Rule::*;
    use Version as V;
    vec![
        // visitors have no email
        ok(
            "visitor by user_id",
            VisitorByEmail,
            V::V1_0,
            user(Contact::visitor_user_id("v1")),
        ),
        no(
            "visitor by email, a sender from 2.6",
            VisitorByEmail,
            V::V2_6,
            user(Contact::new(
                ContactType::Contact,
                ContactKey::Email("a@b.c".into()),
            )),
        ),
        // identifiers
        ok(
            "non-empty user_id",
            IdentifierEmpty,
            V::LATEST,
            user(Contact::user_id("70")),
        ),
        no(
            "empty user_id",
            IdentifierEmpty,
            V::LATEST,
            user(Contact::user_id("")),
        ),
        no(
            "blank recipient id",
            IdentifierEmpty,
            V::LATEST,
            Message::from_admin(1).to(Contact::user("  ")).in_app("Hi"),
        ),
    ]
}

/// An admin id fits in 63 bits.
fn admin_ids() -> Vec<Case> {
    use Rule::*;
    use Version as V;
    vec![
        // admin id
        ok(
            "admin id within 63 bits",
            AdminIdOutOfRange,
            V::LATEST,
            Message::from_admin(i64::MAX as u64)
                .to(Contact::user("u"))
                .in_app("Hi"),
        ),
        no(
            "admin id beyond 63 bits",
            AdminIdOutOfRange,
            V::LATEST,
            Message::from_admin(u64::MAX)
                .to(Contact::user("u"))
                .in_app("Hi"),
        ),
        no(
            "admin id beyond 63 bits, sent as digits",
            AdminIdOutOfRange,
            V::ALL[0],
            Message::from_admin(u64::MAX)
                .to(Contact::user("u"))
                .in_app("Hi"),
        ),
    ]
}

/// WhatsApp: one phone number, E.164, a template name.
fn phone_numbers() -> Vec<Case> {
    use Rule::*;
    use Version as V;
    vec![
        // WhatsApp: one phone number, E.164, a template name
        ok(
            "whatsapp to one phone",
            RecipientMixed,
            V::LATEST,
            whatsapp("+4915112345678"),
        ),
        no(
            "whatsapp to a phone and a contact",
            RecipientMixed,
            V::LATEST,
            Message::from_admin(1)
                .to(Contact::user("u"))
                .to_phone("+4915112345678", "Ada")
                .whatsapp("keep_live"),
        ),
        ok(
            "phone without +",
            PhoneNotE164,
            V::LATEST,
            whatsapp("4915112345678"),
        ),
        // E.164 bounds a number at 15 digits, and no more: Niue's have 7.
        ok(
            "a short E.164 number (Niue)",
            PhoneNotE164,
            V::LATEST,
            whatsapp("+6834002"),
        ),
        no(
            "a country code alone is no number",
            PhoneNotE164,
            V::LATEST,
            whatsapp("+6"),
        ),
        no(
            "phone too long",
            PhoneNotE164,
            V::LATEST,
            whatsapp("+1234567890123456"),
        ),
    ]
}

/// Numbers as Intercom and people write them: the separators go.
fn phone_number_separators() -> Vec<Case> {
    use Rule::*;
    use Version as V;
    vec![
        // As Intercom writes numbers elsewhere ("+1 1234567890"), and as
        // people do: the separators go, the digits are sent.
        ok(
            "phone with spaces",
            PhoneNotE164,
            V::LATEST,
            whatsapp("+1 1234567890"),
        ),
        ok(
            "phone with hyphens, dots and parentheses",
            PhoneNotE164,
            V::LATEST,
            whatsapp("+1 (123) 456-78.90"),
        ),
        no(
            "phone with letters",
            PhoneNotE164,
            V::LATEST,
            whatsapp("+1 800 FLOWERS"),
        ),
        no(
            "phone with a leading 0",
            PhoneNotE164,
            V::LATEST,
            whatsapp("015112345678"),
        ),
        ok(
            "template name and locale",
            TextEmpty,
            V::LATEST,
            whatsapp("+4915112345678").locale("en"),
        ),
        no(
            "blank template name",
            TextEmpty,
            V::LATEST,
            Message::from_admin(1)
                .to_phone("+4915112345678", "Ada")
                .whatsapp(" "),
        ),
        no(
            "blank locale",
            TextEmpty,
            V::LATEST,
            whatsapp("+4915112345678").locale(""),
        ),
    ]
}

/// A recipient, a subject and a body are required.
fn required_parts() -> Vec<Case> {
    use Rule::*;
    use Version as V;
    vec![
        // recipient required
        ok(
            "admin message with a recipient",
            RecipientMissing,
            V::V1_0,
            admin_in_app(),
        ),
        no(
            "admin message without a recipient",
            RecipientMissing,
            V::V1_0,
            Message::from_admin(1).in_app("Hi"),
        ),
        no(
            "sms without a recipient",
            RecipientMissing,
            V::LATEST,
            Message::from_admin(1).sms("Hi"),
        ),
        // subject
        ok(
            "email with a subject",
            SubjectMissing,
            V::LATEST,
            admin_email(),
        ),
        no(
            "email with a blank subject",
            SubjectMissing,
            V::LATEST,
            Message::from_admin(1)
                .to(Contact::user("u"))
                .email(" ", "Hi"),
        ),
        // body
        ok("admin body", BodyEmpty, V::LATEST, admin_in_app()),
        no(
            "admin blank body",
            BodyEmpty,
            V::LATEST,
            Message::from_admin(1).to(Contact::user("u")).in_app("\n "),
        ),
        no(
            "user empty body",
            BodyEmpty,
            V::LATEST,
            Message::from_contact(Contact::user("u")).body(""),
        ),
    ]
}

/// What using a request-side item of the version table looks like through
/// the facade, and the rule that refuses it outside the item's versions.
enum Uses {
    /// A message that uses the item, refused by `rule` outside its versions.
    Refused(Rule, fn() -> Message),
    /// The item is a wire shape the facade picks per version (not a refusal).
    Shape,
    /// The facade never sends the item (the text says why).
    NeverSent(#[allow(dead_code)] &'static str),
    /// The item is another operation's request, refused outside its
    /// versions by that operation's own call (the text says where it is
    /// tested), not by a message rule.
    OtherOperation(#[allow(dead_code)] &'static str),
}

/// The facade's way to use each request-side item. A row the fragment adds
/// without an entry here fails `boundary_cases`, naming the row.
fn uses(item: &str) -> Option<Uses> {
    let (schema, rest) = item.split_once(['.', '|', '=']).unwrap_or((item, ""));
    field_uses(schema, rest)
        .or_else(|| contact_uses(schema, rest))
        .or_else(|| kind_uses(schema, rest))
}

/// The fields of a message request that only some versions have.
fn field_uses(schema: &str, rest: &str) -> Option<Uses> {
    use Rule::*;
    Some(match (schema, rest) {
        ("AdminMessageRequest", "cc") => Refused(FieldNotInVersion, || {
            admin_email().cc(Contact::user("u2")).into()
        }),
        ("AdminMessageRequest", "bcc") => Refused(FieldNotInVersion, || {
            admin_email().bcc(Contact::user("u2")).into()
        }),
        ("AdminMessageRequest", "created_at") => Refused(FieldNotInVersion, || {
            admin_in_app().created_at(1_590_000_000).into()
        }),
        ("AdminMessageRequest", "create_conversation_without_contact_reply") => {
            Refused(FieldNotInVersion, || {
                admin_in_app().open_conversation(true).into()
            })
        }
        ("AdminMessageRequest", "subject" | "template") => {
            Refused(FieldNotInVersion, || admin_email().into())
        }
        ("UserMessageRequest", "referer") => Refused(FieldNotInVersion, || {
            Message::from_contact(Contact::user("u"))
                .body("Hey")
                .referer("https://x.test/p")
                .into()
        }),
        ("Recipients", "List") => Refused(RecipientListNotInVersion, || {
            admin_in_app().to(Contact::user("u2")).into()
        }),
        _ => return None,
    })
}

/// The contact types only some versions have, as sender or recipient.
fn contact_uses(schema: &str, rest: &str) -> Option<Uses> {
    use Rule::*;
    Some(match (schema, rest) {
        ("SenderType", "lead") => Refused(ContactTypeNotInVersion, || user(Contact::lead("l1"))),
        ("ContactType", "lead") => Refused(ContactTypeNotInVersion, || {
            Message::from_admin(1)
                .to(Contact::lead("l1"))
                .in_app("Hi")
                .into()
        }),
        ("ContactType", "contact") => Refused(ContactTypeNotInVersion, || {
            Message::from_admin(1)
                .to(Contact::visitor("v1"))
                .in_app("Hi")
                .into()
        }),
        ("EmailRecipientType", "lead") => Refused(ContactTypeNotInVersion, || {
            Message::from_admin(1)
                .to(Contact::lead_email("lead@example.com"))
                .in_app("Hi")
                .into()
        }),
        ("EmailSenderType", "lead") => Refused(ContactTypeNotInVersion, || {
            Message::from_contact(Contact::lead_email("lead@example.com"))
                .body("Hi")
                .into()
        }),
        ("EmailSenderType", "contact") => Refused(VisitorByEmail, || {
            Message::from_contact(Contact::new(
                ContactType::Contact,
                ContactKey::Email("lead@example.com".into()),
            ))
            .body("Hi")
            .into()
        }),
        _ => return None,
    })
}

/// Whole kinds of message, the sender, and the items not refused by a rule.
fn kind_uses(schema: &str, rest: &str) -> Option<Uses> {
    use Rule::*;
    Some(match (schema, rest) {
        ("WhatsAppMessageRequest", "") => Refused(MessageNotInVersion, || {
            Message::from_admin(1)
                .to_phone("+4915112345678", "Ada")
                .whatsapp("keep_live")
                .body_text(["Ada"])
                .into()
        }),
        ("SmsMessageRequest", "") => Refused(MessageNotInVersion, || {
            Message::from_admin(1)
                .to(Contact::user("u"))
                .sms("Your code is 1234")
                .into()
        }),
        ("AdminMessageRequest", "from?") => Refused(SenderMissing, || {
            Message::from_default_sender()
                .to(Contact::user_id("70"))
                .in_app("Hi")
                .into()
        }),
        ("AdminId", "Number") => Shape,
        ("SearchConversationsRequest", "") => OtherOperation(
            "Client::find_conversation: FindError::VersionCannotSearch outside its versions, \
             nothing sent (tests/tests/conversations.rs)",
        ),
        ("AdminMessageType", "in_app") => {
            NeverSent("the facade sends `inapp`, valid in every version (openapi/README.md)")
        }
        _ => return None,
    })
}
use Uses::*;

/// For each request-side row of the generated version table: the first and
/// last versions that have the item accept it, the versions just outside
/// refuse it with the rule and the row's range. Adding a row to the fragment
/// adds its cases; a row the facade has no way to use is an error.
fn boundary_cases() -> Result<Vec<Case>, String> {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for row in table::TABLE.iter().filter(|r| r.request) {
        let (rule, make) = match uses(row.item) {
            Some(Refused(rule, make)) => (rule, make),
            Some(Shape | NeverSent(_) | OtherOperation(_)) => continue,
            None => {
                missing.push(row.item);
                continue;
            }
        };
        let range = Version::range_of(*row);
        let (first, last) = (row.versions.first(), row.versions.last());
        let name = |what: &str, v: Version| -> &'static str {
            Box::leak(format!("{} {what} ({v})", row.item).into_boxed_str())
        };
        for v in [first, last] {
            out.push(ok(
                name("inside", Version::ALL[v]),
                rule,
                Version::ALL[v],
                make(),
            ));
        }
        let outside = first
            .checked_sub(1)
            .into_iter()
            .chain(Some(last + 1).filter(|&p| p < Version::ALL.len()));
        for v in outside {
            let version = Version::ALL[v];
            let err = make().to_request(version).expect_err(row.item);
            let available = match &err {
                ValidationError::FieldNotInVersion { available, .. }
                | ValidationError::RecipientListNotInVersion { available, .. }
                | ValidationError::ContactTypeNotInVersion { available, .. }
                | ValidationError::MessageNotInVersion { available, .. } => Some(available.clone()),
                ValidationError::VisitorByEmail { available, .. } => available.clone(),
                ValidationError::SenderMissing { available, .. } => Some(available.clone()),
                _ => None,
            };
            if available != Some(range.clone()) {
                return Err(format!(
                    "{} in {version}: expected the range {range:?} in the error, got {err:?}",
                    row.item
                ));
            }
            out.push(no(name("outside", version), rule, version, make()));
        }
    }
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(format!(
            "request-side rows of the version table that no facade rule enforces: {missing:?}; \
             teach the facade to check them and add them to `uses`"
        ))
    }
}

#[test]
fn every_request_side_row_is_enforced_or_explained() {
    let cases = boundary_cases().unwrap_or_else(|e| panic!("{e}"));
    // Every row with a rule has cases on both sides of it.
    for row in table::TABLE.iter().filter(|r| r.request) {
        if let Some(Refused(..)) = uses(row.item) {
            assert!(
                cases
                    .iter()
                    .any(|c| c.name.starts_with(row.item) && !c.rejected),
                "{}",
                row.item
            );
            let whole = row.versions.first() == 0 && row.versions.last() == Version::ALL.len() - 1;
            assert!(
                whole
                    || cases
                        .iter()
                        .any(|c| c.name.starts_with(row.item) && c.rejected),
                "{}",
                row.item
            );
        }
    }
    // The wire-shape row: an integer in it, a string of digits before it (if any).
    let shape = table::ADMIN_ID__NUMBER.versions;
    let id_at = |p: usize| encode(admin_in_app(), Version::ALL[p])["from"]["id"].clone();
    assert_eq!(id_at(shape.first()), json!(394051));
    assert_eq!(id_at(shape.last()), json!(394051));
    if let Some(before) = shape.first().checked_sub(1) {
        assert_eq!(id_at(before), json!("394051"));
    }
}

#[test]
fn every_case_gets_its_verdict() {
    let mut wrong = Vec::new();
    for c in cases() {
        let got = c.message.to_request(c.version);
        match (&got, c.rejected) {
            (Ok(_), false) => {}
            (Err(e), true) if e.rule() == c.rule => {}
            _ => wrong.push(format!(
                "{} ({}): expected {} of {:?}, got {got:?}",
                c.name,
                c.version,
                if c.rejected {
                    "rejection"
                } else {
                    "acceptance"
                },
                c.rule
            )),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_rule_has_an_accepted_and_a_rejected_case() {
    let cases = cases();
    for rule in Rule::ALL {
        assert!(
            cases.iter().any(|c| c.rule == *rule && c.rejected),
            "{rule:?} has no rejected case"
        );
        assert!(
            cases.iter().any(|c| c.rule == *rule && !c.rejected),
            "{rule:?} has no accepted case"
        );
    }
}

#[test]
fn the_rules_table_in_the_docs_matches_the_code() {
    let table = include_str!("../src/message/rules.md");
    let rows: Vec<(String, String)> = table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (
                cells[1].trim_matches('`').to_string(),
                cells[2].trim_matches('`').to_string(),
            )
        })
        .collect();
    let code: Vec<(String, String)> = Rule::ALL
        .iter()
        .map(|r| (r.id().to_string(), format!("{r:?}")))
        .collect();
    assert_eq!(rows, code, "src/message/rules.md and Rule::ALL disagree");
}

fn encode(m: impl Into<Message>, v: Version) -> Value {
    serde_json::to_value(m.into().to_request(v).unwrap()).unwrap()
}

#[test]
fn whatsapp_and_sms_follow_the_recorded_wire_shape() {
    let v = Version::ALL[table::WHATS_APP_MESSAGE_REQUEST.versions.first()];
    assert_eq!(
        encode(whatsapp("+4915112345678").locale("en"), v),
        json!({
            "message_type": "whatsapp",
            "template": "keep_live",
            "locale": "en",
            "components": [{"type": "BODY", "parameters": [{"type": "text", "text": "Ada"}]}],
            "from": {"type": "admin", "id": 394051},
            "to": {"phone": "+4915112345678", "name": "Ada"},
        })
    );
    let v = Version::ALL[table::SMS_MESSAGE_REQUEST.versions.first()];
    assert_eq!(
        encode(
            Message::from_admin(394051)
                .to(Contact::user_id("70"))
                .sms("Your code is 1234"),
            v
        ),
        json!({
            "message_type": "sms",
            "body": "Your code is 1234",
            "from": {"type": "admin", "id": 394051},
            "to": {"type": "user", "user_id": "70"},
        })
    );
}

#[test]
fn whatsapp_and_sms_carry_the_shared_options_and_other_template_parts() {
    use intercom_messages::{Parameter, TemplateComponent};
    let v = Version::ALL[table::WHATS_APP_MESSAGE_REQUEST.versions.first()];
    let header =
        Parameter::raw(json!({"type": "image", "image": {"link": "https://x.test/a.png"}}))
            .unwrap();
    let payload = Parameter::raw(json!({"type": "payload", "payload": "STOP"})).unwrap();
    let m = Message::from_admin(394051)
        .to(Contact::user("5f1a"))
        .whatsapp("keep_live")
        .component(TemplateComponent::with_parameters("HEADER", [header]))
        .body_text(["Ada"])
        .component(TemplateComponent::button("quick_reply", "0", [payload]))
        .created_at(1_590_000_000)
        .open_conversation(true);
    assert_eq!(
        encode(m, v),
        json!({
            "message_type": "whatsapp",
            "template": "keep_live",
            "components": [
                {"type": "HEADER", "parameters": [{"type": "image", "image": {"link": "https://x.test/a.png"}}]},
                {"type": "BODY", "parameters": [{"type": "text", "text": "Ada"}]},
                {"type": "button", "sub_type": "quick_reply", "index": "0",
                 "parameters": [{"type": "payload", "payload": "STOP"}]},
            ],
            "from": {"type": "admin", "id": 394051},
            "to": {"type": "user", "id": "5f1a"},
            "created_at": 1_590_000_000,
            "create_conversation_without_contact_reply": true,
        })
    );
    let sms = Message::from_admin(1)
        .to(Contact::user("u"))
        .sms("Your code is 1234")
        .created_at(1_590_000_000)
        .open_conversation(true);
    let j = encode(sms, Version::PREVIEW);
    assert_eq!(j["created_at"], 1_590_000_000);
    assert_eq!(j["create_conversation_without_contact_reply"], true);
    // A raw parameter must be an object with a string `type`.
    assert!(Parameter::raw(json!("text")).is_err());
    assert!(Parameter::raw(json!({"text": "no type"})).is_err());
    // Any integer: Intercom documents no bound, and a time before 1970 is negative.
    let before_1970 = Message::from_admin(1)
        .to(Contact::user("u"))
        .sms("x")
        .created_at(-1);
    assert!(
        Message::from(before_1970)
            .validate(Version::PREVIEW)
            .is_ok()
    );
}

#[test]
fn a_visitor_writes_to_the_team_in_every_version() {
    for &v in Version::ALL {
        for visitor in [Contact::visitor("v1"), Contact::visitor_user_id("v1")] {
            let m = Message::from_contact(visitor).body("Is it in stock?");
            assert!(m.validate(v).is_ok(), "{v}: {:?}", m.validate(v));
            let j = serde_json::to_value(m.to_request(v).unwrap()).unwrap();
            assert_eq!(j["from"]["type"], "contact", "{v}");
        }
    }
}

#[test]
fn the_wire_shape_follows_the_version() {
    // from.id by version: see `every_request_side_row_is_enforced_or_explained`.
    assert_eq!(
        encode(admin_in_app(), Version::LATEST)["from"]["type"],
        json!("admin")
    );
    // inapp in every version; no subject on in-app.
    for &v in Version::ALL {
        let j = encode(admin_in_app(), v);
        assert_eq!(j["message_type"], "inapp");
        assert!(j.get("subject").is_none());
        assert!(j.get("template").is_none());
    }
    // An email always carries a template.
    assert_eq!(encode(admin_email(), Version::V1_0)["template"], "plain");
    assert_eq!(
        encode(
            admin_email().template(EmailTemplate::Personal),
            Version::V1_0
        )["template"],
        "personal"
    );
    // One recipient is an object; several (where lists exist) a list.
    assert!(encode(admin_in_app(), Version::LATEST)["to"].is_object());
    assert_eq!(
        encode(admin_in_app().to(Contact::user_id("7")), Version::LATEST)["to"],
        json!([{"type": "user", "id": "u1"}, {"type": "user", "user_id": "7"}])
    );
    // The whole of a user message.
    assert_eq!(
        encode(
            Message::from_contact(Contact::lead("l"))
                .body("Hey")
                .referer("https://x.test/p"),
            Version::LATEST
        ),
        json!({"from": {"type": "lead", "id": "l"}, "body": "Hey", "referer": "https://x.test/p"})
    );
    // Optional fields appear only when asked for.
    let full = encode(
        admin_in_app().created_at(5).open_conversation(true),
        Version::LATEST,
    );
    assert_eq!(full["created_at"], 5);
    assert_eq!(full["create_conversation_without_contact_reply"], true);
    assert!(
        encode(admin_in_app().open_conversation(false), Version::LATEST)
            .get("create_conversation_without_contact_reply")
            .is_none()
    );
}

#[test]
fn errors_name_the_field_the_rule_and_the_versions() {
    let row = table::ADMIN_MESSAGE_REQUEST__CREATED_AT;
    let before = Version::ALL[row.versions.first() - 1];
    let e = admin_in_app().created_at(1).to_request(before).unwrap_err();
    let range = Version::range_of(row);
    assert_eq!(
        e.to_string(),
        format!(
            "`created_at` is not available in API version {before}; it exists in {}–{}",
            range.start(),
            range.end()
        )
    );
    let row = table::CONTACT_TYPE__CONTACT;
    let after = Version::ALL[row.versions.last() + 1];
    let e = Message::from(Message::from_admin(1).to(Contact::visitor("v")).in_app("x"))
        .to_request(after)
        .unwrap_err();
    let range = Version::range_of(row);
    assert_eq!(
        e.to_string(),
        format!(
            "`to[0].type` is `contact`, which API version {after} does not take; `contact` exists in {}–{}",
            range.start(),
            range.end()
        )
    );
}

#[test]
fn html_detection_is_what_the_docs_say() {
    use intercom_messages::rules::find_html_tag;
    for (text, tag) in [
        ("<p>Hello</p>", Some("<p>")),
        ("line<br/>", Some("<br/>")),
        ("x <!-- c --> y", Some("<!-- c -->")),
        ("a < b > c", None),
        ("I <3 it", None),
        ("=> done", None),
        ("<not closed", None),
        ("<a\nb>", Some("<a\nb>")),
        ("Jane <jane@example.com>", None),
        ("<https://x.com>", None),
        ("<a <b>", Some("<b>")),
    ] {
        assert_eq!(find_html_tag(text), tag, "{text:?}");
    }
}

#[test]
fn the_rules_page_names_rows_not_versions() {
    let page = include_str!("../src/message/rules.md");
    // No version number is written in prose: a range there could go stale.
    let bytes = page.as_bytes();
    for i in 1..bytes.len().saturating_sub(1) {
        assert!(
            !(bytes[i] == b'.' && bytes[i - 1].is_ascii_digit() && bytes[i + 1].is_ascii_digit()),
            "src/message/rules.md writes a version near {:?}",
            &page[i.saturating_sub(20)..(i + 20).min(page.len())]
        );
    }
    // Every row it names exists in the generated table.
    for name in page.split('`').skip(1).step_by(2) {
        let name = name.replace("\\|", "|");
        let looks_like_row = name.starts_with(|c: char| c.is_ascii_uppercase())
            && name.contains(['.', '|', '='])
            && !name.contains(' ');
        if looks_like_row && !name.ends_with("...") {
            assert!(
                table::TABLE.iter().any(|r| r.item == name),
                "src/message/rules.md names `{name}`, which is not a row of the version table"
            );
        }
    }
}

/// A user message is "plaintext only, HTML is not supported" in Intercom's
/// words; no document says Intercom refuses one that mentions a tag, so the
/// facade sends it as written, in every version (the `body-html` rule is
/// gone; `rules::find_html_tag` stays for code that wants to check).
#[test]
fn a_user_message_that_mentions_a_tag_is_sent_as_written() {
    for body in ["What does the <br> tag do?", "Hi <b>there</b>", "Hi </p>"] {
        for &version in Version::ALL {
            let m = Message::from_contact(Contact::user("u")).body(body);
            let request = m
                .to_request(version)
                .unwrap_or_else(|e| panic!("{body:?} at {version}: {e}"));
            assert_eq!(request.body, body);
        }
        assert!(intercom_messages::rules::find_html_tag(body).is_some());
    }
}

/// The separators a number is written with are not sent: the wire carries
/// the digits with their `+`, as the contract's pattern says.
#[test]
fn a_phone_number_is_sent_as_its_digits() {
    for (written, sent) in [
        ("+1 1234567890", "+11234567890"),
        ("+1 (123) 456-78.90", "+11234567890"),
        ("6834002", "+6834002"),
        ("+5547999998888", "+5547999998888"),
    ] {
        let json =
            serde_json::to_value(whatsapp(written).to_request(Version::LATEST).unwrap()).unwrap();
        assert_eq!(json["to"]["phone"], sent, "{written}");
    }
}

/// "email if lead" (1.x docs): where `contact` is the type of leads (the
/// versions of `EmailSenderType=contact`), a `contact` may write by email;
/// after them a `contact` is a visitor, named by `id` or `user_id`. As a
/// recipient, a `contact` is never named by email ("Receiving Contacts are
/// identified by a `user_id` or `id` field").
#[test]
fn a_lead_writes_by_email_where_contact_is_the_lead_type() {
    use intercom_messages::api::version_table as table;
    let row = table::EMAIL_SENDER_TYPE__CONTACT;
    let by_email = || {
        Contact::new(
            ContactType::Contact,
            ContactKey::Email("lead@example.com".into()),
        )
    };
    for &version in Version::ALL {
        let sent = Message::from(Message::from_contact(by_email()).body("Hi")).validate(version);
        if version.has(row) {
            assert!(sent.is_ok(), "{version}: {sent:?}");
        } else {
            assert!(
                matches!(sent, Err(ValidationError::VisitorByEmail { .. })),
                "{version}: {sent:?}"
            );
        }
        let received =
            Message::from(Message::from_admin(1).to(by_email()).in_app("Hi")).validate(version);
        assert!(
            matches!(
                received,
                Err(ValidationError::VisitorByEmail { .. }
                    | ValidationError::ContactTypeNotInVersion { .. })
            ),
            "{version}: {received:?}"
        );
    }
    assert!(
        Version::V1_0.has(row) && Version::V1_4.has(row),
        "the 1.x docs"
    );
}
