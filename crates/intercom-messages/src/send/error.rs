//! [`SendError`]: why a send did not return a message, and whether the message
//! may have reached Intercom anyway.

use std::time::{Duration, SystemTime};

use crate::message::invalid::ValidationError;
use crate::send::budget::BudgetError;
use crate::send::rate_limit::{RateLimit, wait};
use crate::text::clean;

/// One entry of Intercom's error list.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The error code, e.g. `parameter_not_found`; Intercom adds codes at any time.
    pub code: String,
    /// The human-readable message, when given.
    pub message: Option<String>,
    /// The field in error, when given.
    pub field: Option<String>,
}

impl ApiError {
    /// The code as an open enum of the codes the contract knows.
    pub fn error_code(&self) -> crate::contract::ErrorCode {
        crate::contract::ErrorCode::parse(&self.code)
    }
}

/// The largest response body read. Intercom's answers are a few hundred
/// bytes; a larger `Content-Length` is refused without reading, and a body
/// streamed past this is cut off ([`SendError::ResponseTooLarge`]).
pub const RESPONSE_BODY_LIMIT: usize = 1024 * 1024;

/// A send that did not return the created message.
///
/// Whether the message may exist anyway is [`SendError::may_have_been_delivered`];
/// its rules are in one table:
#[doc = include_str!("delivery.md")]
///
/// # What is retried
///
/// A retry is decided from the error alone ([`SendError::may_have_been_delivered`]
/// first): once an error says the message may have been delivered, only
/// [`crate::RetryPolicy::retry_possibly_delivered`] retries it, and only a
/// `Server` or a `Transport` error. Without that opt-in the crate retries a
/// 429 (`rate-limited`), and, as the table says, `connect-failed`,
/// `http2-refused`, `lost-body-4xx` and `request-timeout-408`: each cannot
/// have created a message. Every retry is an attempt of the policy; nothing
/// below it (reqwest's own retries are off in the crate's client) sends the
/// request again.
///
/// # With a caller's HTTP client
///
/// [`crate::ClientBuilder::http_client`] keeps: the bounded reads, the
/// delivery flag (stricter: every transport error says "may have been
/// delivered"), the scrubbing of server text, the rules, the retry decision
/// and the rate budget. It loses what only the client's configuration can
/// give: the crate's client follows no redirect, speaks HTTPS only (plain
/// HTTP to a loopback base URL only), uses no proxy for a loopback base URL,
/// and keeps its connect timeout below the total timeout. Its redirects
/// never send the message to a second server (the table's `redirect` row).
/// Against a redirect from the configured URL to itself the crate is as
/// blind as against that server's word about its own answers: both are the
/// configured server speaking.
///
/// # No secret in server text
///
/// A server, a proxy or a misconfigured gateway may echo the request's
/// `Authorization` header back. Every piece of server text a `SendError`
/// keeps passes through one function, once, where it enters: the API
/// errors' `code`, `message` and `field`, every `request_id` (also the one
/// recorded on the `intercom.send` tracing span), `body_excerpt`, the decode
/// `reason` (serde quotes the body) and a redirect's `location`. It replaces
/// the client's token, with a `Bearer ` before it in any case, by
/// `[redacted]`; an excerpt cut in the middle of a token also loses the
/// token's start. So `Display`, `Debug`, every field and the logs never show
/// the token as sent.
///
/// How the token is recognised (in any ASCII case, percent-encoded) and
/// what is not is [`crate::text`]'s; a `Location` header is scrubbed before
/// it is parsed and again after. Not scrubbed: the fields of a
/// [`crate::SentMessage`], which are the message Intercom created. A
/// `RedisBudget` logs a Redis error's text with the Redis password removed
/// the same way; its [`crate::BudgetError`] shows the URL without it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The message breaks a rule for the chosen version. Nothing was sent.
    #[error("invalid message, nothing was sent: {0}")]
    Invalid(#[from] ValidationError),
    /// Intercom answered a 4xx (other than 429) with its error list: it
    /// refused the message.
    #[error("Intercom answered {status}{}: {}", suffix("request", .request_id), describe(.errors))]
    Api {
        /// The HTTP status.
        status: u16,
        /// Intercom's request id, when given.
        request_id: Option<String>,
        /// The errors, in Intercom's order.
        errors: Vec<ApiError>,
    },
    /// Still rate limited after the allowed attempts, or asked to wait longer
    /// than [`crate::RetryPolicy::max_wait`] (returned at once then, without
    /// spending attempts). The message was not created.
    #[error("rate limited by Intercom after {attempts} attempt(s); the message was not created; budget refills {}", reset_text(.rate_limit, .retry_after))]
    RateLimited {
        /// The rate-limit headers of the last 429.
        rate_limit: RateLimit,
        /// The last 429's `Retry-After`, when given (at most an hour).
        retry_after: Option<Duration>,
        /// Intercom's request id, when given.
        request_id: Option<String>,
        /// How many requests were made.
        attempts: u32,
    },
    /// A 5xx (or a status outside HTTP's classes): Intercom may or may not
    /// have created the message.
    #[error("Intercom answered {status}{}: the message may have been delivered; not retried", suffix("request", .request_id))]
    Server {
        /// The HTTP status.
        status: u16,
        /// Intercom's request id, when the body had one.
        request_id: Option<String>,
        /// A bounded excerpt of the body.
        body_excerpt: String,
    },
    /// The request did not complete. `Display` names the cause (reqwest's
    /// own text is only "error sending request").
    #[error("{}: {}", if *.may_have_been_delivered {
        "the connection failed after the request may have been sent, so the message may have been delivered; not retried"
    } else {
        "could not connect to Intercom (nothing was delivered)"
    }, causes(.source))]
    Transport {
        /// Whether the request may have reached a server.
        may_have_been_delivered: bool,
        /// The transport error (it never carries the token).
        #[source]
        source: reqwest::Error,
    },
    /// A response that is not what the contract says (not JSON, HTML, empty).
    #[error("undecodable response with status {status} ({reason}){}; body starts: {body_excerpt:?}", created_hint(*.status))]
    UndecodableResponse {
        /// The HTTP status.
        status: u16,
        /// Why it could not be decoded.
        reason: String,
        /// The first bytes of the body, at most [`crate::BODY_EXCERPT_LIMIT`] bytes of lossy UTF-8.
        body_excerpt: String,
    },
    /// A response body larger than [`RESPONSE_BODY_LIMIT`]: refused by its
    /// `Content-Length`, or cut off while streaming.
    #[error("response with status {status} has a body over {limit} bytes; not read further{}; body starts: {body_excerpt:?}", created_hint(*.status))]
    ResponseTooLarge {
        /// The HTTP status.
        status: u16,
        /// The limit that was passed.
        limit: usize,
        /// The first bytes of the body, at most [`crate::BODY_EXCERPT_LIMIT`] bytes of lossy UTF-8.
        body_excerpt: String,
    },
    /// The server answered with a redirect, or the caller's HTTP client
    /// followed one away from the configured URL. Intercom's `/messages`
    /// never redirects; the message body reached a server, so it may have
    /// been delivered, and it was not sent on.
    #[error("the server answered {status} from elsewhere than the configured URL or with a redirect{}: the message may have been delivered; not sent on", suffix("to", .location))]
    Redirected {
        /// The HTTP status of the answer.
        status: u16,
        /// Where it pointed (`Location`), or the URL the caller's client ended at,
        /// without user info, query or fragment.
        location: Option<String>,
    },
    /// The client's [`crate::RateBudget`] gave no slot (for example a
    /// `RedisBudget` set to fail while Redis is down). Nothing was sent on
    /// this attempt.
    #[error("no slot from the rate budget, nothing was sent: {0}")]
    BudgetUnavailable(#[source] BudgetError),
    /// The send's deadline ([`crate::ClientBuilder::deadline`],
    /// [`crate::SendOptions::deadline`]) passed, or the rate budget's next
    /// slot came after it, before the send ended. Unlike a caller's own
    /// timeout, which drops the send and with it the verdict, this keeps it:
    /// with `may_have_been_delivered` false nothing that could create the
    /// message had left (no request, or only requests refused as the
    /// delivery table says), so the message may be sent again.
    #[error("{}", deadline_text(*.may_have_been_delivered, *.requests))]
    DeadlineExceeded {
        /// Whether a request may have reached Intercom and created the
        /// message: one was in flight when the deadline passed, or an
        /// earlier one ended in a way that may have delivered.
        may_have_been_delivered: bool,
        /// How many requests had left when it passed.
        requests: u32,
    },
    /// An opted-in retry ([`crate::RetryPolicy::retry_possibly_delivered`])
    /// followed an attempt that may have delivered the message, and the last
    /// attempt then failed in a way that on its own would say "not delivered".
    #[error(
        "an earlier attempt may have delivered the message; the last of {attempts} attempts failed: {last}"
    )]
    AfterPossibleDelivery {
        /// How many requests were made.
        attempts: u32,
        /// How the last attempt failed.
        last: Box<SendError>,
    },
}

