//! The generated client on its own, against a real HTTP server on loopback.

use intercom_messages_api::{Client, Error, types};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn admin_in_app() -> serde_json::Value {
    json!({
        "message_type": "inapp",
        "body": "Hello there",
        "from": {"type": "admin", "id": 394051},
        "to": {"type": "user", "id": "536e564f316c83104c000020"}
    })
}

#[tokio::test]
async fn sends_the_version_header_and_never_api_version() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .and(header("Intercom-Version", "2.10"))
        .and(header("Accept", "application/json"))
        .and(header("Content-Type", "application/json"))
        .and(body_json(admin_in_app()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "type": "admin_message", "id": "7", "created_at": 1, "body": "Hello there",
            "message_type": "inapp", "owner": {"type": "admin", "id": "394051"}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let client = Client::new(&server.uri()).unwrap();
    let request: types::CreateMessageRequest = serde_json::from_value(admin_in_app()).unwrap();
    let message = client
        .create_message()
        .intercom_version(types::IntercomVersion::X210)
        .body(request)
        .send()
        .await
        .unwrap();
    assert_eq!(message.status(), 200);
    assert_eq!(message.id, "7");
    assert_eq!(message.message_type, "inapp");

    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    assert!(
        !received[0].headers.contains_key("api-version"),
        "progenitor's api-version header must not reach Intercom: {:?}",
        received[0].headers
    );
}

#[tokio::test]
async fn a_callers_reqwest_client_and_an_error_list() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .and(header("Authorization", "Bearer test-token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "type": "error.list", "request_id": "not-a-uuid",
            "errors": [{"code": "token_revoked", "message": null}]
        })))
        .expect(1)
        .mount(&server)
        .await;

    let mut headers = reqwest::header::HeaderMap::new();
    let mut auth = reqwest::header::HeaderValue::from_static("Bearer test-token");
    auth.set_sensitive(true);
    headers.insert(reqwest::header::AUTHORIZATION, auth);
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = Client::new_with_client(&server.uri(), http);
    let request: types::CreateMessageRequest = serde_json::from_value(admin_in_app()).unwrap();
    match client.create_message().body(request).send().await {
        Err(Error::ErrorResponse(e)) => {
            assert_eq!(e.status(), 401);
            assert_eq!(e.request_id.as_deref(), Some("not-a-uuid"));
            assert_eq!(e.errors[0].code, "token_revoked");
            assert_eq!(e.errors[0].message, None);
        }
        other => panic!("expected the error list, got {other:?}"),
    }
    // No version chosen: no header, so the app's default applies.
    let received = server.received_requests().await.unwrap();
    assert!(!received[0].headers.contains_key("intercom-version"));
}

/// The generated crate alone sends an authenticated message: the token on
/// every request, and never in `Debug`.
#[tokio::test]
async fn with_token_authenticates_every_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .and(header("Authorization", "Bearer tok_generated_0123456789"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "type": "admin_message", "id": "8", "created_at": 1, "body": "Hello there",
            "message_type": "inapp"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::with_token(&server.uri(), "tok_generated_0123456789").unwrap();
    let request: types::CreateMessageRequest = serde_json::from_value(admin_in_app()).unwrap();
    let sent = client
        .create_message()
        .intercom_version(types::IntercomVersion::X214)
        .body(request)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.id, "8");
    assert!(!format!("{client:?}").contains("tok_generated"));
    assert!(matches!(
        Client::with_token(&server.uri(), "bad\ntoken"),
        Err(intercom_messages_api::ClientError::InvalidToken)
    ));
    assert!(Client::with_token(&server.uri(), " ").is_err());
}

/// The contract's `pattern`s hold in the generated types (checked with
/// regex-lite, which the generator swaps in for typify's regress): a value
/// is accepted whole or refused, by parsing and by decoding alike.
#[test]
fn the_contracts_patterns_accept_and_refuse_whole_values() {
    for ok in ["+14155550123", "+4420"] {
        assert!(types::PhoneRecipientPhone::try_from(ok).is_ok(), "{ok}");
    }
    for bad in [
        "14155550123",
        "+04155550123",
        "+1",
        "+1234567890123456",
        "+1415a",
        " +14155550123",
    ] {
        assert!(types::PhoneRecipientPhone::try_from(bad).is_err(), "{bad}");
    }
    assert!(types::Digits::try_from("394051").is_ok());
    for bad in ["", "39a", "-1", "1 "] {
        assert!(types::Digits::try_from(bad).is_err(), "{bad:?}");
    }
    for ok in ["=", "!=", "IN", "NIN", "<=", "~", "!~", "^", "$"] {
        assert!(types::SearchOperator::try_from(ok).is_ok(), "{ok}");
    }
    for bad in ["", "in", "INX", "==", "IN "] {
        assert!(types::SearchOperator::try_from(bad).is_err(), "{bad:?}");
    }
    assert!(serde_json::from_value::<types::Digits>(json!("12x")).is_err());
    assert!(serde_json::from_value::<types::Digits>(json!("12")).is_ok());
}
