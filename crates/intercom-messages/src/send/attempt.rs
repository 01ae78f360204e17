//! One attempt: the I/O ([`send_once`]: a budget slot, the request, a
//! bounded read), then a pure [`classify`] of what the server sent into the
//! created message or a [`SendError`], with the server's text scrubbed of the
//! client's secrets where it enters.

use std::time::SystemTime;

use intercom_messages_api::types;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue, LOCATION, USER_AGENT,
};

use crate::message::version::Version;
use crate::send::budget::RateBudget;
use crate::send::error::{ApiError, RESPONSE_BODY_LIMIT, SendError};
use crate::send::observe::Measure;
use crate::send::rate_limit::{RateLimit, retry_after};
use crate::send::response::SentMessage;
use crate::send::wire::WireBody;
use crate::text::{BODY_EXCERPT_LIMIT, Secrets, clean, redact, url_without_secrets};

/// The `User-Agent` sent with every request: `intercom-messages/<version> (Rust)`.
pub const USER_AGENT_VALUE: &str =
    concat!("intercom-messages/", env!("CARGO_PKG_VERSION"), " (Rust)");

/// How much of an oversized body is kept past [`BODY_EXCERPT_LIMIT`], so that
/// a secret the excerpt's cut would split is still recognised whole.
const PREFIX_MARGIN: usize = 4096;

/// What a 2xx answer decodes into: the created message of a send, or the
/// answer of a search. One attempt and its classification serve both.
pub(crate) trait Decoded: Sized {
    /// Decodes a 2xx body.
    fn decode(body: &[u8]) -> Result<Self, serde_json::Error>;
    /// Keeps what the answer's headers said: the request id (scrubbed) and
    /// the rate-limit headers.
    fn stamp(&mut self, request_id: Option<String>, rate_limit: RateLimit);
}

impl Decoded for SentMessage {
    fn decode(body: &[u8]) -> Result<Self, serde_json::Error> {
        SentMessage::from_json(body)
    }
    fn stamp(&mut self, request_id: Option<String>, rate_limit: RateLimit) {
        self.request_id = request_id;
        self.rate_limit = rate_limit;
    }
}

/// What one attempt needs besides the body: where to, with what, and how.
pub(crate) struct Target<'a> {
    pub(crate) http: &'a reqwest::Client,
    /// Whether `http` is the crate's own client (it follows no redirect).
    pub(crate) own_http: bool,
    pub(crate) url: &'a reqwest::Url,
    /// `Authorization`, marked sensitive.
    pub(crate) auth: &'a HeaderValue,
    pub(crate) version: Version,
    pub(crate) timeout: std::time::Duration,
    pub(crate) budget: Option<&'a dyn RateBudget>,
    pub(crate) secrets: &'a Secrets,
    /// What the send measures (attempts, budget waits) for the span and metrics.
    pub(crate) measure: &'a Measure,
}

/// What came back, as far as it was read.
#[derive(Debug)]
pub(crate) enum Body {
    /// Not read: a redirect's body is never looked at.
    Unread,
    /// Read in full.
    Read(Vec<u8>),
    /// Over [`RESPONSE_BODY_LIMIT`]: the first bytes read, if any.
    TooLarge(Vec<u8>),
    /// The connection failed while reading.
    Lost(reqwest::Error),
}

/// One request and its answer.
///
/// Written so that little is held across each await (the future of a send
/// is this one's size plus a few words): the head is read into a small
/// [`Answer`] before the body, and the URL a caller's client ended at, rare,
/// is boxed.
///
/// The request is counted as it leaves (the retry loop notes its end), so
/// that a send dropped or out of time meanwhile still says whether it may
/// have delivered.
pub(crate) async fn send_once<T: Decoded>(t: &Target<'_>, body: &WireBody) -> Result<T, SendError> {
    if let Some(b) = t.budget {
        let waiting = std::time::Instant::now();
        let slot = match t.measure.deadline() {
            Some(at) => b.acquire_by(at.into_std()).await,
            None => b.acquire().await,
        };
        t.measure.waited(waiting.elapsed());
        match slot {
            Err(e) if e.is_past_deadline() => return Err(t.measure.deadline_passed()),
            slot => slot.map_err(SendError::BudgetUnavailable)?,
        }
    }
    // From here the slot is the request's: the budget hears when it can no
    // longer reach the server, however the request or the send ends.
    // (A block, so that the result's room ends with it.)
    let mut response = {
        let slot = Finished(t);
        t.measure.leaving();
        let response = post(t, body).await;
        drop(slot);
        response?
    };
    let mut answer = Answer::head(&response, t.url, SystemTime::now());
    t.measure.answered(answer.status, t.version);
    if let Some(b) = t.budget {
        b.observe(answer.limits).await;
    }
    if !answer.is_redirect() {
        answer.body = read_capped(&mut response).await;
    }
    let outcome = classify(answer, t.secrets);
    if let Err(e) = &outcome
        && let Some(id) = e.request_id()
    {
        tracing::Span::current().record("intercom.request_id", clean(id));
    }
    outcome
}

