//! The `test-util` mock, as a user's test would use it, and the rules it
//! enforces on raw requests.

use intercom_messages::api::availability::Availability;
use intercom_messages::api::version_table as table;
use intercom_messages::{Contact, Message, SendError, Version};
use intercom_messages_mock::{MockIntercom, TEST_TOKEN};
use serde_json::{Value, json};

async fn post(mock: &MockIntercom, token: &str, version: &str, body: Value) -> (u16, Value) {
    post_as(mock, token, Some(version), body).await
}

/// A raw request, with `Intercom-Version` when given (four of the six
/// official SDK families send none).
async fn post_as(
    mock: &MockIntercom,
    token: &str,
    version: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut r = reqwest::Client::new()
        .post(format!("{}/messages", mock.uri()))
        .bearer_auth(token)
        .json(&body);
    if let Some(v) = version {
        r = r.header("Intercom-Version", v);
    }
    let r = r.send().await.unwrap();
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
    let received = mock.received();
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].body,
        json!({"from": {"type": "lead", "id": "l1"}, "body": "Is it in stock?"})
    );

    mock.fail_next(429, "rate_limit_exceeded", "slow down");
    let err = client
        .send(Message::from_admin(1).to(Contact::user("u")).in_app("Hi"))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::RateLimited { .. }), "{err:?}");
    // The scripted failure still received a valid message, answered 429.
    let received = mock.received();
    assert_eq!(
        received.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(200), Some(429)]
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
    assert_ne!(a.id(), b.id());
    // A scripted failure is not handed to a request with a wrong token.
    mock.fail_next(500, "server_error", "boom");
    let admin = json!({"message_type": "inapp", "body": "Hi", "from": {"type": "admin", "id": 1}, "to": {"type": "user", "id": "u"}});
    assert_eq!(post(&mock, "wrong", "2.14", admin).await.0, 401);
    let err = send().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    let ids: Vec<_> = mock.received().into_iter().map(|r| r.id).collect();
    let ids: Vec<Option<&str>> = ids.iter().map(Option::as_deref).collect();
    assert_eq!(ids, [Some(a.id()), Some(b.id()), None]);
}

/// The versions just inside and just outside a row of the version table.
fn around(row: Availability) -> (Vec<Version>, Vec<Version>) {
    let r = row.versions;
    let inside = vec![Version::ALL[r.first()], Version::ALL[r.last()]];
    let outside = r
        .first()
        .checked_sub(1)
        .into_iter()
        .chain(Some(r.last() + 1).filter(|&p| p < Version::ALL.len()))
        .map(|p| Version::ALL[p])
        .collect();
    (inside, outside)
}

#[tokio::test]
async fn the_mock_checks_the_token_and_the_version() {
    let mock = MockIntercom::start().await;
    let v = Version::ALL[0].as_str();
    assert_eq!(post(&mock, TEST_TOKEN, v, admin()).await.0, 200);
    assert_eq!(post(&mock, "wrong", v, admin()).await.0, 401);
    assert_eq!(post(&mock, TEST_TOKEN, "0.9", admin()).await.0, 400);
}

/// An admin in-app message every version accepts.
fn admin() -> Value {
    json!({"message_type": "inapp", "body": "Hi", "from": {"type": "admin", "id": "1"}, "to": {"type": "user", "id": "u"}})
}

