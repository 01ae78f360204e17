//! The full soak: `cargo bench -p intercom-messages-tests --bench soak`.
//!
//! 10,000 messages at concurrency 64 from one shared client against a local
//! server injecting 429s, 500/503s, dropped connections and slow answers; every
//! message must be accounted for exactly once and none created twice. Then the
//! pacing run: a budget of N per window must achieve ≥ 95% of N with no 429.
//! Sizes can be changed with SOAK_MESSAGES, SOAK_CONCURRENCY, PACE_BUDGET,
//! PACE_WINDOW_MS, PACE_MESSAGES. Exits non-zero when a goal is missed.

use std::time::Duration;

use intercom_messages_tests::soak::{self, Faults};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // cargo bench passes --bench; nothing else to parse.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let messages = env("SOAK_MESSAGES", 10_000) as usize;
    let concurrency = env("SOAK_CONCURRENCY", 64) as usize;
    let faults = Faults::default();
    let report = rt.block_on(soak::run(messages, concurrency, faults));
    println!("soak: {messages} messages, concurrency {concurrency}, faults {faults:?}");
    println!(
        "  created {}, may have been delivered {}, not delivered {}, requests {}, duplicates {}, unaccounted {}, {:.2?}",
        report.created,
        report.maybe_delivered,
        report.not_delivered,
        report.requests,
        report.duplicates,
        report.unaccounted.len(),
        report.elapsed
    );
    let budget = env("PACE_BUDGET", 100) as u32;
    let window = Duration::from_millis(env("PACE_WINDOW_MS", 1_000));
    let paced = env("PACE_MESSAGES", 500) as usize;
    let (per_window, rejected) =
        rt.block_on(soak::run_paced(paced, 64, Some(budget), budget, window));
    let ratio = per_window / f64::from(budget);
    println!(
        "pacing: budget {budget} per {window:?}, {paced} messages: {per_window:.1} per window ({:.1}% of budget), {rejected} × 429",
        ratio * 100.0
    );
    let peak = soak::peak_rss_kib().map_or("unknown".into(), |k| {
        format!("{:.1} MiB", k as f64 / 1024.0)
    });
    println!("peak memory (VmHWM) of the whole run: {peak}");
    let mut failed = Vec::new();
    if !report.unaccounted.is_empty() {
        failed.push(format!(
            "unaccounted: {:?}",
            &report.unaccounted[..report.unaccounted.len().min(10)]
        ));
    }
    if report.duplicates != 0 {
        failed.push(format!("{} duplicates", report.duplicates));
    }
    if rejected != 0 {
        failed.push(format!("{rejected} × 429 with pacing on"));
    }
    if ratio < 0.95 {
        failed.push(format!(
            "pacing achieved {:.1}% of the budget (goal ≥ 95%)",
            ratio * 100.0
        ));
    }
    if !failed.is_empty() {
        eprintln!("soak goals missed: {}", failed.join("; "));
        std::process::exit(1);
    }
    println!("soak: all goals met");
}
