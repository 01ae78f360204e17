//! The in-process pacer against a server that notes when each request
//! arrives: a burst far over the budget never puts more than the budget's
//! arrivals in any window at the server. Counted, not timed: the pacer holds
//! a slot until the answer's head, which the server sends after it noted the
//! arrival, so the bound holds however busy the machine is.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use intercom_messages::{Client, Contact, Message};
use intercom_messages_test_support::server::{self, Action};

const CREATED: &str =
    r#"{"type":"admin_message","id":"1","created_at":1,"body":"x","message_type":"inapp"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_600_never_puts_more_than_100_arrivals_in_any_second() {
    let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let seen = arrivals.clone();
    let n = std::sync::atomic::AtomicU64::new(0);
    let addr = server::start(Arc::new(move |_: &[u8]| {
        seen.lock().unwrap().push(Instant::now());
        // Answers spread over 0–40 ms, as a real server's would.
        let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Action::Respond {
            status: 200,
            headers: Vec::new(),
            body: CREATED.into(),
            delay: Duration::from_millis(i * 7 % 40),
        }
    }))
    .await;
    let client = Client::builder("tok_pacing_0123456789")
        .base_url(&format!("http://{addr}"))
        .pacing_per(100, Duration::from_secs(1))
        .build()
        .unwrap();
    let sends: Vec<_> = (0..600)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let message = Message::from_admin(1)
                    .to(Contact::user_id("70"))
                    .in_app("hi");
                client.send(message).await
            })
        })
        .collect();
    for s in sends {
        s.await.unwrap().unwrap();
    }
    let mut at = arrivals.lock().unwrap().clone();
    at.sort();
    assert_eq!(at.len(), 600);
    let most = (0..at.len())
        .map(|i| {
            at[i..]
                .iter()
                .take_while(|t| **t < at[i] + Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap();
    assert!(most <= 100, "{most} arrivals in one second");
    // What the budget's steady state used (a figure, not an assertion): the
    // bursts after the first come one slot cycle apart (a window plus the
    // time to the answer); 100 per cycle over 100 per second.
    let cycle = (at[500] - at[100]).as_secs_f64() / 4.0;
    eprintln!(
        "pacer steady state: {:.1} % of the budget ({most} arrivals at most in one second)",
        100.0 / cycle
    );
}
