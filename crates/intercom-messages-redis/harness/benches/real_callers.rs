//! The rate budget under real callers (`cargo bench -p intercom-messages-tests --bench real_callers`),
//! for BENCHMARKS.md, "Budget under real callers":
//!
//! 1. burst latency: 50 sends started at once on an idle budget of 166 per
//!    10 s (first, median and last to finish), with no budget, the in-process
//!    pacer and a `RedisBudget`; goal: the last within 2× the unpaced time;
//! 2. steady-state use of the budget when 0, 10 % and 50 % of callers give up
//!    (a timeout shorter than their wait), with the pacer and a `RedisBudget`;
//! 3. the cost of a Redis that loses its keys mid-run: the most requests the
//!    server saw in one window after the loss, against the budget;
//! 4. the time a `RedisBudget` adds to a send against no budget, in
//!    alternating paired rounds;
//! 5. the Redis connections 1,000 app budgets hold in one process.
//!
//! Needs `redis-server` (Debian package). Prints Markdown, also written to
//! `target/criterion/real-callers-summary.md`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use intercom_messages::{Client, Contact, Message, RateBudget, RetryPolicy};
use intercom_messages_redis::{RedisBudget, RedisBudgets, WhenRedisDown};
use intercom_messages_redis_tests::budget::LimitedServer;
use intercom_messages_redis_tests::redis::RedisServer;

