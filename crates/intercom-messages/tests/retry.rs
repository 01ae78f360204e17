//! When a failed send is tried again, and after what wait, observed at a
//! server on loopback that counts the requests and notes when each arrives.
//! The server runs on the test's runtime on a paused clock, so the clock
//! moves only when both wait: waits are read, never timed.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use intercom_messages::{Client, Contact, Message, RetryPolicy, SendError};
use intercom_messages_test_support::server::{self, Action};
use tokio::time::Instant;

const TOKEN: &str = "tok_retry_0123456789";
const CREATED: &str =
    r#"{"type":"admin_message","id":"1","created_at":1,"body":"x","message_type":"inapp"}"#;
const LIST: &str = r#"{"type":"error.list","request_id":"r1","errors":[{"code":"x"}]}"#;

/// One answer of the server: a status, headers and a body, or a connection
/// dropped after the request was read.
#[derive(Clone, Debug)]
enum Answer {
    Http(u16, Vec<(&'static str, String)>, &'static str),
    TooLarge(u16),
    Drop,
}

fn http(status: u16, body: &'static str) -> Answer {
    Answer::Http(status, Vec::new(), body)
}

impl Answer {
    fn action(&self) -> Action {
        match self {
            Answer::Http(status, headers, body) => Action::Respond {
                status: *status,
                headers: headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
                body: body.as_bytes().to_vec(),
                delay: Duration::ZERO,
            },
            Answer::TooLarge(status) => Action::respond(
                *status,
                vec![b' '; intercom_messages::RESPONSE_BODY_LIMIT + 1],
            ),
            Answer::Drop => Action::Drop,
        }
    }
}

/// A server that gives the n-th message the n-th answer (the last one from
/// then on), answers a request without a message (a caller's client
/// following a redirect) with `followed`, and notes when each message came.
struct Counting {
    url: String,
    arrivals: Arc<Mutex<Vec<Instant>>>,
}

impl Counting {
    async fn start(answers: Vec<Answer>, followed: Option<Answer>) -> Counting {
        let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
        let seen = arrivals.clone();
        let addr = server::start(Arc::new(move |body: &[u8]| {
            if body.is_empty()
                && let Some(f) = &followed
            {
                return f.action();
            }
            let mut seen = seen.lock().unwrap();
            seen.push(Instant::now());
            answers[(seen.len() - 1).min(answers.len() - 1)].action()
        }))
        .await;
        Counting {
            url: format!("http://{addr}"),
            arrivals,
        }
    }

    fn requests(&self) -> usize {
        self.arrivals.lock().unwrap().len()
    }