/// Tells the budget, when dropped, that the request of its slot can no
/// longer reach the server.
struct Finished<'a>(&'a Target<'a>);

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        if let Some(b) = self.0.budget {
            b.finished();
        }
    }
}

/// Sends the request. Which transport errors say nothing was delivered is
/// the table of [`SendError`] (with the crate's own client: no connection,
/// or HTTP/2's `REFUSED_STREAM` or graceful `GOAWAY`, RFC 9113 §8.7; with a
/// caller's client, which may follow redirects, none); [`WireBody`] cannot
/// be replayed by a redirect or by reqwest's own retries.
async fn post(t: &Target<'_>, body: &WireBody) -> Result<reqwest::Response, SendError> {
    // The crate's own client replays nothing either way (no redirects, no
    // retries of its own); the size is exact, sent as `Content-Length`.
    let body = body.to_reqwest();
    t.http
        .post(t.url.clone())
        // Set on the request itself: no header map is built and copied per send.
        .header(AUTHORIZATION, t.auth.clone())
        .header(
            "intercom-version",
            HeaderValue::from_static(t.version.as_str()),
        )
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE))
        .timeout(t.timeout)
        .body(body)
        .send()
        .await
        .map_err(|e| SendError::Transport {
            may_have_been_delivered: !(t.own_http && (e.is_connect() || unprocessed(&e))),
            source: e.without_url(),
        })
}

/// Whether an HTTP/2 server said it did not process the stream: a
/// `REFUSED_STREAM` reset, or a graceful (`NO_ERROR`) `GOAWAY` whose last
/// stream id excludes it. RFC 9113 §8.7: such a request may be retried.
/// The same test reqwest's own retry makes.
fn unprocessed(e: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(h2) = c.downcast_ref::<h2::Error>() {
            return h2.is_remote()
                && ((h2.is_reset() && h2.reason() == Some(h2::Reason::REFUSED_STREAM))
                    || (h2.is_go_away() && h2.reason() == Some(h2::Reason::NO_ERROR)));
        }
        cause = c.source();
    }
    false
}

/// Reads a response body, never more than [`RESPONSE_BODY_LIMIT`] bytes: a
/// larger `Content-Length` is refused before reading, and a streamed body is
/// cut off at the limit (dropping the response closes the connection).
/// The response is borrowed, not moved in: a send's future holds it once.
async fn read_capped(response: &mut reqwest::Response) -> Body {
    let declared = response.content_length().unwrap_or(0);
    if declared > RESPONSE_BODY_LIMIT as u64 {
        return Body::TooLarge(Vec::new());
    }
    let mut body = Vec::with_capacity(declared as usize);
    loop {
        match response.chunk().await {
            Ok(None) => return Body::Read(body),
            Ok(Some(chunk)) if body.len() + chunk.len() > RESPONSE_BODY_LIMIT => {
                let room = RESPONSE_BODY_LIMIT - body.len();
                body.extend_from_slice(&chunk[..room]);
                // Enough to remove a secret the excerpt's cut would split.
                body.truncate(BODY_EXCERPT_LIMIT + PREFIX_MARGIN);
                return Body::TooLarge(body);
            }
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Err(e) => return Body::Lost(e),
        }
    }
}

/// Everything the server sent that [`classify`] looks at.
pub(crate) struct Answer<'a> {
    pub(crate) status: u16,
    /// The rate-limit headers, read once (the budget saw them too).
    pub(crate) limits: RateLimit,
    /// `Retry-After`, read on a 429 only.
    pub(crate) retry_after: Option<std::time::Duration>,
    /// `Location`, read on a 3xx only.
    pub(crate) location: Option<String>,
    /// `X-Request-Id`, read on a 2xx only (an error list carries its own).
    pub(crate) request_id: Option<String>,
    /// Where a caller's client ended, when elsewhere than the configured URL.
    pub(crate) elsewhere: Option<Box<reqwest::Url>>,
    /// Where the request was sent.
    pub(crate) configured: &'a reqwest::Url,
    pub(crate) body: Body,
}

impl<'a> Answer<'a> {
    /// What `classify` needs of the head, taken before the body consumes the
    /// response; nothing is copied on the common path.
    fn head(response: &reqwest::Response, configured: &'a reqwest::Url, now: SystemTime) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers();
        let text = |name| Some(headers.get(name)?.to_str().ok()?.to_string());
        Answer {
            status,
            limits: RateLimit::read(headers, now),
            retry_after: (status == 429).then(|| retry_after(headers)).flatten(),
            location: (300..400)
                .contains(&status)
                .then(|| text(LOCATION))
                .flatten(),
            request_id: (200..300)
                .contains(&status)
                .then(|| text(HeaderName::from_static("x-request-id")))
                .flatten(),
            elsewhere: (response.url() != configured).then(|| Box::new(response.url().clone())),
            configured,
            body: Body::Unread,
        }
    }

