//! Client configuration: regions, base URLs, the environment, and tracing.

use std::collections::HashMap;

use intercom_messages::{Client, ConfigError, Contact, Message, Region, Version};
use intercom_messages_test_support::log::Captured;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

#[test]
fn regions_and_base_urls() {
    let c = Client::builder("t").build().unwrap();
    assert_eq!(c.base_url(), "https://api.intercom.io/");
    assert_eq!(
        Client::builder("t")
            .region(Region::Eu)
            .build()
            .unwrap()
            .base_url(),
        "https://api.eu.intercom.io/"
    );
    assert_eq!(
        Client::builder("t")
            .region(Region::Au)
            .build()
            .unwrap()
            .base_url(),
        "https://api.au.intercom.io/"
    );
    for ok in [
        "https://intercom.example.com/proxy",
        "http://127.0.0.1:4010",
        "http://[::1]:8080",
        "http://localhost:1",
    ] {
        assert!(Client::builder("t").base_url(ok).build().is_ok(), "{ok}");
    }
}

#[test]
fn a_base_url_that_cannot_be_used_is_refused_and_never_shows_its_user_info() {
    for (bad, want) in [
        ("http://api.intercom.io", "plain http"),
        ("http://10.0.0.1", "plain http"),
        ("ftp://127.0.0.1", "scheme `ftp`"),
        ("not a url", "cannot be used"),
        ("https://user:pw@api.intercom.io", "no credentials"),
        ("https://api.intercom.io/#top", "no fragment"),
        ("https://api.intercom.io/?x=1", "no query"),
    ] {
        let err = Client::builder("t").base_url(bad).build().unwrap_err();
        assert!(err.to_string().contains(want), "{bad}: {err}");
    }
    // User info is never repeated, in the text or in Debug, whatever else is wrong.
    for secret_url in [
        "https://user:s3cr3t@api.intercom.io",
        "http://user:s3cr3t@10.0.0.1",
        "https://user:s3cr3t@api.intercom.io:notaport",
        "ftp://s3cr3t@127.0.0.1",
        "https://a@b:s3cr3t@api.intercom.io/x",
    ] {
        let err = Client::builder("t")
            .base_url(secret_url)
            .build()
            .unwrap_err();
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains("s3cr3t"), "{secret_url}: {shown}");
            assert!(shown.contains("[redacted]"), "{secret_url}: {shown}");
        }
    }
}

/// Pacing that cannot work, or a token that cannot be a header, is refused,
/// not a panic.
#[test]
fn impossible_pacing_and_tokens_are_refused() {
    for (n, window) in [
        (1, std::time::Duration::MAX),
        (0, std::time::Duration::from_secs(10)),
    ] {
        assert!(matches!(
            Client::builder("t").pacing_per(n, window).build(),
            Err(ConfigError::BadPacing { .. })
        ));
    }
    assert!(matches!(
        Client::builder("").build(),
        Err(ConfigError::BadToken)
    ));
    assert!(matches!(
        Client::builder("a\nb").build(),
        Err(ConfigError::BadToken)
    ));
}

