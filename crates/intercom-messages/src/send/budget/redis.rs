//! [`RedisBudget`] (feature `redis`): one rate budget shared by every process
//! that sends with the same app's token, kept in Redis.
//!
//! # The algorithm
//!
//! Slots are spaced evenly, as the in-process pacer spaces them: the budget
//! of `requests` per `window` gives one slot every `window / requests`, 2 %
//! wider so that network jitter cannot push one request too many into one of
//! Intercom's windows. Redis holds, per app, the time the next slot opens (a
//! GCRA with no burst: the "theoretical arrival time") and the time Intercom
//! said the budget is spent until. Each step is one Lua script, so it is
//! atomic across processes, and every time is read from Redis's `TIME`, never
//! from a machine's clock:
//!
//! - **acquire**: `at = max(now, next, blocked_until)`; `next = at + interval`;
//!   the caller sleeps until `at`. After sleeping, a block reported since is
//!   checked, and a new slot is taken after it.
//! - **observe**: an answer with `X-RateLimit-Remaining: 0` sets
//!   `blocked_until` to its `X-RateLimit-Reset` (Intercom's epoch seconds, at
//!   most a minute ahead), so every process holds back until then.
//!
//! The keys are `intercom-messages:{app}:next` and `…:blocked`, with an expiry;
//! no token and no message is ever written to Redis.
//!
//! # When Redis is unavailable
//!
//! [`WhenRedisDown::Fail`] fails the send with
//! [`crate::SendError::BudgetUnavailable`] before anything is sent.
//! [`WhenRedisDown::FallBack`] paces this process alone at a fraction of the
//! budget (set it to about `1 / replicas`) until Redis answers again. Redis is
//! tried again at most once a second, each try bounded by a short timeout, so
//! a dead Redis does not stall every send.
//!
//! # A Redis that answers nonsense
//!
//! Whatever listens on the Redis port is not trusted to choose how long a
//! send sleeps. A slot's wait must be a whole number of microseconds from 0
//! to [`MAX_BLOCK`] (a minute) plus one budget window, and all the waits of
//! one slot together stay within that too. Any other answer (negative, larger,
//! not a number) counts as Redis being unavailable: [`WhenRedisDown::Fail`]
//! refuses the send, [`WhenRedisDown::FallBack`] paces this process alone, and
//! it is logged once. Only the kind of a Redis error and its text with the
//! password removed are logged.

use std::sync::Mutex;
use std::time::{Duration, UNIX_EPOCH};

use redis::aio::MultiplexedConnection;
use tokio::time::Instant;

use crate::lock::lock;
use crate::send::budget::pacer::{Pacer, RATE_LIMIT_WINDOW};
use crate::send::budget::{BudgetError, BudgetFuture, RateBudget};
use crate::send::config::ConfigError;
use crate::send::rate_limit::{MAX_HOLD, RateLimit};
use crate::text::{Secrets, clean, redact};

/// Takes the next slot: returns how long to wait for it, in microseconds.
const ACQUIRE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
local at = math.max(now, nxt, blocked)
local interval = tonumber(ARGV[1])
local ttl = math.floor((at + interval - now) / 1000) + 60000
redis.call('SET', KEYS[1], string.format('%.0f', at + interval), 'PX', ttl)
return at - now
";

/// How long the budget is still reported spent, in microseconds (0 if not).
const BLOCKED: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local blocked = tonumber(redis.call('GET', KEYS[1]) or '0')
return math.max(0, blocked - now)
";

/// Records that the budget is spent until ARGV[1] (epoch microseconds; 0 for
/// "unknown": one interval), at most ARGV[2] microseconds ahead.
const BLOCK: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untl = tonumber(ARGV[1])
if untl <= now then untl = now + tonumber(ARGV[3]) end
untl = math.min(untl, now + tonumber(ARGV[2]))
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
if untl > old then
  redis.call('SET', KEYS[1], string.format('%.0f', untl), 'PX', math.floor((untl - now) / 1000) + 1000)
end
return 0
";

/// The furthest ahead a reported reset holds every process back; with one
/// budget window more, also the longest a slot may wait in all.
const MAX_BLOCK: Duration = MAX_HOLD;

/// The default budget per 10-second window: a 1,000-per-minute app.
pub(crate) const DEFAULT_PER_WINDOW: u32 = 166;

