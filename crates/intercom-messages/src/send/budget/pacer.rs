//! Optional pacing: keeps a client (and all its clones) under a budget of
//! requests per 10-second window, Intercom's enforcement window, and follows
//! what Intercom reports.
//!
//! # The algorithm: a sliding window, no reservation
//!
//! The pacer counts what the server can see. A request holds its slot from
//! its start until one window after the moment it could last have reached
//! the server: its answer's head, its failure, or the send being dropped
//! (the client tells the budget, [`crate::RateBudget::finished`]). A request
//! may start when fewer than `requests` hold a slot: those in flight, and
//! those that ended in the last `window` (2 % wider, for the clocks' and the
//! network's jitter). Each request reaches the server between its start and
//! its end, so two requests on one slot arrive more than a window apart,
//! however long the requests took: any window of that length, wherever it
//! begins, holds at most the budget's arrivals, and a server counting per
//! fixed window of unknown phase never sees more than the budget in one. A
//! burst within the budget goes at once; only what exceeds it waits, for the
//! oldest ended request to leave the window. In steady state the pacer uses
//! `window / (1.02 × window + latency)` of the budget: 98 % with answers in
//! a few milliseconds, 96 % with 200 ms answers on Intercom's 10 s window.
//!
//! Intercom's headers narrow it further, never widen it:
//! - `X-RateLimit-Remaining: 0` holds every request back until
//!   `X-RateLimit-Reset` (at most a minute ahead).
//! - `X-RateLimit-Remaining: r` with a reset lets at most `r` more requests
//!   start before the reset. They go at once if the window allows, and the
//!   rest wait for the reset. At the reset the server's word ends and the
//!   window alone decides.
//!
//! Before anything is known (a fresh pacer), the configured budget alone
//! decides: a burst of up to `requests` goes at once. Set the budget to what
//! Intercom allows per 10 seconds (a 1,000-per-minute app: 166).
//!
//! # A send's deadline
//!
//! A send with a deadline asks for a slot by then
//! ([`crate::RateBudget::acquire_by`]): the head of the queue that finds its
//! slot, or the end of a block Intercom reported, after the deadline fails
//! at once, and the next waiter checks for itself. A waiter still queued
//! behind others when the deadline passes is dropped by the send's deadline,
//! which costs nothing (below).
//!
//! # Why a cancelled send costs nothing
//!
//! No slot is ever reserved ahead. A request's start is recorded only at the
//! moment it may start, right before it is sent, in the same critical section
//! that checked it. Waiters queue on a fair (FIFO) async lock: only the head
//! of the queue sleeps, for the moment the window next opens, and then checks
//! again from scratch (a block reported meanwhile is seen). A send dropped
//! while queued leaves the queue; a send dropped while it sleeps at the head
//! releases the lock to the next waiter. Neither leaves anything behind.
//!
//! What a request costs in flight: the server's `Remaining` counts the
//! requests it has seen. Requests still in flight when an answer arrives are
//! not in it, so with several in flight the pacer can start up to that many
//! more than the server had left before the reset; the server answers those
//! with a 429, which creates nothing and is retried.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::lock::lock;
use crate::send::budget::{BudgetError, BudgetFuture, RateBudget};
use crate::send::config::ConfigError;
use crate::send::rate_limit::{MAX_HOLD, RateLimit};

/// The longest pacing window accepted.
const MAX_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// How much wider than the configured window the pacer's window is, so that
/// network jitter cannot push one request too many into one of the server's
/// windows.
const SPACING_MARGIN: f64 = 1.02;

/// Intercom enforces its per-minute budgets in windows of this length.
pub const RATE_LIMIT_WINDOW: Duration = Duration::from_secs(10);

/// Answers that arrive this close to one another's reset describe the same
/// server window (Intercom's reset is in whole seconds).
const SAME_RESET: Duration = Duration::from_secs(1);

/// Whether a request's end is reported ([`Pacer::finished`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// It holds its slot until it ends.
    Tracked,
    /// Nobody reports it: it counts as ended at its start.
    Untracked,
}
use End::{Tracked, Untracked};

/// The in-process budget of requests per window that
/// [`ClientBuilder::pacing`](crate::ClientBuilder::pacing) installs, shared by
/// all clones of a client; a [`RateBudget`] of its own, so a shared budget can
/// pace one process with it (the `intercom-messages-redis` crate does, while
/// Redis is down).
///
/// ```
/// use std::time::Duration;
/// use intercom_messages::{Client, Pacer};
///
/// let pacer = Pacer::new(100, Duration::from_secs(1))?;
/// let client = Client::builder("token").rate_budget(pacer).build()?;
/// # Ok::<(), intercom_messages::ConfigError>(())
/// ```
#[derive(Debug)]
pub struct Pacer {
    limit: usize,
    span: Duration,
    state: Mutex<State>,
    /// Waiters queue here, first come first served; only the head sleeps.
    queue: tokio::sync::Mutex<()>,
    /// Wakes the head when a request ends while every slot is in flight.
    ended: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct State {
    /// When the requests that ended in the last `span` could last have
    /// reached the server, oldest first.
    ended: VecDeque<Instant>,
    /// Requests started and not yet ended: each holds its slot until it does.
    in_flight: usize,
    /// Intercom said the budget is spent until then.
    blocked_until: Option<Instant>,
    /// Intercom said this many requests remain until then.
    server: Option<Left>,
}

#[derive(Clone, Copy, Debug)]
struct Left {
    left: u64,
    until: Instant,
}

/// The sliding window of a budget of `per_window` requests per `window`:
/// the configured window, 2 % wider (see the module docs). At least one
/// request, and a window from 1 ms to a day
/// ([`ConfigError::BadPacing`] otherwise). Shared by the pacer and the
/// `intercom-messages-redis` crate's `RedisBudget`, so both count over the
/// same window.
pub fn sliding_window(per_window: u32, window: Duration) -> Result<Duration, ConfigError> {
    if per_window == 0 || window < Duration::from_millis(1) || window > MAX_WINDOW {
        return Err(ConfigError::BadPacing {
            requests: per_window,
            window,
        });
    }
    Ok(window.mul_f64(SPACING_MARGIN))
}

impl Pacer {
    /// A pacer for `per_window` requests per `window`, over the
    /// [`sliding_window`] of the two (which says what it refuses).
    pub fn new(per_window: u32, window: Duration) -> Result<Self, ConfigError> {
        Ok(Self {
            limit: usize::try_from(per_window).unwrap_or(usize::MAX),
            span: sliding_window(per_window, window)?,
            state: Mutex::new(State::default()),
            queue: tokio::sync::Mutex::new(()),
            ended: tokio::sync::Notify::new(),
        })
    }

