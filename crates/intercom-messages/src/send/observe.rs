//! What a send tells the outside: the `intercom.send` tracing span and, with
//! the `metrics` feature, counters and histograms through the `metrics`
//! facade. The one place where a new field or a new metric goes.
//!
//! The contract is `observe.md`, shown in [`crate::Client`]'s docs.
#![doc = include_str!("observe.md")]

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::message::version::Version;
use crate::send::error::SendError;
use crate::send::response::SentMessage;
use crate::text::clean;

/// The span of one send, with the fields of the table above.
pub(crate) fn span(version: Version, host: &str, port: Option<u16>) -> tracing::Span {
    tracing::info_span!(
        "intercom.send",
        otel.kind = "client",
        http.request.method = "POST",
        server.address = host,
        server.port = port,
        intercom.version = version.as_str(),
        http.response.status_code = tracing::field::Empty,
        intercom.attempts = tracing::field::Empty,
        intercom.outcome = tracing::field::Empty,
        error.type = tracing::field::Empty,
        intercom.may_have_been_delivered = tracing::field::Empty,
        intercom.budget_wait_ms = tracing::field::Empty,
        intercom.elapsed_ms = tracing::field::Empty,
        intercom.request_id = tracing::field::Empty,
        intercom.message_id = tracing::field::Empty,
    )
}

/// What one send has measured so far: the time, the time waiting for the
/// rate budget, the requests that left and what is known of delivery;
/// shared by its attempts, read when the send ends or is dropped.
#[derive(Debug)]
pub(crate) struct Measure {
    started: Instant,
    /// When the whole send must have ended, if it has a deadline.
    deadline: Option<tokio::time::Instant>,
    budget_wait_us: AtomicU64,
    /// Requests that left (a budget refusal is none).
    requests: AtomicU32,
    /// A request is in flight: sent, its outcome not yet known.
    in_flight: AtomicBool,
    /// An attempt that ended may have delivered the message.
    may_have_delivered: AtomicBool,
}

// Without the `metrics` feature the version only labels metrics that are
// not compiled in.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
impl Measure {
    pub(crate) fn start(deadline: Option<Duration>) -> Self {
        Measure {
            started: Instant::now(),
            deadline: deadline.and_then(|d| tokio::time::Instant::now().checked_add(d)),
            budget_wait_us: AtomicU64::new(0),
            requests: AtomicU32::new(0),
            in_flight: AtomicBool::new(false),
            may_have_delivered: AtomicBool::new(false),
        }
    }

    /// When the send must have ended, if it has a deadline.
    pub(crate) fn deadline(&self) -> Option<tokio::time::Instant> {
        self.deadline
    }

    /// Time spent waiting for the rate budget.
    pub(crate) fn waited(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.budget_wait_us.fetch_add(us, Ordering::Relaxed);
    }

    /// A request is about to leave.
    pub(crate) fn leaving(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.in_flight.store(true, Ordering::Relaxed);
    }

    /// The attempt ended (a request it sent is no longer in flight);
    /// `may_have_delivered` is its error's flag.
    pub(crate) fn landed(&self, may_have_delivered: bool) {
        if may_have_delivered {
            self.may_have_delivered.store(true, Ordering::Relaxed);
        }
        self.in_flight.store(false, Ordering::Relaxed);
    }

    /// How many requests left.
    pub(crate) fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Whether the message may have been delivered, as known now: a request
    /// is in flight, or one that ended may have delivered.
    pub(crate) fn may_have_delivered(&self) -> bool {
        self.in_flight.load(Ordering::Relaxed) || self.may_have_delivered.load(Ordering::Relaxed)
    }

    /// The send's deadline passed: the error that keeps what is known.
    pub(crate) fn deadline_passed(&self) -> SendError {
        SendError::DeadlineExceeded {
            may_have_been_delivered: self.may_have_delivered(),
            requests: self.requests(),
        }
    }

    /// An answer came, with this status.
    pub(crate) fn answered(&self, status: u16, version: Version) {
        tracing::Span::current().record("http.response.status_code", status);
        #[cfg(feature = "metrics")]
        if status == 429 {
            metrics::counter!("intercom_messages_rate_limited_total", "version" => version.as_str())
                .increment(1);
        }
    }

