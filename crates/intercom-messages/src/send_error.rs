//! [`SendError`]: why a send did not return a message, and whether the message
//! may have reached Intercom anyway.

use std::time::{Duration, SystemTime};

use crate::error::ValidationError;

/// One entry of Intercom's error list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The error code, e.g. `parameter_not_found`; Intercom adds codes at any time.
    pub code: String,
    /// The human-readable message, when given.
    pub message: Option<String>,
    /// The field in error, when given.
    pub field: Option<String>,
}

/// What the rate-limit headers of a response said.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct RateLimit {
    /// `X-RateLimit-Limit`: the budget.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`: what is left of it.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Reset`: when the budget refills.
    pub reset: Option<SystemTime>,
}

/// The longest excerpt of an undecodable body kept in an error.
pub const BODY_EXCERPT_LIMIT: usize = 512;

/// A send that did not return the created message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The message breaks a rule for the chosen version. Nothing was sent.
    #[error("invalid message, nothing was sent: {0}")]
    Invalid(#[from] ValidationError),
    /// Intercom answered with its error list (4xx, or a 5xx with an error list).
    #[error("Intercom answered {status}{}: {}", request_id_suffix(.request_id), describe(.errors))]
    Api {
        /// The HTTP status.
        status: u16,
        /// Intercom's request id, when given.
        request_id: Option<String>,
        /// The errors, in Intercom's order.
        errors: Vec<ApiError>,
    },
    /// Still rate limited after the allowed attempts. The message was not created.
    #[error("rate limited by Intercom after {attempts} attempt(s); budget refills {}", reset_text(.rate_limit))]
    RateLimited {
        /// The rate-limit headers of the last 429.
        rate_limit: RateLimit,
        /// Intercom's request id, when given.
        request_id: Option<String>,
        /// How many requests were made.
        attempts: u32,
    },
    /// A 5xx: Intercom may or may not have created the message.
    #[error("Intercom answered {status}{}: the message may have been delivered; not retried", request_id_suffix(.request_id))]
    Server {
        /// The HTTP status.
        status: u16,
        /// Intercom's request id, when the body had one.
        request_id: Option<String>,
        /// A bounded excerpt of the body.
        body_excerpt: String,
    },
    /// The request did not complete.
    #[error("{}: {source}", if *.may_have_been_delivered {
        "the connection failed after the request was sent, so the message may have been delivered; not retried"
    } else {
        "could not reach Intercom (nothing was delivered)"
    })]
    Transport {
        /// Whether the request may have reached Intercom.
        may_have_been_delivered: bool,
        /// The transport error (it never carries the token).
        #[source]
        source: reqwest::Error,
    },
    /// A response that is not what the contract says (not JSON, HTML, empty).
    #[error("undecodable response with status {status} ({reason}); body starts: {body_excerpt:?}")]
    UndecodableResponse {
        /// The HTTP status.
        status: u16,
        /// Why it could not be decoded.
        reason: String,
        /// The first bytes of the body, at most [`BODY_EXCERPT_LIMIT`], lossily UTF-8.
        body_excerpt: String,
    },
}

fn request_id_suffix(id: &Option<String>) -> String {
    id.as_deref()
        .map(|id| format!(" (request {id})"))
        .unwrap_or_default()
}

fn describe(errors: &[ApiError]) -> String {
    if errors.is_empty() {
        return "no error details".into();
    }
    errors
        .iter()
        .map(|e| {
            let mut s = e.code.clone();
            if let Some(m) = &e.message {
                s.push_str(": ");
                s.push_str(m);
            }
            if let Some(f) = &e.field {
                s.push_str(&format!(" (field `{f}`)"));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn reset_text(r: &RateLimit) -> String {
    match r
        .reset
        .and_then(|t| t.duration_since(SystemTime::now()).ok())
    {
        Some(d) => format!("in {}s", d.as_secs()),
        None if r.reset.is_some() => "now".into(),
        None => "at an unknown time".into(),
    }
}

impl SendError {
    /// Whether Intercom may have created the message although this is an error:
    /// true for a 5xx, a connection lost after the request was sent, and an
    /// undecodable 2xx/5xx. Check before sending the same message again.
    pub fn may_have_been_delivered(&self) -> bool {
        match self {
            SendError::Server { .. } => true,
            SendError::Transport {
                may_have_been_delivered,
                ..
            } => *may_have_been_delivered,
            SendError::UndecodableResponse { status, .. } => !(400..500).contains(status),
            _ => false,
        }
    }

    /// The HTTP status, when a response came back.
    pub fn status(&self) -> Option<u16> {
        match self {
            SendError::Api { status, .. }
            | SendError::Server { status, .. }
            | SendError::UndecodableResponse { status, .. } => Some(*status),
            SendError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// How long the rate limit said to wait, if this is [`SendError::RateLimited`].
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SendError::RateLimited { rate_limit, .. } => rate_limit
                .reset
                .map(|t| t.duration_since(SystemTime::now()).unwrap_or_default()),
            _ => None,
        }
    }
}

/// The first [`BODY_EXCERPT_LIMIT`] bytes of a body, as lossy UTF-8.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(BODY_EXCERPT_LIMIT)];
    String::from_utf8_lossy(cut).into_owned()
}
