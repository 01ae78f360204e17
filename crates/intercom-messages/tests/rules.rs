//! One named case per rule, accepted and rejected, on both sides of every
//! version boundary a rule depends on.

use intercom_messages::{
    Contact, ContactKey, ContactType, Message, Rule, Template, ValidationError, Version,
};
use serde_json::{Value, json};

fn admin_in_app() -> intercom_messages::AdminMessage {
    Message::from_admin("394051")
        .to(Contact::user("u1"))
        .in_app("Hello")
}

fn admin_email() -> intercom_messages::AdminMessage {
    Message::from_admin("394051")
        .to(Contact::user("u1"))
        .email("Subject", "Hello")
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
    use Rule::*;
    use Version as V;
    vec![
        // field availability: cc/bcc 2.13|2.14, created_at 2.10|2.11, open conversation 2.6|2.7
        ok(
            "cc in 2.14",
            FieldNotInVersion,
            V::V2_14,
            admin_email().cc(Contact::user("u2")),
        ),
        no(
            "cc in 2.13",
            FieldNotInVersion,
            V::V2_13,
            admin_email().cc(Contact::user("u2")),
        ),
        ok(
            "bcc in 2.14",
            FieldNotInVersion,
            V::V2_14,
            admin_email().bcc(Contact::user("u2")),
        ),
        no(
            "bcc in 2.13",
            FieldNotInVersion,
            V::V2_13,
            admin_email().bcc(Contact::user("u2")),
        ),
        ok(
            "created_at in 2.11",
            FieldNotInVersion,
            V::V2_11,
            admin_in_app().created_at(1_590_000_000),
        ),
        no(
            "created_at in 2.10",
            FieldNotInVersion,
            V::V2_10,
            admin_in_app().created_at(1_590_000_000),
        ),
        ok(
            "open conversation in 2.7",
            FieldNotInVersion,
            V::V2_7,
            admin_in_app().open_conversation(true),
        ),
        no(
            "open conversation in 2.6",
            FieldNotInVersion,
            V::V2_6,
            admin_in_app().open_conversation(true),
        ),
        ok(
            "open conversation false in 2.6 is not sent",
            FieldNotInVersion,
            V::V2_6,
            admin_in_app().open_conversation(false),
        ),
        // lists: 2.13|2.14
        ok(
            "two recipients in 2.14",
            RecipientListNotInVersion,
            V::V2_14,
            admin_in_app().to(Contact::user("u2")),
        ),
        no(
            "two recipients in 2.13",
            RecipientListNotInVersion,
            V::V2_13,
            admin_in_app().to(Contact::user("u2")),
        ),
        no(
            "two cc in 2.13 (the list rule, after cc itself)",
            FieldNotInVersion,
            V::V2_13,
            admin_email().cc(Contact::user("a")).cc(Contact::user("b")),
        ),
        // contact types: lead 1.4|2.0, contact 2.5|2.6, for senders and recipients
        ok(
            "lead sender in 2.0",
            ContactTypeNotInVersion,
            V::V2_0,
            user(Contact::lead("l1")),
        ),
        no(
            "lead sender in 1.4",
            ContactTypeNotInVersion,
            V::V1_4,
            user(Contact::lead("l1")),
        ),
        ok(
            "lead recipient in 2.0",
            ContactTypeNotInVersion,
            V::V2_0,
            Message::from_admin(1).to(Contact::lead("l1")).in_app("Hi"),
        ),
        no(
            "lead recipient in 1.4",
            ContactTypeNotInVersion,
            V::V1_4,
            Message::from_admin(1).to(Contact::lead("l1")).in_app("Hi"),
        ),
        ok(
            "contact sender in 2.5",
            ContactTypeNotInVersion,
            V::V2_5,
            user(Contact::visitor("v1")),
        ),
        no(
            "contact sender in 2.6",
            ContactTypeNotInVersion,
            V::V2_6,
            user(Contact::visitor("v1")),
        ),
        ok(
            "contact recipient in 1.0",
            ContactTypeNotInVersion,
            V::V1_0,
            Message::from_admin(1)
                .to(Contact::visitor_user_id("v1"))
                .in_app("Hi"),
        ),
        no(
            "contact recipient in 2.6",
            ContactTypeNotInVersion,
            V::V2_6,
            Message::from_admin(1)
                .to(Contact::visitor_user_id("v1"))
                .in_app("Hi"),
        ),
        // recipient by email: 1.4|2.0
        ok(
            "recipient by email in 1.4",
            RecipientEmailNotInVersion,
            V::V1_4,
            Message::from_admin(1)
                .to(Contact::user_email("a@b.c"))
                .in_app("Hi"),
        ),
        no(
            "recipient by email in 2.0",
            RecipientEmailNotInVersion,
            V::V2_0,
            Message::from_admin(1)
                .to(Contact::user_email("a@b.c"))
                .in_app("Hi"),
        ),
        ok(
            "sender by email in 2.14",
            RecipientEmailNotInVersion,
            V::V2_14,
            user(Contact::lead_email("a@b.c")),
        ),
        // visitors have no email
        ok(
            "visitor by user_id",
            VisitorByEmail,
            V::V1_0,
            user(Contact::visitor_user_id("v1")),
        ),
        no(
            "visitor by email",
            VisitorByEmail,
            V::V1_0,
            user(Contact::new(
                ContactType::Contact,
                ContactKey::Email("a@b.c".into()),
            )),
        ),
        // identifiers
        ok(
            "non-empty user_id",
            IdentifierEmpty,
            V::V2_14,
            user(Contact::user_id("70")),
        ),
        no(
            "empty user_id",
            IdentifierEmpty,
            V::V2_14,
            user(Contact::user_id("")),
        ),
        no(
            "blank recipient id",
            IdentifierEmpty,
            V::V2_14,
            Message::from_admin(1).to(Contact::user("  ")).in_app("Hi"),
        ),
        // admin id
        ok(
            "admin id of digits",
            AdminIdNotDigits,
            V::V2_6,
            admin_in_app(),
        ),
        no(
            "admin id with letters",
            AdminIdNotDigits,
            V::V2_6,
            Message::from_admin("admin-1")
                .to(Contact::user("u"))
                .in_app("Hi"),
        ),
        no(
            "empty admin id",
            AdminIdNotDigits,
            V::V2_14,
            Message::from_admin("").to(Contact::user("u")).in_app("Hi"),
        ),
        no(
            "admin id beyond 64 bits from 2.7",
            AdminIdNotDigits,
            V::V2_7,
            Message::from_admin("99999999999999999999")
                .to(Contact::user("u"))
                .in_app("Hi"),
        ),
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
        // subject
        ok(
            "email with a subject",
            SubjectMissing,
            V::V2_14,
            admin_email(),
        ),
        no(
            "email with a blank subject",
            SubjectMissing,
            V::V2_14,
            Message::from_admin(1)
                .to(Contact::user("u"))
                .email(" ", "Hi"),
        ),
        // template
        ok(
            "template on email",
            TemplateNotEmail,
            V::V2_14,
            admin_email().template(Template::Personal),
        ),
        no(
            "template on in-app",
            TemplateNotEmail,
            V::V2_14,
            admin_in_app().template(Template::Plain),
        ),
        // body
        ok("admin body", BodyEmpty, V::V2_14, admin_in_app()),
        no(
            "admin blank body",
            BodyEmpty,
            V::V2_14,
            Message::from_admin(1).to(Contact::user("u")).in_app("\n "),
        ),
        no(
            "user empty body",
            BodyEmpty,
            V::V2_14,
            Message::from_contact(Contact::user("u")).body(""),
        ),
        // plain text for user messages; HTML is fine for admins
        ok(
            "user body with < and >",
            BodyHtml,
            V::V2_14,
            Message::from_contact(Contact::user("u")).body("a < b and c > d, <3"),
        ),
        ok(
            "admin body with HTML",
            BodyHtml,
            V::V2_14,
            Message::from_admin(1)
                .to(Contact::user("u"))
                .in_app("<p>Hi</p>"),
        ),
        no(
            "user body with a tag",
            BodyHtml,
            V::V2_14,
            Message::from_contact(Contact::user("u")).body("Hi <b>there</b>"),
        ),
        no(
            "user body with a closing tag",
            BodyHtml,
            V::V2_14,
            Message::from_contact(Contact::user("u")).body("Hi </p>"),
        ),
        // created_at
        ok(
            "created_at zero",
            CreatedAtNegative,
            V::V2_11,
            admin_in_app().created_at(0),
        ),
        no(
            "created_at negative",
            CreatedAtNegative,
            V::V2_11,
            admin_in_app().created_at(-1),
        ),
    ]
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
    let table = include_str!("../src/rules.md");
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
    assert_eq!(rows, code, "src/rules.md and Rule::ALL disagree");
}