    /// The end of the send: the span's last fields and the metrics.
    pub(crate) fn finish(
        &self,
        span: &tracing::Span,
        version: Version,
        result: &Result<SentMessage, SendError>,
    ) {
        let outcome = outcome(result);
        let error_type = match result {
            Ok(sent) => {
                span.record("intercom.message_id", clean(sent.id()));
                None
            }
            Err(e) => Some(
                e.status()
                    .map_or_else(|| outcome.to_string(), |s| s.to_string()),
            ),
        };
        let delivered = result
            .as_ref()
            .err()
            .is_some_and(SendError::may_have_been_delivered);
        self.close(span, version, outcome, delivered, error_type);
    }

    /// The send was dropped before it ended: outcome `cancelled`, with the
    /// delivery flag as known when it was dropped.
    pub(crate) fn cancelled(&self, span: &tracing::Span, version: Version) {
        let delivered = self.may_have_delivered();
        self.close(span, version, CANCELLED, delivered, Some(CANCELLED.into()));
    }

    fn close(
        &self,
        span: &tracing::Span,
        version: Version,
        outcome: &'static str,
        delivered: bool,
        error_type: Option<String>,
    ) {
        let elapsed = self.started.elapsed();
        let waited = Duration::from_micros(self.budget_wait_us.load(Ordering::Relaxed));
        let attempts = self.requests();
        span.record("intercom.outcome", outcome);
        span.record("intercom.attempts", attempts);
        span.record("intercom.may_have_been_delivered", delivered);
        span.record("intercom.elapsed_ms", millis(elapsed));
        span.record("intercom.budget_wait_ms", millis(waited));
        if let Some(t) = error_type {
            span.record("error.type", t);
        }
        #[cfg(feature = "metrics")]
        {
            let version = version.as_str();
            metrics::counter!("intercom_messages_sends_total", "outcome" => outcome, "version" => version)
                .increment(1);
            metrics::counter!("intercom_messages_attempts_total", "version" => version)
                .increment(u64::from(attempts));
            metrics::histogram!("intercom_messages_send_duration_seconds", "outcome" => outcome)
                .record(elapsed.as_secs_f64());
            metrics::histogram!("intercom_messages_budget_wait_seconds")
                .record(waited.as_secs_f64());
        }
    }
}

/// The outcome of a send dropped before it ended.
const CANCELLED: &str = "cancelled";

/// Closes a send's record when the send is dropped before it ended: a send
/// dropped at any await (a caller's timeout, a `select!`) is still counted,
/// with outcome `cancelled`.
///
/// The span is the current one, when the send ends and when it is dropped
/// (`tracing::Instrumented` enters its span while it drops the send).
pub(crate) struct Record<'a> {
    measure: &'a Measure,
    version: Version,
    open: bool,
}

impl<'a> Record<'a> {
    pub(crate) fn open(measure: &'a Measure, version: Version) -> Self {
        Record {
            measure,
            version,
            open: true,
        }
    }

    /// The send ended with this result.
    pub(crate) fn close(mut self, result: &Result<SentMessage, SendError>) {
        self.open = false;
        let span = tracing::Span::current();
        self.measure.finish(&span, self.version, result);
    }
}

impl Drop for Record<'_> {
    fn drop(&mut self) {
        if self.open {
            self.measure
                .cancelled(&tracing::Span::current(), self.version);
        }
    }
}

/// A `RedisBudget` paced this send locally (Redis down, `FallBack`).
#[cfg(feature = "redis")]
pub(crate) fn budget_fell_back() {
    #[cfg(feature = "metrics")]
    metrics::counter!("intercom_messages_budget_fallbacks_total").increment(1);
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The outcome of a send, as the span and the metrics name it.
pub(crate) fn outcome(result: &Result<SentMessage, SendError>) -> &'static str {
    match result {
        Ok(_) => "created",
        Err(SendError::Invalid(_)) => "invalid",
        Err(SendError::Api { .. }) => "api_error",
        Err(SendError::RateLimited { .. }) => "rate_limited",
        Err(SendError::Server { .. }) => "server_error",
        Err(SendError::Transport { .. }) => "transport",
        Err(SendError::UndecodableResponse { .. }) => "undecodable",
        Err(SendError::ResponseTooLarge { .. }) => "too_large",
        Err(SendError::Redirected { .. }) => "redirected",
        Err(SendError::BudgetUnavailable(_)) => "budget_unavailable",
        Err(SendError::AfterPossibleDelivery { .. }) => "after_possible_delivery",
        Err(SendError::DeadlineExceeded { .. }) => "deadline",
    }
}