    /// Waits until this request may start, and records its start, counted
    /// as ended at once: for a caller that reports no ends (the
    /// `intercom-messages-redis` crate pacing one process while Redis is
    /// down). Cancel-safe: see the module docs. Through [`RateBudget`] a
    /// request instead holds its slot until [`RateBudget::finished`]; its
    /// `acquire` never fails for a pacer.
    pub async fn acquire(&self) {
        // Without a deadline a slot always comes.
        let _ = self.acquire_by(None, Untracked).await;
    }

    /// Waits until this request may start, and records its start; fails at
    /// once when the head of the queue sees that its slot comes after
    /// `deadline`. A `Tracked` request holds its slot until
    /// [`Pacer::finished`]. Cancel-safe: see the module docs.
    pub(crate) async fn acquire_by(
        &self,
        deadline: Option<Instant>,
        end: End,
    ) -> Result<(), BudgetError> {
        let _turn = self.queue.lock().await;
        loop {
            let now = Instant::now();
            let at = match self.try_start(now, end) {
                Ok(()) => return Ok(()),
                Err(at) => at,
            };
            // With every slot in flight, the earliest is a window after now.
            if deadline.is_some_and(|d| at.unwrap_or(now + self.span) > d) {
                return Err(BudgetError::past_deadline());
            }
            match at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => self.ended.notified().await,
            }
        }
    }

    /// A tracked request ended: it could not reach the server after now, and
    /// its slot is free one window from now.
    pub(crate) fn finished(&self) {
        let mut s = lock(&self.state);
        if s.in_flight > 0 {
            s.in_flight -= 1;
            s.ended.push_back(Instant::now());
        }
        drop(s);
        self.ended.notify_one();
    }

    /// Starts a request now if the window and the server allow it; otherwise
    /// says when to check again (`None`: when a request in flight ends).
    fn try_start(&self, now: Instant, end: End) -> Result<(), Option<Instant>> {
        let mut s = lock(&self.state);
        match s.blocked_until {
            Some(b) if b > now => return Err(Some(b)),
            Some(_) => s.blocked_until = None,
            None => {}
        }
        match s.server {
            Some(l) if l.until <= now => s.server = None,
            Some(l) if l.left == 0 => return Err(Some(l.until)),
            _ => {}
        }
        while s.ended.front().is_some_and(|t| *t + self.span <= now) {
            s.ended.pop_front();
        }
        if s.ended.len() + s.in_flight >= self.limit {
            // Every slot is held: wait for the oldest ended request to leave
            // the window, or for one in flight to end.
            return Err(s.ended.front().map(|t| *t + self.span));
        }
        match end {
            Tracked => s.in_flight += 1,
            Untracked => s.ended.push_back(now),
        }
        if let Some(l) = s.server.as_mut() {
            l.left -= 1;
        }
        Ok(())
    }

    /// Adapts to what a response said (the same as [`RateBudget::observe`],
    /// without a future).
    pub fn observe(&self, rl: &RateLimit) {
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
            // A spent budget with no reset holds back for one even slot.
            let slot = self.span / u32::try_from(self.limit).unwrap_or(u32::MAX);
            let until = now + until_reset.unwrap_or(slot);
            s.blocked_until = Some(s.blocked_until.map_or(until, |b| b.max(until)));
        } else if let Some(d) = until_reset {
            let new = Left {
                left: remaining,
                until: now + d,
            };
            s.server = Some(match s.server {
                // Another answer about the same server window: the smaller
                // count is the later one.
                Some(old) if old.until.max(new.until) - old.until.min(new.until) <= SAME_RESET => {
                    Left {
                        left: old.left.min(new.left),
                        until: old.until.max(new.until),
                    }
                }
                // An answer about an older window, arriving late: ignored.
                Some(old) if old.until > new.until && old.until > now => old,
                _ => new,
            });
        }
    }
}

impl RateBudget for Pacer {
    fn acquire(&self) -> BudgetFuture<'_, Result<(), BudgetError>> {
        Box::pin(Pacer::acquire_by(self, None, Tracked))
    }

    fn acquire_by(
        &self,
        deadline: std::time::Instant,
    ) -> BudgetFuture<'_, Result<(), BudgetError>> {
        let deadline = Some(Instant::from_std(deadline));
        Box::pin(Pacer::acquire_by(self, deadline, Tracked))
    }

    fn finished(&self) {
        Pacer::finished(self);
    }

    fn observe(&self, limits: RateLimit) -> BudgetFuture<'_, ()> {
        Pacer::observe(self, &limits);
        Box::pin(std::future::ready(()))
    }
}
