//! `MockIntercom`: a local Intercom for testing code that uses the
//! [`intercom_messages`] client. Add it as a dev-dependency:
//!
//! ```toml
//! [dev-dependencies]
//! intercom-messages-mock = "0.1"
//! ```
//!
//! [`MockIntercom`] is a real HTTP server on loopback. It checks each request
//! as Intercom would for the version in its `Intercom-Version` header: the
//! body must fit that version's request schema, generated from the fragment
//! and shipped with the generated crate (`version_table::REQUEST_SCHEMAS`),
//! so it uses only what that version has. A property the version does not
//! declare is accepted, as Intercom's open request objects are, and reported
//! in [`ReceivedMessage::undeclared`]. A refusal is an error list naming the
//! field and the rule, in Intercom's recorded words where it recorded them.
//! It answers with the documented response shapes (each property the
//! version declares, sampled by [`sample::Sampler`]), and records what it
//! received so your test can assert on it. It checks raw requests, without
//! the facade's rules.
//!
//! It also keeps the messages it created and answers
//! `POST /conversations/search` as Intercom does: a message has no
//! conversation until the test says the contact replied
//! ([`MockIntercom::contact_replies`]), unless it opened one at once (a
//! user's or lead's message, or an admin message with
//! `create_conversation_without_contact_reply: true`), and only then does
//! the created message's answer carry a `conversation_id`, each its own.
//!
//! ```
//! use intercom_messages::{Contact, Message, SendError, Version};
//! use intercom_messages_mock::MockIntercom;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let intercom = MockIntercom::start().await;
//! let client = intercom.client(Version::V2_11);
//!
//! // Your code under test sends a message...
//! client.send(Message::from_admin(1).to(Contact::user_id("70")).in_app("Welcome!")).await.unwrap();
//!
//! // ...and the test checks what reached "Intercom".
//! let received = intercom.received();
//! assert_eq!(received.len(), 1);
//! assert_eq!(received[0].version, Version::V2_11);
//! assert_eq!(received[0].body["to"]["user_id"], "70");
//! assert_eq!(received[0].status, Some(200));
//!
//! // Failures can be scripted too.
//! intercom.fail_next(404, "not_found", "User Not Found");
//! let err = client.send(Message::from_admin(1).to(Contact::user_id("71")).in_app("Hi")).await.unwrap_err();
//! assert!(matches!(err, SendError::Api { status: 404, .. }));
//! assert_eq!(intercom.received()[1].status, Some(404));
//! # }
//! ```
//!
//! # Paused clocks
//!
//! `#[tokio::test(start_paused = true)]` works with the mock: it runs in the
//! test's runtime, so tokio moves the clock only when the client and the
//! mock both wait on a timer, and the crate's own waits (a retry's wait,
//! the pacer's window, a send's deadline, a new contact's availability,
//! [`MockAnswer::delay`]) take no real time. It does not work with anything
//! outside the runtime: a paused clock jumps ahead while the runtime waits
//! on a socket served by another thread or process (a `wiremock` server,
//! `redis-server`), so request timeouts, deadlines and a `RedisBudget`'s
//! 250 ms Redis timeouts fire at once (a `RedisBudget` then refuses with
//! `Fail` or paces alone with `FallBack`). Test those on the real clock, and
//! assert on counts rather than durations.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use intercom_messages::{Client, DeliveredBy, MessageKind, RetryPolicy, Version};
use intercom_messages_api::types;
use intercom_messages_api::version_table as table;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

mod conversations;
pub mod sample;

/// Locks `m`, recovering it if a panic poisoned it: every critical section
/// only assigns whole values, so the data is consistent anyway.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The token [`MockIntercom::client`] uses and the mock expects.
pub const TEST_TOKEN: &str = "test-token";

/// The largest request body the mock reads; a larger one is answered 413.
const MAX_REQUEST_BODY: usize = 64 * 1024 * 1024;

