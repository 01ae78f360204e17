//! A contact created a moment ago: Intercom answers 404 until it becomes
//! available. `RetryPolicy::wait_for_new_contacts` waits for it, bounded,
//! and never creates a second message. Against `MockIntercom` on a paused
//! clock (the mock and the client share the runtime, so the clock moves only
//! when both wait), or counted in requests.

use std::time::Duration;

use intercom_messages::{Client, Contact, Message, RetryPolicy, SendError, Version};
use intercom_messages_mock::{MockAnswer, MockIntercom, TEST_TOKEN};
use tokio::time::Instant;

fn client(mock: &MockIntercom, retry: RetryPolicy) -> Client {
    Client::builder(TEST_TOKEN)
        .base_url(&mock.uri())
        .version(Version::V2_11)
        .retry(retry)
        .build()
        .unwrap()
}

fn welcome(user_id: &str) -> Message {
    Message::from_admin(394051)
        .to(Contact::user_id(user_id))
        .in_app("Welcome!")
        .into()
}

/// The statuses the mock answered, in order.
fn statuses(mock: &MockIntercom) -> Vec<Option<u16>> {
    mock.received().iter().map(|r| r.status).collect()
}

fn created(mock: &MockIntercom) -> usize {
    mock.received().iter().filter(|r| r.id.is_some()).count()
}

#[tokio::test(start_paused = true)]
async fn a_contact_available_after_two_seconds_gets_exactly_one_message() {
    let mock = MockIntercom::start().await;
    mock.contact_available_after("new-70", Duration::from_secs(2));
    let t0 = Instant::now();
    let waiting = RetryPolicy::default().wait_for_new_contacts(Duration::from_secs(30));
    let sent = client(&mock, waiting).send(welcome("new-70")).await;
    let sent = sent.unwrap();
    assert_eq!(created(&mock), 1, "{:?}", statuses(&mock));
    assert_eq!(
        mock.received().last().unwrap().id.as_deref(),
        Some(sent.id())
    );
    let s = statuses(&mock);
    assert!(
        s.len() >= 2 && s[..s.len() - 1].iter().all(|s| *s == Some(404)),
        "{s:?}"
    );
    // Not before the contact was there (tokio's clock, paused: no timing).
    assert!(Instant::now() - t0 >= Duration::from_secs(2));
}

#[tokio::test]
async fn a_contact_available_after_three_requests_gets_exactly_one_message() {
    let mock = MockIntercom::start().await;
    mock.contact_available_after_requests("new-71", 3);
    let waiting = RetryPolicy::default()
        .wait_for_new_contacts(Duration::from_secs(30))
        .new_contact_backoff(Duration::from_millis(1), Duration::from_millis(4));
    client(&mock, waiting)
        .send(welcome("new-71"))
        .await
        .unwrap();
    assert_eq!(
        statuses(&mock),
        [Some(404), Some(404), Some(404), Some(200)]
    );
    assert_eq!(created(&mock), 1);
}

#[tokio::test(start_paused = true)]
async fn a_wrong_contact_gets_its_404_once_the_bound_has_passed() {
    let mock = MockIntercom::start().await;
    mock.contact_available_after("wrong-id", Duration::MAX);
    let within = Duration::from_secs(20);
    let t0 = Instant::now();
    let waiting = RetryPolicy::default().wait_for_new_contacts(within);
    let e = client(&mock, waiting)
        .send(welcome("wrong-id"))
        .await
        .unwrap_err();
    let waited = Instant::now() - t0;
    assert!(matches!(e, SendError::Api { status: 404, .. }), "{e:?}");
    assert!(!e.may_have_been_delivered());
    assert_eq!(created(&mock), 0);
    let s = statuses(&mock);
    assert!(s.len() > 3 && s.iter().all(|s| *s == Some(404)), "{s:?}");
    // Within the bound, and no more than one wait (at most 4 s) short of it.
    assert!(
        waited <= within && waited + Duration::from_secs(4) >= within,
        "{waited:?}"
    );
}

#[tokio::test]
async fn without_the_opt_in_a_404_comes_back_at_once() {
    let mock = MockIntercom::start().await;
    mock.contact_available_after_requests("new-72", 1);
    let e = client(&mock, RetryPolicy::default())
        .send(welcome("new-72"))
        .await
        .unwrap_err();
    assert!(matches!(e, SendError::Api { status: 404, .. }), "{e:?}");
    assert_eq!(statuses(&mock), [Some(404)]);
}

/// After a 5xx retried by opt-in (it may have created the message), a 404
/// is never waited for: the send ends, saying it may have been delivered.
#[tokio::test]
async fn a_404_after_a_possible_delivery_is_not_waited_for() {
    let mock = MockIntercom::start().await;
    mock.answer_next(MockAnswer::error(503, "service_unavailable", "later"));
    mock.contact_available_after_requests("new-73", 5);
    let policy = RetryPolicy::default()
        .retry_possibly_delivered(true)
        .max_wait(Duration::from_millis(20))
        .wait_for_new_contacts(Duration::from_secs(30))
        .new_contact_backoff(Duration::from_millis(1), Duration::from_millis(4));
    let e = client(&mock, policy)
        .send(welcome("new-73"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SendError::AfterPossibleDelivery { last, .. } if matches!(**last, SendError::Api { status: 404, .. })),
        "{e:?}"
    );
    assert!(e.may_have_been_delivered());
    assert_eq!(statuses(&mock), [Some(503), Some(404)]);
}