/// The default share of the budget a process paces at alone while Redis is
/// down.
pub(crate) const DEFAULT_FALL_BACK: f64 = 0.25;

/// How long one Redis connection attempt or command may take.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// How often an unreachable Redis is tried again.
const RETRY_REDIS_EVERY: Duration = Duration::from_secs(1);

/// What a [`RedisBudget`] does when Redis cannot be reached.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum WhenRedisDown {
    /// Fail the send with [`crate::SendError::BudgetUnavailable`]; nothing is sent.
    Fail,
    /// Pace this process alone at `fraction` of the budget (0 < fraction ≤ 1;
    /// about `1 / replicas`) until Redis answers again.
    FallBack {
        /// The share of the budget this process uses on its own.
        fraction: f64,
    },
}

/// Builds a [`RedisBudget`]; see [`RedisBudget::builder`].
#[derive(Clone)]
#[must_use = "finish with .build()"]
pub struct RedisBudgetBuilder {
    url: String,
    app: String,
    requests: u32,
    window: Duration,
    unavailable: WhenRedisDown,
}

impl std::fmt::Debug for RedisBudgetBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBudgetBuilder")
            .field("url", &redact(&self.url))
            .field("app", &self.app)
            .field("requests", &self.requests)
            .field("window", &self.window)
            .field("unavailable", &self.unavailable)
            .finish()
    }
}

impl RedisBudgetBuilder {
    /// The budget: `requests` per `window` (default: 166 per 10 s, a
    /// 1,000-per-minute app), shared by every process using this app name.
    pub fn budget(mut self, requests: u32, window: Duration) -> Self {
        self.requests = requests;
        self.window = window;
        self
    }

    /// What to do when Redis cannot be reached (default: fall back to a
    /// quarter of the budget).
    pub fn when_unavailable(mut self, what: WhenRedisDown) -> Self {
        self.unavailable = what;
        self
    }

    /// Checks the configuration. Nothing connects yet: the first send does.
    pub fn build(self) -> Result<RedisBudget, ConfigError> {
        let bad = |reason: &str| ConfigError::BadRateBudget {
            reason: reason.to_string(),
        };
        let client = redis::Client::open(self.url.as_str()).map_err(|e| {
            bad(&format!(
                "Redis URL `{}`: {:?}",
                redact(&self.url),
                e.kind()
            ))
        })?;
        if self.app.is_empty()
            || !self
                .app
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            return Err(bad(
                "the app name is empty or has characters other than letters, digits, `-`, `_` and `.`",
            ));
        }
        // The shared spacing, as the in-process pacer would space it.
        let shared = Pacer::new(self.requests, self.window)?;
        let local = match self.unavailable {
            WhenRedisDown::Fail => None,
            WhenRedisDown::FallBack { fraction } => {
                if !(fraction > 0.0 && fraction <= 1.0) {
                    return Err(bad("the fall-back fraction must be in (0, 1]"));
                }
                let share = ((f64::from(self.requests) * fraction).floor() as u32).max(1);
                Some(Pacer::new(share, self.window)?)
            }
        };
        let password = url::Url::parse(&self.url)
            .ok()
            .and_then(|u| u.password().map(percent_decoded))
            .unwrap_or_default();
        Ok(RedisBudget {
            client,
            secrets: Secrets::new().with(&password),
            max_slot_wait: MAX_BLOCK.saturating_add(self.window),
            bad_answer_logged: std::sync::atomic::AtomicBool::new(false),
            url: redact(&self.url),
            next_key: format!("intercom-messages:{}:next", self.app),
            blocked_key: format!("intercom-messages:{}:blocked", self.app),
            interval_us: u64::try_from(shared.interval().as_micros()).unwrap_or(u64::MAX),
            unavailable: self.unavailable,
            local,
            conn: tokio::sync::Mutex::new(None),
            down_since: Mutex::new(None),
            acquire: redis::Script::new(ACQUIRE),
            blocked: redis::Script::new(BLOCKED),
            block: redis::Script::new(BLOCK),
        })
    }
}

