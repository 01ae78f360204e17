//! What a send or a search tells the outside: the `intercom.send` and
//! `intercom.search` tracing spans and, with the `metrics` feature, counters
//! and histograms through the `metrics` facade. The one place where a new
//! field or a new metric goes.
//!
//! The contract is `observe.md`, shown in [`crate::Client`]'s docs.
#![doc = include_str!("observe.md")]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::message::version::Version;
use crate::send::error::SendError;

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
    )
}

/// What a span and its metrics are of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Operation {
    /// `POST /messages` ([`crate::Client::send`]).
    Send,
    /// `POST /conversations/search` ([`crate::Client::find_conversation`]).
    Search,
}

impl Operation {
    /// The outcome of a success.
    fn ok(self) -> &'static str {
        match self {
            Operation::Send => "created",
            Operation::Search => "answered",
        }
    }
}

/// The span of one search, with the same fields as a send's.
pub(crate) fn search_span(version: Version, host: &str, port: Option<u16>) -> tracing::Span {
    tracing::info_span!(
        "intercom.search",
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
    )
}

/// What one send has measured so far (the time, and the time waiting for
/// the rate budget); shared by its attempts. The attempts themselves are
/// counted by the retry loop.
#[derive(Debug)]
pub(crate) struct Measure {
    started: Instant,
    budget_wait_us: AtomicU64,
}

// Without the `metrics` feature the version only labels metrics that are
// not compiled in.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
impl Measure {
    pub(crate) fn start() -> Self {
        Measure {
            started: Instant::now(),
            budget_wait_us: AtomicU64::new(0),
        }
    }

    /// Time spent waiting for the rate budget.
    pub(crate) fn waited(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.budget_wait_us.fetch_add(us, Ordering::Relaxed);
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

    /// The end of the send, after `attempts` requests: the span's last
    /// fields and the metrics.
    pub(crate) fn finish<T>(
        &self,
        span: &tracing::Span,
        op: Operation,
        version: Version,
        attempts: u32,
        result: &Result<T, SendError>,
    ) {
        let outcome = outcome(result, op);
        let elapsed = self.started.elapsed();
        let waited = Duration::from_micros(self.budget_wait_us.load(Ordering::Relaxed));
        span.record("intercom.outcome", outcome);
        span.record("intercom.attempts", attempts);
        span.record(
            "intercom.may_have_been_delivered",
            result
                .as_ref()
                .err()
                .is_some_and(SendError::may_have_been_delivered),
        );
        span.record("intercom.elapsed_ms", millis(elapsed));
        span.record("intercom.budget_wait_ms", millis(waited));
        if let Err(e) = result {
            match e.status() {
                Some(status) => span.record("error.type", status.to_string()),
                None => span.record("error.type", outcome),
            };
        }
        #[cfg(feature = "metrics")]
        {
            let version = version.as_str();
            match op {
                Operation::Send => {
                    metrics::counter!("intercom_messages_sends_total", "outcome" => outcome, "version" => version)
                        .increment(1);
                    metrics::counter!("intercom_messages_attempts_total", "version" => version)
                        .increment(u64::from(attempts));
                    metrics::histogram!("intercom_messages_send_duration_seconds", "outcome" => outcome)
                        .record(elapsed.as_secs_f64());
                }
                Operation::Search => {
                    metrics::counter!("intercom_messages_searches_total", "outcome" => outcome, "version" => version)
                        .increment(1);
                    metrics::counter!("intercom_messages_search_attempts_total", "version" => version)
                        .increment(u64::from(attempts));
                    metrics::histogram!("intercom_messages_search_duration_seconds", "outcome" => outcome)
                        .record(elapsed.as_secs_f64());
                }
            }
            metrics::histogram!("intercom_messages_budget_wait_seconds")
                .record(waited.as_secs_f64());
        }
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The outcome of a send or a search, as the span and the metrics name it.
pub(crate) fn outcome<T>(result: &Result<T, SendError>, op: Operation) -> &'static str {
    match result {
        Ok(_) => op.ok(),
        Err(e) => error_kind(e),
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
    }
}
