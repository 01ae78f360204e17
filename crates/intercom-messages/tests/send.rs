//! Sending against real HTTP servers on loopback: wiremock, and a raw TCP
//! server for connections dropped after the request was read.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use intercom_messages::{
    Client, Contact, DeliveredBy, Message, MessageKind, RetryPolicy, SendError, SendOptions,
    Version,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "tok_SECRET_a1b2c3d4e5";

fn created() -> Value {
    json!({"type": "admin_message", "id": "1", "created_at": 1700000000, "body": "Hello", "message_type": "inapp"})
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .default_wait(Duration::from_millis(10))
        .max_wait(Duration::from_millis(50))
}

fn client_at(url: &str, retry: RetryPolicy) -> Client {
    Client::builder(TOKEN)
        .base_url(url)
        .retry(retry)
        .build()
        .unwrap()
}

fn client(server: &MockServer) -> Client {
    client_at(&server.uri(), fast_retries())
}

fn in_app() -> Message {
    Message::from_admin(394051)
        .to(Contact::user("536e564f316c83104c000020"))
        .in_app("Hello")
        .into()
}

async fn answer(server: &MockServer, template: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(template)
        .mount(server)
        .await;
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

#[tokio::test]
async fn the_exact_request_on_the_wire_in_each_era() {
    for (version, message, expected) in eras() {
        let server = MockServer::start().await;
        answer(&server, ResponseTemplate::new(200).set_body_json(created())).await;
        client(&server)
            .send_with_version(message, version)
            .await
            .unwrap();
        let got = requests(&server).await;
        assert_eq!(got.len(), 1, "{version}");
        assert_headers(&got[0], version);
        let body: Value = serde_json::from_slice(&got[0].body).unwrap();
        assert_eq!(body, expected, "{version}");
    }
}

/// The request every send makes: `POST /messages` with the token, the
/// version and JSON, and no header of another API.
fn assert_headers(r: &Request, version: Version) {
    assert_eq!(r.method.as_str(), "POST");
    assert_eq!(r.url.path(), "/messages");
    assert_eq!(
        r.headers["authorization"],
        format!("Bearer {TOKEN}").as_str()
    );
    assert_eq!(r.headers["intercom-version"], version.as_str());
    assert_eq!(r.headers["accept"], "application/json");
    assert_eq!(r.headers["content-type"], "application/json");
    assert!(
        r.headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("intercom-messages/")
    );
    assert!(!r.headers.contains_key("api-version"), "{version}");
}

/// A message of each era and the exact body it sends.
fn eras() -> [(Version, Message, Value); 5] {
    [
        (
            Version::V1_4,
            Message::from_admin(394051)
                .to(Contact::user_email("wash@serenity.io"))
                .email("Hey", "Ponies")
                .into(),
            // The admin id is an integer in every version (openapi/README.md,
            // "The type of admin `from.id`").
            json!({"message_type": "email", "subject": "Hey", "body": "Ponies", "template": "plain",
                   "from": {"type": "admin", "id": 394051}, "to": {"type": "user", "email": "wash@serenity.io"}}),
        ),
        (
            Version::V2_6,
            Message::from_contact(Contact::lead("5f1a"))
                .body("Hey")
                .into(),
            json!({"from": {"type": "lead", "id": "5f1a"}, "body": "Hey"}),
        ),
        (
            Version::V2_9,
            Message::from_admin(394051)
                .to(Contact::user("u1"))
                .in_app("Hello")
                .open_conversation(true)
                .into(),
            json!({"message_type": "inapp", "body": "Hello", "from": {"type": "admin", "id": 394051},
                   "to": {"type": "user", "id": "u1"}, "create_conversation_without_contact_reply": true}),
        ),
        (
            Version::V2_12,
            Message::from_admin(394051)
                .to(Contact::user_id("70"))
                .in_app("Hello")
                .created_at(1590000000)
                .into(),
            json!({"message_type": "inapp", "body": "Hello", "from": {"type": "admin", "id": 394051},
                   "to": {"type": "user", "user_id": "70"}, "created_at": 1590000000}),
        ),
        (
            Version::V2_14,
            Message::from_admin(394051)
                .to(Contact::user("a"))
                .to(Contact::lead("b"))
                .email("S", "B")
                .cc(Contact::user("c"))
                .into(),
            json!({"message_type": "email", "subject": "S", "body": "B", "template": "plain",
                   "from": {"type": "admin", "id": 394051},
                   "to": [{"type": "user", "id": "a"}, {"type": "lead", "id": "b"}], "cc": {"type": "user", "id": "c"}}),
        ),
    ]
}

#[tokio::test]
async fn success_decodes_leniently() {
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({
            "type": "sms_message", "id": "9", "created_at": 1, "body": "Hi",
            "message_type": "carrier_pigeon", "owner": {"id": "1"}, "brand_new_field": [1, 2]
        })),
    )
    .await;
    let sent = client(&server).send(in_app()).await.unwrap();
    assert_eq!(sent.kind, MessageKind::Other("sms_message".into()));
    assert_eq!(
        sent.delivered_by,
        DeliveredBy::Other("carrier_pigeon".into())
    );
    assert_eq!(sent.subject(), None);
    assert_eq!(sent.conversation_id(), None);
}