/// A rate budget shared through Redis by every process that sends for one
/// Intercom app (feature `redis`). See the module docs for the algorithm.
///
/// ```no_run
/// use std::time::Duration;
/// use intercom_messages::{Client, RedisBudget, WhenRedisDown};
///
/// let budget = RedisBudget::builder("redis://budget.internal:6379/", "acme-prod")
///     .budget(166, Duration::from_secs(10))
///     .when_unavailable(WhenRedisDown::FallBack { fraction: 0.25 })
///     .build()?;
/// let client = Client::builder("token").rate_budget(budget).build()?;
/// # Ok::<(), intercom_messages::ConfigError>(())
/// ```
pub struct RedisBudget {
    client: redis::Client,
    /// The Redis password, removed from any Redis text that is logged.
    secrets: Secrets,
    /// The longest a slot may wait in all: [`MAX_BLOCK`] plus one window.
    max_slot_wait: Duration,
    /// Whether an answer that is not a sane wait was logged already.
    bad_answer_logged: std::sync::atomic::AtomicBool,
    url: String,
    next_key: String,
    blocked_key: String,
    interval_us: u64,
    unavailable: WhenRedisDown,
    local: Option<Pacer>,
    conn: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    down_since: Mutex<Option<Instant>>,
    acquire: redis::Script,
    blocked: redis::Script,
    block: redis::Script,
}

impl std::fmt::Debug for RedisBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBudget")
            .field("url", &self.url)
            .field("keys", &self.next_key)
            .field("interval_us", &self.interval_us)
            .field("unavailable", &self.unavailable)
            .finish()
    }
}

impl RedisBudget {
    /// A budget kept in the Redis at `url` (`redis://host:port/db`; a
    /// password in the URL is never shown) under the name `app`: every
    /// process using the same name shares one budget, so give each Intercom
    /// app its own name.
    pub fn builder(url: impl Into<String>, app: impl Into<String>) -> RedisBudgetBuilder {
        RedisBudgetBuilder {
            url: url.into(),
            app: app.into(),
            requests: DEFAULT_PER_WINDOW,
            window: RATE_LIMIT_WINDOW,
            unavailable: WhenRedisDown::FallBack {
                fraction: DEFAULT_FALL_BACK,
            },
        }
    }

    /// Whether Redis answered the last time it was asked.
    pub fn is_connected(&self) -> bool {
        lock(&self.down_since).is_none()
    }

    /// A connection, or `None` while Redis is down and not due a new try.
    async fn connection(&self) -> Option<MultiplexedConnection> {
        let mut slot = self.conn.lock().await;
        if let Some(c) = slot.as_ref() {
            return Some(c.clone());
        }
        let due = lock(&self.down_since).is_none_or(|t| t.elapsed() >= RETRY_REDIS_EVERY);
        if !due {
            return None;
        }
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT));
        match self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await
        {
            Ok(c) => {
                *slot = Some(c.clone());
                Some(c)
            }
            Err(e) => {
                drop(slot);
                self.went_down(&e);
                None
            }
        }
    }

    fn went_down(&self, e: &redis::RedisError) {
        let mut down = lock(&self.down_since);
        if down.is_none() {
            let text = clean(&self.secrets.scrub(&e.to_string()));
            tracing::warn!(redis = %self.url, kind = ?e.kind(), error = %text, "rate budget: Redis unavailable");
        }
        *down = Some(Instant::now());
    }

    /// Redis answered something that is not a sane wait: treated as Redis
    /// being unavailable, and logged once for the life of the budget.
    async fn answered_nonsense(&self, answer: i64) {
        *self.conn.lock().await = None;
        *lock(&self.down_since) = Some(Instant::now());
        if !self
            .bad_answer_logged
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            tracing::warn!(
                redis = %self.url,
                answer,
                max_wait_ms = self.max_slot_wait.as_millis() as u64,
                "rate budget: Redis answered a wait that is not sane; treated as unavailable"
            );
        }
    }

    /// Runs a script whose answer is a wait in microseconds; a failure, or an
    /// answer outside `0..=max_slot_wait`, marks Redis down and drops the connection.
    async fn run_wait(
        &self,
        script: &redis::Script,
        keys: &[&str],
        args: &[u64],
    ) -> Option<Duration> {
        let answer = self.run(script, keys, args).await?;
        let wait = sane_wait(answer, self.max_slot_wait);
        match wait {
            Some(_) => self.answered(),
            None => self.answered_nonsense(answer).await,
        }
        wait
    }

    /// Redis gave a good answer: it is back, if it was down.
    fn answered(&self) {
        if lock(&self.down_since).take().is_some() {
            tracing::info!(redis = %self.url, "rate budget: Redis back");
        }
    }

    /// Runs a script; a failure marks Redis down and drops the connection.
    /// Whether the answer makes Redis count as back is the caller's to judge.
    async fn run(&self, script: &redis::Script, keys: &[&str], args: &[u64]) -> Option<i64> {
        let mut conn = self.connection().await?;
        let mut invocation = script.prepare_invoke();
        for k in keys {
            invocation.key(*k);
        }
        for a in args {
            invocation.arg(*a);
        }
        match invocation.invoke_async::<i64>(&mut conn).await {
            Ok(v) => Some(v),
            Err(e) => {
                *self.conn.lock().await = None;
                self.went_down(&e);
                None
            }
        }
    }

    /// Takes a shared slot and waits for it; `false` when Redis did not
    /// answer, or answered waits that are not sane or that add up to more
    /// than `max_slot_wait`.
    async fn shared_slot(&self) -> bool {
        let deadline = Instant::now() + self.max_slot_wait;
        loop {
            let Some(wait) = self
                .run_wait(
                    &self.acquire,
                    &[&self.next_key, &self.blocked_key],
                    &[self.interval_us],
                )
                .await
            else {
                return false;
            };
            if wait.is_zero() {
                return true;
            }
            if Instant::now() + wait > deadline {
                self.answered_nonsense(i64::try_from(wait.as_micros()).unwrap_or(i64::MAX))
                    .await;
                return false;
            }
            tokio::time::sleep(wait).await;
            // A block reported while this slot was waiting moves it past the reset.
            match self
                .run_wait(&self.blocked, &[&self.blocked_key], &[])
                .await
            {
                Some(Duration::ZERO) => return true,
                Some(_) => continue,
                // Nonsense after a sane slot: the slot stands.
                None => return true,
            }
        }
    }
}

