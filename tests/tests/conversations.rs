//! After sending: a message's conversation, found by a search
//! (`Client::find_conversation`), against `MockIntercom` and hostile servers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use intercom_messages::api::version_table as table;
use intercom_messages::{
    BudgetError, BudgetFuture, Client, Contact, ConversationState, FindError, Message, RateBudget,
    RateLimit, RetryPolicy, SendError, Version, searchable_versions,
};
use intercom_messages_mock::{MockAnswer, MockIntercom, TEST_TOKEN};
use intercom_messages_test_support::server::{Raw, Reply};
use serde_json::{Value, json};

fn in_app() -> intercom_messages::AdminMessage<intercom_messages::InApp> {
    Message::from_admin(394051)
        .to(Contact::user_id("70"))
        .in_app("Welcome!")
}

/// The error of a version without search names the versions that can.
fn cannot_search(err: &FindError, v: Version) {
    assert!(
        matches!(err, FindError::VersionCannotSearch { version, .. } if *version == v),
        "{v}: {err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("2.0–Preview"), "{text}");
    assert!(text.contains("nothing was sent"), "{text}");
}

/// The conversation of an admin's message (`message_id`) the contact replied to.
fn replied_to(found: &intercom_messages::Conversation, message_id: &str, v: Version) {
    let source = found.source.as_ref().expect("a source");
    assert_eq!(source.id.as_deref(), Some(message_id), "{v}");
    assert_eq!(
        source.author.as_ref().unwrap().kind.as_deref(),
        Some("admin")
    );
    assert_eq!(
        source.author.as_ref().unwrap().id.as_deref(),
        Some("394051")
    );
    assert_eq!(found.state, ConversationState::Open);
    assert_eq!(found.open, Some(true));
    assert!(found.contact_last_replied_at.is_some(), "{v}");
    assert_eq!(found.contacts.len(), 1);
    assert_eq!(found.conversation.id, found.id);
    let request_id = found.request_id.as_deref().unwrap_or_default();
    assert_eq!(
        request_id.split('-').count(),
        5,
        "uuid-shaped: {request_id}"
    );
}

/// At every version that has search: nothing until the contact replies,
/// then the conversation whose source is the message. At every other
/// version: a typed error naming the versions that can, and nothing sent.
#[tokio::test]
async fn a_message_has_a_conversation_once_the_contact_replies_at_every_version() {
    let mock = MockIntercom::start().await;
    let searchable = searchable_versions();
    assert_eq!(searchable.start().as_str(), "2.0");
    assert_eq!(searchable.end().as_str(), "Preview");
    for &v in Version::ALL {
        let client = mock.client(v);
        let sent = client.send(in_app()).await.unwrap();
        assert_eq!(sent.conversation_id(), None, "{v}");
        let before = mock.received_searches().len();
        if !v.has(table::SEARCH_CONVERSATIONS_REQUEST) {
            let err = client.find_conversation(&sent).await.unwrap_err();
            cannot_search(&err, v);
            assert_eq!(
                mock.received_searches().len(),
                before,
                "{v}: a search was sent"
            );
            continue;
        }
        assert_eq!(client.find_conversation(&sent).await.unwrap(), None, "{v}");
        mock.contact_replies(&sent, "Thanks!");
        let found = client
            .find_conversation(&sent)
            .await
            .unwrap()
            .expect("found");
        replied_to(&found, sent.id(), v);
        let searches = mock.received_searches();
        let last = searches.last().unwrap();
        assert_eq!(last.version, v);
        assert_eq!(
            last.body,
            json!({"query": {"field": "source.id", "operator": "=", "value": sent.id()}})
        );
        // The same message, by its id alone.
        let by_id = client
            .find_conversation_by_message_id(sent.id())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(by_id.id, found.id);
    }
}

/// `conversation_id` is in a created message's answer only where Intercom
/// opens a conversation at once, each one its own; such a message is found
/// before any reply.
#[tokio::test]
async fn conversation_ids_only_where_a_conversation_is_opened_and_each_distinct() {
    let mock = MockIntercom::start().await;
    let client = mock.client(Version::V2_14);
    let plain = client.send(in_app()).await.unwrap();
    assert_eq!(plain.conversation_id(), None);
    let email = client
        .send(
            Message::from_admin(1)
                .to(Contact::user_id("70"))
                .email("Hi", "Hello"),
        )
        .await
        .unwrap();
    assert_eq!(email.conversation_id(), None);
    let opened = client.send(in_app().open_conversation(true)).await.unwrap();
    let user = client
        .send(Message::from_contact(Contact::user_id("70")).body("Help"))
        .await
        .unwrap();
    let user2 = client
        .send(Message::from_contact(Contact::user_id("71")).body("Help too"))
        .await
        .unwrap();
    let ids: Vec<&str> = [&opened, &user, &user2]
        .iter()
        .map(|s| s.conversation_id().expect("a conversation was opened"))
        .collect();
    assert_ne!(ids[0], ids[1]);
    assert_ne!(ids[1], ids[2]);
    assert_ne!(ids[0], ids[2]);
    let found = client.find_conversation(&opened).await.unwrap().unwrap();
    assert_eq!(found.id, ids[0]);
    assert_eq!(found.contact_last_replied_at, None);
    let found = client.find_conversation(&user).await.unwrap().unwrap();
    assert_eq!(found.id, ids[1]);
    assert_eq!(
        found.source.unwrap().author.unwrap().kind.as_deref(),
        Some("user")
    );
    assert_eq!(client.find_conversation(&plain).await.unwrap(), None);
    assert_eq!(client.find_conversation(&email).await.unwrap(), None);
    // A reply opens the email's conversation, with an id of its own.
    mock.contact_replies(&email, "Thanks!");
    let found = client.find_conversation(&email).await.unwrap().unwrap();
    assert!(!ids.contains(&found.id.as_str()));
}

/// A search malformed for its version is refused as Intercom refuses one
/// (400 `parameter_invalid`, an error list); at 1.x the path is unknown.
#[tokio::test]
async fn a_malformed_search_gets_the_documented_error() {
    let mock = MockIntercom::start().await;
    let post = |version: &'static str, body: Value| {
        let url = format!("{}/conversations/search", mock.uri());
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .bearer_auth(TEST_TOKEN)
                .header("Intercom-Version", version)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    for body in [
        json!({"query": {"field": "source.id", "operator": "equals", "value": "1"}}),
        json!({"query": {"field": 7, "operator": "=", "value": "1"}}),
        json!({"pagination": {"per_page": 5}}),
        json!({"query": {"field": "source.id", "operator": "=", "value": "1"}, "pagination": {"per_page": 151}}),
        json!({"query": {"field": "source.id", "operator": "=", "value": "1"}, "sort": "x"}),
    ] {
        let (status, answer) = post("2.14", body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["type"], "error.list");
        assert_eq!(answer["errors"][0]["code"], "parameter_invalid", "{answer}");
    }
    let ok = json!({"query": {"field": "source.id", "operator": "=", "value": "1"}});
    assert_eq!(post("2.14", ok.clone()).await.0, 200);
    let (status, answer) = post("1.4", ok).await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(answer["errors"][0]["code"], "not_found");
}

/// A search is a read: a 5xx and a lost connection are retried by default,
/// and the conversation is found.
#[tokio::test]
async fn a_search_answered_by_a_5xx_or_a_lost_connection_is_retried_and_found() {
    let mock = MockIntercom::start().await;
    let client = Client::builder(TEST_TOKEN)
        .base_url(&mock.uri())
        .version(Version::V2_14)
        .retry(RetryPolicy::default().max_wait(Duration::from_millis(20)))
        .build()
        .unwrap();
    let sent = client.send(in_app().open_conversation(true)).await.unwrap();
    mock.answer_next(MockAnswer::status(503).body_raw("<html>busy</html>"));
    mock.answer_next(MockAnswer::drop_connection());
    let found = client.find_conversation(&sent).await.unwrap().unwrap();
    assert_eq!(Some(found.id.as_str()), sent.conversation_id());
    let statuses: Vec<Option<u16>> = mock.received_searches().iter().map(|s| s.status).collect();
    assert_eq!(statuses, [Some(503), None, Some(200)]);
    // Sends keep their own rule: a 5xx is not retried.
    mock.answer_next(MockAnswer::status(503));
    let err = client.send(in_app()).await.unwrap_err();
    assert!(
        matches!(err, SendError::Server { status: 503, .. }),
        "{err:?}"
    );
}

/// A budget that counts what it is asked.
#[derive(Debug, Default)]
struct Counting {
    acquired: AtomicUsize,
    observed: std::sync::Mutex<Vec<RateLimit>>,
}

#[derive(Debug, Clone, Default)]
struct Shared(Arc<Counting>);

impl RateBudget for Shared {
    fn acquire(&self) -> BudgetFuture<'_, Result<(), BudgetError>> {
        self.0.acquired.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(()) })
    }
    fn observe(&self, limits: RateLimit) -> BudgetFuture<'_, ()> {
        self.0.observed.lock().unwrap().push(limits);
        Box::pin(async {})
    }
}