    /// A 3xx, or a caller's client that ended elsewhere than the configured URL.
    fn is_redirect(&self) -> bool {
        (300..400).contains(&self.status) || self.elsewhere.is_some()
    }
}

/// What an answer means, with no I/O: the created message, or the error the
/// delivery table of [`SendError`] gives for it. Every piece of server text
/// kept passes through `secrets` here, once.
pub(crate) fn classify<T: Decoded>(a: Answer<'_>, secrets: &Secrets) -> Result<T, SendError> {
    let status = a.status;
    if a.is_redirect() {
        return Err(SendError::Redirected {
            status,
            location: redirect_location(&a, secrets),
        });
    }
    if status == 429 {
        let request_id = match &a.body {
            Body::Read(bytes) => request_id_of(bytes, secrets),
            _ => None,
        };
        return Err(SendError::RateLimited {
            rate_limit: a.limits,
            retry_after: a.retry_after,
            request_id,
            attempts: 0,
        });
    }
    let bytes = match a.body {
        Body::Read(b) => b,
        Body::Unread => Vec::new(),
        Body::TooLarge(prefix) if (500..600).contains(&status) => {
            return Err(SendError::Server {
                status,
                request_id: None,
                body_excerpt: secrets.excerpt(&prefix),
            });
        }
        Body::TooLarge(prefix) => {
            return Err(SendError::ResponseTooLarge {
                status,
                limit: RESPONSE_BODY_LIMIT,
                body_excerpt: secrets.excerpt(&prefix),
            });
        }
        // The status came back, so the request was received.
        Body::Lost(e) => {
            return Err(SendError::Transport {
                may_have_been_delivered: !(400..500).contains(&status),
                source: e.without_url(),
            });
        }
    };
    let created = classify_read(status, &bytes, secrets);
    created.map(|mut sent: T| {
        sent.stamp(a.request_id.map(|id| clean(&secrets.scrub(&id))), a.limits);
        sent
    })
}

/// What a body read in full means, by the class of its status.
fn classify_read<T: Decoded>(status: u16, bytes: &[u8], secrets: &Secrets) -> Result<T, SendError> {
    match status {
        200..=299 => T::decode(bytes).map_err(|e| undecodable(status, &e, bytes, secrets)),
        400..=499 => Err(match serde_json::from_slice::<types::ErrorList>(bytes) {
            Ok(list) => SendError::Api {
                status,
                request_id: secrets.scrub_opt(list.request_id),
                errors: list
                    .errors
                    .into_iter()
                    .map(|e| api_error(e, secrets))
                    .collect(),
            },
            Err(e) => undecodable(status, &e, bytes, secrets),
        }),
        // 5xx, and anything outside HTTP's classes: it may have been created.
        _ => Err(SendError::Server {
            status,
            request_id: request_id_of(bytes, secrets),
            body_excerpt: secrets.excerpt(bytes),
        }),
    }
}

/// Where a redirect pointed: the URL a caller's client ended at, or the
/// `Location` header resolved against the configured URL; without user
/// info, query, fragment or secrets. The header is scrubbed before it is
/// parsed (the parser lower-cases a host and percent-encodes a path) and the
/// parsed URL again after.
fn redirect_location(a: &Answer<'_>, secrets: &Secrets) -> Option<String> {
    if let Some(url) = &a.elsewhere {
        return Some(url_without_secrets(url, secrets));
    }
    let raw = secrets.scrub(a.location.as_deref()?);
    Some(match a.configured.join(&raw) {
        Ok(u) => url_without_secrets(&u, secrets),
        Err(_) => {
            let before_query = raw.split(['?', '#']).next().unwrap_or_default();
            redact(before_query)
        }
    })
}

fn api_error(e: types::Error, secrets: &Secrets) -> ApiError {
    ApiError {
        code: secrets.scrub_owned(e.code),
        message: secrets.scrub_opt(e.message),
        field: secrets.scrub_opt(e.field),
    }
}

/// The `request_id` of an error-list body, if it is one, with the secrets removed.
fn request_id_of(bytes: &[u8], secrets: &Secrets) -> Option<String> {
    let id = serde_json::from_slice::<types::ErrorList>(bytes)
        .ok()?
        .request_id?;
    Some(secrets.scrub_owned(id))
}

fn undecodable(status: u16, e: &serde_json::Error, bytes: &[u8], secrets: &Secrets) -> SendError {
    SendError::UndecodableResponse {
        status,
        // serde's reason can quote the body (`invalid type: string "…"`).
        reason: if bytes.is_empty() {
            "empty body".into()
        } else {
            secrets.scrub_owned(e.to_string())
        },
        body_excerpt: secrets.excerpt(bytes),
    }
}
