//! One sending process for the shared-budget test and bench: sends
//! `--messages` admin messages (bodies `w{worker}-m{i}`) to `--server` with a
//! few concurrent tasks, paced through Redis (`--pacing redis`) or alone
//! (`--pacing local`), and prints one line per message: `ok ID`, `429 ID` or
//! `error ID REASON`. Never retries, so the server sees each attempt.
//! `--redis cluster:URL,URL,…` reaches a Redis Cluster; `--ca-file PATH`
//! trusts that CA for `rediss://` (as `SSL_CERT_FILE`).

use std::time::Duration;

use intercom_messages::{Client, Contact, Message, RetryPolicy, SendError};
use intercom_messages_redis::{RedisBudgets, WhenRedisDown};

fn arg(args: &[String], name: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .unwrap_or_else(|| panic!("missing {name}"))
        .clone()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--ca-file") {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("SSL_CERT_FILE", &args[i + 1]) };
    }
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(args));
}

async fn run(args: Vec<String>) {
    let budget: u32 = arg(&args, "--budget").parse().unwrap();
    let window = Duration::from_millis(arg(&args, "--window-ms").parse().unwrap());
    let messages: usize = arg(&args, "--messages").parse().unwrap();
    let worker = arg(&args, "--worker");
    let mut builder = Client::builder("budget-token")
        .base_url(&arg(&args, "--server"))
        .retry(RetryPolicy::never());
    let shared = redis(&arg(&args, "--redis"));
    builder = match arg(&args, "--pacing").as_str() {
        "redis" => builder.rate_budget(
            shared
                .budget(arg(&args, "--app"))
                .budget(budget, window)
                .when_unavailable(WhenRedisDown::Fail)
                .build()
                .unwrap(),
        ),
        "local" => builder.pacing_per(budget, window),
        other => panic!("--pacing {other}: expected redis or local"),
    };
    let client = builder.build().unwrap();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (client, next, worker) = (client.clone(), next.clone(), worker.clone());
            tokio::spawn(async move {
                let mut lines = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if i >= messages {
                        return lines;
                    }
                    let id = format!("w{worker}-m{i}");
                    let m = Message::from_admin(1)
                        .to(Contact::user_id("70"))
                        .in_app(id.clone());
                    lines.push(match client.send(m).await {
                        Ok(_) => format!("ok {id}"),
                        Err(SendError::RateLimited { .. }) => format!("429 {id}"),
                        Err(e) => format!("error {id} {e}"),
                    });
                }
            })
        })
        .collect();
    let mut out = String::new();
    for t in tasks {
        for line in t.await.unwrap() {
            out.push_str(&line);
            out.push('\n');
        }
    }
    // The ends of the last requests reach Redis before the process exits
    // (else they count as in flight for a minute, and the other workers
    // send less).
    shared.flush_ends().await;
    print!("{out}");
}

/// `redis://…` or `rediss://…`, or `cluster:` and the nodes' URLs.
fn redis(url: &str) -> RedisBudgets {
    match url.strip_prefix("cluster:") {
        Some(nodes) => RedisBudgets::cluster(nodes.split(',')).unwrap(),
        None => RedisBudgets::new(url).unwrap(),
    }
}