/// A search draws on the rate budget sends draw on: a slot before each
/// attempt, and its answer's rate-limit headers (a 429 with none left)
/// reach the budget that paces the sends.
#[tokio::test]
async fn a_search_takes_a_slot_of_the_sends_budget_and_its_429_reaches_it() {
    let mock = MockIntercom::start().await;
    let budget = Shared::default();
    let client = Client::builder(TEST_TOKEN)
        .base_url(&mock.uri())
        .version(Version::V2_14)
        .retry(RetryPolicy::never())
        .rate_budget(budget.clone())
        .build()
        .unwrap();
    let sent = client.send(in_app()).await.unwrap();
    assert_eq!(budget.0.acquired.load(Ordering::SeqCst), 1);
    mock.answer_next(
        MockAnswer::error(429, "rate_limit_exceeded", "Exceeded rate limit")
            .header("x-ratelimit-limit", "166")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", "4102444800"),
    );
    let err = client.find_conversation(&sent).await.unwrap_err();
    assert!(
        matches!(err, FindError::Search(SendError::RateLimited { .. })),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(429));
    assert_eq!(budget.0.acquired.load(Ordering::SeqCst), 2);
    let observed = budget.0.observed.lock().unwrap().clone();
    assert_eq!(observed.last().unwrap().remaining, Some(0));
    // With the in-process pacer, a search's 429 holds back the next send:
    // nothing remains until the reset, so the send waits (and is dropped
    // here while it waits, leaving nothing behind).
    let paced = Client::builder(TEST_TOKEN)
        .base_url(&mock.uri())
        .version(Version::V2_14)
        .retry(RetryPolicy::never())
        .pacing(100)
        .build()
        .unwrap();
    let in_30s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 30;
    mock.answer_next(
        MockAnswer::error(429, "rate_limit_exceeded", "Exceeded rate limit")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", &in_30s.to_string()),
    );
    assert!(paced.find_conversation(&sent).await.is_err());
    let before = mock.received().len();
    let send = paced.send(in_app());
    let waited = tokio::time::timeout(Duration::from_millis(300), send).await;
    assert!(waited.is_err(), "the send went before the reset");
    assert_eq!(mock.received().len(), before, "the send reached the server");
}