    /// The time between each message and the next.
    fn gaps(&self) -> Vec<Duration> {
        let at = self.arrivals.lock().unwrap();
        at.windows(2).map(|w| w[1] - w[0]).collect()
    }
}

async fn send(server: &Counting, retry: RetryPolicy) -> Result<(), SendError> {
    send_by(Client::builder(TOKEN), server, retry).await
}

/// A send through a caller's own `reqwest::Client`, which follows redirects.
async fn send_following(server: &Counting, retry: RetryPolicy) -> Result<(), SendError> {
    let http = intercom_messages::api::client_builder().build().unwrap();
    send_by(Client::builder(TOKEN).http_client(http), server, retry).await
}

async fn send_by(
    builder: intercom_messages::ClientBuilder,
    server: &Counting,
    retry: RetryPolicy,
) -> Result<(), SendError> {
    let client = builder.base_url(&server.url).retry(retry).build().unwrap();
    let message = Message::from_admin(1)
        .to(Contact::user_id("70"))
        .in_app("hi");
    client.send(message).await.map(drop)
}

/// The wait before the retry of a 429 with these headers.
async fn wait_after_429(policy: RetryPolicy, headers: Vec<(&'static str, String)>) -> Duration {
    let server = Counting::start(
        vec![Answer::Http(429, headers, LIST), http(200, CREATED)],
        None,
    )
    .await;
    send(&server, policy).await.unwrap();
    server.gaps()[0]
}

/// Now plus `secs` (negative: in the past), as `X-RateLimit-Reset` says it.
fn reset_in(secs: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    now.saturating_add_signed(secs).to_string()
}

/// Whether a wait lies in a range. Every wait here is read on tokio's paused
/// clock (`start_paused`, arrivals stamped with `tokio::time::Instant`): the
/// time the crate chose to sleep, exact whatever the machine's load, not
/// wall-clock time.
fn within(w: Duration, least_ms: u64, most_ms: u64) -> bool {
    w >= Duration::from_millis(least_ms) && w <= Duration::from_millis(most_ms)
}

#[tokio::test(start_paused = true)]
async fn retry_after_wins_then_reset_then_default() {
    let p = RetryPolicy::default;
    let both = vec![
        ("retry-after", "4".into()),
        ("x-ratelimit-reset", reset_in(9)),
    ];
    let w = wait_after_429(p(), both).await;
    assert!(within(w, 4_000, 4_400), "{w:?}");
    // The reset is in whole seconds: up to a second sooner than 9 s.
    let w = wait_after_429(p(), vec![("x-ratelimit-reset", reset_in(9))]).await;
    assert!(within(w, 8_000, 9_900), "{w:?}");
    let w = wait_after_429(p(), Vec::new()).await;
    assert!(within(w, 2_000, 2_200), "{w:?}");
    // A reset in the past means now: no wait at all on the paused clock (the
    // only timers it could jump to are seconds away).
    let w = wait_after_429(p(), vec![("x-ratelimit-reset", reset_in(-100))]).await;
    assert_eq!(w, Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn waits_are_capped() {
    let p = RetryPolicy::default().max_wait(Duration::from_secs(5));
    // The jitter never takes a wait past the cap.
    let w = wait_after_429(p.clone(), vec![("retry-after", "5".into())]).await;
    assert!(within(w, 5_000, 5_050), "{w:?}");
    // Nor does the backoff of opted-in retries.
    let server = Counting::start(vec![http(503, "")], None).await;
    let opted = p.max_attempts(40).retry_possibly_delivered(true);
    send(&server, opted).await.unwrap_err();
    assert_eq!(server.requests(), 40);
    for gap in server.gaps() {
        assert!(gap <= Duration::from_millis(5_050), "{gap:?}");
    }
}

/// Every answer after which the message may have been delivered: not
/// retried unless opted in, and then only a 5xx and a lost connection.
fn possibly_delivered() -> Vec<(&'static str, Answer, bool)> {
    let redirect = |status| Answer::Http(status, vec![("location", "/elsewhere".into())], "");
    vec![
        ("500", http(500, LIST), true),
        ("503", http(503, ""), true),
        ("status 999", http(999, LIST), true),
        ("503 too large", Answer::TooLarge(503), true),
        ("a lost connection", Answer::Drop, true),
        ("200 with HTML", http(200, "<html>"), false),
        ("200 empty", http(200, ""), false),
        ("201 with HTML", http(201, "<html>"), false),
        ("200 too large", Answer::TooLarge(200), false),
        ("301", redirect(301), false),
        ("303", redirect(303), false),
        ("307", redirect(307), false),
        ("308", redirect(308), false),
    ]
}

#[tokio::test(start_paused = true)]
async fn the_delivery_flag_stops_every_retry_not_opted_into() {
    let policy = RetryPolicy::default().max_attempts(10);
    let opted = policy
        .clone()
        .max_attempts(3)
        .retry_possibly_delivered(true);
    for (name, answer, opted_in) in possibly_delivered() {
        let server = Counting::start(vec![answer.clone()], None).await;
        let e = send(&server, policy.clone()).await.unwrap_err();
        assert!(e.may_have_been_delivered(), "{name}: {e:?}");
        assert_eq!(server.requests(), 1, "not opted in: {name}: {e:?}");
        let server = Counting::start(vec![answer], None).await;
        let e = send(&server, opted.clone()).await.unwrap_err();
        let expected = if opted_in { 3 } else { 1 };
        assert_eq!(server.requests(), expected, "opted in: {name}: {e:?}");
    }
}

/// A caller's client that followed a redirect reports the status of the
/// server it ended at: whatever it is (a 429, a 408, a 503, a 200), it says
/// nothing about the message, which is never retried, even opted in.
#[tokio::test(start_paused = true)]
async fn a_status_after_a_redirect_is_never_retried() {
    let opted = RetryPolicy::default()
        .max_attempts(10)
        .retry_possibly_delivered(true);
    let away = Answer::Http(303, vec![("location", "/elsewhere".into())], "");
    for (status, body) in [(429, LIST), (408, LIST), (503, ""), (200, CREATED)] {
        let server = Counting::start(vec![away.clone()], Some(http(status, body))).await;
        let e = send_following(&server, opted.clone()).await.unwrap_err();
        assert!(
            matches!(e, SendError::Redirected { status: s, .. } if s == status),
            "{status}: {e:?}"
        );
        assert!(e.may_have_been_delivered(), "{status}");
        assert_eq!(server.requests(), 1, "{status}: {e:?}");
    }
}

/// Each row: the name, whether the policy opts in, the answer, and how many
/// requests the send makes with 3 attempts and waits capped at 5 s.
fn decisions() -> Vec<(&'static str, bool, Answer, usize)> {
    let limited = |secs: &str| Answer::Http(429, vec![("retry-after", secs.into())], LIST);
    vec![
        (
            "429 within max_wait, up to the last attempt",
            false,
            limited("2"),
            3,
        ),
        ("429 past max_wait", false, limited("60"), 1),
        ("408: not received whole", false, http(408, LIST), 3),
        ("400: refused", false, http(400, LIST), 1),
        ("404: refused", false, http(404, LIST), 1),
        ("503, not opted in", false, http(503, ""), 1),
        ("503, opted in", true, http(503, ""), 3),
        ("a redirect, even opted in", true, http(307, ""), 1),
        ("a connection lost after sending", false, Answer::Drop, 1),
        (
            "a connection lost after sending, opted in",
            true,
            Answer::Drop,
            3,
        ),
    ]
}

#[tokio::test(start_paused = true)]
async fn the_retry_decision_is_one_table() {
    let policy = RetryPolicy::default().max_wait(Duration::from_secs(5));
    for (name, opted_in, answer, requests) in decisions() {
        let server = Counting::start(vec![answer], None).await;
        let p = policy.clone().retry_possibly_delivered(opted_in);
        let e = send(&server, p).await.unwrap_err();
        assert_eq!(server.requests(), requests, "{name}: {e:?}");
        for gap in server.gaps() {
            assert!(gap <= Duration::from_millis(5_050), "{name}: {gap:?}");
        }
    }
}
