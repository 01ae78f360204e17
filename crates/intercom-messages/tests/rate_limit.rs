//! How rate-limit headers are read: a value no clock can hold, or a wait
//! further than an hour, reads as absent, on its own ([`RateLimit::read`])
//! and in a send's 429 (whose wait is then the policy's default).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use intercom_messages::reqwest::header::{HeaderMap, HeaderValue};
use intercom_messages::{Client, Contact, Message, RateLimit, RetryPolicy, SendError};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_str(v).unwrap());
    }
    h
}

/// Values of `X-RateLimit-Reset` and `Retry-After` that must read as absent
/// (the last, a reset two days away).
fn absurd() -> Vec<String> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let two_days_away = (now.as_secs() + 2 * 24 * 3600).to_string();
    [
        "18446744073709551615",
        "99999999999999999999999",
        "-1",
        "1e400",
        "+5",
        "1700000010.5",
        "Wed, 21 Oct 2015 07:28:00 GMT",
    ]
    .map(String::from)
    .into_iter()
    .chain([two_days_away])
    .collect()
}

#[test]
fn garbage_headers_are_ignored() {
    let h = headers(&[
        ("x-ratelimit-limit", "many"),
        ("x-ratelimit-remaining", "-1"),
        ("x-ratelimit-reset", ""),
    ]);
    assert_eq!(RateLimit::read(&h, SystemTime::now()), RateLimit::default());
}

#[test]
fn absurd_resets_read_as_absent() {
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for bad in absurd().iter().map(String::as_str).chain(["1800000000"]) {
        let h = headers(&[("x-ratelimit-reset", bad)]);
        assert_eq!(RateLimit::read(&h, now).reset, None, "{bad}");
    }
    let h = headers(&[("x-ratelimit-reset", "1700000010")]);
    assert_eq!(
        RateLimit::read(&h, now).reset,
        Some(now + Duration::from_secs(10))
    );
}

async fn answering_429(bad: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-ratelimit-reset", bad)
                .insert_header("retry-after", bad),
        )
        .mount(&server)
        .await;
    server
}

fn send_with(server: &MockServer, retry: RetryPolicy) -> impl Future<Output = SendError> {
    let client = Client::builder("tok_rate_limit_0123456789")
        .base_url(&server.uri())
        .retry(retry)
        .build()
        .unwrap();
    async move {
        let message = Message::from_admin(1)
            .to(Contact::user_id("70"))
            .in_app("hi");
        client.send(message).await.unwrap_err()
    }
}

/// A 429 whose headers are absurd says nothing about when to come back, and
/// its retry waits the policy's default (none here, within `max_wait`: so it
/// is retried, where a wait read from the header would not be).
#[tokio::test]
async fn absurd_waits_of_a_429_read_as_absent_and_the_default_wait_applies() {
    for bad in absurd() {
        let server = answering_429(&bad).await;
        match send_with(&server, RetryPolicy::never()).await {
            SendError::RateLimited {
                rate_limit,
                retry_after,
                ..
            } => {
                assert_eq!(rate_limit.reset, None, "{bad}");
                assert_eq!(retry_after, None, "{bad}");
            }
            other => panic!("{bad}: {other:?}"),
        }
        let server = answering_429(&bad).await;
        let policy = RetryPolicy::default()
            .max_attempts(2)
            .max_wait(Duration::from_secs(1))
            .default_wait(Duration::ZERO);
        let e = send_with(&server, policy).await;
        assert!(
            matches!(e, SendError::RateLimited { attempts: 2, .. }),
            "{bad}: {e:?}"
        );
        assert_eq!(e.retry_after(), None, "{bad}");
        assert_eq!(server.received_requests().await.unwrap().len(), 2, "{bad}");
    }
}
