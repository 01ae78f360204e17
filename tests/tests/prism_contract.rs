//! The contract checked by a validator nobody here wrote: Stoplight Prism
//! serves `openapi/messages.yaml` as a mock; every kind of message the facade
//! builds (WhatsApp and SMS included), in one version of each era of the
//! version table, must pass its request validation, and a
//! set of deliberately invalid raw requests must not.
//!
//! Prism is installed, pinned, by `npm ci --prefix tools/prism` (the README's
//! test command). If it is missing or does not start, this test fails.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use intercom_messages::api::version_table::TABLE;
use intercom_messages::{Client, Contact, EmailTemplate, Message, RetryPolicy, Version};
use serde_json::{Value, json};

struct Prism {
    child: Child,
    url: String,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn prism_binary() -> PathBuf {
    let bin = xtask::workspace_root().join("tools/prism/node_modules/.bin/prism");
    assert!(
        bin.exists(),
        "Stoplight Prism is not installed at {}: run `npm ci --prefix tools/prism` (part of the README's test command)",
        bin.display()
    );
    bin
}

async fn start_prism() -> Prism {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let root = xtask::workspace_root();
    let child = Command::new(prism_binary())
        .args([
            "mock",
            "openapi/messages.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .current_dir(&root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("Stoplight Prism did not start: {e}"));
    let mut prism = Prism {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    // Startup is bounded so a broken install fails instead of hanging; this is
    // a readiness wait, not a measurement.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(Some(status)) = prism.child.try_wait() {
            panic!("Stoplight Prism exited during startup with {status}");
        }
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return prism;
        }
        assert!(
            Instant::now() < deadline,
            "Stoplight Prism did not listen on port {port} within 120 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every kind of message the facade builds that `version` accepts.
fn messages(version: Version) -> Vec<(&'static str, Message)> {
    let mut all = admin_messages();
    all.extend(contact_messages());
    all.retain(|(_, m)| m.validate(version).is_ok());
    all
}

/// Every kind of message from an admin the facade builds.
fn admin_messages() -> Vec<(&'static str, Message)> {
    let mut all = admin_in_app_messages();
    all.extend(admin_other_messages());
    all
}

/// Every in-app message from an admin the facade builds.
fn admin_in_app_messages() -> Vec<(&'static str, Message)> {
    vec![
        (
            "admin in-app by id",
            Message::from_admin(394051)
                .to(Contact::user("5f1a"))
                .in_app("Hello")
                .into(),
        ),
        (
            "admin in-app by user_id",
            Message::from_admin(394051)
                .to(Contact::user_id("70"))
                .in_app("<p>Hi</p>")
                .into(),
        ),
        (
            "lead recipient",
            Message::from_admin(394051)
                .to(Contact::lead_user_id("l1"))
                .in_app("Hi")
                .into(),
        ),
        (
            "visitor recipient",
            Message::from_admin(394051)
                .to(Contact::visitor_user_id("v1"))
                .in_app("Hi")
                .into(),
        ),
        (
            "recipient by email",
            Message::from_admin(394051)
                .to(Contact::user_email("a@b.test"))
                .in_app("Hi")
                .into(),
        ),
        (
            "open conversation",
            Message::from_admin(394051)
                .to(Contact::user("5f1a"))
                .in_app("Hi")
                .open_conversation(true)
                .into(),
        ),
        (
            "created_at",
            Message::from_admin(394051)
                .to(Contact::user("5f1a"))
                .in_app("Hi")
                .created_at(1590000000)
                .into(),
        ),
    ]
}

/// Every email, WhatsApp and SMS message from an admin the facade builds.
fn admin_other_messages() -> Vec<(&'static str, Message)> {
    vec![
        (
            "admin email",
            Message::from_admin(394051)
                .to(Contact::user("5f1a"))
                .email("Subject", "Body")
                .into(),
        ),
        (
            "admin email, personal",
            Message::from_admin(394051)
                .to(Contact::user_id("70"))
                .email("S", "B")
                .template(EmailTemplate::Personal)
                .into(),
        ),
        (
            "lists with cc and bcc",
            Message::from_admin(394051)
                .to(Contact::user("a"))
                .to(Contact::lead("b"))
                .email("S", "B")
                .cc(Contact::user_id("c"))
                .bcc(Contact::user("d"))
                .bcc(Contact::user("e"))
                .into(),
        ),
        (
            "whatsapp template",
            Message::from_admin(394051)
                .to_phone("+4915112345678", "Ada Lovelace")
                .whatsapp("keep_live")
                .locale("en")
                .body_text(["Ada"])
                .into(),
        ),
        (
            "sms to a lead",
            Message::from_admin(394051)
                .to(Contact::lead("5f1b"))
                .sms("Your code is 1234")
                .into(),
        ),
    ]
}

/// Every kind of message from a contact the facade builds.
fn contact_messages() -> Vec<(&'static str, Message)> {
    vec![
        (
            "user message by id",
            Message::from_contact(Contact::user("5f1a"))
                .body("Hey")
                .into(),
        ),
        (
            "user message by user_id",
            Message::from_contact(Contact::user_id("70"))
                .body("Hey")
                .referer("https://x.test/a")
                .into(),
        ),
        (
            "user message by email",
            Message::from_contact(Contact::user_email("a@b.test"))
                .body("Hey")
                .into(),
        ),
        (
            "lead message",
            Message::from_contact(Contact::lead("l1"))
                .body("Hey")
                .into(),
        ),
        (
            "visitor message",
            Message::from_contact(Contact::visitor("v1"))
                .body("Hey")
                .into(),
        ),
    ]
}

/// One version of each era: the first version, and every version where the
/// generated version table says something starts or stops.
fn eras() -> Vec<Version> {
    let signature = |v: Version| -> Vec<bool> { TABLE.iter().map(|r| v.has(*r)).collect() };
    let mut out: Vec<Version> = vec![Version::ALL[0]];
    for w in Version::ALL.windows(2) {
        if signature(w[0]) != signature(w[1]) {
            out.push(w[1]);
        }
    }
    out
}

#[tokio::test]
async fn prism_accepts_every_message_the_facade_builds_and_rejects_invalid_ones() {
    let prism = start_prism().await;
    let http = reqwest::Client::new();
    every_message_the_facade_builds_is_accepted(&prism, &http).await;
    invalid_requests_are_flagged(&prism, &http).await;
}

/// Every message of every era, through the facade and by hand (to read
/// Prism's violations header).
async fn every_message_the_facade_builds_is_accepted(prism: &Prism, http: &reqwest::Client) {
    let client = Client::builder("prism-token")
        .base_url(&prism.url)
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let mut checked = 0;
    let mut problems = Vec::new();
    let eras = eras();
    assert!(eras.len() >= 5, "{eras:?}");
    let mut kinds_seen = std::collections::BTreeSet::new();
    for version in eras {
        let kinds = messages(version);
        assert!(kinds.len() >= 6, "{version}: only {} kinds", kinds.len());
        for (name, message) in kinds {
            problems.extend(problems_of(prism, http, &client, version, name, message).await);
            checked += 1;
            kinds_seen.insert(name);
        }
    }
    assert!(kinds_seen.contains("whatsapp template") && kinds_seen.contains("sms to a lead"));
    assert!(
        problems.is_empty(),
        "Prism found violations:\n{}",
        problems.join("\n")
    );
    assert!(checked >= 40, "only {checked} requests checked");
}

/// What went wrong sending one message, through the facade and by hand.
async fn problems_of(
    prism: &Prism,
    http: &reqwest::Client,
    client: &Client,
    version: Version,
    name: &str,
    message: Message,
) -> Vec<String> {
    let mut problems = Vec::new();
    // Through the facade, as a user would send it.
    if let Err(e) = client.send_with_version(message.clone(), version).await {
        problems.push(format!("{version} {name}: facade send failed: {e}"));
    }
    // The same bytes by hand, to read Prism's violations header.
    let body = serde_json::to_vec(&message.to_request(version).unwrap()).unwrap();
    let r = http
        .post(format!("{}/messages", prism.url))
        .header("Authorization", "Bearer prism-token")
        .header("Intercom-Version", version.as_str())
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let violations = r
        .headers()
        .get("sl-violations")
        .map(|v| v.to_str().unwrap_or("?").to_string());
    if r.status() != 200 || violations.is_some() {
        problems.push(format!("{version} {name}: {} {violations:?}", r.status()));
    }
    problems
}

/// An admin in-app message with `extra` set (a null removes the field).
fn admin(extra: Value) -> Value {
    let mut v = json!({"message_type": "inapp", "body": "Hi", "from": {"type": "admin", "id": "1"}, "to": {"type": "user", "id": "u"}});
    for (k, x) in extra.as_object().unwrap() {
        if x.is_null() {
            v.as_object_mut().unwrap().remove(k);
        } else {
            v[k] = x.clone();
        }
    }
    v
}

/// Requests Prism must flag: the name, the version, the body.
fn invalid_requests() -> Vec<(&'static str, &'static str, Value)> {
    let mut all = invalid_admin_requests();
    all.extend(other_invalid_requests());
    all
}

/// Admin messages with a body, a type, a field or an id Prism must flag.
fn invalid_admin_requests() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("no body field", "2.14", admin(json!({"body": null}))),
        (
            "body null",
            "2.14",
            json!({"message_type": "inapp", "body": Value::Null, "from": {"type": "admin", "id": "1"}, "to": {"type": "user", "id": "u"}}),
        ),
        (
            "message_type conversation",
            "2.14",
            admin(json!({"message_type": "conversation"})),
        ),
        ("admin without to", "2.14", admin(json!({"to": null}))),
        ("unknown field", "2.14", admin(json!({"colour": "blue"}))),
        (
            "admin id with letters",
            "2.14",
            admin(json!({"from": {"type": "admin", "id": "abc"}})),
        ),
        (
            "recipient with two keys",
            "2.14",
            admin(json!({"to": {"type": "user", "id": "u", "user_id": "70"}})),
        ),
    ]
}

/// Other requests Prism must flag: a recipient type or template unknown, a
/// user's message shaped like an admin's, an unknown version, WhatsApp, SMS,
/// not JSON.
fn other_invalid_requests() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "recipient type admin",
            "2.14",
            admin(json!({"to": {"type": "admin", "id": "u"}})),
        ),
        (
            "template fancy",
            "2.14",
            admin(json!({"message_type": "email", "subject": "S", "template": "fancy"})),
        ),
        (
            "user message with to",
            "2.14",
            json!({"from": {"type": "user", "id": "u"}, "body": "Hi", "to": {"type": "user", "id": "v"}}),
        ),
        (
            "user message as email",
            "2.14",
            json!({"from": {"type": "user", "id": "u"}, "body": "Hi", "message_type": "email"}),
        ),
        ("unknown version", "0.9", admin(json!({}))),
        (
            "whatsapp phone as the integer YAML reads from the published example",
            "2.16",
            json!({"message_type": "whatsapp", "template": "keep_live", "components": [],
                   "from": {"type": "admin", "id": "1"}, "to": {"phone": 5547999998888u64}}),
        ),
        (
            "sms without body",
            "Preview",
            json!({"message_type": "sms", "from": {"type": "admin", "id": "1"}, "to": {"type": "user", "id": "u"}}),
        ),
        ("not json", "2.14", Value::String("<<<".into())),
    ]
}

/// Every invalid request is refused or reported by Prism.
async fn invalid_requests_are_flagged(prism: &Prism, http: &reqwest::Client) {
    let invalid = invalid_requests();
    let mut accepted = Vec::new();
    for (name, version, body) in &invalid {
        let bytes = match body {
            Value::String(s) => s.clone().into_bytes(),
            v => serde_json::to_vec(v).unwrap(),
        };
        let r = http
            .post(format!("{}/messages", prism.url))
            .header("Authorization", "Bearer prism-token")
            .header("Intercom-Version", *version)
            .header("Content-Type", "application/json")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let flagged = r.status().is_client_error() || r.headers().contains_key("sl-violations");
        if !flagged {
            accepted.push(format!("{name}: {}", r.status()));
        }
    }
    assert!(
        accepted.is_empty(),
        "Prism accepted invalid requests:\n{}",
        accepted.join("\n")
    );
}
