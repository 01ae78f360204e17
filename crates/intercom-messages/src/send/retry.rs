//! When a failed send is tried again. `POST /messages` has no idempotency key,
//! so only failures where the message cannot have been created are retried by
//! default: a 429, and a connection that failed before the request was sent.

use std::future::Future;
use std::time::{Duration, SystemTime};

use crate::send::error::SendError;
use crate::send::rate_limit::{RateLimit, wait};

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
#[must_use = "a policy applies only once given to `ClientBuilder::retry`"]
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
        wait(limits, retry_after, now).unwrap_or(self.default_wait)
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
    fn wait_after_429(&self, headers: &reqwest::header::HeaderMap, now: SystemTime) -> Duration {
        use crate::send::rate_limit::retry_after;
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

/// What follows a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Try again after this wait.
    Retry(Duration),
    /// Return the error.
    Stop,
}

/// The one decision of whether a failed attempt is tried again, with no I/O.
///
/// The delivery flag comes first: an error that says the message may have
/// been delivered is retried only when the policy opts in, and only for a 5xx
/// or a lost connection ([`SendError::Server`], [`SendError::Transport`]);
/// never for a redirect or a 2xx that was not understood, whatever status the
/// answer carries. A status that arrived after a redirect (a caller's client
/// following one) is such an error: it came from a server other than the one
/// that received the message, so it says nothing about that message.
///
/// Of what cannot have been delivered, a 429 within `max_wait`, a transport
/// error before the request reached a server, and a 408 (RFC 9110: the server
/// did not receive the whole request) are retried. Nothing is retried after
/// the last attempt. `attempt` counts from 1; `now` dates a 429's reset.
pub(crate) fn next_step(
    policy: &RetryPolicy,
    attempt: u32,
    error: &SendError,
    now: SystemTime,
) -> Step {
    if attempt >= policy.max_attempts {
        return Step::Stop;
    }
    let retryable = if error.may_have_been_delivered() {
        policy.retry_possibly_delivered
            && matches!(
                error,
                SendError::Transport { .. } | SendError::Server { .. }
            )
    } else {
        match error {
            SendError::RateLimited {
                rate_limit,
                retry_after,
                ..
            } => {
                let wait = policy.server_wait(*retry_after, rate_limit, now);
                return if wait > policy.max_wait {
                    Step::Stop
                } else {
                    Step::Retry(policy.jittered(wait))
                };
            }
            SendError::Transport { .. } => true,
            SendError::Api { status: 408, .. }
            | SendError::UndecodableResponse { status: 408, .. }
            | SendError::ResponseTooLarge { status: 408, .. } => true,
            _ => false,
        }
    };
    if retryable {
        Step::Retry(policy.backoff(attempt))
    } else {
        Step::Stop
    }
}

/// Runs `attempt` until it succeeds or [`next_step`] says stop; returns the
/// outcome and how many attempts were made. The final error says how many
/// attempts a rate limit took, and once an attempt may have delivered the
/// message, it says so whatever the later ones answered.
pub(crate) async fn retrying<T, F, Fut>(
    policy: &RetryPolicy,
    mut attempt: F,
) -> (Result<T, SendError>, u32)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SendError>>,
{
    let mut earlier_may_have_delivered = false;
    let mut n = 0u32;
    let mut error = loop {
        n += 1;
        let error = match attempt().await {
            Ok(sent) => return (Ok(sent), n),
            Err(e) => e,
        };
        match next_step(policy, n, &error, SystemTime::now()) {
            Step::Stop => break error,
            Step::Retry(wait) => {
                log_retry(n, &error, wait);
                earlier_may_have_delivered |= error.may_have_been_delivered();
                tokio::time::sleep(wait).await;
            }
        }
    };
    if let SendError::RateLimited { attempts, .. } = &mut error {
        *attempts = n;
    }
    let error = if earlier_may_have_delivered && !error.may_have_been_delivered() {
        SendError::AfterPossibleDelivery {
            attempts: n,
            last: Box::new(error),
        }
    } else {
        error
    };
    (Err(error), n)
}

