//! Several OS processes sharing one rate budget: a loopback Intercom that
//! enforces a limit per fixed window across all connections (as the soak
//! server does), and the `budget_worker` processes that send to it. Used by
//! `tests/shared_budget.rs` and the `budget` bench.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::server::{self, Action};

/// How the workers pace themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pacing {
    /// One budget shared through Redis.
    Redis,
    /// Each process alone, at the whole budget.
    Local,
}

impl Pacing {
    /// The worker's `--pacing` argument.
    fn arg(self) -> &'static str {
        match self {
            Pacing::Redis => "redis",
            Pacing::Local => "local",
        }
    }
}

/// What one multi-process run did, as the server saw it and as the workers
/// reported it.
#[derive(Clone, Debug, Default)]
pub struct Run {
    /// Messages the workers sent.
    pub messages: usize,
    /// Messages the server created.
    pub created: usize,
    /// 429s the server answered.
    pub rate_limited: usize,
    /// Messages the server created more than once (must be 0).
    pub duplicates: usize,
    /// Messages whose reported outcome contradicts what the server saw.
    pub unaccounted: Vec<String>,
    /// From the first request to the last answer.
    pub elapsed: Duration,
    /// Requests the server accepted per window, on average over the run.
    pub per_window: f64,
}

/// The loopback Intercom: at most `limit` messages per fixed `window`
/// (counted from its start, across all connections); past that, a 429 with
/// the rate-limit headers and nothing created. Each created message's body
/// is its id.
pub struct LimitedServer {
    /// Its base URL.
    pub url: String,
    created: Arc<Mutex<HashMap<String, usize>>>,
    rejected: Arc<AtomicUsize>,
    first_last: Arc<Mutex<Option<(Instant, Instant)>>>,
    arrivals: Arc<Mutex<Vec<Instant>>>,
}

impl LimitedServer {
    /// Starts it on the current tokio runtime.
    pub async fn start(limit: u32, window: Duration) -> Self {
        let start = Instant::now();
        let windows: Arc<Mutex<HashMap<u64, u32>>> = Arc::default();
        let created: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let rejected = Arc::new(AtomicUsize::new(0));
        let first_last: Arc<Mutex<Option<(Instant, Instant)>>> = Arc::default();
        let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
        let (c, r, fl, at) = (
            created.clone(),
            rejected.clone(),
            first_last.clone(),
            arrivals.clone(),
        );
        let addr = server::start(Arc::new(move |body: &[u8]| {
            let now = Instant::now();
            at.lock().unwrap().push(now);
            {
                let mut fl = fl.lock().unwrap();
                *fl = Some(fl.map_or((now, now), |(first, _)| (first, now)));
            }
            let k = (start.elapsed().as_nanos() / window.as_nanos()) as u64;
            let used = {
                let mut w = windows.lock().unwrap();
                let used = w.entry(k).or_default();
                *used += 1;
                *used
            };
            if used > limit {
                r.fetch_add(1, Ordering::SeqCst);
                return rate_limited_answer(limit);
            }
            created_answer(body, &c)
        }))
        .await;
        Self {
            url: format!("http://{addr}"),
            created,
            rejected,
            first_last,
            arrivals,
        }
    }

    /// When each request arrived, in order.
    pub fn arrivals(&self) -> Vec<Instant> {
        self.arrivals.lock().unwrap().clone()
    }

    /// 429s answered so far.
    pub fn rate_limited(&self) -> usize {
        self.rejected.load(Ordering::SeqCst)
    }

    /// Times each message id was created.
    pub fn created(&self) -> HashMap<String, usize> {
        self.created.lock().unwrap().clone()
    }
}

/// A 429 with the budget spent until the next second.
fn rate_limited_answer(limit: u32) -> Action {
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 1;
    Action::Respond {
        status: 429,
        headers: vec![
            ("x-ratelimit-limit".into(), limit.to_string()),
            ("x-ratelimit-remaining".into(), "0".into()),
            ("x-ratelimit-reset".into(), reset.to_string()),
        ],
        body: br#"{"type":"error.list","errors":[{"code":"rate_limit_exceeded"}]}"#.to_vec(),
        delay: Duration::ZERO,
    }
}