/// Each row is checked from the version's generated request schema, on both
/// sides of its range.
#[tokio::test]
async fn the_mock_checks_each_row_on_both_sides_of_its_range() {
    let mock = MockIntercom::start().await;
    let mut with_cc = admin();
    with_cc["cc"] = json!({"type": "user", "id": "c"});
    // A property its version does not declare is accepted and reported.
    let (inside, outside) = around(table::ADMIN_MESSAGE_REQUEST__CC);
    for v in inside.into_iter().chain(outside.iter().copied()) {
        let (status, answer) = post(&mock, TEST_TOKEN, v.as_str(), with_cc.clone()).await;
        assert_eq!(status, 200, "cc in {v}: {answer}");
        let undeclared = mock.received().last().unwrap().undeclared.clone();
        assert_eq!(undeclared.is_empty(), !outside.contains(&v), "{v}");
    }
    for (row, body, named) in refused_outside_their_range() {
        let (inside, outside) = around(row);
        for v in inside {
            let (status, answer) = post(&mock, TEST_TOKEN, v.as_str(), body.clone()).await;
            assert_eq!(status, 200, "{} in {v}: {answer}", row.item);
        }
        for v in outside {
            refused(&mock, v, &body, row.item, named).await;
        }
    }
}

/// Rows whose use a version outside the row refuses: the row, a body using
/// it, and the field the refusal names (if it can point at one).
fn refused_outside_their_range() -> Vec<(Availability, Value, Option<&'static str>)> {
    let mut numeric = admin();
    numeric["from"]["id"] = json!(1);
    let visitor = json!({"message_type": "inapp", "body": "Hi", "from": {"type": "admin", "id": "1"}, "to": {"type": "contact", "id": "v"}});
    let mut listed = admin();
    listed["to"] = json!([{"type": "user", "id": "u"}, {"type": "user", "id": "w"}]);
    let whatsapp = json!({"message_type": "whatsapp", "template": "keep_live", "locale": "en",
        "components": [{"type": "BODY", "parameters": [{"type": "text", "text": "Ada"}]}],
        "from": {"type": "admin", "id": "1"}, "to": {"phone": "+4915112345678", "name": "Ada"}});
    let sms = json!({"message_type": "sms", "body": "Your code is 1234",
        "from": {"type": "admin", "id": "1"}, "to": {"type": "user", "id": "u"}});
    vec![
        (
            table::WHATS_APP_MESSAGE_REQUEST,
            whatsapp,
            Some("message_type"),
        ),
        (table::SMS_MESSAGE_REQUEST, sms, Some("message_type")),
        (table::ADMIN_ID__NUMBER, numeric, Some("from.id")),
        (table::CONTACT_TYPE__CONTACT, visitor, Some("to")),
        (table::RECIPIENTS__LIST, listed, Some("to")),
    ]
}

/// `body` is refused in `v` with a 400 that names the version, and the
/// field where the mock can point at it; a whole kind of message missing
/// from a version is judged by the status alone.
async fn refused(mock: &MockIntercom, v: Version, body: &Value, item: &str, named: Option<&str>) {
    let (status, answer) = post(mock, TEST_TOKEN, v.as_str(), body.clone()).await;
    assert_eq!(status, 400, "{item} in {v}");
    let message = answer["errors"][0]["message"].as_str().unwrap();
    if let Some(named) = named {
        assert!(message.contains(named), "{item} in {v}: {message}");
        let field = answer["errors"][0]["field"].as_str().unwrap();
        assert_eq!(field, named, "{item} in {v}: {answer}");
    }
    assert!(
        message.contains(&format!("Intercom-Version {v}")),
        "{message}"
    );
}

