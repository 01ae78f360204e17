//! When a failed send is tried again. `POST /messages` has no idempotency key,
//! so only failures where the message cannot have been created are retried by
//! default: a 429, and a connection that failed before the request was sent.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

use crate::send_error::RateLimit;

/// How sends are retried.
///
/// ```
/// use std::time::Duration;
/// use intercom_messages::RetryPolicy;
///
/// let policy = RetryPolicy::default().max_attempts(5).max_wait(Duration::from_secs(20));
/// assert!(!policy.retries_possibly_delivered());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) max_wait: Duration,
    pub(crate) default_wait: Duration,
    pub(crate) retry_possibly_delivered: bool,
}

impl Default for RetryPolicy {
    /// 3 attempts; waits capped at 30 s; 2 s after a 429 without headers;
    /// never retries what may have been delivered.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            max_wait: Duration::from_secs(30),
            default_wait: Duration::from_secs(2),
            retry_possibly_delivered: false,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn never() -> Self {
        Self::default().max_attempts(1)
    }
    /// How many requests one send may make in all (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }
    /// The longest wait before a retry. A 429 asking to wait longer is
    /// returned at once as [`crate::SendError::RateLimited`] rather than
    /// retried early into another 429.
    pub fn max_wait(mut self, d: Duration) -> Self {
        self.max_wait = d;
        self
    }
    /// The wait after a 429 that carries neither `Retry-After` nor `X-RateLimit-Reset`.
    pub fn default_wait(mut self, d: Duration) -> Self {
        self.default_wait = d;
        self
    }
    /// Opt in to retrying 5xx answers and connections lost after the request
    /// was sent. **Such a retry can deliver the message twice.** Once an
    /// attempt may have delivered the message, the final error says so
    /// whatever the later attempts answered ([`crate::SendError::AfterPossibleDelivery`]).
    pub fn retry_possibly_delivered(mut self, yes: bool) -> Self {
        self.retry_possibly_delivered = yes;
        self
    }
    /// Whether 5xx and lost connections are retried.
    pub fn retries_possibly_delivered(&self) -> bool {
        self.retry_possibly_delivered
    }

    /// What the server asked to wait after a 429, from its already read
    /// headers: `Retry-After`, else `X-RateLimit-Reset`, else the default.
    /// Uncapped: the caller decides whether it fits in [`RetryPolicy::max_wait`].
    pub(crate) fn server_wait(
        &self,
        retry_after: Option<Duration>,
        limits: &RateLimit,
        now: SystemTime,
    ) -> Duration {
        crate::send_error::wait(limits, retry_after, now).unwrap_or(self.default_wait)
    }

    /// A server's wait, capped at [`RetryPolicy::max_wait`], plus up to 10% (at
    /// most 1 s) of jitter within the cap, so that many clients do not come
    /// back at the same instant.
    pub(crate) fn jittered(&self, wait: Duration) -> Duration {
        let base = wait.min(self.max_wait);
        let spread = (base / 10).min(Duration::from_secs(1));
        (base + spread.mul_f64(fastrand::f64())).min(self.max_wait)
    }

    #[cfg(test)]
    fn wait_after_429(&self, headers: &HeaderMap, now: SystemTime) -> Duration {
        self.jittered(self.server_wait(retry_after(headers), &RateLimit::read(headers, now), now))
    }

    /// Full-jitter exponential backoff for opted-in retries of possibly delivered sends.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = Duration::from_millis(200)
            .saturating_mul(1 << attempt.min(16))
            .min(self.max_wait);
        ceiling.mul_f64(fastrand::f64())
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retry_after_wins_then_reset_then_default() {
        let p = RetryPolicy::default();
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let w = p.wait_after_429(
            &headers(&[("retry-after", "4"), ("x-ratelimit-reset", "1009")]),
            now,
        );
        assert!(
            w >= Duration::from_secs(4) && w <= Duration::from_millis(4_400),
            "{w:?}"
        );
        let w = p.wait_after_429(&headers(&[("x-ratelimit-reset", "1009")]), now);
        assert!(
            w >= Duration::from_secs(9) && w <= Duration::from_millis(9_900),
            "{w:?}"
        );
        let w = p.wait_after_429(&HeaderMap::new(), now);
        assert!(
            w >= Duration::from_secs(2) && w <= Duration::from_millis(2_200),
            "{w:?}"
        );
        // A reset in the past means now.
        let w = p.wait_after_429(&headers(&[("x-ratelimit-reset", "900")]), now);
        assert_eq!(w, Duration::ZERO);
    }

    #[test]
    fn waits_are_capped() {
        let p = RetryPolicy::default().max_wait(Duration::from_secs(5));
        let now = UNIX_EPOCH;
        let w = p.wait_after_429(&headers(&[("retry-after", "3600")]), now);
        assert_eq!(w, Duration::from_secs(5));
        for attempt in 0..40 {
            assert!(p.backoff(attempt) <= Duration::from_secs(5));
        }
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
    fn absurd_resets_and_waits_read_as_absent() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        for bad in [
            "18446744073709551615",
            "99999999999999999999999",
            "-1",
            "1e400",
            "+5",
            "1700000010.5",
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "1800000000", // years away
        ] {
            let h = headers(&[("x-ratelimit-reset", bad), ("retry-after", bad)]);
            assert_eq!(RateLimit::read(&h, now).reset, None, "{bad}");
            assert_eq!(retry_after(&h), None, "{bad}");
            let p = RetryPolicy::default();
            assert_eq!(
                p.server_wait(retry_after(&h), &RateLimit::read(&h, now), now),
                p.default_wait,
                "{bad}"
            );
        }
        let h = headers(&[("x-ratelimit-reset", "1700000010")]);
        assert_eq!(
            RateLimit::read(&h, now).reset,
            Some(now + Duration::from_secs(10))
        );
    }
}