#[tokio::test]
async fn error_lists_become_typed_api_errors() {
    for status in [400u16, 401, 403, 404, 422] {
        let server = MockServer::start().await;
        answer(
            &server,
            ResponseTemplate::new(status).set_body_json(json!({
                "type": "error.list", "request_id": "req-1 (not a uuid)",
                "errors": [{"code": "parameter_not_found", "message": "No subject supplied for email message", "field": "subject"},
                           {"code": "brand_new_code"}]
            })),
        )
        .await;
        let err = client(&server).send(in_app()).await.unwrap_err();
        match &err {
            SendError::Api {
                status: s,
                request_id,
                errors,
            } => {
                assert_eq!(*s, status);
                assert_eq!(request_id.as_deref(), Some("req-1 (not a uuid)"));
                assert_eq!(err.request_id(), request_id.as_deref());
                assert_eq!(errors[0].code, "parameter_not_found");
                assert_eq!(errors[0].field.as_deref(), Some("subject"));
                assert_eq!(errors[1].code, "brand_new_code");
                assert_eq!(errors[1].message, None);
            }
            other => panic!("{status}: {other:?}"),
        }
        assert!(!err.may_have_been_delivered());
        assert!(err.to_string().contains("No subject supplied"), "{err}");
        assert_eq!(requests(&server).await.len(), 1, "{status} is not retried");
    }
}

#[tokio::test]
/// A 429 asking for a wait past `max_wait` is returned at once, with what
/// its headers said.
async fn a_429_past_max_wait_is_returned_at_once_with_its_headers() {
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 60;
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(429)
            .insert_header("X-RateLimit-Limit", "166")
            .insert_header("X-RateLimit-Remaining", "0")
            .insert_header("X-RateLimit-Reset", reset.to_string().as_str())
            .set_body_json(json!({"type": "error.list", "request_id": null, "errors": [{"code": "rate_limit_exceeded"}]})),
    )
    .await;
    let err = client(&server).send(in_app()).await.unwrap_err();
    match &err {
        SendError::RateLimited {
            rate_limit,
            attempts,
            ..
        } => {
            // The reset is a minute away, past max_wait: returned at once
            // rather than retried early into more 429s.
            assert_eq!(*attempts, 1);
            assert_eq!(rate_limit.limit, Some(166));
            assert_eq!(rate_limit.remaining, Some(0));
            assert_eq!(
                rate_limit.reset,
                Some(UNIX_EPOCH + Duration::from_secs(reset))
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.may_have_been_delivered());
    assert_eq!(requests(&server).await.len(), 1);
    // The time to the reset, read between two clock readings: no stopwatch.
    let reset_at = UNIX_EPOCH + Duration::from_secs(reset);
    let before = SystemTime::now();
    let left = err.retry_after().unwrap();
    let after = SystemTime::now();
    let most = reset_at.duration_since(before).unwrap_or_default();
    let least = reset_at.duration_since(after).unwrap_or_default();
    assert!(
        left <= most && left >= least,
        "{least:?} <= {left:?} <= {most:?}"
    );
}

/// A wait within max_wait: retried up to max_attempts.
#[tokio::test]
async fn a_429_within_max_wait_is_retried_up_to_max_attempts() {
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(429).insert_header("Retry-After", "0"),
    )
    .await;
    let err = client(&server).send(in_app()).await.unwrap_err();
    assert!(
        matches!(err, SendError::RateLimited { attempts: 3, retry_after: Some(d), .. } if d.is_zero()),
        "{err:?}"
    );
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
    assert_eq!(
        requests(&server).await.len(),
        3,
        "429 is retried up to max_attempts"
    );
}