/// One valid request the mock received, and how it answered.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ReceivedMessage {
    /// The `Intercom-Version` it was sent with.
    pub version: Version,
    /// The JSON body.
    pub body: Value,
    /// The status the mock answered: 200 with the created message (whose id
    /// is [`ReceivedMessage::id`]), or a status scripted by
    /// [`MockIntercom::fail_next`] or [`MockIntercom::answer_next`]; `None`
    /// when the mock dropped the connection instead of answering
    /// ([`MockAnswer::drop_connection`]).
    pub status: Option<u16>,
    /// The id of the created message, when `status` is 200. Each created
    /// message gets its own id.
    pub id: Option<String>,
    /// The properties of the body its version does not declare, as JSON
    /// pointers (`/created_at`). Intercom's descriptions leave request
    /// objects open, so the mock accepts them, as Intercom does, and reports
    /// them here for your test to assert on.
    pub undeclared: Vec<String>,
}

/// A local Intercom on loopback. It stops when dropped.
pub struct MockIntercom {
    addr: SocketAddr,
    state: Arc<State>,
    /// Dropping it stops the listener and every open connection.
    _stop: watch::Sender<()>,
}

/// What the mock remembers between requests.
#[derive(Default)]
struct State {
    /// Scripted answers, used in order by the next valid requests.
    scripted: Mutex<VecDeque<MockAnswer>>,
    /// Valid requests received, with their answers.
    received: Mutex<Vec<ReceivedMessage>>,
    /// The app's version: a request without `Intercom-Version` is judged at it.
    app_version: Mutex<Option<Version>>,
    /// The messages created, their conversations, and the searches received.
    conversations: Mutex<conversations::Conversations>,
    /// Contacts not yet available to be messaged.
    pending: Mutex<Vec<Pending>>,
}

/// A contact the mock answers 404 for, until a time or for some requests.
struct Pending {
    /// Its id, `user_id` or email, as a request's `to` names it.
    key: String,
    /// Available from then (`None`: never, for a time too far to count).
    until: Option<tokio::time::Instant>,
    /// Or available after this many more requests to it.
    requests: Option<usize>,
}

impl Pending {
    /// Whether a request naming the contact now gets a 404; counts it.
    fn refuses(&mut self, now: tokio::time::Instant) -> bool {
        match (&mut self.requests, self.until) {
            (Some(0), _) => false,
            (Some(n), _) => {
                *n -= 1;
                true
            }
            (None, until) => until.is_none_or(|t| now < t),
        }
    }
}

/// Every string a request's `to` holds (one recipient or a list of them).
fn recipients(body: &Value) -> Vec<&str> {
    fn walk<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::String(s) => out.push(s),
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            Value::Object(o) => o.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&body["to"], &mut out);
    out
}

/// The mock closes the connection without answering.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the mock dropped the connection as scripted")
    }
}

impl std::error::Error for Dropped {}

/// A request as the mock reads it: its headers and its whole body.
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

impl State {
    /// Checks a request, then answers a scripted answer or the created
    /// message, and records what it did.
    fn answer(&self, r: &Received) -> MockAnswer {
        let app_version = lock(&self.app_version).unwrap_or_default();
        let Accepted {
            body,
            admin,
            version,
            undeclared,
        } = match check(r, app_version) {
            Ok(ok) => ok,
            Err(refusal) => return refusal.answer(),
        };
        // A scripted answer first, then a contact not yet available.
        let scripted = lock(&self.scripted).pop_front().or_else(|| {
            self.not_yet_available(&body)
                .then(|| MockAnswer::error(404, "not_found", "User Not Found"))
        });
        let mut received = lock(&self.received);
        let (id, answer) = match scripted {
            Some(answer) => (None, answer),
            None => {
                let id = (1000 + received.len()).to_string();
                let conversation = lock(&self.conversations).created(&id, &body, admin, version);
                let mut answer = created(&body, admin, &id, received.len(), version);
                answer = conversations::with_conversation_id(answer, conversation.as_deref());
                (Some(id), answer)
            }
        };
        received.push(ReceivedMessage {
            version,
            body,
            status: (!answer.drop).then_some(answer.status),
            id,
            undeclared,
        });
        answer
    }
}