fn log_retry(attempt: u32, error: &SendError, wait: Duration) {
    let wait_ms = wait.as_millis() as u64;
    match error {
        SendError::RateLimited { .. } => {
            tracing::warn!(attempt, wait_ms, "rate limited; retrying");
        }
        SendError::Server { status, .. } => tracing::warn!(
            attempt,
            status,
            wait_ms,
            "server error; retrying (opted in, may duplicate)"
        ),
        SendError::Transport { .. } => tracing::warn!(
            attempt,
            may_have_been_delivered = error.may_have_been_delivered(),
            wait_ms,
            error = %error,
            "retrying after a transport error"
        ),
        _ => tracing::warn!(
            attempt,
            status = error.status(),
            wait_ms,
            "retrying (nothing was received whole)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::send::rate_limit::test_headers as headers;
    use std::time::UNIX_EPOCH;

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
        let w = p.wait_after_429(&headers(&[]), now);
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

    /// A real `reqwest::Error`, made without I/O.
    fn reqwest_error() -> reqwest::Error {
        reqwest::Client::new()
            .post("http://localhost/")
            .header("bad\nname", "v")
            .build()
            .unwrap_err()
    }

    /// One error of every variant that can say "may have been delivered", in
    /// every form that carries a status a retry rule looks at. The match has
    /// no wildcard: a new variant does not compile until it is listed here.
    fn possibly_delivered() -> Vec<SendError> {
        let samples = |variant: &SendError| -> Vec<SendError> {
            match variant {
                SendError::Invalid(_)
                | SendError::Api { .. }
                | SendError::RateLimited { .. }
                | SendError::BudgetUnavailable(_) => Vec::new(),
                SendError::Server { .. } => [500, 503, 408, 429, 999]
                    .map(|status| SendError::Server {
                        status,
                        request_id: None,
                        body_excerpt: String::new(),
                    })
                    .into(),
                SendError::Transport { .. } => vec![SendError::Transport {
                    may_have_been_delivered: true,
                    source: reqwest_error(),
                }],
                SendError::UndecodableResponse { .. } => [200, 201, 503]
                    .map(|status| SendError::UndecodableResponse {
                        status,
                        reason: "x".into(),
                        body_excerpt: String::new(),
                    })
                    .into(),
                SendError::ResponseTooLarge { .. } => [200, 503]
                    .map(|status| SendError::ResponseTooLarge {
                        status,
                        limit: 1,
                        body_excerpt: String::new(),
                    })
                    .into(),
                // What a caller's client that followed a redirect reports:
                // the status of the server it ended at.
                SendError::Redirected { .. } => [301, 303, 307, 308, 408, 429, 503, 200]
                    .map(|status| SendError::Redirected {
                        status,
                        location: Some("https://elsewhere.test/".into()),
                    })
                    .into(),
                SendError::AfterPossibleDelivery { .. } => vec![SendError::AfterPossibleDelivery {
                    attempts: 2,
                    last: Box::new(SendError::Transport {
                        may_have_been_delivered: false,
                        source: reqwest_error(),
                    }),
                }],
            }
        };
        let one_of_each = [
            SendError::Invalid(crate::message::invalid::ValidationError::BodyEmpty),
            SendError::Server {
                status: 500,
                request_id: None,
                body_excerpt: String::new(),
            },
            SendError::Transport {
                may_have_been_delivered: true,
                source: reqwest_error(),
            },
            SendError::UndecodableResponse {
                status: 200,
                reason: String::new(),
                body_excerpt: String::new(),
            },
            SendError::ResponseTooLarge {
                status: 200,
                limit: 1,
                body_excerpt: String::new(),
            },
            SendError::Redirected {
                status: 307,
                location: None,
            },
            SendError::AfterPossibleDelivery {
                attempts: 2,
                last: Box::new(SendError::Redirected {
                    status: 307,
                    location: None,
                }),
            },
        ];
        let all: Vec<SendError> = one_of_each.iter().flat_map(samples).collect();
        for e in &all {
            assert!(e.may_have_been_delivered(), "{e:?}");
        }
        all
    }

    #[test]
    fn the_delivery_flag_stops_every_retry_not_opted_into() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let policy = RetryPolicy::default().max_attempts(10);
        let opted = policy.clone().retry_possibly_delivered(true);
        let errors = possibly_delivered();
        assert!(errors.len() >= 20, "{}", errors.len());
        for e in &errors {
            for attempt in 1..10 {
                let step = next_step(&policy, attempt, e, now);
                assert_eq!(step, Step::Stop, "not opted in, attempt {attempt}: {e:?}");
            }
            // The opt-in covers a 5xx and a lost connection, nothing else.
            let opted_in = matches!(e, SendError::Server { .. } | SendError::Transport { .. });
            let step = next_step(&opted, 1, e, now);
            assert_eq!(
                matches!(step, Step::Retry(_)),
                opted_in,
                "opted in: {e:?}: {step:?}"
            );
        }
    }

    #[test]
    fn the_retry_decision_is_one_table() {
        use crate::send::error::ApiError;
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let policy = RetryPolicy::default().max_wait(Duration::from_secs(5));
        let opted = policy.clone().retry_possibly_delivered(true);
        let api = |status| SendError::Api {
            status,
            request_id: None,
            errors: vec![ApiError {
                code: "x".into(),
                message: None,
                field: None,
            }],
        };
        let server = || SendError::Server {
            status: 503,
            request_id: None,
            body_excerpt: String::new(),
        };
        let limited = |retry_after: u64| SendError::RateLimited {
            rate_limit: RateLimit::default(),
            retry_after: Some(Duration::from_secs(retry_after)),
            request_id: None,
            attempts: 0,
        };
        let redirected = || SendError::Redirected {
            status: 307,
            location: None,
        };
        let retry = |s: Step| matches!(s, Step::Retry(_));
        let transport = |delivered| SendError::Transport {
            may_have_been_delivered: delivered,
            source: reqwest_error(),
        };
        // (name, policy, attempt, error, retried?)
        let rows: Vec<(&str, &RetryPolicy, u32, SendError, bool)> = vec![
            ("429 within max_wait", &policy, 1, limited(2), true),
            ("429 past max_wait", &policy, 1, limited(60), false),
            ("429 on the last attempt", &policy, 3, limited(2), false),
            ("408: not received whole", &policy, 1, api(408), true),
            ("408 on the last attempt", &policy, 3, api(408), false),
            ("400: refused", &policy, 1, api(400), false),
            ("404: refused", &policy, 1, api(404), false),
            ("503, not opted in", &policy, 1, server(), false),
            ("503, opted in", &opted, 1, server(), true),
            ("a redirect, even opted in", &opted, 1, redirected(), false),
            (
                "a transport error before sending",
                &policy,
                1,
                transport(false),
                true,
            ),
            (
                "a transport error after sending",
                &policy,
                1,
                transport(true),
                false,
            ),
            (
                "a transport error after sending, opted in",
                &opted,
                1,
                transport(true),
                true,
            ),
        ];
        for (name, p, attempt, error, retried) in rows {
            let step = next_step(p, attempt, &error, now);
            assert_eq!(retry(step), retried, "{name}: {step:?}");
            if let Step::Retry(wait) = step {
                assert!(wait <= p.max_wait, "{name}: {wait:?}");
            }
        }
        // A 429 waits what it asked for, up to 10 % more within max_wait.
        match next_step(&policy, 1, &limited(2), now) {
            Step::Retry(w) => assert!(
                w >= Duration::from_secs(2) && w <= Duration::from_millis(2_200),
                "{w:?}"
            ),
            Step::Stop => panic!("a 429 within max_wait is retried"),
        }
    }
}
