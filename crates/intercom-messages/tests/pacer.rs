//! The in-process pacer on a paused clock, through its public API: what its
//! window guarantees, counted. A request through [`RateBudget`] holds its
//! slot until [`RateBudget::finished`]; one through [`Pacer::acquire`]
//! counts as ended at its start.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use intercom_messages::reqwest::header::{HeaderMap, HeaderValue};
use intercom_messages::{Pacer, RATE_LIMIT_WINDOW, RateBudget, RateLimit, sliding_window};
use tokio::time::Instant;

/// A pacer of `n` per `window`, and its sliding window.
fn pacer(n: u32, window: Duration) -> (Arc<Pacer>, Duration) {
    let span = sliding_window(n, window).unwrap();
    (Arc::new(Pacer::new(n, window).unwrap()), span)
}

/// 10 per second: a window of 1.02 s, one even slot 102 ms.
fn ten_per_second() -> (Arc<Pacer>, Duration) {
    pacer(10, Duration::from_secs(1))
}

/// One even slot of ten per second's window.
fn interval(span: Duration) -> Duration {
    span / 10
}

/// What Intercom's headers say: `remaining` left until a reset about
/// `reset_in` away (in whole seconds, as Intercom sends it: up to a second
/// sooner).
fn spent_until(p: &Pacer, remaining: u64, reset_in: Duration) {
    let reset = (SystemTime::now() + reset_in)
        .duration_since(UNIX_EPOCH)
        .unwrap();
    let mut h = HeaderMap::new();
    h.insert("x-ratelimit-limit", HeaderValue::from_static("10"));
    h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(reset.as_secs()));
    p.observe(&RateLimit::read(&h, SystemTime::now()));
}

/// A slot held until [`RateBudget::finished`].
async fn tracked(p: &Pacer) {
    RateBudget::acquire(p).await.unwrap();
}

/// Starts `n` acquires at once and returns when each got its start, from `t0`.
async fn burst(p: &Arc<Pacer>, n: usize, t0: Instant) -> Vec<Duration> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let p = p.clone();
            tokio::spawn(async move {
                p.acquire().await;
                Instant::now() - t0
            })
        })
        .collect();
    let mut went = Vec::new();
    for t in tasks {
        went.push(t.await.unwrap());
    }
    went.sort();
    went
}

