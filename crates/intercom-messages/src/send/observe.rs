//! What a send or a search tells the outside: the `intercom.send` and
//! `intercom.search` tracing spans and, with the `metrics` feature, counters
//! and histograms through the `metrics` facade. The one place where a new
//! field or a new metric goes.
//!
//! The contract is `observe.md`, shown in [`crate::Client`]'s docs.
#![doc = include_str!("observe.md")]

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::message::version::Version;
use crate::send::error::SendError;
use crate::send::response::SentMessage;
use crate::text::clean;

/// A client span named `$name` with the fields of the table above (the
/// name of a span is a constant, so the one list of fields is a macro).
macro_rules! client_span {
    ($name:literal, $version:expr, $host:expr, $port:expr) => {
        tracing::info_span!(
            $name,
            otel.kind = "client",
            http.request.method = "POST",
            server.address = $host,
            server.port = $port,
            intercom.version = $version.as_str(),
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
    };
}

/// What a span and its metrics are of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Operation {
    /// `POST /messages` ([`crate::Client::send`]).
    Send,
    /// `POST /conversations/search` ([`crate::Client::find_conversation`]).
    Search,
}

/// The span of one send or search to `url`, with the fields of the table
/// above (a search never records `intercom.message_id`: it creates nothing).
pub(crate) fn span(op: Operation, version: Version, url: &reqwest::Url) -> tracing::Span {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default();
    match op {
        Operation::Send => client_span!("intercom.send", version, host, port),
        Operation::Search => client_span!("intercom.search", version, host, port),
    }
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
    pub(crate) fn finish<T>(
        &self,
        span: &tracing::Span,
        op: Operation,
        version: Version,
        result: &Result<T, SendError>,
    ) {
        let outcome = outcome(result, op);
        let error = result.as_ref().err();
        let end = End {
            outcome,
            delivered: error.is_some_and(SendError::may_have_been_delivered),
            error_type: error.map(|e| e.status().map_or(outcome.to_string(), |s| s.to_string())),
        };
        self.close(span, op, version, end);
    }

    fn close(&self, span: &tracing::Span, op: Operation, version: Version, end: End) {
        let outcome = end.outcome;
        let attempts = self.requests();
        let elapsed = self.started.elapsed();
        let waited = Duration::from_micros(self.budget_wait_us.load(Ordering::Relaxed));
        span.record("intercom.outcome", outcome);
        span.record("intercom.attempts", attempts);
        span.record("intercom.may_have_been_delivered", end.delivered);
        span.record("intercom.elapsed_ms", millis(elapsed));
        span.record("intercom.budget_wait_ms", millis(waited));
        if let Some(t) = end.error_type {
            span.record("error.type", t);
        }
        #[cfg(feature = "metrics")]
        {
            let (total, attempts_total, duration) = match op {
                Operation::Send => (
                    "intercom_messages_sends_total",
                    "intercom_messages_attempts_total",
                    "intercom_messages_send_duration_seconds",
                ),
                Operation::Search => (
                    "intercom_messages_searches_total",
                    "intercom_messages_search_attempts_total",
                    "intercom_messages_search_duration_seconds",
                ),
            };
            let version = version.as_str();
            metrics::counter!(total, "outcome" => outcome, "version" => version).increment(1);
            metrics::counter!(attempts_total, "version" => version).increment(u64::from(attempts));
            metrics::histogram!(duration, "outcome" => outcome).record(elapsed.as_secs_f64());
            metrics::histogram!("intercom_messages_budget_wait_seconds")
                .record(waited.as_secs_f64());
        }
    }
}

/// How a send or a search ended, for the span and the metrics.
struct End {
    outcome: &'static str,
    delivered: bool,
    error_type: Option<String>,
}

/// Closes a send's record: with its result when it ends, with outcome
/// `cancelled` when it is dropped before (at any await: a caller's timeout,
/// a `select!`), so that every send is counted.
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

    /// The send ended with this result (a created message's id goes on the
    /// span).
    pub(crate) fn close(mut self, result: &Result<SentMessage, SendError>) {
        self.open = false;
        let span = tracing::Span::current();
        if let Ok(sent) = result
            && !span.is_disabled()
        {
            span.record("intercom.message_id", clean(sent.id()));
        }
        self.measure
            .finish(&span, Operation::Send, self.version, result);
    }
}

impl Drop for Record<'_> {
    fn drop(&mut self) {
        // Dropped before it ended: outcome `cancelled`, with the delivery
        // flag as known now.
        if self.open {
            let end = End {
                outcome: "cancelled",
                delivered: self.measure.may_have_delivered(),
                error_type: Some("cancelled".into()),
            };
            let span = tracing::Span::current();
            self.measure
                .close(&span, Operation::Send, self.version, end);
        }
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The outcome of a send or a search, as the span and the metrics name it.
pub(crate) fn outcome<T>(result: &Result<T, SendError>, op: Operation) -> &'static str {
    match (result, op) {
        (Ok(_), Operation::Send) => "created",
        (Ok(_), Operation::Search) => "answered",
        (Err(e), _) => error_kind(e),
    }
}

/// The kind of an error, as the span and the metrics name it.
pub(crate) fn error_kind(e: &SendError) -> &'static str {
    match e {
        SendError::Invalid(_) => "invalid",
        SendError::Api { .. } => "api_error",
        SendError::RateLimited { .. } => "rate_limited",
        SendError::Server { .. } => "server_error",
        SendError::Transport { .. } => "transport",
        SendError::UndecodableResponse { .. } => "undecodable",
        SendError::ResponseTooLarge { .. } => "too_large",
        SendError::Redirected { .. } => "redirected",
        SendError::BudgetUnavailable(_) => "budget_unavailable",
        SendError::AfterPossibleDelivery { .. } => "after_possible_delivery",
        SendError::DeadlineExceeded { .. } => "deadline",
    }
}
