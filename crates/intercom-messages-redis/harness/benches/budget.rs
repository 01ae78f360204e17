//! The shared rate budget, measured (`cargo bench -p intercom-messages-tests --bench budget`):
//!
//! 1. achieved rate as a share of the budget, with 4 and 8 OS processes
//!    sharing one Redis budget set at the server's limit (goal ≥ 95 %);
//! 2. the latency a Redis slot adds to a send, as a ratio against the
//!    in-process pacer, measured in alternating rounds in one run;
//! 3. what sends do while Redis is stopped and started again, with each
//!    `WhenRedisDown` choice.
//!
//! Needs `redis-server` (Debian package). Prints Markdown tables, also written
//! to `target/criterion/budget-summary.md`.

use std::path::Path;
use std::time::{Duration, Instant};

use intercom_messages::{Client, Contact, Message, RetryPolicy, SendError};
use intercom_messages_redis::{RedisBudget, WhenRedisDown};
use intercom_messages_redis_tests::budget::{LimitedServer, Pacing, run_workers};
use intercom_messages_redis_tests::redis::RedisServer;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn message(i: usize) -> Message {
    Message::from_admin(1)
        .to(Contact::user_id("70"))
        .in_app(format!("m{i}"))
        .into()
}

async fn achieved(redis: &RedisServer, out: &mut String) {
    let worker = Path::new(env!("CARGO_BIN_EXE_budget_worker"));
    let window = Duration::from_secs(1);
    let limit = 200;
    out.push_str("| processes | messages | budget = server limit | achieved per window | share of budget | 429s | duplicates | unaccounted | elapsed |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for processes in [4usize, 8] {
        let server = LimitedServer::start(limit, window).await;
        let per_worker = 2000 / processes;
        let run = run_workers(
            worker,
            None,
            &server,
            &redis.url(),
            &format!("bench-{processes}"),
            Pacing::Redis,
            processes,
            per_worker,
            limit,
            window,
        )
        .await;
        out.push_str(&format!(
            "| {processes} | {} | {limit} per {window:?} | {:.1} | {:.1} % | {} | {} | {} | {:.2?} |\n",
            run.messages,
            run.per_window,
            100.0 * run.per_window / f64::from(limit),
            run.rate_limited,
            run.duplicates,
            run.unaccounted.len(),
            run.elapsed,
        ));
    }
}

async fn latency(redis: &RedisServer, out: &mut String) {
    let server = LimitedServer::start(u32::MAX, Duration::from_secs(1)).await;
    let local = Client::builder("t")
        .base_url(&server.url)
        .retry(RetryPolicy::never())
        .pacing_per(u32::MAX, Duration::from_secs(1))
        .build()
        .unwrap();
    let shared = Client::builder("t")
        .base_url(&server.url)
        .retry(RetryPolicy::never())
        .rate_budget(
            RedisBudget::builder(redis.url(), "bench-latency")
                .budget(u32::MAX, Duration::from_secs(1))
                .when_unavailable(WhenRedisDown::Fail)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    // Warm both connection pools.
    for i in 0..200 {
        local.send(message(i)).await.unwrap();
        shared.send(message(i)).await.unwrap();
    }
    let (rounds, batch) = (40, 100);
    let (mut ours, mut base, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut n = 0;
    for round in 0..rounds {
        let mut time = |c: &Client| {
            let c = c.clone();
            let start = n;
            n += batch;
            async move {
                let t = Instant::now();
                for i in 0..batch {
                    c.send(message(start + i)).await.unwrap();
                }
                t.elapsed().as_secs_f64() * 1e6 / batch as f64
            }
        };
        let (r, l) = if round % 2 == 0 {
            let r = time(&shared).await;
            (r, time(&local).await)
        } else {
            let l = time(&local).await;
            (time(&shared).await, l)
        };
        ours.push(r);
        base.push(l);
        ratios.push(r / l);
    }
    let (r, l, q) = (median(&mut ours), median(&mut base), median(&mut ratios));
    out.push_str(&format!(
        "| send over loopback, paced by | median per send (40 rounds of {batch}) |\n| --- | --- |\n| the in-process pacer | {l:.1} µs |\n| a Redis budget | {r:.1} µs |\n| ratio Redis / in-process (median of round ratios) | {q:.2}× (+{:.1} µs) |\n",
        r - l
    ));
}

async fn outage(out: &mut String) {
    out.push_str("| when Redis is down | 0–1 s (up) | 1–2 s (stopped) | 2–3 s (started again) | sent twice |\n| --- | --- | --- | --- | --- |\n");
    for (name, when) in [
        ("`WhenRedisDown::Fail`", WhenRedisDown::Fail),
        (
            "`WhenRedisDown::FallBack { fraction: 0.5 }`",
            WhenRedisDown::FallBack { fraction: 0.5 },
        ),
    ] {
        let mut redis = RedisServer::start();
        let server = LimitedServer::start(u32::MAX, Duration::from_secs(1)).await;
        let c = Client::builder("t")
            .base_url(&server.url)
            .retry(RetryPolicy::never())
            .rate_budget(
                RedisBudget::builder(redis.url(), "bench-outage")
                    .budget(400, Duration::from_secs(1))
                    .when_unavailable(when)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let start = Instant::now();
        let mut phases = [(0usize, 0usize); 3];
        let mut i = 0;
        let mut stopped = false;
        let mut restarted = false;
        while start.elapsed() < Duration::from_secs(3) {
            let t = start.elapsed();
            if !stopped && t >= Duration::from_secs(1) {
                redis.stop();
                stopped = true;
            }
            if !restarted && t >= Duration::from_secs(2) {
                redis.start_again();
                restarted = true;
            }
            let phase = (start.elapsed().as_secs() as usize).min(2);
            match c.send(message(i)).await {
                Ok(_) => phases[phase].0 += 1,
                Err(SendError::BudgetUnavailable(_)) => {
                    phases[phase].1 += 1;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err(e) => panic!("{e:?}"),
            }
            i += 1;
        }
        let twice = server.created().values().filter(|&&n| n > 1).count();
        let cell = |(ok, refused): (usize, usize)| format!("{ok} sent, {refused} refused");
        out.push_str(&format!(
            "| {name} | {} | {} | {} | {twice} |\n",
            cell(phases[0]),
            cell(phases[1]),
            cell(phases[2])
        ));
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut out = String::new();
    rt.block_on(async {
        let redis = RedisServer::start();
        out.push_str("### Achieved rate, shared budget at the server's limit\n\n");
        achieved(&redis, &mut out).await;
        out.push_str("\n### Added latency per send\n\n");
        latency(&redis, &mut out).await;
        out.push_str("\n### Redis stopped and started again (budget 400/s)\n\n");
        outage(&mut out).await;
    });
    println!("{out}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../target/criterion");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("budget-summary.md"), &out);
}