/// The most starts inside any span-long interval.
fn most_in_any_window(starts: &[Duration], span: Duration) -> usize {
    (0..starts.len())
        .map(|i| {
            starts[i..]
                .iter()
                .take_while(|t| **t < starts[i] + span)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(start_paused = true)]
async fn a_burst_within_the_budget_goes_at_once_and_the_rest_waits_for_the_window() {
    let (p, span) = ten_per_second();
    let t0 = Instant::now();
    let went = burst(&p, 25, t0).await;
    assert!(went[..10].iter().all(|t| t.is_zero()), "{went:?}");
    // The next ten go when the first ten leave the window, the last five a window later.
    assert!(went[10..20].iter().all(|t| *t == span), "{went:?}");
    assert!(went[20..].iter().all(|t| *t == span * 2), "{went:?}");
    assert!(most_in_any_window(&went, span) <= 10);
}

#[tokio::test(start_paused = true)]
async fn a_steady_sender_never_puts_more_than_the_budget_in_any_window() {
    let (p, span) = pacer(7, Duration::from_millis(500));
    let t0 = Instant::now();
    let mut starts = Vec::new();
    for i in 0..200u64 {
        // Uneven arrivals: bursts and pauses.
        if i % 13 == 0 {
            tokio::time::sleep(Duration::from_millis(i % 5 * 37)).await;
        }
        p.acquire().await;
        starts.push(Instant::now() - t0);
    }
    assert_eq!(most_in_any_window(&starts, span), 7);
    // And it uses the budget: 200 starts in about 200 / 7 windows.
    let windows = starts.last().unwrap().as_secs_f64() / span.as_secs_f64();
    assert!(200.0 / windows.ceil() >= 6.5, "{windows} windows for 200");
}

#[tokio::test(start_paused = true)]
async fn sends_cancelled_while_waiting_leave_nothing_behind() {
    let (p, span) = ten_per_second();
    let t0 = Instant::now();
    burst(&p, 10, t0).await; // the window is full until 1.02 s
    // 1,000 callers with a 250 ms timeout give up while they wait.
    let cancelled: Vec<_> = (0..1000)
        .map(|_| {
            let p = p.clone();
            tokio::spawn(async move {
                tokio::time::timeout(Duration::from_millis(250), p.acquire())
                    .await
                    .is_err()
            })
        })
        .collect();
    for c in cancelled {
        assert!(c.await.unwrap(), "a send got a slot in a full window");
    }
    // A fresh send goes when the first ten leave the window: not after 1,000 ghosts.
    p.acquire().await;
    let waited = Instant::now() - t0;
    assert!(waited <= span + interval(span), "{waited:?}");
    // And nine more go with it: the window is the ten real sends' alone.
    let more = burst(&p, 9, t0).await;
    assert!(more.iter().all(|t| *t <= span + interval(span)), "{more:?}");
}

#[tokio::test(start_paused = true)]
async fn a_send_cancelled_at_the_head_of_the_queue_hands_its_turn_on() {
    let (p, span) = ten_per_second();
    let t0 = Instant::now();
    burst(&p, 10, t0).await;
    let head = {
        let p = p.clone();
        tokio::spawn(async move { p.acquire().await })
    };
    tokio::task::yield_now().await;
    let next = {
        let p = p.clone();
        tokio::spawn(async move {
            p.acquire().await;
            Instant::now() - t0
        })
    };
    tokio::task::yield_now().await;
    head.abort();
    assert_eq!(next.await.unwrap(), span);
}

#[tokio::test(start_paused = true)]
async fn an_empty_budget_holds_until_reset() {
    let p = Pacer::new(100, RATE_LIMIT_WINDOW).unwrap();
    let start = Instant::now();
    p.acquire().await;
    spent_until(&p, 0, Duration::from_secs(3));
    p.acquire().await;
    let waited = Instant::now() - start;
    assert!(
        waited >= Duration::from_secs(2) && waited <= Duration::from_secs(3),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn what_remains_goes_at_once_and_the_server_pace_ends_at_the_reset() {
    let (p, span) = ten_per_second();
    let t0 = Instant::now();
    p.acquire().await;
    // Intercom: one request left, the reset 5 s away.
    spent_until(&p, 1, Duration::from_secs(5));
    let reset = Duration::from_secs(5);
    let went = burst(&p, 20, t0).await;
    // One goes at once, the rest after the reset (the clock's second
    // boundary may make the reset up to a second earlier).
    assert!(went[0].is_zero(), "{went:?}");
    let first_after = went[1];
    assert!(
        first_after >= reset - Duration::from_secs(1) && first_after <= reset,
        "{went:?}"
    );
    // Past the reset, the window alone: each send leaves at most one even
    // slot after its turn, ten per window.
    for (turn, at) in went[1..].iter().enumerate() {
        let window = u32::try_from(turn / 10).unwrap();
        let due = first_after + span * window;
        assert!(
            *at <= due + interval(span),
            "send {turn}: {at:?}, due {due:?}"
        );
    }
    assert!(
        *went.last().unwrap() < reset + Duration::from_secs(3),
        "{went:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn answers_about_one_server_window_keep_the_smaller_count() {
    let (p, _) = ten_per_second();
    spent_until(&p, 2, Duration::from_secs(5));
    spent_until(&p, 6, Duration::from_secs(5)); // an older answer, arriving late
    let t0 = Instant::now();
    let went = burst(&p, 3, t0).await;
    assert!(
        went[1].is_zero() && went[2] >= Duration::from_secs(4),
        "{went:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_waiter_sees_a_block_reported_while_it_slept() {
    let (p, _) = ten_per_second();
    let t0 = Instant::now();
    burst(&p, 10, t0).await;
    let waiting = {
        let p = p.clone();
        tokio::spawn(async move {
            p.acquire().await;
            Instant::now() - t0
        })
    };
    tokio::task::yield_now().await;
    // Intercom reports the budget spent for 5 s while it waits for 1.02 s.
    spent_until(&p, 0, Duration::from_secs(5));
    let went = waiting.await.unwrap();
    assert!(went >= Duration::from_secs(4), "{went:?}");
}

#[test]
fn impossible_budgets_are_refused() {
    for (n, window) in [
        (0, RATE_LIMIT_WINDOW),
        (1, Duration::MAX),
        (1, Duration::ZERO),
        (u32::MAX, Duration::from_secs(25 * 3600)),
    ] {
        assert!(Pacer::new(n, window).is_err(), "{n} per {window:?}");
    }
    assert!(Pacer::new(u32::MAX, Duration::from_millis(1)).is_ok());
}

/// The most arrivals in any window of `window` (wherever it begins: a
/// server's fixed windows of unknown phase are among them).
fn most_arrivals_in_any(arrivals: &mut [Duration], window: Duration) -> usize {
    arrivals.sort();
    most_in_any_window(arrivals, window)
}

/// A burst of 600 tracked requests on 100 per second, each reaching the
/// server up to 200 ms after its start and answered up to 50 ms later: the
/// server never sees more than 100 arrivals in any second. Counting each
/// request from its start instead (through `Pacer::acquire`) lets 166 arrive in one.
#[tokio::test(start_paused = true)]
async fn a_burst_spread_in_flight_never_puts_more_than_the_budget_in_any_window() {
    let (p, _) = pacer(100, Duration::from_secs(1));
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..600u64)
        .map(|i| {
            let p = p.clone();
            tokio::spawn(async move {
                tracked(&p).await;
                // Spread like a burst through a real network: the first
                // burst arrives late (150–200 ms), the rest 0–200 ms after
                // their start; then 0–50 ms for the answer's head.
                let to_arrive = if i < 100 { 150 + i % 50 } else { i * 37 % 200 };
                tokio::time::sleep(Duration::from_millis(to_arrive)).await;
                let arrived = Instant::now() - t0;
                tokio::time::sleep(Duration::from_millis(i * 11 % 50)).await;
                RateBudget::finished(&*p);
                arrived
            })
        })
        .collect();
    let mut arrivals = Vec::new();
    for t in tasks {
        arrivals.push(t.await.unwrap());
    }
    assert_eq!(
        most_arrivals_in_any(&mut arrivals, Duration::from_secs(1)),
        100
    );
}

/// A send dropped after its slot, before it ended, still ends: the budget
/// hears of it, and the slot is free a window later, not never.
#[tokio::test(start_paused = true)]
async fn slots_in_flight_hold_until_their_end_and_free_a_window_after() {
    let (p, span) = pacer(2, Duration::from_secs(1));
    let t0 = Instant::now();
    tracked(&p).await;
    tracked(&p).await;
    let third = {
        let p = p.clone();
        tokio::spawn(async move {
            tracked(&p).await;
            Instant::now() - t0
        })
    };
    // Both in flight for 5 s: the third waits for an end, not for the window.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(!third.is_finished());
    RateBudget::finished(&*p);
    assert_eq!(third.await.unwrap(), Duration::from_secs(5) + span);
    // With every slot in flight, a deadline closer than a window fails at once.
    let refused = RateBudget::acquire_by(&*p, (Instant::now() + span / 2).into_std()).await;
    assert!(refused.unwrap_err().is_past_deadline());
}
