//! The `intercom.send` span and the metrics, read back for a created
//! message, a validation error, a 429 retried, a 5xx flagged "may have
//! been delivered", a budget refusal and sends dropped before, during and
//! after their request, and the `intercom.search` span and metrics of a
//! search (a 5xx retried), against `MockIntercom`. Its own binary: it
//! installs the process's tracing subscriber and metrics recorder.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use intercom_messages::{
    BudgetError, BudgetFuture, Client, Contact, Message, RateBudget, RateLimit, RetryPolicy,
    Version,
};
use intercom_messages_mock::{MockAnswer, MockIntercom, TEST_TOKEN};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};

/// The fields of every `intercom.send` span, by span id.
#[derive(Default)]
struct Spans {
    next: AtomicU64,
    fields: Mutex<BTreeMap<u64, BTreeMap<String, String>>>,
    metadata: Mutex<BTreeMap<u64, &'static tracing::Metadata<'static>>>,
}

thread_local! {
    /// The spans entered on this thread, innermost last.
    static ENTERED: std::cell::RefCell<Vec<Id>> = const { std::cell::RefCell::new(Vec::new()) };
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

struct Capture(Arc<Spans>);

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.0.next.fetch_add(1, Ordering::SeqCst) + 1;
        self.0.metadata.lock().unwrap().insert(id, attrs.metadata());
        let name = attrs.metadata().name();
        if name == "intercom.send" || name == "intercom.search" {
            let mut fields = BTreeMap::new();
            fields.insert("span".to_string(), name.to_string());
            attrs.record(&mut Fields(&mut fields));
            self.0.fields.lock().unwrap().insert(id, fields);
        }
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some(fields) = self.0.fields.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, span: &Id) {
        ENTERED.with(|e| e.borrow_mut().push(span.clone()));
    }
    fn exit(&self, _: &Id) {
        ENTERED.with(|e| e.borrow_mut().pop());
    }
    fn current_span(&self) -> tracing_core::span::Current {
        match ENTERED.with(|e| e.borrow().last().cloned()) {
            Some(id) => match self.0.metadata.lock().unwrap().get(&id.into_u64()) {
                Some(meta) => tracing_core::span::Current::new(id, meta),
                None => tracing_core::span::Current::none(),
            },
            None => tracing_core::span::Current::none(),
        }
    }
}

/// Every counter and histogram, by name and labels.
#[derive(Default)]
struct Metrics {
    counters: Mutex<BTreeMap<String, u64>>,
    histograms: Mutex<BTreeMap<String, Vec<f64>>>,
}

struct Handle(Arc<Metrics>, String);

impl metrics::CounterFn for Handle {
    fn increment(&self, value: u64) {
        *self
            .0
            .counters
            .lock()
            .unwrap()
            .entry(self.1.clone())
            .or_default() += value;
    }
    fn absolute(&self, value: u64) {
        self.0
            .counters
            .lock()
            .unwrap()
            .insert(self.1.clone(), value);
    }
}

impl metrics::HistogramFn for Handle {
    fn record(&self, value: f64) {
        self.0
            .histograms
            .lock()
            .unwrap()
            .entry(self.1.clone())
            .or_default()
            .push(value);
    }
}

struct Recorder(Arc<Metrics>);

fn key_name(key: &metrics::Key) -> String {
    let mut labels: Vec<String> = key
        .labels()
        .map(|l| format!("{}={}", l.key(), l.value()))
        .collect();
    labels.sort();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

impl metrics::Recorder for Recorder {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        metrics::Counter::from_arc(Arc::new(Handle(self.0.clone(), key_name(key))))
    }
    fn register_gauge(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::noop()
    }
    fn register_histogram(
        &self,
        key: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        metrics::Histogram::from_arc(Arc::new(Handle(self.0.clone(), key_name(key))))
    }
}

fn message() -> Message {
    Message::from_admin(394051)
        .to(Contact::user_id("the-recipient-70"))
        .in_app("the-secret-body")
        .into()
}