impl State {
    /// Whether the request names a contact that is not available yet.
    fn not_yet_available(&self, body: &Value) -> bool {
        let named = recipients(body);
        let now = tokio::time::Instant::now();
        // Every contact named counts the request, not only the first refusing.
        let mut refused = false;
        for p in lock(&self.pending).iter_mut() {
            if named.contains(&p.key.as_str()) {
                refused |= p.refuses(now);
            }
        }
        refused
    }
}

/// The answer to a created message: its id, the rate-limit headers and a
/// request id, as Intercom's answer has them, and every property the
/// contract declares for the answer at `version`.
fn created(body: &Value, admin: bool, id: &str, created: usize, version: Version) -> MockAnswer {
    let kind = if admin {
        MessageKind::AdminMessage
    } else {
        MessageKind::UserMessage
    };
    let mut answer = json!({
        "type": kind.as_str(),
        "id": id,
        "created_at": 1_700_000_000,
        "body": body.get("body").cloned().unwrap_or_else(|| json!("")),
        // As responses spell it: the generated known values map an alias
        // (`in_app`) to its main spelling; no type is in-app.
        "message_type": body["message_type"]
            .as_str()
            .map_or(DeliveredBy::InApp, DeliveredBy::parse)
            .as_str(),
    });
    if let Some(answer) = answer.as_object_mut() {
        for (name, sample) in declared(version) {
            answer.entry(name).or_insert(sample);
        }
        // Absent, not null, where the request had none: Intercom's schema
        // makes `subject` a string, and its "user message created" answer
        // leaves it out.
        match body.get("subject").filter(|s| s.is_string()) {
            Some(subject) => answer.insert("subject".into(), subject.clone()),
            None => answer.remove("subject"),
        };
    }
    rate_limit_headers(MockAnswer::status(200), created)
        .header("x-request-id", &request_id())
        .body_json(&answer)
}

/// The properties of the answer (the generated `types::Message`) that
/// `version` has, each with a sample of its type: a property the contract
/// gains is in the mock's answer without a change here. A property or a
/// schema with a response row of the version table is left out where its
/// row says the version does not have it.
fn declared(version: Version) -> Vec<(String, Value)> {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    let schema = SCHEMA.get_or_init(|| {
        serde_json::to_value(schemars::schema_for!(types::Message))
            .expect("a generated schema is JSON")
    });
    let has = |item: &str| {
        table::TABLE
            .iter()
            .find(|row| !row.request && row.item == item)
            .is_none_or(|row| version.has(*row))
    };
    let Some(properties) = schema["properties"].as_object() else {
        return Vec::new();
    };
    properties
        .iter()
        .filter(|(name, property)| {
            has(&format!("Message.{name}")) && refs(property).iter().all(|r| has(r))
        })
        .map(|(name, property)| {
            let first = sample::Sampler::new(schema)
                .samples(property, 0)
                .into_iter()
                .next();
            (name.clone(), first.unwrap_or(Value::Null))
        })
        .collect()
}

/// The definitions a property's schema refers to, by name.
fn refs(schema: &Value) -> Vec<&str> {
    match schema {
        Value::Object(o) => o
            .iter()
            .flat_map(|(k, v)| match (k.as_str(), v) {
                ("$ref", Value::String(r)) => r.rsplit('/').next().into_iter().collect(),
                _ => refs(v),
            })
            .collect(),
        Value::Array(a) => a.iter().flat_map(refs).collect(),
        _ => Vec::new(),
    }
}

/// What a created message's answer says of the budget, as Intercom's does:
/// a budget of 166 per 10 seconds, one fewer left per message created.
fn rate_limit_headers(answer: MockAnswer, created: usize) -> MockAnswer {
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() + 10);
    answer
        .header("x-ratelimit-limit", "166")
        .header(
            "x-ratelimit-remaining",
            &165usize.saturating_sub(created % 166).to_string(),
        )
        .header("x-ratelimit-reset", &reset.to_string())
}

/// An answer [`MockIntercom::answer_next`] gives the next valid request: any
/// status, headers, body and delay, or a dropped connection.
///
/// ```
/// use std::time::Duration;
/// use intercom_messages_mock::MockAnswer;
///
/// let slow_503 = MockAnswer::status(503)
///     .header("retry-after", "1")
///     .body_raw("<html>Service Unavailable</html>")
///     .delay(Duration::from_millis(50));
/// let lost = MockAnswer::drop_connection();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "an answer applies only once given to `MockIntercom::answer_next`"]
pub struct MockAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
    drop: bool,
}

