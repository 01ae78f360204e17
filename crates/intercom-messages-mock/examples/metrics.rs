//! The client's metrics (`intercom-messages` with its `metrics` feature) as
//! a program sees them through a recorder it installs:
//! here `metrics-util`'s debugging recorder, against `MockIntercom`, so it
//! runs with no token. A service installs its exporter (Prometheus, StatsD,
//! ...) the same way, once, before it sends.
//!
//! ```sh
//! cargo run -p intercom-messages-mock --example metrics
//! ```

use std::time::Duration;

use intercom_messages::{Contact, Message, SendOptions, Version};
use intercom_messages_mock::{MockAnswer, MockIntercom};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder.install()?;

    let mock = MockIntercom::start().await;
    let client = mock.client(Version::V2_14);
    let hello = || {
        Message::from_admin(394051)
            .to(Contact::user_id("70"))
            .in_app("Hello!")
    };

    // A message created; one Intercom refuses; one whose deadline passes
    // while Intercom is slow to answer (outcome `deadline`, the verdict kept);
    // and one the caller drops (outcome `cancelled`).
    client.send(hello()).await?;
    mock.fail_next(404, "not_found", "User Not Found");
    let _ = client.send(hello()).await;
    mock.answer_next(MockAnswer::status(200).delay(Duration::from_secs(5)));
    let options = SendOptions::default().deadline(Duration::from_millis(100));
    let late = client.send_with(hello(), options).await;
    println!("with a deadline: {late:?}\n");
    mock.answer_next(MockAnswer::status(200).delay(Duration::from_secs(5)));
    let dropped = tokio::time::timeout(Duration::from_millis(100), client.send(hello())).await;
    assert!(
        dropped.is_err(),
        "the caller's own timeout dropped the send"
    );

    let mut lines: Vec<String> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let (kind, key) = key.into_parts();
            let labels: Vec<String> = key
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            let value = match value {
                DebugValue::Counter(n) => n.to_string(),
                DebugValue::Gauge(g) => g.to_string(),
                DebugValue::Histogram(h) => format!("{} observations", h.len()),
            };
            format!("{kind:?} {}{{{}}} {value}", key.name(), labels.join(","))
        })
        .collect();
    lines.sort();
    for line in lines {
        println!("{line}");
    }
    Ok(())
}