#[test]
fn from_the_environment() {
    let b = Client::builder_from(env(&[
        ("INTERCOM_TOKEN", "t"),
        ("INTERCOM_REGION", "EU"),
        ("INTERCOM_VERSION", "2.10"),
    ]))
    .unwrap();
    let c = b.build().unwrap();
    assert_eq!(c.base_url(), "https://api.eu.intercom.io/");
    assert_eq!(c.version(), Version::V2_10);

    let c = Client::builder_from(env(&[
        ("INTERCOM_TOKEN", "t"),
        ("INTERCOM_REGION", "http://127.0.0.1:9"),
    ]))
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(c.base_url(), "http://127.0.0.1:9/");
    assert_eq!(c.version(), Version::default());

    assert!(matches!(
        Client::builder_from(env(&[])),
        Err(ConfigError::MissingToken)
    ));
    let err = Client::builder_from(env(&[("INTERCOM_TOKEN", "t"), ("INTERCOM_REGION", "mars")]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "INTERCOM_REGION is `mars`: expected us, eu, au or an https:// base URL"
    );
    let err = Client::builder_from(env(&[("INTERCOM_TOKEN", "t"), ("INTERCOM_VERSION", "3.0")]))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`3.0` is not an Intercom API version"),
        "{err}"
    );
    // A shared budget this crate cannot honour is refused, never ignored, and
    // the error says which crate reads it.
    let err = Client::builder_from(env(&[
        ("INTERCOM_TOKEN", "t"),
        (
            "INTERCOM_RATE_BUDGET_REDIS_URL",
            "redis://:hunter2@127.0.0.1/",
        ),
    ]))
    .unwrap_err();
    assert!(matches!(err, ConfigError::BadRateBudget { .. }), "{err:?}");
    assert!(err.to_string().contains("intercom-messages-redis"), "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn one_span_per_send_without_token_or_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0").set_body_json(
            serde_json::json!({"type": "error.list", "request_id": "req-77", "errors": [{"code": "rate_limit_exceeded"}]}),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "type": "admin_message", "id": "1", "created_at": 1, "body": "x", "message_type": "inapp"})))
        .mount(&server)
        .await;
    let out = Captured::default();
    let _guard = out.on_this_thread(tracing::Level::DEBUG);
    let c = Client::builder("tok_TRACE_secret")
        .base_url(&server.uri())
        .build()
        .unwrap();
    c.send_with_version(
        Message::from_admin(1)
            .to(Contact::user("u"))
            .in_app("the-secret-body"),
        Version::V2_12,
    )
    .await
    .unwrap();
    let text = out.text();
    assert!(text.contains("intercom.send"), "{text}");
    assert!(text.contains("intercom.version=\"2.12\""), "{text}");
    assert!(text.contains("http.response.status_code=429"), "{text}");
    assert!(text.contains("intercom.request_id=\"req-77\""), "{text}");
    assert!(text.contains("rate limited; retrying"), "{text}");
    assert!(!text.contains("tok_TRACE_secret"), "{text}");
    assert!(!text.contains("the-secret-body"), "{text}");
}

#[tokio::test]
async fn a_callers_reqwest_client_is_used_and_still_gets_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::header("x-from-callers-client", "yes"))
        .and(wiremock::matchers::header("authorization", "Bearer caller-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "type": "admin_message", "id": "1", "created_at": 1, "body": "x", "message_type": "inapp"})))
        .expect(1)
        .mount(&server)
        .await;
    let mut defaults = reqwest::header::HeaderMap::new();
    defaults.insert(
        "x-from-callers-client",
        reqwest::header::HeaderValue::from_static("yes"),
    );
    let http = intercom_messages::api::client_builder()
        .default_headers(defaults)
        .build()
        .unwrap();
    let c = Client::builder("caller-token")
        .base_url(&server.uri())
        .http_client(http)
        .build()
        .unwrap();
    c.send(Message::from_admin(1).to(Contact::user("u")).in_app("Hi"))
        .await
        .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn a_refused_connection_is_retried_because_nothing_was_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let out = Captured::default();
    let _guard = out.on_this_thread(tracing::Level::INFO);
    let c = Client::builder("t")
        .base_url(&url)
        .retry(
            intercom_messages::RetryPolicy::default()
                .max_attempts(3)
                .max_wait(std::time::Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    let err = c
        .send(Message::from_admin(1).to(Contact::user("u")).in_app("Hi"))
        .await
        .unwrap_err();
    assert!(!err.may_have_been_delivered(), "{err}");
    let text = out.text();
    let retries = text.matches("retrying after a transport error").count();
    assert_eq!(retries, 2, "3 attempts in all:\n{text}");
    assert!(text.contains("may_have_been_delivered=false"), "{text}");
}

/// No public item is hidden instead of private: `#[doc(hidden)]` appears in
/// no hand-written source of the facade (rustdoc does not warn about a link
/// to a hidden item, so a hidden item would also hide dead links).
#[test]
fn no_public_item_is_hidden() {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                if text.contains("// @generated") {
                    continue;
                }
                for (i, line) in text.lines().enumerate() {
                    if line.trim_start().starts_with("#[doc(hidden)]") {
                        out.push(format!("{}:{}", path.display(), i + 1));
                    }
                }
            }
        }
    }
    let mut hidden = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut hidden,
    );
    assert!(hidden.is_empty(), "hidden public items: {hidden:?}");
}