/// The contract's condition (an email needs its subject) answers as
/// Intercom's recorded 422 does; with a subject the same email is created.
#[tokio::test]
async fn the_mock_refuses_an_email_without_subject_like_intercom() {
    let mock = MockIntercom::start().await;
    let mut email = json!({"message_type": "email", "body": "Hi", "from": {"type": "admin", "id": "1"}, "to": {"type": "user", "id": "u"}});
    let (status, answer) = post(&mock, TEST_TOKEN, "2.14", email.clone()).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(
        answer["errors"][0]["code"], "parameter_not_found",
        "{answer}"
    );
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("subject"),
        "{answer}"
    );
    email["subject"] = json!("S");
    assert_eq!(post(&mock, TEST_TOKEN, "2.14", email).await.0, 200);
    assert_eq!(
        post(&mock, TEST_TOKEN, "2.14", json!({"body": "no sender"}))
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn whatsapp_and_sms_reach_the_mock_in_their_versions_only() {
    use intercom_messages::DeliveredBy;
    let mock = MockIntercom::start().await;
    let whatsapp = Message::from_admin(394051)
        .to_phone("+4915112345678", "Ada")
        .whatsapp("keep_live")
        .body_text(["Ada"]);
    let sms = Message::from_admin(394051)
        .to(Contact::lead("5f1b"))
        .sms("Your code is 1234");
    for (message, row, kind) in [
        (
            Message::from(whatsapp),
            table::WHATS_APP_MESSAGE_REQUEST,
            DeliveredBy::WhatsApp,
        ),
        (
            Message::from(sms),
            table::SMS_MESSAGE_REQUEST,
            DeliveredBy::Sms,
        ),
    ] {
        let (inside, outside) = around(row);
        for v in inside {
            let sent = mock.client(v).send(message.clone()).await.unwrap();
            assert_eq!(sent.delivered_by, kind, "{v}");
        }
        for v in outside {
            let err = mock.client(v).send(message.clone()).await.unwrap_err();
            assert!(matches!(err, SendError::Invalid(_)), "{v}: {err:?}");
        }
    }
    let received = mock.received();
    assert!(received.iter().all(|r| r.status == Some(200)));
    assert_eq!(received.len(), 4, "outside their versions nothing is sent");
}

#[tokio::test]
async fn the_recorded_sms_refusal_is_an_api_error() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let example = intercom_messages_tests::examples()
        .into_iter()
        .find(|e| e.place == "400" && e.name == "invalid_body_supplied_for_sms_message_preview")
        .expect("the fragment records the SMS refusal");
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(&example.value))
        .mount(&server)
        .await;
    let client = intercom_messages::Client::builder("t")
        .base_url(&server.uri())
        .version(Version::PREVIEW)
        .build()
        .unwrap();
    let err = client
        .send(
            Message::from_admin(1)
                .to(Contact::user("u"))
                .sms("See https://example.com"),
        )
        .await
        .unwrap_err();
    match &err {
        SendError::Api { status, errors, .. } => {
            assert_eq!(*status, 400);
            assert_eq!(errors[0].code, "parameter_invalid");
            assert_eq!(
                errors[0].message.as_deref(),
                Some("Invalid SMS message body")
            );
            assert_eq!(
                errors[0].error_code(),
                intercom_messages::ErrorCode::ParameterInvalid
            );
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    assert!(!err.may_have_been_delivered());
}

async fn post_without_version(mock: &MockIntercom, body: Value) -> (u16, Value) {
    post_as(mock, TEST_TOKEN, None, body).await
}

#[tokio::test]
async fn a_request_without_a_version_is_judged_at_the_apps_version() {
    let mock = MockIntercom::start().await;
    // cc exists only from its row's first version: the app's version decides.
    let with_cc = json!({"message_type": "email", "subject": "S", "body": "Hi", "template": "plain",
        "from": {"type": "admin", "id": "1"}, "to": {"type": "user", "id": "u"},
        "cc": {"type": "user", "id": "c"}});
    let row = table::ADMIN_MESSAGE_REQUEST__CC.versions;
    let before = Version::ALL[row.first() - 1];
    let inside = Version::ALL[row.first()];
    // Before it, cc is a property the version does not declare: accepted,
    // as Intercom's open objects are, and reported.
    mock.set_app_version(before);
    let (status, answer) = post_without_version(&mock, with_cc.clone()).await;
    assert_eq!(status, 200, "{answer}");
    mock.set_app_version(inside);
    let (status, answer) = post_without_version(&mock, with_cc).await;
    assert_eq!(status, 200, "{answer}");
    let received = mock.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].version, before);
    assert_eq!(received[0].undeclared, ["/cc"]);
    assert_eq!(received[1].version, inside);
    assert!(received[1].undeclared.is_empty());
    // The default app version is the facade's default.
    let fresh = MockIntercom::start().await;
    let plain = json!({"message_type": "inapp", "body": "Hi",
        "from": {"type": "admin", "id": "1"}, "to": {"type": "user", "id": "u"}});
    assert_eq!(post_without_version(&fresh, plain.clone()).await.0, 200);
    assert_eq!(fresh.received()[0].version, Version::DEFAULT);
    // The old name of Preview is read as Preview; a header naming nothing is refused.
    let sms = json!({"message_type": "sms", "body": "Your code is 1234",
        "from": {"type": "admin", "id": "1"}, "to": {"type": "user", "id": "u"}});
    assert_eq!(post(&fresh, TEST_TOKEN, "Unstable", sms).await.0, 200);
    assert_eq!(fresh.received()[1].version, Version::PREVIEW);
    assert_eq!(post(&fresh, TEST_TOKEN, "3.0", plain).await.0, 400);
}