impl MockAnswer {
    /// An answer with this status and an empty body. A status outside
    /// 100–999 is answered as 500.
    pub fn status(status: u16) -> Self {
        MockAnswer {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
            drop: false,
        }
    }
    /// An error list with one error, as Intercom answers a refusal.
    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Self::status(status).body_json(&error_body(code, message))
    }
    /// No answer: the mock reads the request in full, records it (with
    /// [`ReceivedMessage::status`] `None`), waits the [`MockAnswer::delay`]
    /// and closes the connection. To the client this is a request that may
    /// have been delivered.
    pub fn drop_connection() -> Self {
        MockAnswer {
            drop: true,
            ..Self::status(500)
        }
    }
    /// Adds a header. A name or value HTTP cannot carry is left out.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
    /// A JSON body, with `Content-Type: application/json`.
    pub fn body_json(self, body: &Value) -> Self {
        self.header("content-type", "application/json")
            .body_raw(body.to_string())
    }
    /// A body as written (HTML, garbage, ...).
    pub fn body_raw(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
    /// Waits this long before answering (a slow Intercom; past the client's
    /// timeout, a request that may have been delivered).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    fn response(&self) -> Response<Full<Bytes>> {
        let mut r = Response::new(Full::new(Bytes::from(self.body.clone())));
        *r.status_mut() = hyper::StatusCode::from_u16(self.status)
            .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
        for (k, v) in &self.headers {
            if let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                r.headers_mut().append(k, v);
            }
        }
        r
    }
}

/// An error list with one error, as Intercom answers a refusal.
fn error_body(code: &str, message: &str) -> Value {
    json!({
        "type": "error.list",
        "request_id": request_id(),
        "errors": [{"code": code, "message": message}],
    })
}

/// A request id shaped as Intercom's (`format: uuid`, as its recorded
/// answers have them), unique within the process.
fn request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // Truncations keep the low bits of each part, on purpose.
    #[allow(clippy::cast_possible_truncation)]
    let (high, low) = ((now >> 32) as u32, now as u32);
    format!(
        "{high:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        low >> 16,
        low & 0xfff,
        0x8000 | ((n >> 48) & 0x3fff),
        n & 0xffff_ffff_ffff
    )
}

impl std::fmt::Debug for MockIntercom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockIntercom")
            .field("uri", &self.uri())
            .finish()
    }
}

