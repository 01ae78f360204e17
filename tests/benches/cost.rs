//! What a send costs against raw reqwest posting the same bytes
//! (`cargo bench -p intercom-messages-tests --bench cost`), for
//! BENCHMARKS.md, "Cost of a send":
//!
//! 1. throughput at concurrency 1, 16, 64 and 256 (admin in-app messages);
//! 2. admin email bodies of 100 B, 10 KB, 100 KB and 1 MB, against raw
//!    reqwest with pre-encoded bytes and against a hand-written serde struct
//!    encoding the same JSON, then posted by raw reqwest; and 1 MB of HTML
//!    whose quotes JSON escapes;
//! 3. the size of `client.send(..)`'s future;
//! 4. heap allocations and minor page faults per send at 1 MB (a counting
//!    global allocator, `getrusage`);
//! 5. burst completion (first, median, last of 50 sends started at once) on
//!    an idle budget of 166 per 10 s, and with no budget.
//!
//! Each figure is a ratio ours/baseline from paired rounds alternating in one
//! process (the order flips every round), with its median and min–max over
//! the rounds. `COST_ROUNDS` sets the rounds (default 21). The loopback
//! server runs in the same process for both sides. Prints Markdown, also
//! written to `target/criterion/cost-summary.md`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use intercom_messages::{Client, Contact, Message, RetryPolicy, USER_AGENT_VALUE};
use intercom_messages_tests::server::{self, Action};
use serde::Serialize;

/// Counts every allocation of the process.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn minor_faults() -> u64 {
    // SAFETY: getrusage writes into the struct it is given.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage.ru_minflt as u64
    }
}

const CREATED: &str = r#"{"type":"admin_message","id":"1","created_at":1700000000,"body":"x","message_type":"inapp"}"#;
const TOKEN: &str = "tok_cost_bench_0123456789";

/// The hand-written baseline: the same JSON the generated types write for an
/// admin email at 2.14.
#[derive(Serialize)]
struct Party<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    user_id: &'a str,
}

#[derive(Serialize)]
struct Admin<'a> {
    id: u64,
    #[serde(rename = "type")]
    kind: &'a str,
}

#[derive(Serialize)]
struct Email<'a> {
    body: &'a str,
    from: Admin<'a>,
    message_type: &'a str,
    subject: &'a str,
    template: &'a str,
    to: Party<'a>,
}

fn in_app(i: usize) -> Message {
    Message::from_admin(394051)
        .to(Contact::user_id("70"))
        .in_app(format!("Hello {i}"))
        .into()
}

fn email(body: &str) -> Message {
    Message::from_admin(394051)
        .to(Contact::user_id("70"))
        .email("Your order", body)
        .into()
}

fn hand_written(body: &str) -> Vec<u8> {
    serde_json::to_vec(&Email {
        body,
        from: Admin {
            id: 394051,
            kind: "admin",
        },
        message_type: "email",
        subject: "Your order",
        template: "plain",
        to: Party {
            kind: "user",
            user_id: "70",
        },
    })
    .unwrap()
}

struct Raw {
    http: reqwest::Client,
    url: String,
}

impl Raw {
    async fn post(&self, body: bytes::Bytes) {
        let r = self
            .http
            .post(&self.url)
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("intercom-version", "2.14")
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .header("user-agent", USER_AGENT_VALUE)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap();
    }
}

/// Runs `n` jobs with at most `concurrency` in flight; the elapsed time.
async fn run<F, Fut>(n: usize, concurrency: usize, job: F) -> Duration
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let job = Arc::new(job);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t0 = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (job, next) = (job.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        return;
                    }
                    job(i).await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    t0.elapsed()
}

/// Paired rounds, the order flipping each round: the ratios a/b.
async fn paired<A, AF, B, BF>(rounds: usize, mut a: A, mut b: B) -> Vec<f64>
where
    A: FnMut() -> AF,
    AF: Future<Output = Duration>,
    B: FnMut() -> BF,
    BF: Future<Output = Duration>,
{
    let mut ratios = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let (ta, tb) = if round % 2 == 0 {
            let ta = a().await;
            (ta, b().await)
        } else {
            let tb = b().await;
            (a().await, tb)
        };
        ratios.push(ta.as_secs_f64() / tb.as_secs_f64());
    }
    ratios
}