/// An error and its causes, `outer: inner: innermost`, each shown once.
fn causes(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = next {
        let text = clean(&c.to_string());
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = c.source();
    }
    parts.join(": ")
}

fn deadline_text(may_have_been_delivered: bool, requests: u32) -> String {
    match (may_have_been_delivered, requests) {
        (false, 0) => {
            "the send's deadline passed before any request was sent: nothing was sent".into()
        }
        (false, n) => format!(
            "the send's deadline passed after {n} request(s), each refused: the message was not created"
        ),
        (true, n) => format!(
            "the send's deadline passed after {n} request(s) had left: the message may have been delivered"
        ),
    }
}

fn created_hint(status: u16) -> &'static str {
    if (200..300).contains(&status) {
        ": the message was most likely created, do not resend it without checking"
    } else {
        ""
    }
}

/// ` (label text)`, the text cleaned, when there is one.
fn suffix(label: &str, text: &Option<String>) -> String {
    text.as_deref()
        .map(|t| format!(" ({label} {})", clean(t)))
        .unwrap_or_default()
}

fn describe(errors: &[ApiError]) -> String {
    if errors.is_empty() {
        return "no error details".into();
    }
    errors
        .iter()
        .map(|e| {
            let mut s = clean(&e.code);
            if let Some(m) = &e.message {
                s.push_str(": ");
                s.push_str(&clean(m));
            }
            if let Some(f) = &e.field {
                s.push_str(&format!(" (field `{}`)", clean(f)));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn reset_text(r: &RateLimit, retry_after: &Option<Duration>) -> String {
    match wait(r, *retry_after, SystemTime::now()) {
        Some(d) if d.is_zero() => "now".into(),
        Some(d) => format!("in {}s", d.as_secs()),
        None => "at an unknown time".into(),
    }
}

impl SendError {
    /// Whether the message may exist although this is an error. Check before
    /// sending the same message again; see the table above.
    pub fn may_have_been_delivered(&self) -> bool {
        match self {
            SendError::Server { .. }
            | SendError::Redirected { .. }
            | SendError::AfterPossibleDelivery { .. } => true,
            SendError::Transport {
                may_have_been_delivered,
                ..
            }
            | SendError::DeadlineExceeded {
                may_have_been_delivered,
                ..
            } => *may_have_been_delivered,
            SendError::UndecodableResponse { status, .. }
            | SendError::ResponseTooLarge { status, .. } => !(400..500).contains(status),
            SendError::Invalid(_)
            | SendError::Api { .. }
            | SendError::RateLimited { .. }
            | SendError::BudgetUnavailable(_) => false,
        }
    }

    /// Intercom's request id, when the answer carried one (scrubbed of the
    /// token like all server text): quote it to Intercom's support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            SendError::Api { request_id, .. }
            | SendError::RateLimited { request_id, .. }
            | SendError::Server { request_id, .. } => request_id.as_deref(),
            SendError::AfterPossibleDelivery { last, .. } => last.request_id(),
            _ => None,
        }
    }

    /// The HTTP status, when a response came back (of the last attempt).
    pub fn status(&self) -> Option<u16> {
        match self {
            SendError::Api { status, .. }
            | SendError::Server { status, .. }
            | SendError::UndecodableResponse { status, .. }
            | SendError::ResponseTooLarge { status, .. }
            | SendError::Redirected { status, .. } => Some(*status),
            SendError::RateLimited { .. } => Some(429),
            SendError::AfterPossibleDelivery { last, .. } => last.status(),
            SendError::Invalid(_)
            | SendError::Transport { .. }
            | SendError::BudgetUnavailable(_)
            | SendError::DeadlineExceeded { .. } => None,
        }
    }

    /// How long the rate limit said to wait, if this is [`SendError::RateLimited`]
    /// (or follows a possible delivery and ended rate limited): `Retry-After`,
    /// else the time until `X-RateLimit-Reset`. Never more than an hour.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SendError::RateLimited {
                rate_limit,
                retry_after,
                ..
            } => wait(rate_limit, *retry_after, SystemTime::now()),
            SendError::AfterPossibleDelivery { last, .. } => last.retry_after(),
            _ => None,
        }
    }
}