impl MockIntercom {
    /// Starts the server on a free loopback port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port is free");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let state = Arc::new(State::default());
        let (stop, stopped) = watch::channel(());
        tokio::spawn(accept(listener, state.clone(), stopped));
        Self {
            addr,
            state,
            _stop: stop,
        }
    }

    /// The server's base URL, e.g. `http://127.0.0.1:41234`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client configured for this server with `version`. Unlike a
    /// production client it makes no retries ([`RetryPolicy::never`]), so a
    /// scripted failure reaches your code as it happened, at once; build your
    /// own with [`Client::builder`] and [`MockIntercom::uri`] to test retries.
    pub fn client(&self, version: Version) -> Client {
        Client::builder(TEST_TOKEN)
            .base_url(&self.uri())
            .version(version)
            .retry(RetryPolicy::never())
            .build()
            .expect("a loopback base URL is valid")
    }

    /// The next valid request (right token, version and body) gets this
    /// error status with a one-entry error list. Scripted failures queue up.
    pub fn fail_next(&self, status: u16, code: &str, message: &str) {
        self.answer_next(MockAnswer::error(status, code, message));
    }

    /// The next valid request gets this answer, whatever it is: any status,
    /// headers, body and delay, or a dropped connection ([`MockAnswer`]).
    /// Scripted answers queue up with [`MockIntercom::fail_next`]'s.
    pub fn answer_next(&self, answer: MockAnswer) {
        lock(&self.state.scripted).push_back(answer);
    }

    /// The version the mock's app is set to (as in Intercom's developer
    /// hub): a request without an `Intercom-Version` header is judged at it,
    /// as Intercom answers such a request at the app's version. Four of the
    /// six official SDK families send no header. [`Version::DEFAULT`] unless set.
    pub fn set_app_version(&self, version: Version) {
        *lock(&self.state.app_version) = Some(version);
    }

    /// Plays a contact created a moment ago, as Intercom does: a request
    /// whose `to` names `contact` (its id, `user_id` or email) is answered
    /// 404 `not_found` "User Not Found", creating nothing, until `after` has
    /// passed (on tokio's clock, so a paused test clock moves it). A time too
    /// far to count (`Duration::MAX`) plays a contact that never comes: a
    /// wrong id. The 404s are in [`MockIntercom::received`]; a scripted
    /// answer ([`MockIntercom::answer_next`]) still comes first. See
    /// [`RetryPolicy::wait_for_new_contacts`].
    pub fn contact_available_after(&self, contact: &str, after: Duration) {
        lock(&self.state.pending).push(Pending {
            key: contact.to_string(),
            until: tokio::time::Instant::now().checked_add(after),
            requests: None,
        });
    }

    /// Like [`MockIntercom::contact_available_after`], counted in requests:
    /// the first `requests` requests naming `contact` are answered 404.
    pub fn contact_available_after_requests(&self, contact: &str, requests: usize) {
        lock(&self.state.pending).push(Pending {
            key: contact.to_string(),
            until: None,
            requests: Some(requests),
        });
    }

    /// Every valid request received, in order, with the status it was
    /// answered (a scripted 5xx is a message that may have been delivered; a
    /// scripted 4xx one that was not).
    pub fn received(&self) -> Vec<ReceivedMessage> {
        lock(&self.state.received).clone()
    }
}

/// Accepts connections until the mock is dropped.
async fn accept(listener: TcpListener, state: Arc<State>, mut stopped: watch::Receiver<()>) {
    loop {
        let sock = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((sock, _)) => sock,
                // Out of file descriptors, say: wait a little rather than
                // spin on the error.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = stopped.changed() => return,
        };
        let state = state.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |r| serve(r, state.clone()));
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(sock), service);
            tokio::select! {
                _ = conn => {}
                _ = stopped.changed() => {}
            }
        });
    }
}

/// One request: `POST /messages` and `POST /conversations/search` are
/// checked and answered; anything else is a 404. A scripted dropped connection is an error, on which hyper closes
/// the connection without writing an answer.
async fn serve(r: Request<Incoming>, state: Arc<State>) -> Result<Response<Full<Bytes>>, Dropped> {
    let search = r.uri().path() == conversations::SEARCH_PATH;
    if r.method() != Method::POST || !(search || r.uri().path() == "/messages") {
        return Ok(MockAnswer::status(404).response());
    }
    let (parts, body) = r.into_parts();
    let Ok(body) = Limited::new(body, MAX_REQUEST_BODY).collect().await else {
        let refusal = error(
            413,
            "request_too_large",
            "The request body is too large".into(),
        );
        return Ok(refusal.at("request").answer().response());
    };
    let received = Received {
        headers: parts.headers,
        body: body.to_bytes(),
    };
    let answer = if search {
        state.search(&received)
    } else {
        state.answer(&received)
    };
    if !answer.delay.is_zero() {
        tokio::time::sleep(answer.delay).await;
    }
    if answer.drop {
        return Err(Dropped);
    }
    Ok(answer.response())
}

/// The request's version: its `Intercom-Version` header (an alias such as
/// `Unstable` read as the version it names), or the app's version when there
/// is no header; `None` for a header that names no version.
fn header_version(r: &Received, app_version: Version) -> Option<Version> {
    match r.headers.get("intercom-version") {
        None => Some(app_version),
        Some(v) => v.to_str().ok()?.parse().ok(),
    }
}

/// Why the mock refused a request: an error list of one error, with the
/// field it is about where there is one, as Intercom's are.
struct Refusal {
    status: u16,
    code: &'static str,
    message: String,
    field: Option<String>,
}

