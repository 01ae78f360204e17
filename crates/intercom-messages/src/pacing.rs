//! Optional pacing: keeps a client (and all its clones) under a budget of
//! requests per 10-second window, Intercom's enforcement window, by spacing
//! requests evenly; and follows what Intercom reports: with `r` requests
//! remaining until the reset, slots are spread to at most `r` before it, and
//! with none remaining it holds back until the reset.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::send_error::RateLimit;

/// Intercom enforces its per-minute budgets in windows of this length.
pub const WINDOW: Duration = Duration::from_secs(10);

/// A budget of requests per 10-second window, shared by all clones of a client.
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The earliest instant the next request may start.
    next: Option<Instant>,
    /// Intercom said the budget is spent until then.
    blocked_until: Option<Instant>,
    /// A wider spacing Intercom's headers call for, until the reset.
    server_pace: Option<(Duration, Instant)>,
}

impl Pacer {
    /// A pacer for `per_window` requests per `window` (at least 1). Slots are
    /// spaced 2% wider than `window / per_window`, so that network jitter
    /// cannot push one request too many into one of the server's windows.
    pub(crate) fn new(per_window: u32, window: Duration) -> Self {
        Self {
            interval: (window / per_window.max(1)).mul_f64(1.02),
            state: Mutex::new(State {
                next: None,
                blocked_until: None,
                server_pace: None,
            }),
        }
    }

    /// Waits for this request's slot. Slots are `interval` apart, so any
    /// 10-second window holds at most the budget.
    pub(crate) async fn acquire(&self) {
        let at = {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let mut at = s.next.map_or(now, |n| n.max(now));
            if let Some(b) = s.blocked_until {
                if b > at {
                    at = b;
                } else if b <= now {
                    s.blocked_until = None;
                }
            }
            let mut interval = self.interval;
            match s.server_pace {
                Some((_, until)) if until <= now => s.server_pace = None,
                Some((wider, _)) => interval = interval.max(wider),
                None => {}
            }
            s.next = Some(at + interval);
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// Adapts to what a response said.
    pub(crate) fn observe(&self, rl: &RateLimit) {
        let Some(remaining) = rl.remaining else {
            return;
        };
        let until_reset = rl
            .reset
            .and_then(|t| t.duration_since(SystemTime::now()).ok())
            .map(|d| d.min(WINDOW * 6));
        let now = Instant::now();
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if remaining == 0 {
            let until = now + until_reset.unwrap_or(self.interval);
            s.blocked_until = Some(s.blocked_until.map_or(until, |b| b.max(until)));
        } else if let Some(d) = until_reset {
            // Spread what is left over the time left; never tighter than the budget.
            let wider = (d / u32::try_from(remaining).unwrap_or(u32::MAX)).mul_f64(1.02);
            if wider > self.interval {
                s.server_pace = Some((wider, now + d));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slots_are_evenly_spaced() {
        let p = Pacer::new(5, WINDOW);
        let start = Instant::now();
        for _ in 0..6 {
            p.acquire().await;
        }
        // 6 slots 2.04 s apart: the sixth opens the next window.
        assert_eq!(Instant::now() - start, Duration::from_millis(10_200));
    }

    #[tokio::test(start_paused = true)]
    async fn an_empty_budget_holds_until_reset() {
        let p = Pacer::new(100, WINDOW);
        let start = Instant::now();
        p.acquire().await;
        p.observe(&RateLimit {
            limit: Some(100),
            remaining: Some(0),
            reset: Some(SystemTime::now() + Duration::from_secs(3)),
        });
        p.acquire().await;
        let waited = Instant::now() - start;
        assert!(
            waited >= Duration::from_secs(2) && waited <= Duration::from_secs(3),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn few_remaining_spreads_them_until_reset() {
        let p = Pacer::new(1000, WINDOW); // 10.2 ms apart on its own
        p.acquire().await;
        p.observe(&RateLimit {
            limit: Some(1000),
            remaining: Some(4),
            reset: Some(SystemTime::now() + Duration::from_secs(8)),
        });
        let start = Instant::now();
        for _ in 0..4 {
            p.acquire().await;
        }
        // Slots about 2 s apart (8 s / 4, plus 2%), not 10 ms.
        let waited = Instant::now() - start;
        assert!(waited >= Duration::from_secs(5), "{waited:?}");
        // Many remaining: the budget's own spacing stands.
        let q = Pacer::new(1000, WINDOW);
        q.observe(&RateLimit {
            limit: Some(1000),
            remaining: Some(900),
            reset: Some(SystemTime::now() + Duration::from_secs(8)),
        });
        let start = Instant::now();
        for _ in 0..5 {
            q.acquire().await;
        }
        assert!(Instant::now() - start < Duration::from_millis(100));
    }
}
