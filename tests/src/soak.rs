//! The bounded soak: many messages from one shared client against a local
//! server that injects faults, with every message accounted for exactly once.
//! Used by a small test in CI and by the full `soak` bench binary.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use intercom_messages::{Client, Contact, Message, RetryPolicy, SendError, Version};
use serde_json::json;

use crate::server::{self, Action};

/// Fault rates in percent of requests received.
#[derive(Clone, Copy, Debug)]
pub struct Faults {
    /// 429 with `Retry-After: 0` and rate-limit headers; not processed.
    pub rate_limited: u32,
    /// 500 after the message was created.
    pub server_error_after_create: u32,
    /// 503 before anything was created.
    pub unavailable: u32,
    /// The request is read, the message created, the connection dropped.
    pub dropped_after_read: u32,
    /// The message is created and the answer comes after the client's timeout.
    pub slow: u32,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            rate_limited: 5,
            server_error_after_create: 2,
            unavailable: 2,
            dropped_after_read: 2,
            slow: 2,
        }
    }
}

/// What one soak run did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Messages sent.
    pub messages: usize,
    /// Sends that returned the created message.
    pub created: usize,
    /// Errors marked "may have been delivered".
    pub maybe_delivered: usize,
    /// Errors marked "not delivered".
    pub not_delivered: usize,
    /// Messages the server created more than once (must be 0).
    pub duplicates: usize,
    /// Messages whose outcome contradicts what the server saw (must be 0).
    pub unaccounted: Vec<String>,
    /// Requests the server received in all.
    pub requests: usize,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// What a send returned: created, or an error saying whether it may have been delivered.
type Outcome = Result<(), bool>;

#[derive(Default)]
struct Seen {
    received: u32,
    created: u32,
}