#[tokio::test(flavor = "current_thread")]
async fn the_span_and_the_metrics_say_what_happened() {
    let spans = Arc::new(Spans::default());
    tracing::subscriber::set_global_default(Capture(spans.clone())).unwrap();
    let metrics_seen = Arc::new(Metrics::default());
    metrics::set_global_recorder(Recorder(metrics_seen.clone())).unwrap();

    let mock = MockIntercom::start().await;
    let client = Client::builder(TEST_TOKEN)
        .base_url(&mock.uri())
        .version(Version::V2_11)
        .retry(
            RetryPolicy::default()
                .default_wait(Duration::from_millis(5))
                .max_wait(Duration::from_millis(50)),
        )
        .build()
        .unwrap();
    let last = || {
        let all = spans.fields.lock().unwrap();
        all.values().last().cloned().unwrap()
    };

    created_and_invalid(&client, &mock, &last).await;
    retried_failed_and_refused(&client, &mock, &last).await;
    cancelled_sends(&mock, &last).await;
    no_span_shows_a_secret(&spans);
    let counters = metrics_seen.counters.lock().unwrap().clone();
    the_send_counters(&counters, &mock);
    let histograms = metrics_seen.histograms.lock().unwrap().clone();
    the_histograms(&histograms);
    for name in counters.keys().chain(histograms.keys()) {
        assert!(!name.contains("70") && !name.contains(TEST_TOKEN), "{name}");
    }

    // 10. Searches: a span of their own, and their own metrics.
    searches(&client, &mock, &last, &metrics_seen).await;
}

/// 1 and 2: a created message, and a validation error (nothing sent, one
/// span saying so).
async fn created_and_invalid(
    client: &Client,
    mock: &MockIntercom,
    last: &impl Fn() -> BTreeMap<String, String>,
) {
    // 1. Created.
    client.send(message()).await.unwrap();
    let s = last();
    assert_eq!(s["otel.kind"], "client");
    assert_eq!(s["http.request.method"], "POST");
    assert_eq!(s["server.address"], "127.0.0.1");
    assert_eq!(s["intercom.version"], "2.11");
    assert_eq!(s["http.response.status_code"], "200");
    assert_eq!(s["intercom.outcome"], "created");
    assert_eq!(s["intercom.attempts"], "1");
    assert_eq!(s["intercom.may_have_been_delivered"], "false");
    assert!(s.contains_key("intercom.elapsed_ms") && s.contains_key("intercom.budget_wait_ms"));
    assert!(!s.contains_key("error.type"), "{s:?}");
    assert_eq!(
        s["intercom.message_id"],
        mock.received()[0].id.clone().unwrap()
    );

    // 2. A validation error: nothing sent, one span saying so.
    let bad: Message = Message::from_admin(394051)
        .to(Contact::user_id("70"))
        .email(" ", "the-secret-body")
        .into();
    client.send(bad).await.unwrap_err();
    let s = last();
    assert_eq!(s["intercom.outcome"], "invalid");
    assert_eq!(s["error.type"], "invalid");
    assert_eq!(s["intercom.attempts"], "0");
    assert!(!s.contains_key("http.response.status_code"), "{s:?}");
}

/// 3 to 5: a 429 retried then created, a 5xx not retried, and a budget
/// that refuses (its own outcome, no request made).
async fn retried_failed_and_refused(
    client: &Client,
    mock: &MockIntercom,
    last: &impl Fn() -> BTreeMap<String, String>,
) {
    // 3. A 429, retried, then created.
    mock.fail_next(429, "rate_limit_exceeded", "slow down");
    client.send(message()).await.unwrap();
    let s = last();
    assert_eq!(s["intercom.outcome"], "created");
    assert_eq!(s["intercom.attempts"], "2");
    assert_eq!(s["http.response.status_code"], "200");

    // 4. A 5xx: may have been delivered, not retried.
    mock.fail_next(500, "server_error", "boom");
    client.send(message()).await.unwrap_err();
    let s = last();
    assert_eq!(s["intercom.outcome"], "server_error");
    assert_eq!(s["error.type"], "500");
    assert_eq!(s["intercom.may_have_been_delivered"], "true");
    assert_eq!(s["intercom.attempts"], "1");

    // 5. The budget refuses: its own outcome, no request made.
    let refusing = Client::builder(TEST_TOKEN)
        .base_url(&mock.uri())
        .version(Version::V2_11)
        .rate_budget(Refusing)
        .build()
        .unwrap();
    refusing.send(message()).await.unwrap_err();
    let s = last();
    assert_eq!(s["intercom.outcome"], "budget_unavailable");
    assert_eq!(s["intercom.attempts"], "0");
    assert_eq!(s["intercom.may_have_been_delivered"], "false");
}

