//! The `test-util` mock, as a user's test would use it, and the rules it
//! enforces on raw requests.

use intercom_messages::testing::{MockIntercom, TEST_TOKEN};
use intercom_messages::{Contact, Message, SendError, Version};
use serde_json::{Value, json};

async fn post(mock: &MockIntercom, token: &str, version: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/messages", mock.uri()))
        .bearer_auth(token)
        .header("Intercom-Version", version)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn a_users_test_against_the_mock() {
    let mock = MockIntercom::start().await;
    let client = mock.client(Version::V2_6);
    let sent = client
        .send(Message::from_contact(Contact::lead("l1")).body("Is it in stock?"))
        .await
        .unwrap();
    assert_eq!(sent.kind, intercom_messages::MessageKind::UserMessage);
    let received = mock.received().await;
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].body,
        json!({"from": {"type": "lead", "id": "l1"}, "body": "Is it in stock?"})
    );

    mock.fail_next(429, "rate_limit_exceeded", "slow down")
        .await;
    let err = client
        .send(Message::from_admin(1).to(Contact::user("u")).in_app("Hi"))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::RateLimited { .. }), "{err:?}");
    // The scripted failure still received a valid message, answered 429.
    let received = mock.received().await;
    assert_eq!(
        received.iter().map(|r| r.status).collect::<Vec<_>>(),
        [200, 429]
    );
    assert_eq!(received[1].id, None);
}

#[tokio::test]
async fn created_messages_get_their_own_ids_and_failures_need_the_token() {
    let mock = MockIntercom::start().await;
    let client = mock.client(Version::V2_14);
    let send = || client.send(Message::from_admin(1).to(Contact::user("u")).in_app("Hi"));
    let a = send().await.unwrap();
    let b = send().await.unwrap();
    assert_ne!(a.id, b.id);
    // A scripted failure is not handed to a request with a wrong token.
    mock.fail_next(500, "server_error", "boom").await;
    let admin = json!({"message_type": "inapp", "body": "Hi", "from": {"type": "admin", "id": 1}, "to": {"type": "user", "id": "u"}});
    assert_eq!(post(&mock, "wrong", "2.14", admin).await.0, 401);
    let err = send().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    let ids: Vec<_> = mock.received().await.into_iter().map(|r| r.id).collect();
    assert_eq!(ids, [Some(a.id), Some(b.id), None]);
}

#[tokio::test]
async fn the_mock_checks_requests_like_intercom() {
    let mock = MockIntercom::start().await;
    let admin = json!({"message_type": "inapp", "body": "Hi", "from": {"type": "admin", "id": "1"}, "to": {"type": "user", "id": "u"}});
    assert_eq!(post(&mock, TEST_TOKEN, "2.6", admin.clone()).await.0, 200);
    assert_eq!(post(&mock, "wrong", "2.6", admin.clone()).await.0, 401);
    assert_eq!(post(&mock, TEST_TOKEN, "2.15", admin.clone()).await.0, 400);

    let mut with_cc = admin.clone();
    with_cc["cc"] = json!({"type": "user", "id": "c"});
    let (status, body) = post(&mock, TEST_TOKEN, "2.13", with_cc.clone()).await;
    assert_eq!(status, 400);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`cc`"),
        "{body}"
    );
    assert_eq!(post(&mock, TEST_TOKEN, "2.14", with_cc).await.0, 200);

    let mut numeric = admin.clone();
    numeric["from"]["id"] = json!(1);
    assert_eq!(post(&mock, TEST_TOKEN, "2.6", numeric.clone()).await.0, 400);
    assert_eq!(post(&mock, TEST_TOKEN, "2.7", numeric).await.0, 200);

    let visitor = json!({"from": {"type": "contact", "id": "v"}, "body": "Hey"});
    assert_eq!(post(&mock, TEST_TOKEN, "2.5", visitor.clone()).await.0, 200);
    assert_eq!(post(&mock, TEST_TOKEN, "2.6", visitor).await.0, 400);

    let email_without_subject = json!({"message_type": "email", "body": "Hi", "from": {"type": "admin", "id": "1"}, "to": {"type": "user", "id": "u"}});
    assert_eq!(
        post(&mock, TEST_TOKEN, "2.14", email_without_subject)
            .await
            .0,
        422
    );
    assert_eq!(
        post(&mock, TEST_TOKEN, "2.14", json!({"body": "no sender"}))
            .await
            .0,
        400
    );
}
