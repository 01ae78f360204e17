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
    /// The longest wait before a retry, whatever the server says.
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
    /// was sent. **Such a retry can deliver the message twice.**
    pub fn retry_possibly_delivered(mut self, yes: bool) -> Self {
        self.retry_possibly_delivered = yes;
        self
    }
    /// Whether 5xx and lost connections are retried.
    pub fn retries_possibly_delivered(&self) -> bool {
        self.retry_possibly_delivered
    }

    /// The wait before retrying a 429: `Retry-After`, else `X-RateLimit-Reset`,
    /// else the default; capped; plus up to 10% (at most 1 s) of jitter, so that
    /// many clients do not come back at the same instant.
    pub(crate) fn wait_after_429(&self, headers: &HeaderMap, now: SystemTime) -> Duration {
        let said = retry_after(headers)
            .or_else(|| {
                rate_limit(headers)
                    .reset
                    .map(|t| t.duration_since(now).unwrap_or_default())
            })
            .unwrap_or(self.default_wait);
        let base = said.min(self.max_wait);
        let spread = (base / 10).min(Duration::from_secs(1));
        (base + spread.mul_f64(fastrand::f64())).min(self.max_wait.max(base))
    }

    /// Full-jitter exponential backoff for opted-in retries of possibly delivered sends.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = Duration::from_millis(200)
            .saturating_mul(1 << attempt.min(16))
            .min(self.max_wait);
        ceiling.mul_f64(fastrand::f64())
    }
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// `Retry-After` in seconds (the HTTP-date form is not used by Intercom).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    header_u64(headers, "retry-after").map(Duration::from_secs)
}

/// The `X-RateLimit-*` headers of a response.
pub(crate) fn rate_limit(headers: &HeaderMap) -> RateLimit {
    RateLimit {
        limit: header_u64(headers, "x-ratelimit-limit"),
        remaining: header_u64(headers, "x-ratelimit-remaining"),
        reset: header_u64(headers, "x-ratelimit-reset")
            .map(|s| UNIX_EPOCH + Duration::from_secs(s)),
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
        assert_eq!(rate_limit(&h), RateLimit::default());
    }
}