/// Nothing sensitive in any field of any span.
fn no_span_shows_a_secret(spans: &Spans) {
    // Nothing sensitive in any field of any span.
    for fields in spans.fields.lock().unwrap().values() {
        for (k, v) in fields {
            for secret in [
                TEST_TOKEN,
                "the-secret-body",
                "the-recipient-70",
                "/messages",
            ] {
                assert!(!v.contains(secret), "{k}={v} shows {secret}");
            }
        }
    }
}

/// The sends counted by outcome, the requests that left (each received by
/// the mock; a refusal is none) and the 429s.
fn the_send_counters(counters: &BTreeMap<String, u64>, mock: &MockIntercom) {
    let count = |k: &str| counters.get(k).copied().unwrap_or(0);
    assert_eq!(
        count("intercom_messages_sends_total{outcome=created,version=2.11}"),
        3,
        "{counters:?}"
    );
    assert_eq!(
        count("intercom_messages_sends_total{outcome=invalid,version=2.11}"),
        1,
        "{counters:?}"
    );
    assert_eq!(
        count("intercom_messages_sends_total{outcome=server_error,version=2.11}"),
        1,
        "{counters:?}"
    );
    assert_eq!(
        count("intercom_messages_sends_total{outcome=cancelled,version=2.11}"),
        4,
        "{counters:?}"
    );
    assert_eq!(
        count("intercom_messages_sends_total{outcome=budget_unavailable,version=2.11}"),
        1,
        "{counters:?}"
    );
    // Requests that left, each received by the mock; a refusal is none.
    assert_eq!(
        count("intercom_messages_attempts_total{version=2.11}"),
        mock.received().len() as u64,
        "{counters:?}"
    );
    assert_eq!(mock.received().len(), 9);
    assert_eq!(
        count("intercom_messages_rate_limited_total{version=2.11}"),
        2,
        "{counters:?}"
    );
}

/// The durations of created sends, and one budget wait per send.
fn the_histograms(histograms: &BTreeMap<String, Vec<f64>>) {
    assert_eq!(
        histograms["intercom_messages_send_duration_seconds{outcome=created}"].len(),
        3
    );
    assert_eq!(
        histograms["intercom_messages_budget_wait_seconds{}"].len(),
        10,
        "one per send, cancelled ones too"
    );
}

/// A search found at once and one retried after a 5xx: the
/// `intercom.search` span and the search metrics, apart from the sends'.
async fn searches(
    client: &Client,
    mock: &MockIntercom,
    last: &dyn Fn() -> BTreeMap<String, String>,
    metrics_seen: &Metrics,
) {
    let sent = client.send(message()).await.unwrap();
    mock.contact_replies(&sent, "Thanks!");
    assert!(client.find_conversation(&sent).await.unwrap().is_some());
    let s = last();
    assert_eq!(s["span"], "intercom.search");
    assert_eq!(s["intercom.outcome"], "answered");
    assert_eq!(s["http.response.status_code"], "200");
    assert_eq!(s["intercom.attempts"], "1");
    assert_eq!(s["intercom.version"], "2.11");
    // A 5xx is retried for a search.
    mock.fail_next(503, "service_unavailable", "busy");
    assert!(client.find_conversation(&sent).await.unwrap().is_some());
    let s = last();
    assert_eq!(s["intercom.outcome"], "answered");
    assert_eq!(s["intercom.attempts"], "2");
    let counters = metrics_seen.counters.lock().unwrap().clone();
    let count = |k: &str| counters.get(k).copied().unwrap_or(0);
    assert_eq!(
        count("intercom_messages_searches_total{outcome=answered,version=2.11}"),
        2,
        "{counters:?}"
    );
    assert_eq!(
        count("intercom_messages_search_attempts_total{version=2.11}"),
        3,
        "{counters:?}"
    );
    let histograms = metrics_seen.histograms.lock().unwrap().clone();
    assert_eq!(
        histograms["intercom_messages_search_duration_seconds{outcome=answered}"].len(),
        2
    );
    // Sends' counters are not searches' (the one send here is the fourth created).
    assert_eq!(
        count("intercom_messages_sends_total{outcome=created,version=2.11}"),
        4,
        "{counters:?}"
    );
}