impl Refusal {
    /// The same refusal, about `field`.
    fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    fn answer(&self) -> MockAnswer {
        let mut body = error_body(self.code, &self.message);
        if let Some(field) = &self.field {
            body["errors"][0]["field"] = json!(field);
        }
        MockAnswer::status(self.status).body_json(&body)
    }
}

fn error(status: u16, code: &'static str, message: String) -> Refusal {
    Refusal {
        status,
        code,
        message,
        field: None,
    }
}

/// A body that is not JSON, in words of the mock's own (not the parser's).
fn not_json() -> Refusal {
    error(
        400,
        "parameter_invalid",
        "The request body is not valid JSON".into(),
    )
    .at("request")
}

/// The token and the version of a request, as Intercom checks them first.
fn check_headers(r: &Received, app_version: Version) -> Result<Version, Refusal> {
    let auth = r.headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {TEST_TOKEN}")) {
        return Err(error(401, "unauthorized", "Access Token Invalid".into()));
    }
    header_version(r, app_version).ok_or_else(|| {
        error(
            400,
            "intercom_version_invalid",
            "unknown Intercom-Version".into(),
        )
        .at("Intercom-Version")
    })
}

/// What the mock accepted: the body, whether it is an admin message, its
/// version, and the properties its version does not declare.
struct Accepted {
    body: Value,
    admin: bool,
    version: Version,
    undeclared: Vec<String>,
}

/// Checks a request as Intercom would.
fn check(r: &Received, app_version: Version) -> Result<Accepted, Refusal> {
    let version = check_headers(r, app_version)?;
    let body: Value = serde_json::from_slice(&r.body).map_err(|_| not_json())?;
    let fit = version_fit(&body, version).map_err(|problem| problem.refusal(version))?;
    if let Some(refusal) = sms_refusal(&body, version) {
        return Err(refusal);
    }
    Ok(Accepted {
        admin: fit.member != "UserMessageRequest",
        body,
        version,
        undeclared: fit.undeclared,
    })
}

/// Preview's recorded refusal of an SMS whose body has a link
/// (`invalid_body_supplied_for_sms_message`: "heyy https://picsum.photos/200/300"
/// is answered `400 parameter_invalid "Invalid SMS message body"`).
fn sms_refusal(body: &Value, version: Version) -> Option<Refusal> {
    let text = body["body"].as_str()?;
    let link = text.contains("http://") || text.contains("https://");
    (body["message_type"] == "sms" && version.has(table::SMS_MESSAGE_REQUEST) && link)
        .then(|| error(400, "parameter_invalid", "Invalid SMS message body".into()).at("body"))
}

/// The request member a body fits, and the properties it has that the
/// member does not declare.
struct Fit {
    member: String,
    undeclared: Vec<String>,
}

/// Why a body does not fit a version's request schema: the first violation
/// of the member it came closest to.
struct Problem {
    /// The field, dotted (`from.id`); `request` for the body as a whole.
    field: String,
    /// The rule broken, in the validator's words.
    rule: String,
    /// A property the body lacks (`body`, `subject`), when that is the rule.
    missing: Option<String>,
    /// Whether that violation is of a condition (`if`/`then`) of the schema.
    conditional: bool,
}

impl Problem {
    fn new(e: &jsonschema::ValidationError<'_>) -> Self {
        let mut field: Vec<String> = e
            .instance_path()
            .to_string()
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let missing = match e.kind() {
            jsonschema::error::ValidationErrorKind::Required { property } => {
                let name = property.as_str().map(str::to_string);
                field.extend(name.clone());
                name
            }
            // A property sent as null is missing, as Intercom answers it
            // (its recorded `"body": null` is "Body is required").
            jsonschema::error::ValidationErrorKind::Type { .. } if e.instance().is_null() => {
                field.last().cloned()
            }
            _ => None,
        };
        Problem {
            field: if field.is_empty() {
                "request".into()
            } else {
                field.join(".")
            },
            rule: e.to_string(),
            missing,
            conditional: e.schema_path().to_string().contains("/then/"),
        }
    }