/// No headers: the default wait (10 ms here).
#[tokio::test]
async fn a_429_without_headers_waits_the_default() {
    let server = MockServer::start().await;
    answer(&server, ResponseTemplate::new(429)).await;
    let err = client(&server).send(in_app()).await.unwrap_err();
    assert!(
        matches!(err, SendError::RateLimited { rate_limit, .. } if rate_limit == Default::default())
    );
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn rate_limited_then_created() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    answer(&server, ResponseTemplate::new(200).set_body_json(created())).await;
    let sent = client(&server).send(in_app()).await.unwrap();
    assert_eq!(sent.id(), "1");
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn server_errors_are_not_retried_and_may_have_been_delivered() {
    for (status, body) in [
        (
            500u16,
            r#"{"type":"error.list","request_id":"r5","errors":[{"code":"server_error"}]}"#,
        ),
        (503, "<html><body>Service Unavailable</body></html>"),
    ] {
        let server = MockServer::start().await;
        answer(&server, ResponseTemplate::new(status).set_body_string(body)).await;
        let err = client(&server).send(in_app()).await.unwrap_err();
        assert!(err.may_have_been_delivered(), "{status}");
        assert_eq!(err.status(), Some(status));
        match &err {
            SendError::Server { body_excerpt, .. } => assert_eq!(body_excerpt, body),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            requests(&server).await.len(),
            1,
            "{status} must not be retried by default"
        );

        // Opted in: retried up to max_attempts.
        client_at(&server.uri(), fast_retries().retry_possibly_delivered(true))
            .send(in_app())
            .await
            .unwrap_err();
        assert_eq!(requests(&server).await.len(), 1 + 3);
    }
}

#[tokio::test]
async fn malformed_empty_and_html_bodies_keep_status_and_body() {
    let cases: [(u16, &str); 4] = [
        (200, r#"{"type": "admin_message", "id": "#),
        (200, ""),
        (404, "<!DOCTYPE html><html><title>Not Found</title></html>"),
        (422, r#"{"unexpected": true}"#),
    ];
    for (status, body) in cases {
        let server = MockServer::start().await;
        answer(&server, ResponseTemplate::new(status).set_body_string(body)).await;
        let err = client(&server).send(in_app()).await.unwrap_err();
        match &err {
            SendError::UndecodableResponse {
                status: s,
                body_excerpt,
                reason,
            } => {
                assert_eq!(*s, status);
                assert_eq!(body_excerpt, body);
                assert!(!reason.is_empty());
            }
            other => panic!("{status} {body:?}: {other:?}"),
        }
        // A 2xx we cannot read probably created the message.
        assert_eq!(err.may_have_been_delivered(), status == 200);
    }
    // The excerpt is bounded.
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_string("x".repeat(100_000)),
    )
    .await;
    match client(&server).send(in_app()).await.unwrap_err() {
        SendError::UndecodableResponse { body_excerpt, .. } => {
            assert_eq!(body_excerpt.len(), intercom_messages::BODY_EXCERPT_LIMIT)
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_slow_server_times_out_once_and_may_have_been_delivered() {
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(created())
            .set_delay(Duration::from_secs(5)),
    )
    .await;
    let c = Client::builder(TOKEN)
        .base_url(&server.uri())
        .timeout(Duration::from_millis(200))
        .retry(fast_retries())
        .build()
        .unwrap();
    let err = c.send(in_app()).await.unwrap_err();
    match &err {
        SendError::Transport {
            may_have_been_delivered,
            source,
        } => {
            assert!(*may_have_been_delivered);
            assert!(source.is_timeout());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(requests(&server).await.len(), 1);
}

/// A server that reads each request in full, counts it, and drops the connection.
async fn dropping_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap())
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + len {
                            seen.fetch_add(1, Ordering::SeqCst);
                            let _ = sock.shutdown().await;
                            return; // dropped without an answer
                        }
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), count)
}

#[tokio::test]
async fn a_dropped_connection_is_sent_once_unless_opted_in() {
    let (url, count) = dropping_server().await;
    let err = client_at(&url, fast_retries())
        .send(in_app())
        .await
        .unwrap_err();
    assert!(err.may_have_been_delivered(), "{err}");
    assert!(matches!(
        err,
        SendError::Transport {
            may_have_been_delivered: true,
            ..
        }
    ));
    assert!(err.to_string().contains("may have been delivered"), "{err}");
    assert_eq!(count.load(Ordering::SeqCst), 1, "sent exactly once");

    let (url, count) = dropping_server().await;
    client_at(&url, fast_retries().retry_possibly_delivered(true))
        .send(in_app())
        .await
        .unwrap_err();
    assert_eq!(
        count.load(Ordering::SeqCst),
        3,
        "opted in: retried up to max_attempts"
    );
}

#[tokio::test]
async fn a_refused_connection_was_not_delivered() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = client_at(&url, fast_retries())
        .send(in_app())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SendError::Transport {
                may_have_been_delivered: false,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_invalid_message_is_never_sent() {
    let server = MockServer::start().await;
    answer(&server, ResponseTemplate::new(200).set_body_json(created())).await;
    let err = client(&server)
        .send_with_version(
            Message::from_admin(1)
                .to(Contact::user("u"))
                .email("S", "B")
                .cc(Contact::user("c")),
            Version::V2_13,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Invalid(_)));
    assert!(!err.may_have_been_delivered());
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn the_token_never_appears_in_debug_display_or_errors() {
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(401)
            .set_body_json(json!({"type": "error.list", "errors": [{"code": "unauthorized"}]})),
    )
    .await;
    let c = client(&server);
    let mut seen = vec![format!("{c:?}"), format!("{:?}", Client::builder(TOKEN))];
    seen.push(format!("{:?}", c.clone()));
    let api = c.send(in_app()).await.unwrap_err();
    let (url, _) = dropping_server().await;
    let transport = Client::builder(TOKEN)
        .base_url(&url)
        .build()
        .unwrap()
        .send(in_app())
        .await
        .unwrap_err();
    let invalid = c
        .send(Message::from_admin(1).to(Contact::user("")).in_app("b"))
        .await
        .unwrap_err();
    for e in [api, transport, invalid] {
        seen.push(format!("{e}"));
        seen.push(format!("{e:?}"));
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            seen.push(format!("{s} {s:?}"));
            source = s.source();
        }
    }
    for text in &seen {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(!text.contains("SECRET"), "token leaked: {text}");
    }
    assert!(seen[0].contains("[redacted]"));
}

#[tokio::test]
async fn clones_share_one_client_across_tasks() {
    let server = MockServer::start().await;
    answer(&server, ResponseTemplate::new(200).set_body_json(created())).await;
    let c = client(&server);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.send(in_app()).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(requests(&server).await.len(), 16);
}

/// The future of a send is small: callers hold many at once, and nest them.
/// A bound the code guarantees (the layout of the future), not a timing.
#[test]
fn a_send_future_stays_under_one_kibibyte() {
    let client = Client::builder("tok_future_size_0123")
        .base_url("http://127.0.0.1:1")
        .build()
        .unwrap();
    let big_body = "x".repeat(1 << 20);
    for message in [
        Message::from(
            Message::from_admin(1)
                .to(Contact::user_id("70"))
                .in_app("hi"),
        ),
        Message::from(
            Message::from_admin(1)
                .to(Contact::user_id("70"))
                .email("subject", big_body.clone()),
        ),
        Message::from(Message::from_contact(Contact::lead("5f1a")).body(big_body.clone())),
    ] {
        let future = client.send(message);
        let size = std::mem::size_of_val(&future);
        assert!(size <= 1024, "a send's future is {size} bytes");
    }
}

/// A message is sent by reference as well as by value (cloned, so it stays
/// the caller's), and a success carries Intercom's request id and the
/// rate-limit state.
#[tokio::test]
async fn a_message_is_sent_by_reference_and_a_success_says_its_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "req_created_9")
                .insert_header("x-ratelimit-remaining", "12")
                .set_body_json(json!({
                    "type": "admin_message", "id": "5", "created_at": 1, "body": "Hi", "message_type": "inapp"
                })),
        )
        .expect(2)
        .mount(&server)
        .await;
    let client = Client::builder("tok_by_reference_0123")
        .base_url(&server.uri())
        .build()
        .unwrap();
    let message: Message = Message::from_admin(1)
        .to(Contact::user_id("70"))
        .in_app("Hi")
        .into();
    let first = client.send(&message).await.unwrap();
    let second = client.send(&message).await.unwrap();
    assert_eq!(first.request_id.as_deref(), Some("req_created_9"));
    assert_eq!(first.rate_limit.remaining, Some(12));
    assert_eq!(first, second);
}

/// Options for one send override the client's: its version and its retry policy.
#[tokio::test]
async fn one_send_can_choose_its_version_timeout_and_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "type": "admin_message", "id": "6", "created_at": 1, "body": "Hi", "message_type": "inapp"
        })))
        .mount(&server)
        .await;
    let client = Client::builder("tok_options_0123456789")
        .base_url(&server.uri())
        .version(Version::V2_11)
        .build()
        .unwrap();
    let message = || {
        Message::from_admin(1)
            .to(Contact::user_id("70"))
            .in_app("Hi")
    };
    // No retry for this send: the 429 comes back.
    let e = client
        .send_with(
            message(),
            SendOptions::new()
                .version(Version::V2_14)
                .retry(RetryPolicy::never())
                .timeout(Duration::from_secs(5)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, SendError::RateLimited { attempts: 1, .. }),
        "{e:?}"
    );
    // The client's own settings are untouched.
    client.send(message()).await.unwrap();
    let versions: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers["intercom-version"].to_str().unwrap().to_string())
        .collect();
    assert_eq!(versions, ["2.14", "2.11"]);
}