/// A budget that gives no slot.
#[derive(Debug)]
struct Refusing;

impl RateBudget for Refusing {
    fn acquire(&self) -> BudgetFuture<'_, Result<(), BudgetError>> {
        Box::pin(async { Err(BudgetError::new("down")) })
    }
    fn observe(&self, _: RateLimit) -> BudgetFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// Polls `send` until `ready` says the moment has come, then drops it, as a
/// caller's timeout would. Counted, not timed: the moment is a state.
async fn drop_when<T: std::fmt::Debug>(
    send: impl std::future::Future<Output = T>,
    ready: impl Fn() -> bool,
) {
    tokio::pin!(send);
    while !ready() {
        tokio::select! {
            ended = &mut send => panic!("the send ended before it was dropped: {ended:?}"),
            _ = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
    }
}

/// 6–9. Sends dropped before, during and after their request: each closes
/// its span as `cancelled`, with the delivery flag as known when dropped.
async fn cancelled_sends(mock: &MockIntercom, last: &impl Fn() -> BTreeMap<String, String>) {
    let builder = || {
        Client::builder(TEST_TOKEN)
            .base_url(&mock.uri())
            .version(Version::V2_11)
    };
    let client = |retry: RetryPolicy| builder().retry(retry).build().unwrap();
    let check = |attempts: &str, delivered: &str| {
        let s = last();
        assert_eq!(s["intercom.outcome"], "cancelled", "{s:?}");
        assert_eq!(s["error.type"], "cancelled", "{s:?}");
        assert_eq!(s["intercom.attempts"], attempts, "{s:?}");
        assert_eq!(s["intercom.may_have_been_delivered"], delivered, "{s:?}");
    };
    let received = || mock.received().len();

    // 6. Before: the second send waits for the budget's hour-long window.
    let paced = builder()
        .pacing_per(1, Duration::from_secs(3600))
        .build()
        .unwrap();
    paced.send(message()).await.unwrap();
    let before = received();
    let polls = std::cell::Cell::new(0);
    drop_when(paced.send(message()), || {
        polls.set(polls.get() + 1);
        polls.get() > 10
    })
    .await;
    check("0", "false");
    assert_eq!(received(), before);

    // 7. During: the answer never comes in time.
    mock.answer_next(MockAnswer::status(200).delay(Duration::from_secs(60)));
    let n = received();
    drop_when(client(RetryPolicy::never()).send(message()), || {
        received() > n
    })
    .await;
    check("1", "true");

    // 8. After: a 429, answered, and the send dropped in its retry wait.
    mock.answer_next(
        MockAnswer::error(429, "rate_limit_exceeded", "slow down").header("retry-after", "20"),
    );
    drop_when(client(RetryPolicy::default()).send(message()), || {
        last().get("http.response.status_code").map(String::as_str) == Some("429")
    })
    .await;
    check("1", "false");

    // 9. After a 5xx that may have delivered, an opted-in retry in flight.
    mock.answer_next(MockAnswer::error(503, "service_unavailable", "later"));
    mock.answer_next(MockAnswer::status(200).delay(Duration::from_secs(60)));
    let n = received();
    let opted = RetryPolicy::default().retry_possibly_delivered(true);
    drop_when(client(opted).send(message()), || received() > n + 1).await;
    check("2", "true");
}