    /// The refusal, in Intercom's recorded words where it recorded them: a
    /// missing body is `400 parameter_invalid "Body is required"`, an email
    /// without its subject (a condition, `x-intercom-required-when`) is
    /// `422 parameter_not_found "No subject supplied for email message"`.
    fn refusal(self, version: Version) -> Refusal {
        match (self.missing.as_deref(), self.conditional) {
            (Some("body"), _) => error(400, "parameter_invalid", "Body is required".into()),
            (Some("subject"), true) => error(
                422,
                "parameter_not_found",
                "No subject supplied for email message".into(),
            ),
            (_, true) => error(
                422,
                "parameter_not_found",
                format!("{}: {} (Intercom-Version {version})", self.field, self.rule),
            ),
            _ => error(
                400,
                "parameter_invalid",
                format!("{}: {} (Intercom-Version {version})", self.field, self.rule),
            ),
        }
        .at(self.field)
    }
}

/// Each version's request members, by name, as validators.
fn member_validators() -> &'static [Vec<(String, jsonschema::Validator)>] {
    static VALIDATORS: OnceLock<Vec<Vec<(String, jsonschema::Validator)>>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        table::REQUEST_SCHEMAS
            .iter()
            .map(|text| {
                let schema: Value =
                    serde_json::from_str(text).expect("generated request schemas are JSON");
                schema["definitions"][table::REQUEST_ROOT]["oneOf"]
                    .as_array()
                    .expect("the request is a oneOf")
                    .iter()
                    .filter_map(|m| m["$ref"].as_str())
                    .map(|r| {
                        let mut s = schema.clone();
                        s["$ref"] = Value::String(r.to_string());
                        let name = r.rsplit('/').next().unwrap_or(r).to_string();
                        (name, request_validator(&s))
                    })
                    .collect()
            })
            .collect()
    })
}

fn request_validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(false)
        .build(schema)
        .expect("generated request schemas are valid JSON Schema")
}

/// The member of `version`'s request schema the body fits. Intercom's
/// descriptions leave request objects open, so a property a member does not
/// declare is taken out and reported rather than refused (the contract's
/// own objects are closed, so that the facade never sends one). When no
/// member fits, the first violation of the member it came closest to.
fn version_fit(body: &Value, version: Version) -> Result<Fit, Problem> {
    let mut closest: Option<(usize, Problem)> = None;
    let mut open: Option<Fit> = None;
    for (member, validator) in &member_validators()[version.position()] {
        let errors: Vec<_> = validator.iter_errors(body).collect();
        if errors.is_empty() {
            let member = member.clone();
            return Ok(Fit {
                member,
                undeclared: Vec::new(),
            });
        }
        if open.is_none() {
            open = undeclared_only(&errors)
                .filter(|u| validator.is_valid(&without(body, u)))
                .map(|undeclared| Fit {
                    member: member.clone(),
                    undeclared,
                });
        }
        if closest.as_ref().is_none_or(|(n, _)| errors.len() < *n) {
            // A kind of message the version lacks is named by its
            // message_type, before what that member would also miss.
            let first = errors
                .iter()
                .find(|e| e.instance_path().to_string() == "/message_type")
                .unwrap_or(&errors[0]);
            closest = Some((errors.len(), Problem::new(first)));
        }
    }
    open.ok_or_else(|| {
        closest.map_or_else(
            || Problem {
                field: "message_type".into(),
                rule: "no request member in this version".into(),
                missing: None,
                conditional: false,
            },
            |(_, p)| p,
        )
    })
}

/// The properties (as JSON pointers) the errors say are not allowed, when
/// that is all they say.
fn undeclared_only(errors: &[jsonschema::ValidationError<'_>]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for e in errors {
        let jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } = e.kind()
        else {
            return None;
        };
        let at = e.instance_path().to_string();
        out.extend(unexpected.iter().map(|name| format!("{at}/{name}")));
    }
    out.sort();
    Some(out)
}

/// `body` without the properties at `pointers`.
fn without(body: &Value, pointers: &[String]) -> Value {
    let mut body = body.clone();
    for pointer in pointers {
        if let Some((parent, name)) = pointer.rsplit_once('/')
            && let Some(o) = body.pointer_mut(parent).and_then(Value::as_object_mut)
        {
            o.remove(name);
        }
    }
    body
}

/// The README's example, compiled as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