/// The created message, its id the message's text, counted in `created`.
fn created_answer(body: &[u8], created: &Mutex<HashMap<String, usize>>) -> Action {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let id = v["body"].as_str().unwrap_or("?").to_string();
    *created.lock().unwrap().entry(id.clone()).or_default() += 1;
    Action::respond(
        200,
        serde_json::to_vec(&serde_json::json!({
            "type": "admin_message", "id": id, "created_at": 1,
            "body": id, "message_type": "inapp",
        }))
        .unwrap(),
    )
}

/// Starts `workers` copies of the worker binary at `worker`, each sending
/// `per_worker` messages to `server` with `concurrency` tasks, paced by
/// `pacing` at `budget` per `window`, and waits for all of them. `ca_file`
/// is a CA the workers trust for `rediss://`.
#[allow(clippy::too_many_arguments)]
pub async fn run_workers(
    worker: &Path,
    ca_file: Option<&Path>,
    server: &LimitedServer,
    redis_url: &str,
    app: &str,
    pacing: Pacing,
    workers: usize,
    per_worker: usize,
    budget: u32,
    window: Duration,
) -> Run {
    let children: Vec<_> = (0..workers)
        .map(|w| {
            let mut cmd = Command::new(worker);
            if let Some(ca) = ca_file {
                cmd.arg("--ca-file").arg(ca);
            }
            cmd.args([
                "--server",
                &server.url,
                "--redis",
                redis_url,
                "--app",
                app,
                "--pacing",
                pacing.arg(),
                "--budget",
                &budget.to_string(),
                "--window-ms",
                &window.as_millis().to_string(),
                "--messages",
                &per_worker.to_string(),
                "--worker",
                &w.to_string(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", worker.display()))
        })
        .collect();
    let outputs = wait_for_all(children).await;
    let reported = reported_outcomes(&outputs);
    let mut run = Run {
        messages: workers * per_worker,
        ..Run::default()
    };
    account(&mut run, &server.created(), &reported, workers, per_worker);
    run.rate_limited = server.rate_limited();
    if let Some((first, last)) = *server.first_last.lock().unwrap() {
        run.elapsed = last - first;
        let windows = run.elapsed.as_secs_f64() / window.as_secs_f64();
        run.per_window = run.created as f64 / windows.max(1e-9);
    }
    run
}

/// Waits for every worker to exit, off the runtime's threads.
async fn wait_for_all(children: Vec<std::process::Child>) -> Vec<std::process::Output> {
    tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().expect("worker output"))
            .collect()
    })
    .await
    .unwrap()
}

/// What each worker reported per message id: `ok`, `429` or `error`.
fn reported_outcomes(outputs: &[std::process::Output]) -> HashMap<String, &'static str> {
    let mut reported = HashMap::new();
    for out in outputs {
        assert!(out.status.success(), "a worker failed: {:?}", out.status);
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some((outcome, id)) = line.split_once(' ') {
                let outcome = match outcome {
                    "ok" => "ok",
                    "429" => "429",
                    _ => "error",
                };
                reported.insert(id.split(' ').next().unwrap_or(id).to_string(), outcome);
            }
        }
    }
    reported
}

/// Every message's report against what the server created: duplicates,
/// and what does not match (created once for `ok`, never otherwise).
fn account(
    run: &mut Run,
    created: &HashMap<String, usize>,
    reported: &HashMap<String, &str>,
    workers: usize,
    per_worker: usize,
) {
    for w in 0..workers {
        for i in 0..per_worker {
            let id = format!("w{w}-m{i}");
            let times = created.get(&id).copied().unwrap_or(0);
            if times > 1 {
                run.duplicates += 1;
            }
            match (reported.get(&id).copied(), times) {
                (Some("ok"), 1) | (Some("429" | "error"), 0) => {}
                (r, n) => run
                    .unaccounted
                    .push(format!("{id}: reported {r:?}, created {n} time(s)")),
            }
        }
    }
    run.created = created.values().sum();
}
