//! Hostile and broken servers, one row each: what the server does, the typed
//! outcome expected, and the delivery flag expected. Every row runs against a
//! real server on loopback (raw TCP or wiremock) in its own task, so a panic
//! is reported by row instead of ending the run; the rows' flags are checked
//! against the delivery table of the crate docs (`src/send/delivery.md`).

use std::collections::BTreeMap;
use std::time::Duration;

use intercom_messages::{Client, Contact, Message, RetryPolicy, SendError};
use intercom_messages_test_support::log::Captured;
use intercom_messages_test_support::server::{Raw, Reply};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CREATED: &str = r#"{"type":"admin_message","id":"1","created_at":1700000000,"body":"Hello","message_type":"inapp"}"#;

fn ok_with(headers: &[(&str, String)]) -> Reply {
    Reply::http(200, headers, CREATED.as_bytes())
}

/// A loopback address nothing listens on.
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    url
}

fn quick() -> RetryPolicy {
    RetryPolicy::default()
        .default_wait(Duration::from_millis(5))
        .max_wait(Duration::from_millis(50))
}

fn own_client(url: &str, retry: RetryPolicy) -> Client {
    Client::builder(TOKEN)
        .base_url(url)
        .retry(retry)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn callers_client(url: &str) -> Client {
    callers_client_with(url, RetryPolicy::never())
}

/// A caller's own `reqwest::Client`, which follows redirects (reqwest's default).
fn callers_client_with(url: &str, retry: RetryPolicy) -> Client {
    Client::builder(TOKEN)
        .base_url(url)
        .retry(retry)
        .http_client(intercom_messages::api::client_builder().build().unwrap())
        .build()
        .unwrap()
}

fn message() -> Message {
    Message::from_admin(394051)
        .to(Contact::user_id("70"))
        .in_app("Hello")
        .into()
}

/// The token every client here sends.
const TOKEN: &str = "tok_hostile_SECRET_0123456789";

/// Whether `text` shows the token in any form a reader could recover:
/// as sent, in another case, or percent-encoded.
fn leaks(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                decoded.push(b);
                i += 3;
            }
            (b, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded)
        .to_ascii_lowercase()
        .contains(&TOKEN.to_ascii_lowercase())
}

/// Everything a caller can read of an error: `Display`, `Debug`, the source
/// chain and every text field.
fn shown(e: &SendError) -> Vec<String> {
    let mut out = vec![e.to_string(), format!("{e:?}")];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push(s.to_string());
        source = s.source();
    }
    match e {
        SendError::Api {
            request_id, errors, ..
        } => {
            out.extend(request_id.clone());
            for a in errors {
                out.push(a.code.clone());
                out.extend(a.message.clone());
                out.extend(a.field.clone());
            }
        }
        SendError::RateLimited { request_id, .. } => out.extend(request_id.clone()),
        SendError::Server {
            request_id,
            body_excerpt,
            ..
        } => {
            out.extend(request_id.clone());
            out.push(body_excerpt.clone());
        }
        SendError::UndecodableResponse {
            reason,
            body_excerpt,
            ..
        } => {
            out.push(reason.clone());
            out.push(body_excerpt.clone());
        }
        SendError::ResponseTooLarge { body_excerpt, .. } => out.push(body_excerpt.clone()),
        SendError::Redirected { location, .. } => out.extend(location.clone()),
        SendError::AfterPossibleDelivery { last, .. } => out.extend(shown(last)),
        _ => {}
    }
    out
}

/// Every log line and span this test binary writes, captured.
static LOG: std::sync::LazyLock<Captured> = std::sync::LazyLock::new(Captured::default);

