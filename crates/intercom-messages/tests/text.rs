//! What server text becomes before it is shown: [`Secrets::scrub`] removes
//! a secret in every form a URL parser or an echoing server makes of it, and
//! the excerpt of a body kept in an error (read here from real answers on
//! loopback) is bounded and never ends in a secret's start.

mod common;

use std::borrow::Cow;

use intercom_messages::text::Secrets;
use intercom_messages::{BODY_EXCERPT_LIMIT, Client, Contact, Message, SendError};
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "tok_abcdefghijklmnop";

/// The shortest start of a secret that an excerpt's cut must not leave:
/// shorter ones tell nothing.
const SHORTEST_PARTIAL: usize = 4;

fn secrets() -> Secrets {
    Secrets::new().with(TOKEN).with("hunter2-password")
}

#[test]
fn every_form_of_a_secret_is_replaced() {
    let s = secrets();
    assert_eq!(
        s.scrub(&format!(
            "auth: Bearer {TOKEN}; again {TOKEN}; bearer {TOKEN}."
        )),
        "auth: [redacted]; again [redacted]; [redacted]."
    );
    assert_eq!(
        s.scrub("redis://:hunter2-password@host"),
        "redis://:[redacted]@host"
    );
    assert!(matches!(s.scrub("nothing here"), Cow::Borrowed(_)));
    assert_eq!(Secrets::new().scrub(TOKEN), TOKEN);
    // Short secrets are ignored rather than matching everywhere.
    assert_eq!(Secrets::new().with("").scrub("abc"), "abc");
    assert_eq!(Secrets::new().with("t").scrub("the text"), "the text");
}

/// The token with every third byte percent-encoded in lower case.
fn partly_encoded(token: &str) -> String {
    token
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            if i % 3 == 0 {
                format!("%{b:02x}")
            } else {
                (b as char).to_string()
            }
        })
        .collect()
}

#[test]
fn a_secret_in_another_case_or_percent_encoded_is_replaced() {
    let s = secrets();
    let upper = TOKEN.to_ascii_uppercase();
    let encoded: String = TOKEN.bytes().map(|b| format!("%{b:02X}")).collect();
    let mixed = partly_encoded(TOKEN);
    for form in [upper.as_str(), encoded.as_str(), mixed.as_str()] {
        let text = format!("https://{form}.evil.test/x?t=Bearer%20{form}&n=1");
        let out = s.scrub(&text);
        assert_eq!(
            out, "https://[redacted].evil.test/x?t=[redacted]&n=1",
            "{form}"
        );
    }
    // What a URL parser makes of a host: lower case.
    let url =
        intercom_messages::reqwest::Url::parse(&format!("https://{upper}.evil.test/")).unwrap();
    assert_eq!(s.scrub(url.as_str()), "https://[redacted].evil.test/");
    // Non-ASCII text around a match stays whole.
    assert_eq!(s.scrub(&format!("é{upper}ü")), "é[redacted]ü");
}

#[test]
fn debug_never_shows_a_secret() {
    let shown = format!("{:?}", secrets());
    assert!(
        !shown.contains(TOKEN) && !shown.contains("hunter2-password"),
        "{shown}"
    );
}

/// A server that answers every message with a 200 whose body is the
/// message's own text: not JSON, so the error keeps an excerpt of it.
async fn echo() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(|request: &Request| {
            let sent: Value = serde_json::from_slice(&request.body).unwrap();
            ResponseTemplate::new(200).set_body_string(sent["body"].as_str().unwrap())
        })
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    common::client_without_retries(server, TOKEN)
}

/// The excerpt of `body` that the error of an undecodable answer keeps.
async fn excerpt_of(client: &Client, body: &str) -> String {
    let message = Message::from_admin(1)
        .to(Contact::user_id("70"))
        .in_app(body);
    match client.send(message).await {
        Err(SendError::UndecodableResponse { body_excerpt, .. }) => body_excerpt,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_cut_never_leaves_a_secret_or_its_start() {
    let server = echo().await;
    let client = client(&server);
    for pad in 0..BODY_EXCERPT_LIMIT + 40 {
        let body = format!("{}Bearer {TOKEN} and more text after it", "x".repeat(pad));
        let e = excerpt_of(&client, &body).await;
        assert!(e.len() <= BODY_EXCERPT_LIMIT, "{pad}: {}", e.len());
        assert!(!e.contains(&TOKEN[..SHORTEST_PARTIAL]), "{pad}: {e}");
    }
    // Nor its start in another case or percent-encoded.
    let encoded: String = TOKEN.bytes().map(|b| format!("%{b:02x}")).collect();
    for pad in (0..BODY_EXCERPT_LIMIT + 40).step_by(7) {
        for form in [TOKEN.to_ascii_uppercase(), encoded.clone()] {
            let body = format!("{}{form} and more text after it", "x".repeat(pad));
            let e = excerpt_of(&client, &body).await;
            assert!(e.len() <= BODY_EXCERPT_LIMIT, "{pad}: {}", e.len());
            let lower = e.to_ascii_lowercase();
            assert!(!lower.contains(&TOKEN[..SHORTEST_PARTIAL]), "{pad}: {e}");
            assert!(!lower.contains("%74%6f%6b%5f"), "{pad}: {e}");
        }
    }
    // Short bodies are kept whole, with the secret replaced.
    assert_eq!(
        excerpt_of(&client, &format!("x {TOKEN} y")).await,
        "x [redacted] y"
    );
    // A body that only happens to end like a secret's start is kept when not cut.
    assert_eq!(
        excerpt_of(&client, "ends with tok_abc").await,
        "ends with tok_abc"
    );
}

#[tokio::test]
async fn excerpts_are_bounded_in_bytes_even_when_invalid() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_bytes(vec![0xffu8; 4 * BODY_EXCERPT_LIMIT]),
        )
        .mount(&server)
        .await;
    let e = excerpt_of(&client(&server), "anything").await;
    assert!(e.len() <= BODY_EXCERPT_LIMIT, "{}", e.len());
    assert!(e.chars().all(|c| c == char::REPLACEMENT_CHARACTER));
    assert_eq!(excerpt_of(&client(&echo().await), "short").await, "short");
}