/// The mock answers anything scripted (status, headers, body, delay), and a
/// created message carries rate-limit headers and a request id, as
/// Intercom's do.
#[tokio::test]
async fn any_answer_can_be_scripted_and_successes_carry_rate_limits() {
    use intercom_messages_mock::MockAnswer;
    let mock = MockIntercom::start().await;
    let client = mock.client(Version::V2_11);
    let message = || Message::from_admin(1).to(Contact::user("u")).in_app("Hi");

    let sent = client.send(message()).await.unwrap();
    assert_eq!(sent.rate_limit.limit, Some(166));
    assert_eq!(sent.rate_limit.remaining, Some(165));
    assert!(sent.rate_limit.reset.is_some());
    assert!(
        sent.request_id
            .as_deref()
            .is_some_and(|id| id.len() == 36 && id.split('-').count() == 5),
        "{:?}",
        sent.request_id
    );

    mock.answer_next(
        MockAnswer::status(503)
            .header("retry-after", "1")
            .body_raw("<html>Service Unavailable</html>")
            .delay(std::time::Duration::from_millis(20)),
    );
    match client.send(message()).await.unwrap_err() {
        SendError::Server {
            status,
            body_excerpt,
            ..
        } => {
            assert_eq!(status, 503);
            assert!(
                body_excerpt.contains("Service Unavailable"),
                "{body_excerpt}"
            );
        }
        other => panic!("{other:?}"),
    }
    mock.answer_next(MockAnswer::status(200).body_json(&json!({"not": "a message"})));
    let e = client.send(message()).await.unwrap_err();
    assert!(
        matches!(e, SendError::UndecodableResponse { status: 200, .. }),
        "{e:?}"
    );
    let statuses: Vec<_> = mock.received().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(200), Some(503), Some(200)]);
}

/// A scripted dropped connection: the mock reads and records the request,
/// then closes the connection without a word. The client cannot know
/// whether Intercom acted on it, so the error says "may have been
/// delivered"; the next request is answered as usual.
#[tokio::test]
async fn a_dropped_connection_can_be_scripted() {
    use intercom_messages_mock::MockAnswer;
    let mock = MockIntercom::start().await;
    let client = mock.client(Version::V2_11);
    let message = || Message::from_admin(1).to(Contact::user("u")).in_app("Hi");

    mock.answer_next(MockAnswer::drop_connection());
    let err = client.send(message()).await.unwrap_err();
    assert!(
        matches!(
            err,
            SendError::Transport {
                may_have_been_delivered: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.may_have_been_delivered());
    client.send(message()).await.unwrap();
    let received = mock.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].status, None);
    assert_eq!(received[0].id, None);
    assert_eq!(received[0].body["body"], "Hi");
    assert_eq!(received[1].status, Some(200));

    // A raw client sees the connection closed with no answer at all.
    mock.answer_next(MockAnswer::drop_connection());
    let raw = reqwest::Client::new()
        .post(format!("{}/messages", mock.uri()))
        .bearer_auth(TEST_TOKEN)
        .header("Intercom-Version", "2.11")
        .json(&json!({"message_type": "inapp", "body": "Hi", "from": {"type": "admin", "id": 1}, "to": {"type": "user", "id": "u"}}))
        .send()
        .await;
    assert!(raw.is_err(), "{raw:?}");
}

