//! A deadline for the whole send: the wait for the budget, every attempt and
//! every retry wait, ending in an error that keeps the verdict. Counted, not
//! timed: each test asserts what ended how and what the server received.

mod common;

use std::time::Duration;

use intercom_messages::{
    BudgetError, BudgetFuture, Client, Contact, Message, RateBudget, RateLimit, RetryPolicy,
    SendError, SendOptions,
};
use serde_json::json;
use wiremock::ResponseTemplate;

const TOKEN: &str = "tok_deadline_0123456789";

fn in_app() -> Message {
    Message::from_admin(394051)
        .to(Contact::user_id("70"))
        .in_app("Hello")
        .into()
}

fn created() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "type": "admin_message", "id": "7", "created_at": 1, "body": "Hello", "message_type": "inapp"
    }))
}

fn nothing_sent(e: &SendError) -> bool {
    matches!(
        e,
        SendError::DeadlineExceeded {
            may_have_been_delivered: false,
            requests: 0
        }
    ) && !e.may_have_been_delivered()
}

/// A full budget and a 2 s deadline: the sends that cannot get a slot in
/// time each end "nothing was sent", and the server sees only the others.
#[tokio::test]
async fn a_full_budget_ends_each_send_it_cannot_serve_in_nothing_was_sent() {
    let server = common::answering(created()).await;
    let client = Client::builder(TOKEN)
        .base_url(&server.uri())
        .pacing_per(4, Duration::from_secs(10))
        .deadline(Duration::from_secs(2))
        .build()
        .unwrap();
    let sends: Vec<_> = (0..15)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send(in_app()).await })
        })
        .collect();
    let (mut created, mut refused) = (0, 0);
    for s in sends {
        match s.await.unwrap() {
            Ok(_) => created += 1,
            Err(e) => {
                assert!(nothing_sent(&e), "{e:?}");
                assert!(e.to_string().contains("nothing was sent"), "{e}");
                refused += 1;
            }
        }
    }
    assert_eq!((created, refused), (4, 11));
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

/// A budget that knows no deadline (it implements `acquire` only) and never
/// gives a slot: the deadline ends its wait, and nothing was sent.
#[derive(Debug)]
struct Never;

impl RateBudget for Never {
    fn acquire(&self) -> BudgetFuture<'_, Result<(), BudgetError>> {
        Box::pin(std::future::pending())
    }
    fn observe(&self, _: RateLimit) -> BudgetFuture<'_, ()> {
        Box::pin(async {})
    }
}

#[tokio::test(start_paused = true)]
async fn a_budget_without_deadlines_is_bounded_by_the_send_deadline() {
    let client = Client::builder(TOKEN)
        .base_url("http://127.0.0.1:1")
        .rate_budget(Never)
        .build()
        .unwrap();
    let e = client
        .send_with(
            in_app(),
            SendOptions::new().deadline(Duration::from_secs(30)),
        )
        .await
        .unwrap_err();
    assert!(nothing_sent(&e), "{e:?}");
}

/// The deadline passes while the request is in flight: the message may
/// have been delivered, and the error says so.
#[tokio::test]
async fn a_deadline_that_passes_during_a_request_may_have_delivered() {
    let server = common::answering(created().set_delay(Duration::from_secs(30))).await;
    let client = Client::builder(TOKEN)
        .base_url(&server.uri())
        .build()
        .unwrap();
    let e = client
        .send_with(
            in_app(),
            SendOptions::new().deadline(Duration::from_millis(300)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            SendError::DeadlineExceeded {
                may_have_been_delivered: true,
                requests: 1
            }
        ),
        "{e:?}"
    );
    assert!(e.may_have_been_delivered());
    assert!(e.to_string().contains("may have been delivered"), "{e}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// A retry whose wait would end past the deadline is not waited for: the
/// 429 comes back at once, with its verdict (not created).
#[tokio::test]
async fn a_retry_wait_past_the_deadline_is_not_taken() {
    let server =
        common::answering(ResponseTemplate::new(429).insert_header("retry-after", "20")).await;
    let client = Client::builder(TOKEN)
        .base_url(&server.uri())
        .retry(RetryPolicy::default().max_attempts(5))
        .deadline(Duration::from_secs(10))
        .build()
        .unwrap();
    let e = client.send(in_app()).await.unwrap_err();
    assert!(
        matches!(e, SendError::RateLimited { attempts: 1, .. }),
        "{e:?}"
    );
    assert!(!e.may_have_been_delivered());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// Without a deadline nothing changes: a send waits for its slot.
#[tokio::test(start_paused = true)]
async fn without_a_deadline_a_budget_wait_is_unbounded() {
    let client = Client::builder(TOKEN)
        .base_url("http://127.0.0.1:1")
        .rate_budget(Never)
        .build()
        .unwrap();
    let waited = tokio::time::timeout(Duration::from_secs(3600), client.send(in_app())).await;
    assert!(waited.is_err(), "{waited:?}");
}