fn message(i: usize) -> Message {
    Message::from_admin(1)
        .to(Contact::user_id("70"))
        .in_app(format!("m{i}"))
        .into()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

enum Budget<'a> {
    None,
    Pacer(u32, Duration),
    Redis(&'a RedisServer, String, u32, Duration),
}

fn client(server: &LimitedServer, budget: Budget<'_>) -> Client {
    let b = Client::builder("t")
        .base_url(&server.url)
        .retry(RetryPolicy::never());
    match budget {
        Budget::None => b,
        Budget::Pacer(n, w) => b.pacing_per(n, w),
        Budget::Redis(redis, app, n, w) => b.rate_budget(
            RedisBudget::builder(redis.url(), app)
                .budget(n, w)
                .when_unavailable(WhenRedisDown::Fail)
                .build()
                .unwrap(),
        ),
    }
    .build()
    .unwrap()
}

async fn bursts(redis: &RedisServer, out: &mut String) {
    let server = LimitedServer::start(u32::MAX, Duration::from_secs(1)).await;
    let w = Duration::from_secs(10);
    out.push_str("| 50 sends at once, idle budget of 166 per 10 s | first | median | last | last / unpaced last |\n| --- | --- | --- | --- | --- |\n");
    let mut rows: Vec<(&str, Vec<Vec<Duration>>)> = vec![
        ("no budget", vec![]),
        ("in-process pacer", vec![]),
        ("`RedisBudget`", vec![]),
    ];
    for round in 0..10 {
        // A fresh, idle budget each round; the three kinds in turn.
        for (k, row) in rows.iter_mut().enumerate() {
            let budget = match k {
                0 => Budget::None,
                1 => Budget::Pacer(166, w),
                _ => Budget::Redis(redis, format!("burst-{round}"), 166, w),
            };
            let c = client(&server, budget);
            c.send(message(0)).await.unwrap(); // warm the connections (one slot of 166)
            row.1.push(
                intercom_messages_test_support::burst::burst(50, |i| {
                    let c = c.clone();
                    async move {
                        c.send(message(i)).await.unwrap();
                    }
                })
                .await,
            );
        }
    }
    let unpaced_last = {
        let mut v: Vec<f64> = rows[0].1.iter().map(|r| r[49].as_secs_f64()).collect();
        median(&mut v)
    };
    for (name, runs) in &rows {
        let pick = |i: usize| {
            let mut v: Vec<f64> = runs.iter().map(|r| r[i].as_secs_f64()).collect();
            Duration::from_secs_f64(median(&mut v))
        };
        out.push_str(&format!(
            "| {name} | {} | {} | {} | {:.2}× |\n",
            ms(pick(0)),
            ms(pick(25)),
            ms(pick(49)),
            pick(49).as_secs_f64() / unpaced_last
        ));
    }
}

/// 64 callers for 5 s against a budget of 50 per second; `cancelling` of
/// them give up after 20 ms. Returns the share of the budget used (sends the
/// server created over what the window could fit) and the 429s.
async fn steady(
    redis: &RedisServer,
    server_limit: u32,
    shared: bool,
    cancelling: usize,
) -> (f64, usize) {
    let window = Duration::from_secs(1);
    let server = LimitedServer::start(server_limit, window).await;
    let budget = if shared {
        Budget::Redis(redis, format!("steady-{cancelling}"), 50, window)
    } else {
        Budget::Pacer(50, window)
    };
    let c = client(&server, budget);
    let run_for = Duration::from_secs(5);
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..64)
        .map(|k| {
            let c = c.clone();
            let gives_up = k * 100 < cancelling * 64;
            tokio::spawn(async move {
                let mut i = k * 1_000_000;
                while t0.elapsed() < run_for {
                    i += 1;
                    if gives_up {
                        let _ = tokio::time::timeout(Duration::from_millis(20), c.send(message(i)))
                            .await;
                    } else {
                        let _ = c.send(message(i)).await;
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    // Over the first four of the pacer's windows (1.02 s each), whole ones:
    // requests the server saw per configured window, over the budget.
    let arrivals = server.arrivals();
    let whole = window.mul_f64(4.0 * 1.02);
    let first = arrivals[0];
    let inside = arrivals.iter().filter(|t| **t < first + whole).count() as f64;
    let windows = whole.as_secs_f64() / window.as_secs_f64();
    (inside / (50.0 * windows), server.rate_limited())
}

async fn use_under_cancellation(redis: &RedisServer, out: &mut String) {
    out.push_str("| budget (50 per 1 s, 64 callers, 5 s) | callers giving up after 20 ms | use of the budget | 429s |\n| --- | --- | --- | --- |\n");
    for shared in [false, true] {
        for cancelling in [0, 10, 50] {
            let (used, r429) = steady(redis, 55, shared, cancelling).await;
            let name = if shared {
                "`RedisBudget`"
            } else {
                "in-process pacer"
            };
            out.push_str(&format!(
                "| {name} | {cancelling} % | {:.1} % | {r429} |\n",
                used * 100.0
            ));
        }
    }
}

async fn restart_cost(redis: &RedisServer, out: &mut String) {
    let window = Duration::from_secs(1);
    let server = LimitedServer::start(u32::MAX, window).await;
    let c = client(&server, Budget::Redis(redis, "restart".into(), 50, window));
    let t0 = Instant::now();
    let flush_at = Duration::from_millis(2_500);
    let tasks: Vec<_> = (0..16)
        .map(|k| {
            let c = c.clone();
            tokio::spawn(async move {
                let mut i = k * 1_000_000;
                while t0.elapsed() < Duration::from_secs(5) {
                    i += 1;
                    let _ = c.send(message(i)).await;
                }
            })
        })
        .collect();
    tokio::time::sleep_until((t0 + flush_at).into()).await;
    // As a restart without persistence would: every key gone.
    assert!(redis.command(&["FLUSHALL"]).starts_with("+OK"));
    for t in tasks {
        t.await.unwrap();
    }
    let arrivals = server.arrivals();
    let most = |from: Instant, to: Instant| {
        let v: Vec<&Instant> = arrivals
            .iter()
            .filter(|t| **t >= from && **t < to)
            .collect();
        (0..v.len())
            .map(|i| v[i..].iter().take_while(|t| ***t < *v[i] + window).count())
            .max()
            .unwrap_or(0)
    };
    let before = most(t0, t0 + flush_at);
    let after = most(t0 + flush_at, t0 + Duration::from_secs(6));
    out.push_str(&format!(
        "| budget 50 per 1 s, 16 callers, keys lost at 2.5 s | most in any 1 s before | most in any 1 s after | bound (2 × budget) |\n| --- | --- | --- | --- |\n| `RedisBudget` | {before} | {after} | 100 |\n"
    ));
}

async fn added_time(redis: &RedisServer, out: &mut String) {
    let server = LimitedServer::start(u32::MAX, Duration::from_secs(1)).await;
    let none = client(&server, Budget::None);
    let shared = client(
        &server,
        Budget::Redis(redis, "added".into(), u32::MAX, Duration::from_secs(1)),
    );
    for i in 0..200 {
        none.send(message(i)).await.unwrap();
        shared.send(message(i)).await.unwrap();
    }
    let (rounds, batch) = (40, 100);
    let (mut with, mut without, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let time = |c: Client| async move {
            let t = Instant::now();
            for i in 0..batch {
                c.send(message(i)).await.unwrap();
            }
            t.elapsed().as_secs_f64() * 1e6 / batch as f64
        };
        let (r, n) = if round % 2 == 0 {
            let r = time(shared.clone()).await;
            (r, time(none.clone()).await)
        } else {
            let n = time(none.clone()).await;
            (time(shared.clone()).await, n)
        };
        with.push(r);
        without.push(n);
        ratios.push(r / n);
    }
    let (r, n, q) = (median(&mut with), median(&mut without), median(&mut ratios));
    out.push_str(&format!(
        "| send over loopback | median per send (40 paired rounds of {batch}) |\n| --- | --- |\n| no budget | {n:.1} µs |\n| `RedisBudget` | {r:.1} µs |\n| ratio (median of round ratios) | {q:.2}× (+{:.1} µs) |\n",
        r - n
    ));
}

async fn connections(redis: &RedisServer, out: &mut String) {
    let shared = RedisBudgets::new(redis.url()).unwrap();
    let budgets: Vec<Arc<RedisBudget>> = (0..1000)
        .map(|i| Arc::new(shared.budget(format!("conn-{i}")).build().unwrap()))
        .collect();
    for b in &budgets {
        b.acquire().await.unwrap();
    }
    let list = redis.command(&["CLIENT", "LIST"]);
    // This query's own connection and the bench's other clients are listed too.
    let n = list.lines().filter(|l| l.contains("id=")).count();
    out.push_str(&format!(
        "| 1,000 app budgets from one `RedisBudgets` | Redis connections (`CLIENT LIST`, all of this bench's) |\n| --- | --- |\n| after one send each | {n} |\n"
    ));
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
        out.push_str("### Bursts on an idle budget\n\n");
        bursts(&redis, &mut out).await;
        out.push_str("\n### Use of the budget when callers cancel\n\n");
        use_under_cancellation(&redis, &mut out).await;
        out.push_str("\n### A Redis that loses its keys\n\n");
        restart_cost(&redis, &mut out).await;
        out.push_str("\n### Time a `RedisBudget` adds to a send\n\n");
        added_time(&redis, &mut out).await;
        out.push_str("\n### Connections for many apps\n\n");
        connections(&redis, &mut out).await;
    });
    println!("{out}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../target/criterion");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("real-callers-summary.md"), &out);
}
