//! Optional pacing: keeps a client (and all its clones) under a budget of
//! requests per 10-second window, Intercom's enforcement window, by spacing
//! requests evenly; and holds back when Intercom says the budget is spent.

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
            s.next = Some(at + self.interval);
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// Adapts to what a response said: when nothing remains, wait for the reset.
    pub(crate) fn observe(&self, rl: &RateLimit) {
        if rl.remaining != Some(0) {
            return;
        }
        let wait = rl
            .reset
            .and_then(|t| t.duration_since(SystemTime::now()).ok())
            .unwrap_or(self.interval)
            .min(WINDOW * 6);
        let until = Instant::now() + wait;
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.blocked_until = Some(s.blocked_until.map_or(until, |b| b.max(until)));
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
}