fn encode(m: impl Into<Message>, v: Version) -> Value {
    serde_json::to_value(m.into().to_request(v).unwrap()).unwrap()
}

#[test]
fn the_wire_shape_follows_the_version() {
    // from.id: a string up to 2.6, an integer from 2.7.
    assert_eq!(
        encode(admin_in_app(), Version::V2_6)["from"],
        json!({"type": "admin", "id": "394051"})
    );
    assert_eq!(
        encode(admin_in_app(), Version::V2_7)["from"],
        json!({"type": "admin", "id": 394051})
    );
    // inapp in every version; no subject on in-app.
    for v in Version::ALL {
        let j = encode(admin_in_app(), v);
        assert_eq!(j["message_type"], "inapp");
        assert!(j.get("subject").is_none());
        assert!(j.get("template").is_none());
    }
    // An email always carries a template.
    assert_eq!(encode(admin_email(), Version::V1_0)["template"], "plain");
    assert_eq!(
        encode(admin_email().template(Template::Personal), Version::V1_0)["template"],
        "personal"
    );
    // One recipient is an object; several (2.14) a list.
    assert!(encode(admin_in_app(), Version::V2_14)["to"].is_object());
    assert_eq!(
        encode(admin_in_app().to(Contact::user_id("7")), Version::V2_14)["to"],
        json!([{"type": "user", "id": "u1"}, {"type": "user", "user_id": "7"}])
    );
    // The whole of a user message.
    assert_eq!(
        encode(
            Message::from_contact(Contact::lead("l"))
                .body("Hey")
                .referer("https://x.test/p"),
            Version::V2_14
        ),
        json!({"from": {"type": "lead", "id": "l"}, "body": "Hey", "referer": "https://x.test/p"})
    );
    // Optional fields appear only when asked for.
    let full = encode(
        admin_in_app().created_at(5).open_conversation(true),
        Version::V2_14,
    );
    assert_eq!(full["created_at"], 5);
    assert_eq!(full["create_conversation_without_contact_reply"], true);
    assert!(
        encode(admin_in_app().open_conversation(false), Version::V2_14)
            .get("create_conversation_without_contact_reply")
            .is_none()
    );
}

#[test]
fn errors_name_the_field_the_rule_and_the_versions() {
    let e = Message::from(admin_in_app().created_at(1))
        .to_request(Version::V2_10)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "`created_at` is not available in API version 2.10; it exists in 2.11–2.14"
    );
    let e = user(Contact::visitor("v"))
        .to_request(Version::V2_6)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "`from.type` is `contact`, which API version 2.6 does not take; `contact` exists in 1.0–2.5"
    );
    let e = Message::from(
        Message::from_admin(1)
            .to(Contact::user("u"))
            .to(Contact::user_email("a@b.c"))
            .in_app("x"),
    )
    .to_request(Version::V2_14)
    .unwrap_err();
    assert_eq!(
        e,
        ValidationError::RecipientEmailNotInVersion {
            field: "to[1].email".into(),
            version: Version::V2_14,
            available: intercom_messages::api::version_table::RECIPIENT_BY_EMAIL.versions
        }
    );
    let e = Message::from_contact(Contact::user("u")).body("Hi <b>there</b>");
    assert_eq!(
        Message::from(e)
            .validate(Version::V2_14)
            .unwrap_err()
            .to_string(),
        "`body` contains HTML (`<b>`): a user or lead message is plain text only"
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