/// A server reflecting the token: the row's name, the status, headers and
/// body it answers, and the outcome expected.
type LeakRow = (
    &'static str,
    u16,
    Vec<(&'static str, String)>,
    Vec<u8>,
    Expect,
);

/// What a row expects.
#[derive(Debug)]
enum Expect {
    Created,
    Error {
        /// The variant, as `SendError`'s `Debug` starts.
        variant: &'static str,
        /// The row of the delivery table.
        case: &'static str,
        /// The delivery flag.
        delivered: bool,
    },
}

fn err(variant: &'static str, case: &'static str, delivered: bool) -> Expect {
    Expect::Error {
        variant,
        case,
        delivered,
    }
}

/// One observed outcome: the row's name, what it expected, what happened.
struct Outcome {
    name: &'static str,
    expect: Expect,
    result: Result<Result<(), SendError>, String>,
    extra: Result<(), String>,
}

/// Runs a send in its own task, so that a panic is caught and named.
async fn run(client: Client, message: Message) -> Result<Result<(), SendError>, String> {
    match tokio::spawn(async move { client.send(message).await.map(drop) }).await {
        Ok(r) => Ok(r),
        Err(e) if e.is_panic() => Err(format!("panicked: {e:?}")),
        Err(e) => Err(format!("task failed: {e}")),
    }
}

fn check(cond: bool, what: impl Into<String>) -> Result<(), String> {
    if cond { Ok(()) } else { Err(what.into()) }
}

/// A listener whose accept queue is full, so that a new connection never
/// completes: connecting hangs until the client gives up.
async fn never_accepting() -> (String, Vec<std::net::TcpStream>) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    for _ in 0..64 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => held.push(s),
            Err(_) => break,
        }
    }
    // Keep the listener alive with the held connections.
    std::mem::forget(listener);
    (format!("http://{addr}"), held)
}