impl RateBudget for RedisBudget {
    fn acquire(&self) -> BudgetFuture<'_, Result<(), BudgetError>> {
        Box::pin(async move {
            if self.shared_slot().await {
                return Ok(());
            }
            match &self.local {
                Some(local) => {
                    local.acquire().await;
                    Ok(())
                }
                None => Err(BudgetError::new(format!(
                    "Redis at {} did not answer, or answered a wait that is not sane; the budget is set to fail rather than pace alone",
                    self.url
                ))),
            }
        })
    }

    fn observe(&self, limits: RateLimit) -> BudgetFuture<'_, ()> {
        if let Some(local) = &self.local {
            local.observe(&limits);
        }
        if limits.remaining != Some(0) {
            return Box::pin(std::future::ready(()));
        }
        Box::pin(async move {
            let until_us = limits
                .reset
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
            let max_us = u64::try_from(MAX_BLOCK.as_micros()).unwrap_or(u64::MAX);
            let done = self
                .run(
                    &self.block,
                    &[&self.blocked_key],
                    &[until_us, max_us, self.interval_us],
                )
                .await;
            if done.is_some() {
                self.answered();
            }
        })
    }
}

/// A script's answer as a wait, if it is one: whole microseconds from 0 to `max`.
fn sane_wait(answer_us: i64, max: Duration) -> Option<Duration> {
    u64::try_from(answer_us)
        .ok()
        .map(Duration::from_micros)
        .filter(|wait| *wait <= max)
}

/// A URL's percent-encoded part as the text it stands for (lossy).
fn percent_decoded(part: &str) -> String {
    percent_encoding::percent_decode_str(part)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sane_waits_are_taken() {
        let max = MAX_BLOCK + Duration::from_secs(10);
        for (answer, wait) in [
            (0, Some(Duration::ZERO)),
            (1_500, Some(Duration::from_micros(1_500))),
            (70_000_000, Some(max)),
            (70_000_001, None),
            (-1, None),
            (i64::MIN, None),
            (i64::MAX, None),
        ] {
            assert_eq!(sane_wait(answer, max), wait, "{answer}");
        }
    }

    #[test]
    fn the_password_is_found_decoded() {
        let b = RedisBudget::builder("redis://user:p%40ss%2Bword@127.0.0.1:1/", "a")
            .build()
            .unwrap();
        assert_eq!(b.secrets.scrub("echo p@ss+word"), "echo [redacted]");
        assert!(!format!("{b:?}").contains("p%40ss"));
    }
}
