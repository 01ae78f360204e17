//! When a failed send is tried again. `POST /messages` has no idempotency key,
//! so only failures where the message cannot have been created are retried by
//! default: a 429, and a connection that failed before the request was sent.

use std::future::Future;
use std::time::{Duration, SystemTime};

use crate::send::error::SendError;
use crate::send::observe::Measure;
use crate::send::rate_limit::wait;

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
    /// Boxed: a policy is in every send's options, and rarely has it.
    pub(crate) new_contacts: Option<Box<NewContactWait>>,
}

/// How long, and how, a 404 on a recipient not yet available is retried
/// ([`RetryPolicy::wait_for_new_contacts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NewContactWait {
    /// The longest time from the first 404 to the last retry.
    pub(crate) within: Duration,
    /// The first wait; each next one twice the last, up to `cap`.
    pub(crate) first: Duration,
    pub(crate) cap: Duration,
}

impl Default for NewContactWait {
    /// Within 30 s; 500 ms, then twice as long each time up to 4 s.
    fn default() -> Self {
        Self {
            within: Duration::from_secs(30),
            first: Duration::from_millis(500),
            cap: Duration::from_secs(4),
        }
    }
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
            new_contacts: None,
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

    /// Opt in to waiting for a contact created a moment ago. Intercom: "There
    /// can be a short delay between when a contact is created and when a
    /// contact becomes available to be messaged through the API. A 404 Not
    /// Found error will be returned in this case." With this, a 404 with
    /// Intercom's error list is retried for up to `within` after the first
    /// one, waiting 500 ms, then twice as long each time up to 4 s
    /// ([`RetryPolicy::new_contact_backoff`]), each wait jittered down by up
    /// to a half. Then the last 404 is returned ([`crate::SendError::Api`]).
    ///
    /// Safe: such a 404 created nothing, and it is retried only while no
    /// attempt of the send may have delivered the message (after a 5xx
    /// retried by [`RetryPolicy::retry_possibly_delivered`], a 404 is
    /// returned at once). These retries do not count against
    /// [`RetryPolicy::max_attempts`]; the send's deadline still bounds them.
    /// A wrong contact id (or admin id) also answers 404, and is known only
    /// once `within` has passed.
    pub fn wait_for_new_contacts(mut self, within: Duration) -> Self {
        self.new_contacts.get_or_insert_default().within = within;
        self
    }

    /// The waits between retries of a new contact's 404
    /// ([`RetryPolicy::wait_for_new_contacts`], which this opts into with a
    /// bound of 30 s if it was not yet): `first`, then twice the last wait,
    /// at most `cap`.
    pub fn new_contact_backoff(mut self, first: Duration, cap: Duration) -> Self {
        let w = self.new_contacts.get_or_insert_default();
        (w.first, w.cap) = (first, cap.max(first));
        self
    }

    /// How long a new contact's 404 is waited for, if at all
    /// ([`RetryPolicy::wait_for_new_contacts`]).
    pub fn new_contacts_within(&self) -> Option<Duration> {
        self.new_contacts.as_ref().map(|w| w.within)
    }