const TOKEN: &str = "tok_search_hostile_0123456789";

async fn hostile(reply: Reply) -> FindError {
    let server = Raw::start(vec![reply]).await;
    let client = Client::builder(TOKEN)
        .base_url(&server.url())
        .version(Version::V2_14)
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    client
        .find_conversation_by_message_id("19")
        .await
        .unwrap_err()
}

/// A hostile answer to a search is bounded, typed and scrubbed like a send's.
#[tokio::test]
async fn a_hostile_search_answer_is_bounded_typed_and_scrubbed() {
    let huge = vec![b'a'; intercom_messages::RESPONSE_BODY_LIMIT + 10];
    let err = hostile(Reply::http(200, &[], &huge)).await;
    assert!(
        matches!(err, FindError::Search(SendError::ResponseTooLarge { .. })),
        "{err:?}"
    );
    let err = hostile(Reply::http(
        200,
        &[],
        br#"{"type":"conversation.list","conversations":7}"#,
    ))
    .await;
    assert!(
        matches!(
            err,
            FindError::Search(SendError::UndecodableResponse { status: 200, .. })
        ),
        "{err:?}"
    );
    let echoed = format!(
        r#"{{"type":"error.list","request_id":"{TOKEN}","errors":[{{"code":"unauthorized","message":"bad token {TOKEN}"}}]}}"#
    );
    let err = hostile(Reply::http(401, &[], echoed.as_bytes())).await;
    assert!(
        matches!(err, FindError::Search(SendError::Api { status: 401, .. })),
        "{err:?}"
    );
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains(TOKEN), "{shown}");
    }
    // A search's error says what failed, never that a message may have
    // been delivered: a search creates nothing.
    let text = err.to_string();
    assert!(
        text.contains("api_error, status 401, unauthorized"),
        "{text}"
    );
    assert!(!text.contains("delivered"), "{text}");
    let garbage = format!("<html>{TOKEN}</html>");
    let err = hostile(Reply::http(200, &[], garbage.as_bytes())).await;
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains(TOKEN), "{shown}");
    }
}

/// An empty message id is refused before anything is sent.
#[tokio::test]
async fn an_empty_message_id_sends_nothing() {
    let mock = MockIntercom::start().await;
    let err = mock
        .client(Version::V2_14)
        .find_conversation_by_message_id(" ")
        .await
        .unwrap_err();
    assert!(matches!(err, FindError::EmptyMessageId), "{err:?}");
    assert!(mock.received_searches().is_empty());
}