fn spread(mut v: Vec<f64>) -> String {
    v.sort_by(|x, y| x.total_cmp(y));
    format!("{:.2}× ({:.2}–{:.2})", v[v.len() / 2], v[0], v[v.len() - 1])
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds: usize = std::env::var("COST_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(21);
    let addr = server::start(Arc::new(|_: &[u8]| Action::respond(200, CREATED))).await;
    let url = format!("http://{addr}");
    let client = Client::builder(TOKEN)
        .base_url(&url)
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let raw = Arc::new(Raw {
        http: intercom_messages::api::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap(),
        url: format!("{url}/messages"),
    });
    let mut out = String::new();
    out.push_str(&format!(
        "Paired alternating rounds in one process, {rounds} per figure; ratio ours/baseline, median (min–max).\n\n"
    ));
    // 1. Concurrency.
    out.push_str(&concurrency_table(rounds, &client, &raw).await);
    // 2. Body sizes, and 4. allocations and page faults per send.
    out.push_str(&body_size_tables(rounds, &client, &raw).await);
    // 3. The future's size.
    let future = client.send(in_app(0));
    out.push_str(&format!(
        "\n`client.send(message)` is a {}-byte future.\n",
        std::mem::size_of_val(&future)
    ));
    drop(future);
    // 5. Bursts on an idle paced budget.
    out.push_str(&burst_table(&url).await);

    println!("{out}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("cost-summary.md"), &out);
}

/// Ours against raw reqwest at each concurrency.
async fn concurrency_table(rounds: usize, client: &Client, raw: &Arc<Raw>) -> String {
    let mut out = String::from(
        "| concurrency | sends per round | ours / raw reqwest |\n| --- | --- | --- |\n",
    );
    for concurrency in [1usize, 16, 64, 256] {
        let n = if concurrency == 1 { 1_000 } else { 4_000 };
        let bodies: Arc<Vec<bytes::Bytes>> = Arc::new(
            (0..n)
                .map(|i| {
                    let r = in_app(i)
                        .to_request(intercom_messages::Version::V2_14)
                        .unwrap();
                    bytes::Bytes::from(serde_json::to_vec(&r).unwrap())
                })
                .collect(),
        );
        let ratios = paired(
            rounds,
            || {
                let c = client.clone();
                run(n, concurrency, move |i| {
                    let c = c.clone();
                    async move {
                        c.send(in_app(i)).await.unwrap();
                    }
                })
            },
            || {
                let (raw, bodies) = (raw.clone(), bodies.clone());
                run(n, concurrency, move |i| {
                    let (raw, body) = (raw.clone(), bodies[i].clone());
                    async move { raw.post(body).await }
                })
            },
        )
        .await;
        out.push_str(&format!("| {concurrency} | {n} | {} |\n", spread(ratios)));
    }

    out
}

/// Ours against raw reqwest (pre-encoded) and against hand-written serde at
/// each body size, then the allocations and page faults of a send at 1 MB.
async fn body_size_tables(rounds: usize, client: &Client, raw: &Arc<Raw>) -> String {
    let mut out = String::from(
        "\n| body | ours / raw reqwest (pre-encoded) | ours / hand-written serde + raw reqwest |\n| --- | --- | --- |\n",
    );
    let mut per_send = String::new();
    for (label, size, html) in [
        ("100 B", 100usize, false),
        ("10 KB", 10_000, false),
        ("100 KB", 100_000, false),
        ("1 MB", 1_000_000, false),
        ("1 MB of HTML (quotes JSON escapes)", 1_000_000, true),
    ] {
        let text = body_text(size, html);
        let encoded = bytes::Bytes::from(
            serde_json::to_vec(
                &email(&text)
                    .to_request(intercom_messages::Version::V2_14)
                    .unwrap(),
            )
            .unwrap(),
        );
        assert_eq!(
            encoded,
            hand_written(&text),
            "the baseline writes other JSON"
        );
        let (pre, serde) = body_size_ratios(rounds, client, raw, &text, &encoded).await;
        out.push_str(&format!(
            "| {label} | {} | {} |\n",
            spread(pre),
            spread(serde)
        ));
        if size == 1_000_000 && !html {
            per_send = per_send_at_1_mb(client, raw, &text, &encoded).await;
        }
    }
    out.push_str(&per_send);
    out
}

/// A body of `size` bytes: plain, or HTML whose quotes JSON escapes.
fn body_text(size: usize, html: bool) -> Arc<str> {
    if html {
        let tag = r#"<p class="x">Hello</p>"#;
        tag.repeat(size / tag.len()).into()
    } else {
        "x".repeat(size).into()
    }
}

/// The ratios of ours to raw reqwest (pre-encoded), and to hand-written
/// serde and raw reqwest, for one body.
async fn body_size_ratios(
    rounds: usize,
    client: &Client,
    raw: &Arc<Raw>,
    text: &Arc<str>,
    encoded: &bytes::Bytes,
) -> (Vec<f64>, Vec<f64>) {
    let n = (2_000_000 / text.len().max(1)).clamp(20, 400);
    let ours = |client: Client, text: Arc<str>| {
        run(n, 1, move |_| {
            let (c, text) = (client.clone(), text.clone());
            async move {
                c.send(email(&text)).await.unwrap();
            }
        })
    };
    let pre = paired(
        rounds,
        || ours(client.clone(), text.clone()),
        || {
            let (raw, body) = (raw.clone(), encoded.clone());
            run(n, 1, move |_| {
                let (raw, body) = (raw.clone(), body.clone());
                async move { raw.post(body).await }
            })
        },
    )
    .await;
    let serde = paired(
        rounds,
        || ours(client.clone(), text.clone()),
        || {
            let (raw, text) = (raw.clone(), text.clone());
            run(n, 1, move |_| {
                let (raw, text) = (raw.clone(), text.clone());
                async move { raw.post(hand_written(&text).into()).await }
            })
        },
    )
    .await;
    (pre, serde)
}

/// Heap allocations and minor page faults per send of a 1 MB body: ours,
/// then raw reqwest with the body pre-encoded.
async fn per_send_at_1_mb(
    client: &Client,
    raw: &Arc<Raw>,
    text: &Arc<str>,
    encoded: &bytes::Bytes,
) -> String {
    let count = 50u64;
    let (a0, f0) = (ALLOCATIONS.load(Ordering::Relaxed), minor_faults());
    for _ in 0..count {
        client.send(email(text)).await.unwrap();
    }
    let (a1, f1) = (ALLOCATIONS.load(Ordering::Relaxed), minor_faults());
    for _ in 0..count {
        raw.post(encoded.clone()).await;
    }
    let (a2, f2) = (ALLOCATIONS.load(Ordering::Relaxed), minor_faults());
    format!(
        "\n| per send at 1 MB | ours | raw reqwest (pre-encoded) |\n| --- | --- | --- |\n\
         | heap allocations | {:.1} | {:.1} |\n| minor page faults | {:.1} | {:.1} |\n",
        (a1 - a0) as f64 / count as f64,
        (a2 - a1) as f64 / count as f64,
        (f1 - f0) as f64 / count as f64,
        (f2 - f1) as f64 / count as f64,
    )
}

/// When the first, median and last of 50 sends at once end, with no budget
/// and with an idle paced one.
async fn burst_table(url: &str) -> String {
    let mut out =
        String::from("\n| 50 sends at once | first | median | last |\n| --- | --- | --- | --- |\n");
    for (label, paced) in [("no budget", false), ("pacing(166), idle", true)] {
        let mut b = Client::builder(TOKEN)
            .base_url(url)
            .retry(RetryPolicy::never());
        if paced {
            b = b.pacing(166);
        }
        let c = b.build().unwrap();
        let done = intercom_messages_test_support::burst::burst(50, |i| {
            let c = c.clone();
            async move {
                c.send(in_app(i)).await.unwrap();
            }
        })
        .await;
        out.push_str(&format!(
            "| {label} | {} | {} | {} |\n",
            ms(done[0]),
            ms(done[25]),
            ms(done[49])
        ));
    }

    out
}