    /// A server's wait, capped at [`RetryPolicy::max_wait`], plus up to 10% (at
    /// most 1 s) of jitter within the cap, so that many clients do not come
    /// back at the same instant.
    pub(crate) fn jittered(&self, wait: Duration) -> Duration {
        let base = wait.min(self.max_wait);
        let spread = (base / 10).min(Duration::from_secs(1));
        (base + spread.mul_f64(fastrand::f64())).min(self.max_wait)
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

/// The one decision of whether a failed attempt is tried again, with no I/O:
/// the rules of [`SendError`]'s "What is retried", delivery flag first. A
/// status that arrived after a redirect is `Redirected`, never retried: it
/// says nothing about the server that received the message. Nothing is
/// retried after the last attempt. `attempt` counts from 1; `now` dates a
/// 429's reset.
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
                // What the server asked (else the default), uncapped.
                let wait = wait(rate_limit, *retry_after, now).unwrap_or(policy.default_wait);
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

/// Whether a 404 is retried as a contact not yet available, and after what
/// wait: only with the opt-in, only a 404 with Intercom's error list (which
/// created nothing), only while no attempt may have delivered, and only
/// while the retry stays within the bound counted from the first such 404.
/// `retries` is how many such retries were made; `since` how long ago the
/// first 404 came.
pub(crate) fn new_contact_wait(
    policy: &RetryPolicy,
    error: &SendError,
    may_have_delivered: bool,
    retries: u32,
    since: Duration,
) -> Option<Duration> {
    let w = policy.new_contacts.as_deref()?;
    if may_have_delivered || !matches!(error, SendError::Api { status: 404, .. }) {
        return None;
    }
    let ceiling = w.first.saturating_mul(1 << retries.min(16)).min(w.cap);
    let wait = ceiling.mul_f64(0.5 + 0.5 * fastrand::f64());
    (since.checked_add(wait)? <= w.within).then_some(wait)
}

/// Runs `attempt` until it succeeds or [`next_step`] says stop, or a retry's
/// wait would end past the send's deadline. The final error says how many
/// attempts a rate limit took, and once an attempt may have delivered the
/// message, it says so whatever the later ones answered. Each attempt's end
/// is noted in `measure`, with its delivery flag.
pub(crate) async fn retrying<T, F, Fut>(
    policy: &RetryPolicy,
    measure: &Measure,
    mut attempt: F,
) -> Result<T, SendError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SendError>>,
{
    let mut so_far = SoFar::default();
    let mut error = loop {
        so_far.attempts += 1;
        let error = match attempt().await {
            Ok(sent) => {
                measure.landed(false);
                return Ok(sent);
            }
            Err(e) => e,
        };
        measure.landed(error.may_have_been_delivered());
        match so_far.step(policy, measure, &error) {
            Step::Stop => break error,
            Step::Retry(wait) => {
                log_retry(so_far.attempts, &error, wait);
                so_far.earlier_may_have_delivered |= error.may_have_been_delivered();
                tokio::time::sleep(wait).await;
            }
        }
    };
    let n = so_far.attempts;
    if let SendError::RateLimited { attempts, .. } = &mut error {
        *attempts = n;
    }
    if so_far.earlier_may_have_delivered && !error.may_have_been_delivered() {
        error = SendError::AfterPossibleDelivery {
            attempts: n,
            last: Box::new(error),
        };
    }
    Err(error)
}

/// What the retry loop of one send has seen so far.
#[derive(Default)]
struct SoFar {
    /// Attempts made, counting from 1.
    attempts: u32,
    earlier_may_have_delivered: bool,
    /// Retries of a new contact's 404, and when the first 404 came.
    waited_for_contact: u32,
    first_404: Option<tokio::time::Instant>,
}

impl SoFar {
    /// What follows this failed attempt: a new contact's wait, else
    /// [`next_step`] (whose attempts do not count the contact's retries);
    /// never a wait that would end past the send's deadline (the error is
    /// returned now, with its verdict).
    fn step(&mut self, policy: &RetryPolicy, measure: &Measure, error: &SendError) -> Step {
        let since = match error {
            SendError::Api { status: 404, .. } => self
                .first_404
                .get_or_insert_with(tokio::time::Instant::now)
                .elapsed(),
            _ => Duration::ZERO,
        };
        let delivered = measure.may_have_delivered();
        let step = match new_contact_wait(policy, error, delivered, self.waited_for_contact, since)
        {
            Some(wait) => {
                self.waited_for_contact += 1;
                Step::Retry(wait)
            }
            None => {
                let counted = self.attempts - self.waited_for_contact;
                next_step(policy, counted, error, SystemTime::now())
            }
        };
        match step {
            Step::Retry(wait)
                if measure.deadline().is_some_and(|at| {
                    tokio::time::Instant::now()
                        .checked_add(wait)
                        .is_none_or(|end| end > at)
                }) =>
            {
                Step::Stop
            }
            step => step,
        }
    }
}

fn log_retry(attempt: u32, error: &SendError, wait: Duration) {
    let wait_ms = wait.as_millis() as u64;
    match error {
        SendError::RateLimited { .. } => tracing::warn!(attempt, wait_ms, "rate limited; retrying"),
        SendError::Api { status: 404, .. } => tracing::info!(
            attempt,
            wait_ms,
            "404: the recipient may not be available yet (nothing was created); retrying"
        ),
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
