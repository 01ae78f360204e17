//! Optional pacing: keeps a client (and all its clones) under a budget of
//! requests per 10-second window, Intercom's enforcement window, by spacing
//! requests evenly; and follows what Intercom reports: with `r` requests
//! remaining until the reset, slots are spread to at most `r` before it, and
//! with none remaining it holds back until the reset.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::lock::lock;
use crate::send::budget::{BudgetError, BudgetFuture, RateBudget};
use crate::send::config::ConfigError;
use crate::send::rate_limit::{MAX_HOLD, RateLimit};

/// The longest pacing window accepted.
const MAX_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// How much wider than `window / requests` slots are spaced, so that network
/// jitter cannot push one request too many into one of the server's windows.
pub(crate) const SPACING_MARGIN: f64 = 1.02;

/// Intercom enforces its per-minute budgets in windows of this length.
pub const RATE_LIMIT_WINDOW: Duration = Duration::from_secs(10);

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
    /// A pacer for `per_window` requests per `window`. Slots are spaced 2%
    /// wider than `window / per_window`, so that network jitter cannot push
    /// one request too many into one of the server's windows. At least one
    /// request, and a window from 1 ms to a day.
    pub(crate) fn new(per_window: u32, window: Duration) -> Result<Self, ConfigError> {
        if per_window == 0 || window < Duration::from_millis(1) || window > MAX_WINDOW {
            return Err(ConfigError::BadPacing {
                requests: per_window,
                window,
            });
        }
        Ok(Self {
            interval: (window / per_window).mul_f64(SPACING_MARGIN),
            state: Mutex::new(State {
                next: None,
                blocked_until: None,
                server_pace: None,
            }),
        })
    }

    /// The spacing of slots.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }

    /// Waits for this request's slot. Slots are `interval` apart, so any
    /// 10-second window holds at most the budget. A slot granted before
    /// Intercom reported the budget spent is not used: after waking, a block
    /// that began since is waited out, and a new slot is taken after it.
    pub(crate) async fn acquire(&self) {
        loop {
            let at = self.reserve();
            if at <= Instant::now() {
                // An open slot: no timer (tokio's would wait for its next
                // tick, about a millisecond, even for a deadline now).
                return;
            }
            tokio::time::sleep_until(at).await;
            let s = lock(&self.state);
            match s.blocked_until {
                Some(b) if b > Instant::now() => continue,
                _ => return,
            }
        }
    }

    /// Takes the next slot and returns when it opens.
    fn reserve(&self) -> Instant {
        let mut s = lock(&self.state);
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
    }

    /// Adapts to what a response said.
    pub(crate) fn observe(&self, rl: &RateLimit) {
        let Some(remaining) = rl.remaining else {
            return;
        };
        let until_reset = rl
            .reset
            .and_then(|t| t.duration_since(SystemTime::now()).ok())
            .map(|d| d.min(MAX_HOLD));
        let now = Instant::now();
        let mut s = lock(&self.state);
        if remaining == 0 {
            let until = now + until_reset.unwrap_or(self.interval);
            s.blocked_until = Some(s.blocked_until.map_or(until, |b| b.max(until)));
        } else if let Some(d) = until_reset {
            // Spread what is left over the time left; never tighter than the budget.
            let wider = (d / u32::try_from(remaining).unwrap_or(u32::MAX)).mul_f64(SPACING_MARGIN);
            if wider > self.interval {
                s.server_pace = Some((wider, now + d));
            }
        }
    }
}

impl RateBudget for Pacer {
    fn acquire(&self) -> BudgetFuture<'_, Result<(), BudgetError>> {
        Box::pin(async {
            Pacer::acquire(self).await;
            Ok(())
        })
    }

    fn observe(&self, limits: RateLimit) -> BudgetFuture<'_, ()> {
        Pacer::observe(self, &limits);
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slots_are_evenly_spaced() {
        let p = Pacer::new(5, RATE_LIMIT_WINDOW).unwrap();
        let start = Instant::now();
        for _ in 0..6 {
            p.acquire().await;
        }
        // 6 slots 2.04 s apart: the sixth opens the next window.
        assert_eq!(Instant::now() - start, Duration::from_millis(10_200));
    }

    #[tokio::test(start_paused = true)]
    async fn an_empty_budget_holds_until_reset() {
        let p = Pacer::new(100, RATE_LIMIT_WINDOW).unwrap();
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
        let p = Pacer::new(1000, RATE_LIMIT_WINDOW).unwrap(); // 10.2 ms apart on its own
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
        let q = Pacer::new(1000, RATE_LIMIT_WINDOW).unwrap();
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

    #[tokio::test(start_paused = true)]
    async fn slots_granted_before_an_empty_budget_wait_for_the_reset() {
        let p = std::sync::Arc::new(Pacer::new(10, RATE_LIMIT_WINDOW).unwrap()); // 1.02 s apart
        let start = Instant::now();
        p.acquire().await;
        // Two sends already hold slots at 1.02 s and 2.04 s...
        let waiting: Vec<_> = (0..2)
            .map(|_| {
                let p = p.clone();
                tokio::spawn(async move {
                    p.acquire().await;
                    Instant::now()
                })
            })
            .collect();
        tokio::task::yield_now().await;
        // ...when Intercom reports the budget spent for 5 s.
        p.observe(&RateLimit {
            limit: Some(10),
            remaining: Some(0),
            reset: Some(SystemTime::now() + Duration::from_secs(5)),
        });
        for w in waiting {
            let went = w.await.unwrap() - start;
            assert!(went >= Duration::from_secs(4), "{went:?}");
        }
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
}
