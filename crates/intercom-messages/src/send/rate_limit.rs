//! [`RateLimit`]: what Intercom's rate-limit headers say, how they are read
//! (never trusting an absurd value), and the one rule for how long they say
//! to wait. Every cap on a wait a server can choose is listed in the crate
//! docs, "Every wait a server can impose, and its cap".

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// The longest a reported spent budget holds sends back, and the longest a
/// spread of what remains may space them: Intercom's budgets refill every
/// minute. Used by the in-process pacer and by shared budgets (the
/// `intercom-messages-redis` crate's `RedisBudget`), so that every budget
/// caps the server's word the same way.
pub const MAX_HOLD: Duration = Duration::from_secs(60);

/// What the rate-limit headers of a response said.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RateLimit {
    /// `X-RateLimit-Limit`: the budget.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`: what is left of it.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Reset`: when the budget refills.
    pub reset: Option<SystemTime>,
}

/// The one rule for how long a rate limit says to wait: `Retry-After`, else
/// the time until `X-RateLimit-Reset` (a reset in the past means now).
pub(crate) fn wait(
    r: &RateLimit,
    retry_after: Option<Duration>,
    now: SystemTime,
) -> Option<Duration> {
    retry_after.or_else(|| r.reset.map(|t| t.duration_since(now).unwrap_or_default()))
}

/// The longest wait a server can ask for that is taken at its word: Intercom's
/// budgets refill every minute, so a reset or `Retry-After` further away than
/// this is absurd (or hostile) and reads as absent.
pub(crate) const MAX_SERVER_WAIT: Duration = Duration::from_secs(3600);

/// A header holding a plain non-negative integer; anything else (a sign, a
/// fraction, an exponent, a date, more digits than fit) reads as absent.
fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    let text = headers.get(name)?.to_str().ok()?.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `Retry-After` in seconds, at most [`MAX_SERVER_WAIT`] (the HTTP-date form is
/// not used by Intercom and reads as absent).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    header_u64(headers, "retry-after")
        .map(Duration::from_secs)
        .filter(|d| *d <= MAX_SERVER_WAIT)
}

impl RateLimit {
    /// Reads Intercom's `X-RateLimit-Limit`, `-Remaining` and `-Reset` from
    /// any response's headers, as of `now`: for code that talks to Intercom's
    /// other endpoints and wants to share this crate's reading of them.
    ///
    /// A value that is not a plain non-negative integer reads as absent, and
    /// so does a reset more than an hour after `now` (or one that overflows
    /// the clock); a reset in the past is kept (it means "now"). Never panics.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use intercom_messages::RateLimit;
    /// use reqwest::header::{HeaderMap, HeaderValue};
    ///
    /// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let mut h = HeaderMap::new();
    /// h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
    /// h.insert("x-ratelimit-reset", HeaderValue::from_static("18446744073709551615"));
    /// let rl = RateLimit::read(&h, now);
    /// assert_eq!(rl.remaining, Some(0));
    /// assert_eq!(rl.reset, None); // absurd: read as absent
    /// ```
    pub fn read(headers: &HeaderMap, now: SystemTime) -> RateLimit {
        let latest = now.checked_add(MAX_SERVER_WAIT);
        RateLimit {
            limit: header_u64(headers, "x-ratelimit-limit"),
            remaining: header_u64(headers, "x-ratelimit-remaining"),
            reset: header_u64(headers, "x-ratelimit-reset")
                .and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s)))
                .filter(|t| latest.is_some_and(|latest| *t <= latest)),
        }
    }
}
