//! What each answer of a server on loopback means: the created message or
//! the error the delivery table of `SendError` gives for it, with every
//! piece of server text kept scrubbed of the token and safe to show. One
//! attempt per send, so that each answer is classified on its own.

mod common;

use intercom_messages::{
    Client, Contact, Message, RESPONSE_BODY_LIMIT, SERVER_TEXT_LIMIT, SendError, SentMessage,
};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "tok_classify_0123456789";

const CREATED: &str =
    r#"{"type":"admin_message","id":"1","created_at":1,"body":"x","message_type":"inapp"}"#;
const LIST: &str = r#"{"type":"error.list","request_id":"r1","errors":[{"code":"not_found"}]}"#;

/// A body over the limit, starting like JSON.
fn big() -> Vec<u8> {
    let mut body = b"{\"partial".to_vec();
    body.resize(RESPONSE_BODY_LIMIT + 1, b' ');
    body
}

/// Each row: status, body, the variant `Debug` starts with (or `Created`),
/// and the delivery flag.
fn rows() -> Vec<(u16, Vec<u8>, &'static str, bool)> {
    let read = |s: &str| s.as_bytes().to_vec();
    vec![
        (200, read(CREATED), "Created", false),
        (201, read(CREATED), "Created", false),
        (200, read("<html>"), "UndecodableResponse", true),
        (200, read(""), "UndecodableResponse", true),
        (200, big(), "ResponseTooLarge", true),
        (400, read(LIST), "Api", false),
        (404, read(LIST), "Api", false),
        (408, read(LIST), "Api", false),
        (422, read("not json"), "UndecodableResponse", false),
        (404, big(), "ResponseTooLarge", false),
        (429, read(LIST), "RateLimited", false),
        (429, read("garbage"), "RateLimited", false),
        (500, read(LIST), "Server", true),
        (503, read(""), "Server", true),
        (503, big(), "Server", true),
        (999, read(LIST), "Server", true),
        (301, read(""), "Redirected", true),
        (308, read(""), "Redirected", true),
    ]
}

/// A server answering each message with the row its text names.
async fn by_row() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(|request: &Request| {
            let sent: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
            let row: usize = sent["body"].as_str().unwrap().parse().unwrap();
            let (status, body, _, _) = rows().swap_remove(row);
            ResponseTemplate::new(status).set_body_bytes(body)
        })
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    common::client_without_retries(server, TOKEN)
}

fn message(text: &str) -> Message {
    Message::from_admin(1)
        .to(Contact::user_id("70"))
        .in_app(text)
        .into()
}

async fn send(server: &MockServer) -> Result<SentMessage, SendError> {
    client(server).send(message("hi")).await
}

#[tokio::test]
async fn every_answer_is_classified() {
    let server = by_row().await;
    let client = client(&server);
    for (row, (status, _, variant, delivered)) in rows().into_iter().enumerate() {
        match client.send(message(&row.to_string())).await {
            Ok(_) => assert_eq!(variant, "Created", "{status}"),
            Err(e) => {
                assert!(format!("{e:?}").starts_with(variant), "{status}: {e:?}");
                assert_eq!(e.may_have_been_delivered(), delivered, "{status}: {e:?}");
                assert_eq!(e.status(), Some(status), "{status}");
            }
        }
    }
}

#[tokio::test]
async fn a_redirect_says_where_without_secrets() {
    let location = format!("https://user:pw@elsewhere.test/messages/{TOKEN}?q=1");
    let server =
        common::answering(ResponseTemplate::new(307).insert_header("location", location.as_str()))
            .await;
    match send(&server).await.unwrap_err() {
        SendError::Redirected { location, .. } => assert_eq!(
            location.as_deref(),
            Some("https://elsewhere.test/messages/[redacted]")
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_created_message_keeps_its_request_id_and_rate_limit() {
    let created = || ResponseTemplate::new(200).set_body_string(CREATED);
    let server = common::answering(
        created()
            .insert_header("x-request-id", "req_ok_1")
            .insert_header("x-ratelimit-remaining", "41")
            .insert_header("x-ratelimit-limit", "166"),
    )
    .await;
    let sent = send(&server).await.unwrap();
    assert_eq!(sent.request_id.as_deref(), Some("req_ok_1"));
    assert_eq!(sent.rate_limit.remaining, Some(41));
    assert_eq!(sent.rate_limit.limit, Some(166));
    // Scrubbed like every piece of server text.
    let server = common::answering(created().insert_header("x-request-id", TOKEN)).await;
    let sent = send(&server).await.unwrap();
    assert_eq!(sent.request_id.as_deref(), Some("[redacted]"));
}

#[tokio::test]
async fn a_429_keeps_its_headers_and_request_id() {
    let server = common::answering(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "4")
            .insert_header("x-ratelimit-remaining", "0")
            .set_body_string(LIST),
    )
    .await;
    match send(&server).await.unwrap_err() {
        SendError::RateLimited {
            rate_limit,
            retry_after,
            request_id,
            attempts,
        } => {
            assert_eq!(rate_limit.remaining, Some(0));
            assert_eq!(retry_after, Some(std::time::Duration::from_secs(4)));
            assert_eq!(request_id.as_deref(), Some("r1"));
            assert_eq!(attempts, 1);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn server_text_is_escaped_and_bounded() {
    let list = json!({
        "type": "error.list",
        "request_id": "r\n1",
        "errors": [{
            "code": "bad\nINFO admin logged in\r\u{1b}[31m",
            "message": "x".repeat(10_000),
            "field": "f\u{0}",
        }],
    });
    let server = common::answering(ResponseTemplate::new(400).set_body_json(list)).await;
    let e = send(&server).await.unwrap_err();
    assert!(matches!(e, SendError::Api { .. }), "{e:?}");
    let text = e.to_string();
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(text.len() < 3 * SERVER_TEXT_LIMIT + 200, "{}", text.len());
    assert!(text.contains('…'));
}