/// Dropping the mock stops it: its port no longer answers.
#[tokio::test]
async fn a_dropped_mock_stops_listening() {
    let mock = MockIntercom::start().await;
    let uri = mock.uri();
    drop(mock);
    // The accept loop ends at its next turn; give it that turn.
    tokio::task::yield_now().await;
    let r = reqwest::Client::new()
        .get(format!("{uri}/messages"))
        .send()
        .await;
    assert!(r.is_err(), "{r:?}");
}

/// "Receiving Contacts are identified by a `user_id` or `id` field" (1.0):
/// the mock refuses a `contact` recipient named by email in 1.x, and takes
/// the same recipient by `user_id`; a lead writing by email is taken.
#[tokio::test]
async fn the_mock_refuses_a_1x_contact_recipient_by_email() {
    let mock = MockIntercom::start().await;
    let to = |key: &str| {
        json!({
            "message_type": "inapp", "body": "Hi",
            "from": {"type": "admin", "id": "1"},
            "to": {"type": "contact", key: "v@example.com"}
        })
    };
    let (status, _) = post(&mock, TEST_TOKEN, "1.4", to("email")).await;
    assert!((400..500).contains(&status), "{status}");
    let (status, body) = post(&mock, TEST_TOKEN, "1.4", to("user_id")).await;
    assert_eq!(status, 200, "{body}");
    let lead = json!({"from": {"type": "contact", "email": "lead@example.com"}, "body": "Hi"});
    let (status, body) = post(&mock, TEST_TOKEN, "1.4", lead).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(mock.received().len(), 2);
}

/// The mock's answer carries every property the contract declares for the
/// answer at the version (read from the generated `types::Message` and the
/// response rows of the version table), and the facade hands it over whole
/// in `SentMessage::message`.
#[tokio::test]
async fn the_answer_has_what_the_contract_declares_at_its_version() {
    let mock = MockIntercom::start().await;
    let message = Message::from_admin(1)
        .to(Contact::user_id("u"))
        .in_app("Hi");
    let sent_at = |v: Version| {
        let client = mock.client(v);
        let message = message.clone();
        async move { client.send(message).await.unwrap() }
    };
    let conversation = table::MESSAGE__CONVERSATION_ID.versions;
    let template = table::MESSAGE__TEMPLATE.versions;
    let owner = table::MESSAGE_OWNER.versions;
    for &v in Version::ALL {
        let sent = sent_at(v).await;
        // An admin message opens no conversation until the contact replies:
        // no `conversation_id`, in any version.
        assert_eq!(sent.message.conversation_id, None, "{v}");
        // A user's message opens one at once: its id is in the answer
        // wherever the contract declares the property.
        let user = mock
            .client(v)
            .send(Message::from_contact(Contact::user_id("u")).body("Hi"))
            .await
            .unwrap();
        assert_eq!(
            user.message.conversation_id.is_some(),
            v.has(table::MESSAGE__CONVERSATION_ID),
            "{v}: conversation_id in {conversation}"
        );
        assert_eq!(
            sent.conversation_id(),
            sent.message.conversation_id.as_deref()
        );
        assert_eq!(
            sent.message.template.is_some(),
            v.has(table::MESSAGE__TEMPLATE),
            "{v}: template in {template}"
        );
        assert_eq!(
            sent.message.owner.is_some(),
            v.has(table::MESSAGE_OWNER),
            "{v}: owner in {owner}"
        );
        assert_eq!(sent.body(), "Hi");
        assert_eq!(sent.message.body, "Hi");
    }
}