fn mix(a: u64, b: u64) -> u64 {
    // splitmix64 of the pair: a stable, well-spread choice per (message, receipt).
    let mut z = a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_add(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Runs `messages` sends at `concurrency` from one client against a faulty server.
pub async fn run(messages: usize, concurrency: usize, faults: Faults) -> Report {
    let seen: Arc<Mutex<HashMap<u64, Seen>>> = Arc::default();
    let state = seen.clone();
    let addr = server::start(Arc::new(move |body: &[u8]| answer(&state, faults, body))).await;
    let client = Client::builder("soak-token")
        .base_url(&format!("http://{addr}"))
        .timeout(Duration::from_millis(200))
        .retry(
            RetryPolicy::default()
                .default_wait(Duration::from_millis(1))
                .max_wait(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let outcomes = send_all(&client, messages, concurrency).await;
    let elapsed = started.elapsed();
    let seen = seen.lock().unwrap();
    report(messages, elapsed, &seen, &outcomes)
}

/// The faulty server's answer to a message: chosen by a stable roll per
/// (message, receipt), noting whether it created the message.
fn answer(state: &Mutex<HashMap<u64, Seen>>, faults: Faults, body: &[u8]) -> Action {
    let ok_body = |id: u64| {
        serde_json::to_vec(&json!({"type": "admin_message", "id": id.to_string(), "created_at": 1, "body": "x", "message_type": "inapp"}))
            .unwrap()
    };
    let id: u64 = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["body"].as_str()?.strip_prefix("soak-")?.parse().ok())
        .unwrap_or(u64::MAX);
    let mut s = state.lock().unwrap();
    let rec = s.entry(id).or_default();
    rec.received += 1;
    let roll = (mix(id, u64::from(rec.received)) % 100) as u32;
    let f = faults;
    let mut at = f.rate_limited;
    if roll < at {
        return Action::Respond {
            status: 429,
            headers: vec![
                ("retry-after".into(), "0".into()),
                ("x-ratelimit-limit".into(), "1000".into()),
                ("x-ratelimit-remaining".into(), "0".into()),
            ],
            body: br#"{"type":"error.list","errors":[{"code":"rate_limit_exceeded"}]}"#.to_vec(),
            delay: Duration::ZERO,
        };
    }
    at += f.server_error_after_create;
    if roll < at {
        rec.created += 1;
        return Action::respond(
            500,
            &br#"{"type":"error.list","errors":[{"code":"server_error"}]}"#[..],
        );
    }
    at += f.unavailable;
    if roll < at {
        return Action::respond(503, &b"<html>Service Unavailable</html>"[..]);
    }
    at += f.dropped_after_read;
    if roll < at {
        rec.created += 1;
        return Action::Drop;
    }
    at += f.slow;
    rec.created += 1;
    Action::Respond {
        status: 200,
        headers: Vec::new(),
        body: ok_body(id),
        delay: if roll < at {
            Duration::from_millis(400)
        } else {
            Duration::ZERO
        },
    }
}

/// Sends `messages` messages from `concurrency` workers: what each returned.
async fn send_all(client: &Client, messages: usize, concurrency: usize) -> Vec<(u64, Outcome)> {
    let outcomes: Arc<Mutex<Vec<(u64, Outcome)>>> = Arc::default();
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, outcomes, next) = (client.clone(), outcomes.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let id = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if id >= messages as u64 {
                        return;
                    }
                    let m = Message::from_admin(1)
                        .to(Contact::user_id("70"))
                        .in_app(format!("soak-{id}"));
                    let r = client.send_with_version(m, Version::V2_14).await;
                    let outcome = match r {
                        Ok(_) => Ok(()),
                        Err(e @ SendError::Invalid(_)) => panic!("the soak message is valid: {e}"),
                        Err(e) => Err(e.may_have_been_delivered()),
                    };
                    outcomes.lock().unwrap().push((id, outcome));
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    outcomes.lock().unwrap().clone()
}

/// Every outcome against what the server saw: each message answered once,
/// and the delivery flag true to what was created.
fn report(
    messages: usize,
    elapsed: Duration,
    seen: &HashMap<u64, Seen>,
    outcomes: &[(u64, Outcome)],
) -> Report {
    let mut report = Report {
        messages,
        elapsed,
        requests: seen.values().map(|s| s.received as usize).sum(),
        duplicates: seen.values().filter(|s| s.created > 1).count(),
        ..Report::default()
    };
    let mut answered = vec![0u32; messages];
    for (id, outcome) in outcomes {
        answered[*id as usize] += 1;
        let created = seen.get(id).map_or(0, |s| s.created);
        let consistent = match outcome {
            Ok(()) => {
                report.created += 1;
                created == 1
            }
            Err(true) => {
                report.maybe_delivered += 1;
                created <= 1
            }
            Err(false) => {
                report.not_delivered += 1;
                created == 0
            }
        };
        if !consistent {
            report.unaccounted.push(format!(
                "message {id}: outcome {outcome:?}, created {created} time(s)"
            ));
        }
    }
    for (id, n) in answered.iter().enumerate() {
        if *n != 1 {
            report
                .unaccounted
                .push(format!("message {id}: {n} outcomes"));
        }
    }
    report
}

/// The pacing run: `messages` sends with pacing at `budget` per `window` (no
/// pacing when `None`) against a server that answers 429 past `server_limit`
/// in one of its fixed windows. Returns (requests per window achieved, 429s).
pub async fn run_paced(
    messages: usize,
    concurrency: usize,
    budget: Option<u32>,
    server_limit: u32,
    window: Duration,
) -> (f64, usize) {
    let start = Instant::now();
    let windows: Arc<Mutex<HashMap<u64, u32>>> = Arc::default();
    let rejected = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (w, r) = (windows.clone(), rejected.clone());
    let addr = server::start(Arc::new(move |_body: &[u8]| {
        let k = (start.elapsed().as_nanos() / window.as_nanos()) as u64;
        let mut w = w.lock().unwrap();
        let used = w.entry(k).or_default();
        *used += 1;
        if *used > server_limit {
            r.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            return Action::Respond {
                status: 429,
                headers: vec![("retry-after".into(), "0".into())],
                body: br#"{"type":"error.list","errors":[{"code":"rate_limit_exceeded"}]}"#.to_vec(),
                delay: Duration::ZERO,
            };
        }
        Action::respond(200, &br#"{"type":"admin_message","id":"1","created_at":1,"body":"x","message_type":"inapp"}"#[..])
    }))
    .await;
    let mut builder = Client::builder("pace-token")
        .base_url(&format!("http://{addr}"))
        .retry(RetryPolicy::never());
    if let Some(budget) = budget {
        builder = builder.pacing_per(budget, window);
    }
    let client = builder.build().unwrap();
    let t0 = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, next) = (client.clone(), next.clone());
            tokio::spawn(async move {
                while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < messages {
                    let m = Message::from_admin(1)
                        .to(Contact::user_id("70"))
                        .in_app("paced");
                    let _ = client.send(m).await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let elapsed = t0.elapsed();
    let per_window = messages as f64 / (elapsed.as_secs_f64() / window.as_secs_f64());
    (
        per_window,
        rejected.load(std::sync::atomic::Ordering::SeqCst),
    )
}

/// Peak resident memory of this process (VmHWM), in KiB, where Linux reports it.
pub fn peak_rss_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