/// Notes one row's outcome.
macro_rules! row {
    ($outcomes:expr, $name:expr, $expect:expr, $result:expr) => {
        row!($outcomes, $name, $expect, $result, Ok(()))
    };
    ($outcomes:expr, $name:expr, $expect:expr, $result:expr, $extra:expr) => {
        $outcomes.push(Outcome {
            name: $name,
            expect: $expect,
            result: $result,
            extra: $extra,
        })
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_servers_never_panic_and_never_claim_nothing_was_delivered() {
    LOG.for_the_process();
    let mut outcomes: Vec<Outcome> = Vec::new();
    absurd_rate_limit_headers(&mut outcomes).await;
    big_headers_and_bodies(&mut outcomes).await;
    bodies_off_contract(&mut outcomes).await;
    rate_limits(&mut outcomes).await;
    redirects_of_the_own_client(&mut outcomes).await;
    redirects_a_callers_client_follows(&mut outcomes).await;
    redirects_a_callers_client_hands_back(&mut outcomes).await;
    redirects_to_a_408(&mut outcomes).await;
    refused_connections(&mut outcomes).await;
    lost_connections(&mut outcomes).await;
    opted_in_retries(&mut outcomes).await;
    nothing_reaches_the_server(&mut outcomes).await;
    servers_echoing_the_token(&mut outcomes).await;
    request_timeouts(&mut outcomes).await;
    lost_bodies_of_refusals(&mut outcomes).await;
    // After every row that echoes the token.
    the_log(&mut outcomes).await;
    outcomes.extend(deadline_and_contact_rows().await);
    let failures = judge(&outcomes);
    eprintln!(
        "{} hostile cases, {} failed",
        outcomes.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
}

/// Rate-limit headers no clock can hold, on a 200 and on a 429.
async fn absurd_rate_limit_headers(outcomes: &mut Vec<Outcome>) {
    for reset in [
        "18446744073709551615",
        "-1",
        "1e400",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "99999999999999999999999999",
    ] {
        let s = Raw::start(vec![ok_with(&[
            ("x-ratelimit-reset", reset.into()),
            ("x-ratelimit-remaining", "0".into()),
            ("retry-after", reset.into()),
        ])])
        .await;
        let r = run(
            Client::builder("t")
                .base_url(&s.url())
                .pacing(100)
                .build()
                .unwrap(),
            message(),
        )
        .await;
        row!(outcomes, "absurd reset header on a 200", Expect::Created, r);
        let s = Raw::start(vec![Reply::http(
            429,
            &[
                ("x-ratelimit-reset", reset.into()),
                ("retry-after", reset.into()),
            ],
            b"{}",
        )])
        .await;
        let r = run(own_client(&s.url(), RetryPolicy::never()), message()).await;
        let extra = match &r {
            Ok(Err(SendError::RateLimited {
                rate_limit,
                retry_after,
                ..
            })) => check(
                rate_limit.reset.is_none() && retry_after.is_none(),
                format!("absurd {reset} was kept: {rate_limit:?} {retry_after:?}"),
            ),
            _ => Ok(()),
        };
        row!(
            outcomes,
            "absurd reset header on a 429",
            err("RateLimited", "rate-limited", false),
            r,
            extra
        );
    }
}

/// Many big headers, and bodies with no end or announced too large.
async fn big_headers_and_bodies(outcomes: &mut Vec<Outcome>) {
    let big: Vec<(String, String)> = (0..40)
        .map(|i| (format!("x-big-{i}"), "v".repeat(8 * 1024)))
        .collect();
    let refs: Vec<(&str, String)> = big.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let s = Raw::start(vec![ok_with(&refs)]).await;
    let r = run(own_client(&s.url(), RetryPolicy::never()), message()).await;
    row!(outcomes, "40 headers of 8 KB", Expect::Created, r);

    let s = Raw::start(vec![Reply::Endless]).await;
    let r = run(own_client(&s.url(), RetryPolicy::never()), message()).await;
    row!(
        outcomes,
        "a 200 whose body never ends",
        err("ResponseTooLarge", "too-large-2xx", true),
        r
    );
    let s = Raw::start(vec![Reply::Bytes(
        b"HTTP/1.1 200 OK\r\ncontent-length: 10000000000\r\n\r\n{".to_vec(),
    )])
    .await;
    let r = run(own_client(&s.url(), RetryPolicy::never()), message()).await;
    row!(
        outcomes,
        "a 200 announcing 10 GB",
        err("ResponseTooLarge", "too-large-2xx", true),
        r
    );
    let s = Raw::start(vec![Reply::http(404, &[], &vec![b' '; 2 * 1024 * 1024])]).await;
    let r = run(own_client(&s.url(), RetryPolicy::never()), message()).await;
    row!(
        outcomes,
        "a 404 with a 2 MB body",
        err("ResponseTooLarge", "too-large-4xx", false),
        r
    );
}

/// Bodies that are not what the contract says.
async fn bodies_off_contract(outcomes: &mut Vec<Outcome>) {
    let s = Raw::start(vec![Reply::http(200, &[], b"\xff\xfe{\"id\":\xc3\x28}")]).await;
    let r = run(own_client(&s.url(), RetryPolicy::never()), message()).await;
    let extra = match &r {
        Ok(Err(e)) => check(
            e.to_string().contains("most likely created"),
            format!("an undecodable 2xx must say the message was most likely created: {e}"),
        ),
        _ => Ok(()),
    };
    row!(
        outcomes,
        "a 200 with invalid UTF-8",
        err("UndecodableResponse", "undecodable-2xx", true),
        r,
        extra
    );
    let s = Raw::start(vec![Reply::http(400, &[], b"<html>bad gateway</html>")]).await;
    let r = run(own_client(&s.url(), RetryPolicy::never()), message()).await;
    row!(
        outcomes,
        "a 400 with HTML",
        err("UndecodableResponse", "undecodable-4xx", false),
        r
    );
    let list = br#"{"type":"error.list","request_id":"r1","errors":[{"code":"not_found"}]}"#;
    let s = Raw::start(vec![Reply::http(404, &[], list)]).await;
    let r = run(own_client(&s.url(), RetryPolicy::never()), message()).await;
    row!(
        outcomes,
        "a 404 error list",
        err("Api", "api-4xx", false),
        r
    );
    let s = Raw::start(vec![Reply::http(999, &[], list)]).await;
    let r = run(own_client(&s.url(), RetryPolicy::never()), message()).await;
    row!(
        outcomes,
        "status 999 with an error list",
        err("Server", "server-5xx", true),
        r
    );
    let s = Raw::start(vec![Reply::http(503, &[], b"")]).await;
    let r = run(own_client(&s.url(), RetryPolicy::never()), message()).await;
    row!(outcomes, "a 503", err("Server", "server-5xx", true), r);
}

/// A 429 asking for a wait past `max_wait`.
async fn rate_limits(outcomes: &mut Vec<Outcome>) {
    let s = Raw::start(vec![Reply::http(
        429,
        &[("retry-after", "3600".into())],
        b"{}",
    )])
    .await;
    let r = run(own_client(&s.url(), quick()), message()).await;
    let extra = check(
        s.requests() == 1,
        format!(
            "a wait past max_wait is returned at once, not retried ({} requests)",
            s.requests()
        ),
    );
    row!(
        outcomes,
        "a 429 storm longer than max_wait",
        err("RateLimited", "rate-limited", false),
        r,
        extra
    );
}

/// Redirects: the crate's own client follows none.
async fn redirects_of_the_own_client(outcomes: &mut Vec<Outcome>) {
    let target = Raw::start(vec![ok_with(&[])]).await;
    for (status, to) in [
        (307, format!("{}/messages", target.url())),
        (308, "http://intercom.example/messages".to_string()),
        (302, format!("{}/messages", target.url())),
    ] {
        let s = Raw::start(vec![Reply::http(status, &[("location", to)], b"")]).await;
        let r = run(own_client(&s.url(), quick()), message()).await;
        row!(
            outcomes,
            "a redirect (own client)",
            err("Redirected", "redirect", true),
            r
        );
    }
    let followed = target.requests();
    row!(
        outcomes,
        "nothing follows a redirect (own client)",
        Expect::Created,
        Ok(Ok(())),
        check(
            followed == 0,
            format!("the redirect target got {followed} request(s)")
        )
    );
}

/// A caller's client follows redirects: the send is flagged anyway.
async fn redirects_a_callers_client_follows(outcomes: &mut Vec<Outcome>) {
    // A caller's client follows them: the send is flagged anyway.
    let target = Raw::start(vec![ok_with(&[]), ok_with(&[])]).await;
    for status in [307, 303] {
        let s = Raw::start(vec![Reply::http(
            status,
            &[("location", format!("{}/messages", target.url()))],
            b"",
        )])
        .await;
        let r = run(callers_client(&s.url()), message()).await;
        row!(
            outcomes,
            "a redirect to another loopback port (caller's client)",
            err("Redirected", "redirect", true),
            r
        );
    }
}

/// What a caller's client makes of a 303 to nowhere, a 307, and a redirect to a 408.
async fn redirects_a_callers_client_hands_back(outcomes: &mut Vec<Outcome>) {
    // A 303 is followed as a GET (without the message) to a refused port: the
    // message reached the first server.
    let s = Raw::start(vec![Reply::http(
        303,
        &[("location", format!("{}/messages", closed_port()))],
        b"",
    )])
    .await;
    let r = run(callers_client(&s.url()), message()).await;
    row!(
        outcomes,
        "a 303 to a refused port (caller's client)",
        err("Transport", "caller-client-transport", true),
        r
    );
    // A 307 would send the message on; its body cannot be replayed, so the
    // caller's client hands the 307 back.
    let target = Raw::start(vec![ok_with(&[])]).await;
    let s = Raw::start(vec![Reply::http(
        307,
        &[("location", format!("{}/messages", target.url()))],
        b"",
    )])
    .await;
    let r = run(callers_client(&s.url()), message()).await;
    let extra = check(
        target.requests() == 0,
        format!(
            "a caller's client sent the message on to a 307's target ({} requests)",
            target.requests()
        ),
    );
    row!(
        outcomes,
        "a 307 comes back from a caller's client",
        err("Redirected", "redirect", true),
        r,
        extra
    );
}

/// A redirect to a server that answers 408: that 408 is not about the
/// message, which the first server received whole. Never retried.
async fn redirects_to_a_408(outcomes: &mut Vec<Outcome>) {
    for status in [307, 303] {
        let elsewhere = Raw::start(vec![
            Reply::http(408, &[], b"timeout"),
            Reply::http(408, &[], b"timeout"),
            Reply::http(408, &[], b"timeout"),
        ])
        .await;
        let first = Raw::start(vec![
            Reply::http(
                status,
                &[("location", format!("{}/messages", elsewhere.url()))],
                b"",
            ),
            Reply::http(
                status,
                &[("location", format!("{}/messages", elsewhere.url()))],
                b"",
            ),
            Reply::http(
                status,
                &[("location", format!("{}/messages", elsewhere.url()))],
                b"",
            ),
        ])
        .await;
        let r = run(callers_client_with(&first.url(), quick()), message()).await;
        let extra = check(
            first.requests() == 1,
            format!(
                "{status} then 408: the first server received the message {} times",
                first.requests()
            ),
        );
        row!(
            outcomes,
            "a redirect to a 408 (caller's client, retries on)",
            err("Redirected", "redirect", true),
            r,
            extra
        );
    }
}

/// Connections refused, by the own client and a caller's.
async fn refused_connections(outcomes: &mut Vec<Outcome>) {
    let r = run(own_client(&closed_port(), quick()), message()).await;
    // `Display` names the cause, not only reqwest's "error sending request".
    let extra = match &r {
        Ok(Err(e)) => check(
            e.to_string()
                .split_once("error sending request: ")
                .is_some_and(|(_, cause)| cause.to_ascii_lowercase().contains("refused")),
            format!("a refused connection does not say why: {e}"),
        ),
        _ => Ok(()),
    };
    row!(
        outcomes,
        "a refused connection",
        err("Transport", "connect-failed", false),
        r,
        extra
    );
    let r = run(callers_client(&closed_port()), message()).await;
    row!(
        outcomes,
        "a refused connection (caller's client, which may redirect)",
        err("Transport", "caller-client-transport", true),
        r
    );
}

/// Connections lost after sending, or never made within the timeout.
async fn lost_connections(outcomes: &mut Vec<Outcome>) {
    let s = Raw::start(vec![Reply::HalfBodyThenClose]).await;
    let big_message: Message = Message::from_admin(1)
        .to(Contact::user_id("70"))
        .in_app("x".repeat(4 * 1024 * 1024))
        .into();
    let r = run(own_client(&s.url(), quick()), big_message).await;
    row!(
        outcomes,
        "a server closing after reading half the body",
        err("Transport", "connection-lost", true),
        r
    );
    let s = Raw::start(vec![Reply::Hang]).await;
    let c = Client::builder("t")
        .base_url(&s.url())
        .timeout(Duration::from_millis(300))
        .retry(quick())
        .build()
        .unwrap();
    let r = run(c, message()).await;
    row!(
        outcomes,
        "a server that reads the request and never answers",
        err("Transport", "connection-lost", true),
        r
    );
    let (url, _held) = never_accepting().await;
    let c = Client::builder("t")
        .base_url(&url)
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let r = run(c, message()).await;
    row!(
        outcomes,
        "a total timeout while still connecting",
        err("Transport", "connect-failed", false),
        r
    );
}

/// Opted-in retries: once an attempt may have delivered, the end says so.
async fn opted_in_retries(outcomes: &mut Vec<Outcome>) {
    let s = Raw::start(vec![Reply::http(503, &[], b"")]).await;
    let r = run(
        own_client(&s.url(), quick().retry_possibly_delivered(true)),
        message(),
    )
    .await;
    row!(
        outcomes,
        "503, then refused connections (opted in)",
        err("AfterPossibleDelivery", "after-possible-delivery", true),
        r
    );
    let not_found = ResponseTemplate::new(404).set_body_json(
        json!({"type": "error.list", "request_id": null, "errors": [{"code": "not_found"}]}),
    );
    for (name, first, then) in [
        (
            "500, then 429s (opted in)",
            500,
            ResponseTemplate::new(429).insert_header("retry-after", "0"),
        ),
        ("502, then a 404 (opted in)", 502, not_found),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(first))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(then)
            .mount(&server)
            .await;
        let r = run(
            own_client(&server.uri(), quick().retry_possibly_delivered(true)),
            message(),
        )
        .await;
        row!(
            outcomes,
            name,
            err("AfterPossibleDelivery", "after-possible-delivery", true),
            r
        );
    }
}

/// An invalid message, and a rate budget that gives no slot: nothing reaches the server.
async fn nothing_reaches_the_server(outcomes: &mut Vec<Outcome>) {
    let s = Raw::start(vec![ok_with(&[])]).await;
    let invalid: Message = Message::from_admin(1).in_app("no recipient").into();
    let r = run(own_client(&s.url(), quick()), invalid).await;
    let extra = check(s.requests() == 0, "an invalid message reached the server");
    row!(
        outcomes,
        "an invalid message",
        err("Invalid", "invalid", false),
        r,
        extra
    );

    #[derive(Debug)]
    struct Down;
    impl intercom_messages::RateBudget for Down {
        fn acquire(
            &self,
        ) -> intercom_messages::BudgetFuture<'_, Result<(), intercom_messages::BudgetError>>
        {
            Box::pin(async { Err(intercom_messages::BudgetError::new("store down")) })
        }
        fn observe(
            &self,
            _: intercom_messages::RateLimit,
        ) -> intercom_messages::BudgetFuture<'_, ()> {
            Box::pin(async {})
        }
    }
    let s = Raw::start(vec![ok_with(&[])]).await;
    let client = Client::builder(TOKEN)
        .base_url(&s.url())
        .retry(quick())
        .rate_budget(Down)
        .build()
        .unwrap();
    let r = run(client, message()).await;
    let extra = check(
        s.requests() == 0,
        "a send without a budget slot reached the server",
    );
    row!(
        outcomes,
        "a rate budget that gives no slot",
        err("BudgetUnavailable", "budget-unavailable", false),
        r,
        extra
    );
}

/// A server that echoes the token: it never comes back in our text.
async fn servers_echoing_the_token(outcomes: &mut Vec<Outcome>) {
    let leaky = leaky_error_lists()
        .into_iter()
        .chain(leaky_bodies())
        .chain(leaky_locations());
    for (name, status, headers, body, expect) in leaky {
        let s = Raw::start(vec![Reply::http(status, &headers, &body)]).await;
        let r = run(own_client(&s.url(), quick()), message()).await;
        let extra = match &r {
            Ok(Err(e)) => check(
                shown(e).iter().all(|t| !leaks(t)),
                format!("the token is shown: {:?}", shown(e)),
            ),
            _ => Ok(()),
        };
        row!(outcomes, name, expect, r, extra);
    }
}

/// A 408: the server did not receive the whole request; retried.
async fn request_timeouts(outcomes: &mut Vec<Outcome>) {
    let list =
        br#"{"type":"error.list","request_id":"r408","errors":[{"code":"request_timeout"}]}"#;
    let s = Raw::start(vec![
        Reply::http(408, &[], list),
        Reply::http(408, &[], b"timeout"),
        Reply::http(408, &[], list),
    ])
    .await;
    let r = run(own_client(&s.url(), quick()), message()).await;
    let extra = check(
        s.requests() == 3,
        format!(
            "a 408 is retried up to max_attempts ({} requests)",
            s.requests()
        ),
    );
    row!(
        outcomes,
        "a 408 on every attempt",
        err("Api", "request-timeout-408", false),
        r,
        extra
    );
    let s = Raw::start(vec![Reply::http(408, &[], b""), ok_with(&[])]).await;
    let r = run(own_client(&s.url(), quick()), message()).await;
    row!(outcomes, "a 408, then created", Expect::Created, r);
}

/// A 4xx whose body is lost while it is read: the server received the request and refused it; nothing was created, so it is retried.
async fn lost_bodies_of_refusals(outcomes: &mut Vec<Outcome>) {
    let lost_400 = || {
        Reply::Bytes(
            b"HTTP/1.1 400 X\r\nconnection: close\r\ncontent-length: 100\r\n\r\n{\"type\":\"error.list\""
                .to_vec(),
        )
    };
    let s = Raw::start(vec![lost_400()]).await;
    let r = run(own_client(&s.url(), RetryPolicy::never()), message()).await;
    row!(
        outcomes,
        "a 400 whose body is lost",
        err("Transport", "lost-body-4xx", false),
        r
    );
    let s = Raw::start(vec![lost_400(), ok_with(&[])]).await;
    let r = run(own_client(&s.url(), quick()), message()).await;
    let extra = check(
        s.requests() == 2,
        format!(
            "a lost 4xx body is retried once here ({} requests)",
            s.requests()
        ),
    );
    row!(
        outcomes,
        "a 400 whose body is lost, then created",
        Expect::Created,
        r,
        extra
    );
}

/// The captured log: it holds what the spans recorded, never the token.
async fn the_log(outcomes: &mut Vec<Outcome>) {
    let log = LOG.text();
    row!(
        outcomes,
        "the log records request ids",
        Expect::Created,
        Ok(Ok(())),
        check(
            log.contains("req_visible_1"),
            "the capture saw no request_id: is the subscriber installed?"
        )
    );
    row!(
        outcomes,
        "the log never shows the token",
        Expect::Created,
        Ok(Ok(())),
        check(
            !leaks(&log),
            format!(
                "the token is in the log: {}",
                log.lines()
                    .filter(|l| leaks(l))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        )
    );
}

/// The header a server could echo.
fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

/// The token with every byte percent-encoded.
fn encoded_token() -> String {
    TOKEN.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// An error list with the token in `field` (of its error, or its `request_id`).
fn list_with(field: &str) -> Vec<u8> {
    let bearer = bearer();
    let mut error = json!({"code": "unauthorized", "message": "the access token is not valid"});
    let mut list = json!({"type": "error.list", "request_id": "req_visible_1", "errors": []});
    match field {
        "request_id" => list["request_id"] = json!(bearer),
        f => error[f] = json!(format!("got {bearer} here")),
    }
    list["errors"] = json!([error]);
    serde_json::to_vec(&list).unwrap()
}

/// A body whose token straddles the excerpt's cut.
fn at_the_cut() -> Vec<u8> {
    let mut b = vec![b'x'; intercom_messages::BODY_EXCERPT_LIMIT - 10];
    b.extend_from_slice(bearer().as_bytes());
    b
}

/// Error lists echoing the token in each of their texts.
fn leaky_error_lists() -> Vec<LeakRow> {
    vec![
        (
            "token in an error's message",
            400,
            vec![],
            list_with("message"),
            err("Api", "api-4xx", false),
        ),
        (
            "token in an error's code",
            400,
            vec![],
            list_with("code"),
            err("Api", "api-4xx", false),
        ),
        (
            "token in an error's field",
            400,
            vec![],
            list_with("field"),
            err("Api", "api-4xx", false),
        ),
        (
            "token as a 400's request_id",
            400,
            vec![],
            list_with("request_id"),
            err("Api", "api-4xx", false),
        ),
        (
            "token as a 500's request_id",
            500,
            vec![],
            list_with("request_id"),
            err("Server", "server-5xx", true),
        ),
        (
            "token as a 429's request_id",
            429,
            vec![("retry-after", "3600".into())],
            list_with("request_id"),
            err("RateLimited", "rate-limited", false),
        ),
    ]
}

/// Bodies echoing the token in text, in an undecodable 200, at an excerpt's cut.
fn leaky_bodies() -> Vec<LeakRow> {
    let bearer = bearer();
    let too_large_at_the_cut = {
        let mut b = at_the_cut();
        b.resize(2 * 1024 * 1024, b' ');
        b
    };
    let plain = format!("echo: Authorization: {bearer}").into_bytes();
    let encoded = encoded_token();
    vec![
        (
            "token in a plain-text 400",
            400,
            vec![],
            plain.clone(),
            err("UndecodableResponse", "undecodable-4xx", false),
        ),
        (
            "token in a plain-text 500",
            500,
            vec![],
            plain.clone(),
            err("Server", "server-5xx", true),
        ),
        (
            "token in a 200 the contract cannot decode",
            200,
            vec![],
            format!(
                r#"{{"type":"admin_message","id":{{"x":"{bearer}"}},"created_at":"{bearer}"}}"#
            )
            .into_bytes(),
            err("UndecodableResponse", "undecodable-2xx", true),
        ),
        (
            "token at the excerpt's cut of a 500",
            500,
            vec![],
            at_the_cut(),
            err("Server", "server-5xx", true),
        ),
        (
            "token at the excerpt's cut of a 2 MB 404",
            404,
            vec![],
            too_large_at_the_cut,
            err("ResponseTooLarge", "too-large-4xx", false),
        ),
        (
            "token percent-encoded in a 400's message",
            400,
            vec![],
            serde_json::to_vec(&json!({"type": "error.list", "errors": [
                {"code": "unauthorized", "message": format!("token={encoded}")}
            ]}))
            .unwrap(),
            err("Api", "api-4xx", false),
        ),
    ]
}

/// `Location` headers echoing the token, in every form a parser makes of it.
fn leaky_locations() -> Vec<LeakRow> {
    let bearer = bearer();
    let encoded = encoded_token();
    vec![
        (
            "token in a Location path",
            307,
            vec![("location", format!("/messages/{TOKEN}/x?t={TOKEN}"))],
            vec![],
            err("Redirected", "redirect", true),
        ),
        (
            "token as a Location host (the URL parser lower-cases it)",
            307,
            vec![("location", format!("http://{TOKEN}.example.test/messages"))],
            vec![],
            err("Redirected", "redirect", true),
        ),
        (
            "token as a Location host, upper-cased",
            301,
            vec![(
                "location",
                format!("https://{}.example.test/", TOKEN.to_ascii_uppercase()),
            )],
            vec![],
            err("Redirected", "redirect", true),
        ),
        (
            "token percent-encoded in a Location host and path",
            308,
            vec![(
                "location",
                format!("http://{encoded}.example.test/m/{encoded}?t={encoded}"),
            )],
            vec![],
            err("Redirected", "redirect", true),
        ),
        (
            "token percent-encoded in a relative Location",
            302,
            vec![("location", format!("/messages/Bearer%20{encoded}"))],
            vec![],
            err("Redirected", "redirect", true),
        ),
        (
            "token in an unparseable Location",
            302,
            vec![("location", format!("http://[::1/{bearer}"))],
            vec![],
            err("Redirected", "redirect", true),
        ),
    ]
}
/// Every row judged: its own check, its outcome against what it expected,
/// and its delivery flag against the delivery table; and every row of the
/// table met by some row here.
fn judge(outcomes: &[Outcome]) -> Vec<String> {
    let table = delivery_table();
    let mut failures = Vec::new();
    let mut cases_seen = BTreeMap::new();
    for o in outcomes {
        if let Err(why) = &o.extra {
            failures.push(format!("{}: {why}", o.name));
        }
        match (&o.expect, &o.result) {
            (_, Err(panic)) => failures.push(format!("{}: {panic}", o.name)),
            (Expect::Created, Ok(Ok(()))) => {}
            (Expect::Created, Ok(Err(e))) => failures.push(format!("{}: {e:?}", o.name)),
            (Expect::Error { .. }, Ok(Ok(()))) => {
                failures.push(format!("{}: created, expected {:?}", o.name, o.expect))
            }
            (
                Expect::Error {
                    variant,
                    case,
                    delivered,
                },
                Ok(Err(e)),
            ) => {
                let debug = format!("{e:?}");
                if !debug.starts_with(variant) {
                    failures.push(format!("{}: expected {variant}, got {debug}", o.name));
                }
                if e.may_have_been_delivered() != *delivered {
                    failures.push(format!(
                        "{}: may_have_been_delivered() is {}, expected {delivered}: {e}",
                        o.name,
                        e.may_have_been_delivered()
                    ));
                }
                match table.get(*case) {
                    Some(documented) if documented == delivered => {}
                    Some(documented) => failures.push(format!(
                        "{}: the delivery table says `{case}` is {documented}",
                        o.name
                    )),
                    None => failures.push(format!("{}: no row `{case}` in the table", o.name)),
                }
                cases_seen.insert(*case, ());
            }
        }
    }
    for case in table.keys() {
        if !cases_seen.contains_key(case.as_str()) && !COVERED_ELSEWHERE.contains(&case.as_str()) {
            failures.push(format!("the delivery table's `{case}` has no hostile case"));
        }
    }
    failures
}

/// Rows of the delivery table whose hostile case needs more than raw TCP, and
/// lives elsewhere: `http2-refused` needs an HTTP/2 server over TLS
/// (`tests/tests/http2_refusals.rs` in the workspace, which checks the row).
const COVERED_ELSEWHERE: &[&str] = &["http2-refused"];

/// The delivery table of the crate docs: case → may have been delivered.
/// A budget that never gives a slot and knows no deadline.
#[derive(Debug)]
struct Never;

impl intercom_messages::RateBudget for Never {
    fn acquire(
        &self,
    ) -> intercom_messages::BudgetFuture<'_, Result<(), intercom_messages::BudgetError>> {
        Box::pin(std::future::pending())
    }
    fn observe(&self, _: intercom_messages::RateLimit) -> intercom_messages::BudgetFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// A deadline passing before and during the request, and a contact that
/// never becomes available (Intercom's 404, waited for within its bound).
async fn deadline_and_contact_rows() -> Vec<Outcome> {
    let deadline = Duration::from_millis(300);
    let s = Raw::start(vec![ok_with(&[])]).await;
    let client = Client::builder(TOKEN)
        .base_url(&s.url())
        .rate_budget(Never)
        .deadline(deadline)
        .build()
        .unwrap();
    let before = Outcome {
        name: "a deadline that passes while the budget holds the send",
        expect: err("DeadlineExceeded", "deadline-before-sending", false),
        result: run(client, message()).await,
        extra: check(
            s.requests() == 0,
            "a send past its deadline reached the server",
        ),
    };
    let s = Raw::start(vec![Reply::Hang]).await;
    let client = Client::builder(TOKEN)
        .base_url(&s.url())
        .deadline(deadline)
        .build()
        .unwrap();
    let during = Outcome {
        name: "a deadline that passes while the server holds the request",
        expect: err("DeadlineExceeded", "deadline-after-sending", true),
        result: run(client, message()).await,
        extra: Ok(()),
    };
    let list = br#"{"type":"error.list","request_id":"r404","errors":[{"code":"not_found","message":"User Not Found"}]}"#;
    let s = Raw::start((0..40).map(|_| Reply::http(404, &[], list)).collect()).await;
    let waiting = quick()
        .wait_for_new_contacts(Duration::from_millis(40))
        .new_contact_backoff(Duration::from_millis(5), Duration::from_millis(5));
    let r = run(own_client(&s.url(), waiting), message()).await;
    let contact = Outcome {
        name: "a contact that never becomes available",
        expect: err("Api", "contact-not-yet-available", false),
        result: r,
        extra: check(s.requests() >= 2, "a new contact's 404 was not retried"),
    };
    vec![before, during, contact]
}

fn delivery_table() -> BTreeMap<String, bool> {
    let text = include_str!("../src/send/delivery.md");
    let mut rows = BTreeMap::new();
    for line in text.lines().skip(2) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
        let case = cells[0].trim().trim_matches('`').to_string();
        let flag = match cells.last().map(|c| c.trim()) {
            Some("yes") => true,
            Some("no") => false,
            other => panic!("row `{case}`: last cell {other:?} is neither yes nor no"),
        };
        rows.insert(case, flag);
    }
    assert!(rows.len() >= 10, "the delivery table lost rows: {rows:?}");
    rows
}
