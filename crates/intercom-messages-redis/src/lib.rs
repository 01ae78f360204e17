//! One Intercom rate budget shared by every process that sends with the same
//! app's token, kept in Redis, for the [`intercom_messages`] client:
//! [`RedisBudget`] is a [`RateBudget`] a [`Client`](intercom_messages::Client)
//! takes a slot from before each request; [`RedisBudgets`] is one connection
//! the budgets of many apps share.
//!
//! ```no_run
//! use std::time::Duration;
//! use intercom_messages::Client;
//! use intercom_messages_redis::{RedisBudget, WhenRedisDown};
//!
//! let budget = RedisBudget::builder("redis://budget.internal:6379/", "acme-prod")
//!     .budget(166, Duration::from_secs(10))                         // 1,000/minute
//!     .when_unavailable(WhenRedisDown::FallBack { fraction: 0.25 }) // 4 replicas
//!     .build()?;
//! let client = Client::builder("token").rate_budget(budget).build()?;
//! # Ok::<(), intercom_messages::ConfigError>(())
//! ```
//!
//! Or from the environment, with [`client_from_env`].
//!
//! # Every wait Redis can impose, and its cap
//!
//! The waits the facade's own docs list (`intercom_messages`, "Every wait a
//! server can impose") hold as they are; a `RedisBudget` adds these:
//!
//! | wait | set by | cap |
//! | --- | --- | --- |
//! | a `RedisBudget` holding every process back | `X-RateLimit-Remaining: 0` with its reset | a minute past now |
//! | a `RedisBudget` start | whatever answers on the Redis port | each answer a minute plus one budget window, and the answers for one start together the same; past that the send fails with `BudgetUnavailable` and Redis is not judged; an answer that is no such wait is a budget failure (`WhenRedisDown::Fail` refuses, `FallBack` paces locally) |
//! | reading a Redis reply | whatever answers on the Redis port | 4 KiB a reply, then the connection is dropped and the budget counts Redis as down |
//! | a Redis connection or command | Redis | 250 ms (500 ms for connecting with TLS and logging in; 1 s for a cluster's first connection), then the budget counts Redis as down for a second |
//!
//! With the defaults and 10-second windows, that is up to 70 s for each
//! attempt's start: with the facade's three attempts of 30 s and two retry
//! waits of 30 s, 360 s in all.
//!
//! # The algorithm: a shared sliding window, no reservation
//!
//! The same as the in-process pacer's ([`Pacer`]), with
//! the state in Redis. Redis holds, per app, the requests that hold a slot
//! (a sorted set, the log: those in flight, and those that ended in the
//! last window), the time Intercom said the budget is spent until, and how
//! many requests Intercom said remain until its reset. Each step is one Lua
//! script, atomic across processes, and every time is read from Redis's
//! `TIME`, never from a machine's clock:
//!
//! - **acquire**: if fewer than `requests` hold a slot (in flight, or ended
//!   in the last window, 2 % wider than the configured one), no block is in
//!   force and the server's count is not spent, the start is recorded in
//!   flight and the request goes now. Otherwise the script answers how long
//!   until that can change (while every slot is in flight: one window, the
//!   earliest a slot can free), and the caller sleeps that long and asks
//!   again. A burst within the budget goes at once, one Redis round trip
//!   per send.
//! - **finish**: when the request can no longer reach the server (its
//!   answer's head came, it failed, or its send was dropped:
//!   [`RateBudget::finished`]), its entry is re-scored to that moment, from
//!   a task of its own, and counts one window more (below).
//! - **observe**: `X-RateLimit-Remaining: 0` sets the block to
//!   `X-RateLimit-Reset` (at most a minute ahead). `Remaining: r` with a
//!   reset is recorded when it is tighter than the window alone before the
//!   reset; it then counts down with each start until the reset.
//!
//! The keys are `intercom-messages:{app}:log`, `…:blocked` and `…:left`, with
//! expiries, and the tombstones of starts whose callers gave up
//! (`…:log:gone:<name>`, below). The app name is a hash tag, so on a Redis Cluster one app's keys
//! share a slot. No token and no message is ever written to Redis.
//!
//! # Counting what the server can see
//!
//! A request reaches Intercom somewhere between its start and its end, and
//! Intercom counts it there. Counting from the start, as the log once did,
//! lets a burst whose arrivals spread over its requests' lives put more than
//! the budget in one of the server's windows (a test that counts some
//! requests 400 ms after receipt saw 40 arrivals in a second on a budget of
//! 20). So a slot is held from its start until one window after its end:
//!
//! - A start is recorded **in flight**: scored its start plus a hold of
//!   [`MAX_HOLD`] (a minute), so it counts in every window while its request
//!   may still reach the server. The log's expiry covers the hold.
//! - When the request ends, the client calls [`RateBudget::finished`] once
//!   for the slot. The budget re-scores one of this process's entries in
//!   flight (they are interchangeable: each is one request in flight) to
//!   the end: Redis's `TIME` less the end's age, measured on this process's
//!   monotonic clock when the script is sent, so never before the end
//!   (`ZADD XX`: an entry that left the log is not put back).
//!
//! Then two requests on one slot arrive more than a window apart, however
//! long they took: at a start, every request that began before and ended
//! in the last window or not at all is in the log, so any window of that
//! length holds at most the budget's arrivals, wherever it begins, across
//! every process. It costs the requests' latency: in steady state the
//! budget uses `window / (1.02 × window + latency)` of it.
//!
//! What can go wrong only ever sends less:
//! - An end Redis does not hear of (it is down, the script failed) waits in
//!   a bounded queue (4,096, the oldest dropped first) and is re-scored
//!   before this process's next question to Redis, with its true age. A
//!   re-score that runs twice or late only scores later.
//! - A process that exits (or dies) with ends not yet in Redis leaves them
//!   in flight until their hold runs out: a minute plus a window. Await
//!   [`RedisBudgets::flush_ends`] before exiting.
//! - An end does not say which request ended. While this process also
//!   paced requests alone (Redis down, `FallBack`), an end is taken as a
//!   local one's first, so a wrong guess keeps a shared entry in flight a
//!   little longer, never ends one early.
//! - A request that lasts longer than the hold (a client timeout over a
//!   minute) counts as ended a minute after its start. With the default
//!   30 s timeout none does.
//!
//! The fall-back pacer (Redis down) still counts each request from its
//! start ([`Pacer::acquire`]): it is a share of the budget guessed from the
//! number of replicas, not a promise across processes.
//!
//! # Cancellation
//!
//! Nothing is reserved ahead: a start is recorded only when the request may
//! go now. A send dropped while it sleeps leaves no key or counter behind in
//! Redis. A send dropped once its start was recorded and answered holds its
//! slot as a request that ended then (its request may have left): the
//! client reports its end, and it counts one window more. A send that gives up on its script (dropped, or the script timed
//! out) does not know whether the script ran, or whether it still will: a
//! Redis that stalls runs the scripts it had queued when it resumes, after
//! their callers have gone. So each script carries a name for its start and
//! for the start's tombstone (`…:log:gone:<name>`, expiring after ten
//! minutes), and the script records nothing when the tombstone exists. A
//! caller that gives up removes the start and writes the tombstone, or, while
//! Redis does not answer, the process keeps both to do before its next
//! question to Redis (at most 4,096 waiting). Whichever runs first, the late
//! script or the removal, no start of a caller that has gone stays in the
//! log once Redis answers again. A process that dies with such starts
//! waiting leaves them to expire with the window. Within a process the
//! waiters of one app queue on a fair async lock, so only the head of the
//! queue sleeps and asks again; a dropped waiter leaves the queue. A send that need not wait asks
//! once without queueing, so a burst is one pipelined round trip per send. A healthy Redis is never judged
//! "answering nonsense" because of what callers did: its answers are bounded
//! by the window and the block whatever the callers do.
//!
//! # Restarts
//!
//! A Redis that loses its keys (a restart without persistence, a failover to
//! a replica that had not caught up) forgets the starts of the last window.
//! The app can then send up to one more budget in the window that follows:
//! at most `2 × requests` in one window, once per loss. Waiters never act on
//! an old answer: each asks again after its sleep. Intercom answers what is
//! over its limit with a 429, which creates nothing, is reported to every
//! process as a block, and is retried.
//!
//! # Managed Redis: TLS, ACL users, clusters
//!
//! `rediss://` connects with TLS by rustls, checking the server's
//! certificate against the system's roots (`SSL_CERT_FILE` and
//! `SSL_CERT_DIR` are honoured); certificate checks cannot be turned off.
//! `rediss://user:password@host:port/` logs in as an ACL user. A cluster is
//! reached with [`RedisBudgets::cluster`] and the URLs of one or more of its
//! nodes; the others are discovered.
//!
//! # When Redis is unavailable
//!
//! [`WhenRedisDown::Fail`] fails the send with
//! [`intercom_messages::SendError::BudgetUnavailable`] before anything is sent.
//! [`WhenRedisDown::FallBack`] paces this process alone at a fraction of the
//! budget (set it to about `1 / replicas`) until Redis answers again. Redis is
//! tried again at most once a second, each try bounded by a short timeout, so
//! a dead Redis does not stall every send.
//!
//! # A Redis that answers nonsense
//!
//! Whatever listens on the Redis port is not trusted to choose how long a
//! send sleeps, nor how much the process reads. Each wait it answers must be
//! a whole number of microseconds from 0 to [`MAX_HOLD`] (a minute) plus one
//! budget window. Any other answer (negative, larger, not a number) counts as
//! Redis being unavailable: [`WhenRedisDown::Fail`] refuses the send,
//! [`WhenRedisDown::FallBack`] paces this process alone, and it is logged
//! once. The waits Redis asks of one start, together, stay within the same
//! cap: past it that send fails with [`intercom_messages::SendError::BudgetUnavailable`]
//! (nothing sent), and Redis is not judged for it, since a budget that other
//! senders keep full looks the same. Time spent queued behind this process's
//! own callers is theirs, not Redis's, and is not counted. One reply may take at most 4 KiB: a longer one fails the connection
//! the moment it passes that bound (the `redis` crate has no such limit, so
//! the crate bounds the byte stream under it). Only the kind of a Redis error
//! and its text with the password removed are logged.
//!
//! # Tests on a paused clock
//!
//! Do not test a `RedisBudget` against a real Redis with
//! `#[tokio::test(start_paused = true)]`. Tokio moves a paused clock ahead
//! whenever the runtime has nothing to do but wait on a socket, so while a
//! command is on its way to Redis the 250 ms command timeout (and the
//! connect timeout) fire at once: every acquire then counts Redis as down,
//! and [`WhenRedisDown::Fail`] refuses every slot while
//! [`WhenRedisDown::FallBack`] paces the process alone. Run such tests on the
//! real clock and assert on counts (starts in Redis, requests a server
//! received), not on durations. The in-process pacer and the facade's own
//! waits (retries, deadlines, `MockIntercom`) are fine on a paused clock.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::IntoConnectionInfo;

use intercom_messages::text::{Secrets, redact};
use intercom_messages::{
    BudgetError, BudgetFuture, ConfigError, MAX_HOLD, Pacer, RATE_LIMIT_WINDOW, RateBudget,
    RateLimit, sliding_window,
};

mod bounded;
mod conn;
mod env;
mod scripts;

pub use env::{client_builder_from, client_from_env};

use conn::{Ended, Orphan, Store, Target};

/// A mutex's guard, even when another thread panicked holding it: every
/// state kept under these locks is whole between statements.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A budget paced this send locally (Redis down, `FallBack`): counted as
/// `intercom_messages_budget_fallbacks_total` with the `metrics` feature.
fn fell_back() {
    #[cfg(feature = "metrics")]
    metrics::counter!("intercom_messages_budget_fallbacks_total").increment(1);
}

/// The default budget per 10-second window: a 1,000-per-minute app.
pub(crate) const DEFAULT_PER_WINDOW: u32 = 166;

/// The default share of the budget a process paces at alone while Redis is
/// down.
pub(crate) const DEFAULT_FALL_BACK: f64 = 0.25;

/// What a [`RedisBudget`] does when Redis cannot be reached.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum WhenRedisDown {
    /// Fail the send with [`intercom_messages::SendError::BudgetUnavailable`]; nothing is sent.
    Fail,
    /// Pace this process alone at `fraction` of the budget (0 < fraction ≤ 1;
    /// about `1 / replicas`) until Redis answers again.
    FallBack {
        /// The share of the budget this process uses on its own.
        fraction: f64,
    },
}

fn bad(reason: impl Into<String>) -> ConfigError {
    ConfigError::BadRateBudget {
        reason: reason.into(),
    }
}

/// The password of a Redis URL, decoded, to be scrubbed from logged text.
fn password_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(percent_decoded))
        .unwrap_or_default()
}

/// One Redis (or one Redis Cluster) that the budgets of many apps share,
/// over one connection. Clones share it too.
///
/// A process that sends for many Intercom workspaces makes one of these and
/// one budget per app from it: a thousand apps, one connection (on a
/// cluster, one per node).
///
/// ```no_run
/// use intercom_messages::Client;
/// use intercom_messages_redis::RedisBudgets;
///
/// let redis = RedisBudgets::new("rediss://budget:secret@redis.internal:6380/")?;
/// let acme = Client::builder("acme-token")
///     .rate_budget(redis.budget("acme-prod").build()?)
///     .build()?;
/// let globex = Client::builder("globex-token")
///     .rate_budget(redis.budget("globex-prod").build()?)
///     .build()?;
/// # Ok::<(), intercom_messages::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct RedisBudgets {
    store: Arc<Store>,
    scripts: Arc<Scripts>,
}

struct Scripts {
    acquire: redis::Script,
    block: redis::Script,
    remaining: redis::Script,
    finish: redis::Script,
}

impl std::fmt::Debug for RedisBudgets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBudgets")
            .field("url", &self.store.url)
            .finish_non_exhaustive()
    }
}

impl RedisBudgets {
    /// A single Redis at `url`: `redis://host:port/db`, or `rediss://` for
    /// TLS; `user:password@` logs in as an ACL user, `:password@` with the
    /// default user. A password in the URL is never shown. Nothing connects
    /// yet: the first send does.
    pub fn new(url: impl AsRef<str>) -> Result<Self, ConfigError> {
        let url = url.as_ref();
        let info = url
            .into_connection_info()
            .map_err(|e| bad(format!("Redis URL `{}`: {:?}", redact(url), e.kind())))?;
        if matches!(
            info.addr(),
            redis::ConnectionAddr::TcpTls { insecure: true, .. }
        ) {
            return Err(bad(
                "Redis URL: certificate checks cannot be turned off (`#insecure`)",
            ));
        }
        Ok(Self::with(
            Target::Single(info),
            redact(url),
            Secrets::new().with(&password_of(url)),
        ))
    }

    /// A Redis Cluster, reached through the URLs of one or more of its nodes
    /// (the others are discovered). The first URL's scheme, username and
    /// password are used for every node. Each app's keys share one hash slot.
    pub fn cluster<I, S>(nodes: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let nodes: Vec<String> = nodes.into_iter().map(|n| n.as_ref().to_string()).collect();
        let Some(first) = nodes.first() else {
            return Err(bad("a Redis Cluster needs the URL of at least one node"));
        };
        let mut secrets = Secrets::new();
        for n in &nodes {
            secrets = secrets.with(&password_of(n));
        }
        let shown = format!("cluster {} (and {} more)", redact(first), nodes.len() - 1);
        if nodes.iter().any(|n| n.contains("#insecure")) {
            return Err(bad(
                "Redis URL: certificate checks cannot be turned off (`#insecure`)",
            ));
        }
        let client = redis::cluster::ClusterClient::builder(nodes.iter().map(String::as_str))
            .connection_timeout(conn::REDIS_TIMEOUT)
            .response_timeout(conn::REDIS_TIMEOUT)
            .retries(2)
            .build()
            .map_err(|e| bad(format!("Redis Cluster `{shown}`: {:?}", e.kind())))?;
        Ok(Self::with(Target::Cluster(client), shown, secrets))
    }

    fn with(target: Target, url: String, secrets: Secrets) -> Self {
        Self {
            store: Store::new(target, url, secrets),
            scripts: Arc::new(Scripts {
                acquire: redis::Script::new(scripts::ACQUIRE),
                block: redis::Script::new(scripts::BLOCK),
                remaining: redis::Script::new(scripts::REMAINING),
                finish: redis::Script::new(scripts::FINISH),
            }),
        }
    }

    /// A budget for the app named `app`, on this connection: every process
    /// using the same name shares one budget, so give each Intercom app its
    /// own name (letters, digits, `-`, `_` and `.`).
    pub fn budget(&self, app: impl Into<String>) -> RedisBudgetBuilder {
        RedisBudgetBuilder::new(Ok(self.clone()), app.into())
    }

    /// Whether Redis answered the last time it was asked.
    pub fn is_connected(&self) -> bool {
        self.store.is_connected()
    }

    /// Waits until Redis has heard of the end of every request of this
    /// connection's budgets that ended, or until Redis does not answer.
    /// Ends are reported as they happen, from tasks of their own; await
    /// this before a process exits, or a request whose end was still on its
    /// way counts as in flight until its hold runs out (a minute), which
    /// only ever makes the other processes send less.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), intercom_messages::ConfigError> {
    /// use intercom_messages::Client;
    /// use intercom_messages_redis::RedisBudgets;
    ///
    /// let redis = RedisBudgets::new("redis://budget.internal:6379/")?;
    /// let client = Client::builder("token")
    ///     .rate_budget(redis.budget("acme-prod").build()?)
    ///     .build()?;
    /// // ... send ...
    /// redis.flush_ends().await;
    /// # Ok(()) }
    /// ```
    pub async fn flush_ends(&self) {
        self.store.flush_ended(&self.scripts.finish).await;
    }
}

/// Builds a [`RedisBudget`]; see [`RedisBudget::builder`] and [`RedisBudgets::budget`].
#[derive(Clone)]
#[must_use = "finish with .build()"]
pub struct RedisBudgetBuilder {
    /// The connection, or why its URL was refused.
    redis: Result<RedisBudgets, String>,
    app: String,
    requests: u32,
    window: Duration,
    unavailable: WhenRedisDown,
}

impl std::fmt::Debug for RedisBudgetBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBudgetBuilder")
            .field("redis", &self.redis)
            .field("app", &self.app)
            .field("requests", &self.requests)
            .field("window", &self.window)
            .field("unavailable", &self.unavailable)
            .finish()
    }
}

impl RedisBudgetBuilder {
    /// The defaults, on `redis` (or why its URL was refused).
    fn new(redis: Result<RedisBudgets, String>, app: String) -> Self {
        Self {
            redis,
            app,
            requests: DEFAULT_PER_WINDOW,
            window: RATE_LIMIT_WINDOW,
            unavailable: WhenRedisDown::FallBack {
                fraction: DEFAULT_FALL_BACK,
            },
        }
    }

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
        let redis = self.redis.map_err(bad)?;
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
        // The shared window, as the in-process pacer keeps it.
        let span = sliding_window(self.requests, self.window)?;
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
        let key = |what: &str| format!("intercom-messages:{{{}}}:{what}", self.app);
        Ok(RedisBudget {
            keys: [key("log"), key("blocked"), key("left")],
            limit: self.requests,
            span,
            max_wait: MAX_HOLD.saturating_add(span),
            unavailable: self.unavailable,
            local,
            queue: tokio::sync::Mutex::new(()),
            in_flight: std::sync::Mutex::new(InFlight::default()),
            redis,
        })
    }
}

/// A rate budget shared through Redis by every process that sends for one
/// Intercom app. See the crate docs for the algorithm.
///
/// ```no_run
/// use std::time::Duration;
/// use intercom_messages::Client;
/// use intercom_messages_redis::{RedisBudget, WhenRedisDown};
///
/// let budget = RedisBudget::builder("redis://budget.internal:6379/", "acme-prod")
///     .budget(166, Duration::from_secs(10))
///     .when_unavailable(WhenRedisDown::FallBack { fraction: 0.25 })
///     .build()?;
/// let client = Client::builder("token").rate_budget(budget).build()?;
/// # Ok::<(), intercom_messages::ConfigError>(())
/// ```
pub struct RedisBudget {
    redis: RedisBudgets,
    /// The log of starts, the block, the server's remaining count.
    keys: [String; 3],
    limit: u32,
    span: Duration,
    /// The longest one answer may ask a send to wait: [`MAX_HOLD`] plus one window.
    max_wait: Duration,
    unavailable: WhenRedisDown,
    local: Option<Pacer>,
    /// This process's waiters for this app, first come first served.
    queue: tokio::sync::Mutex<()>,
    /// This process's requests that hold a slot and have not ended.
    in_flight: std::sync::Mutex<InFlight>,
}

/// The slots this process gave requests that have not ended. An end does
/// not say which request ended: the shared entries are interchangeable for
/// the count (each is one request in flight), and an end is taken as a local
/// one's while any is in flight, so that a wrong guess only keeps a shared
/// entry in flight longer (the crate docs, "Counting what the server can
/// see").
#[derive(Default)]
struct InFlight {
    /// The names of shared entries scored in the future, oldest first; at
    /// most [`MAX_IN_FLIGHT`].
    shared: std::collections::VecDeque<String>,
    /// Requests paced alone while Redis was down (counted from their start).
    local: usize,
}

/// The most requests in flight a budget remembers to re-score when they
/// end; past that, the oldest is forgotten and counts until its hold runs
/// out (only ever sending less).
const MAX_IN_FLIGHT: usize = 4096;

impl std::fmt::Debug for RedisBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBudget")
            .field("url", &self.redis.store.url)
            .field("keys", &self.keys[0])
            .field("limit", &self.limit)
            .field("span", &self.span)
            .field("unavailable", &self.unavailable)
            .finish()
    }
}

impl RedisBudget {
    /// A budget kept in the Redis at `url` (see [`RedisBudgets::new`] for the
    /// URL forms) under the name `app`, on a connection of its own. For many
    /// apps in one process, make one [`RedisBudgets`] and take each app's
    /// budget from it instead.
    pub fn builder(url: impl Into<String>, app: impl Into<String>) -> RedisBudgetBuilder {
        let redis = RedisBudgets::new(url.into()).map_err(|e| match e {
            ConfigError::BadRateBudget { reason } => reason,
            other => other.to_string(),
        });
        RedisBudgetBuilder::new(redis, app.into())
    }

    /// Whether Redis answered the last time it was asked.
    pub fn is_connected(&self) -> bool {
        self.redis.is_connected()
    }

    /// Starts a request in the shared budget, waiting as Redis says. A send
    /// that need not wait asks Redis once, concurrently with others (a burst
    /// is pipelined on the connection); one that must wait queues, and only
    /// the head of the queue sleeps and asks again.
    ///
    /// A send that must start by `send_by` (its deadline) is refused at once
    /// when Redis says its slot comes later.
    async fn shared_start(&self, send_by: Option<tokio::time::Instant>) -> Shared {
        let too_late =
            |wait: Duration| send_by.is_some_and(|by| tokio::time::Instant::now() + wait > by);
        match self.ask().await {
            Ask::Go(member) => return Shared::Started(member),
            Ask::Down => return Shared::Down,
            Ask::Wait(wait) if too_late(wait) => return Shared::PastDeadline,
            Ask::Wait(_) => {}
        }
        let _turn = self.queue.lock().await;
        // Redis's waits for this one start, together: capped too. Time in
        // this process's queue is the callers' doing and is not counted.
        let deadline = tokio::time::Instant::now() + self.max_wait;
        loop {
            match self.ask().await {
                Ask::Go(member) => return Shared::Started(member),
                Ask::Down => return Shared::Down,
                Ask::Wait(wait) if too_late(wait) => return Shared::PastDeadline,
                Ask::Wait(wait) if tokio::time::Instant::now() + wait > deadline => {
                    return Shared::TooLong;
                }
                Ask::Wait(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Asks Redis once to start a request now. Dropped while the script may
    /// be running, it removes the start the script may have recorded.
    async fn ask(&self) -> Ask {
        let span_us = self.span_us();
        let hold_us = u64::try_from(MAX_HOLD.as_micros()).unwrap_or(u64::MAX);
        let store = &self.redis.store;
        // The starts of callers that gave up while Redis did not answer go
        // first, so that they take no slot from this one, and the ends Redis
        // did not hear of, so that they count from a window ago at most
        // (nothing to do, and no round trip, when there are none).
        store.forget_orphans().await;
        store.finish_ended(&self.redis.scripts.finish).await;
        let member = format!("{:016x}", fastrand::u64(..));
        let tombstone = format!("{}:gone:{member}", self.keys[0]);
        let keys = [&*self.keys[0], &*self.keys[1], &*self.keys[2], &*tombstone];
        let guard = Forget {
            store: Some(store.clone()),
            key: &self.keys[0],
            member: &member,
            tombstone: &tombstone,
        };
        let answer = store
            .run_named(
                &self.redis.scripts.acquire,
                &keys,
                &[u64::from(self.limit), span_us, hold_us],
                &member,
            )
            .await;
        // No answer (an error, a timeout): the start may be recorded, and
        // this send will not use it; the guard, still armed, removes it.
        let Some(answer) = answer else {
            return Ask::Down;
        };
        guard.disarm();
        let Some(wait) = sane_wait(answer, self.max_wait) else {
            store.answered_nonsense(answer, self.max_wait).await;
            return Ask::Down;
        };
        store.answered();
        if wait.is_zero() {
            Ask::Go(member)
        } else {
            Ask::Wait(wait)
        }
    }

    /// The window, in microseconds.
    fn span_us(&self) -> u64 {
        u64::try_from(self.span.as_micros()).unwrap_or(u64::MAX)
    }

    /// Remembers a shared slot given (`Some` of its name) or a local one,
    /// until its request ends.
    fn holds(&self, shared: Option<String>) {
        let mut in_flight = lock(&self.in_flight);
        match shared {
            Some(name) => {
                if in_flight.shared.len() >= MAX_IN_FLIGHT {
                    in_flight.shared.pop_front();
                }
                in_flight.shared.push_back(name);
            }
            None => in_flight.local = in_flight.local.saturating_add(1),
        }
    }

    /// The shared entry to re-score for a request that ended, if it is not
    /// taken as a local one's.
    fn ended(&self) -> Option<String> {
        let mut in_flight = lock(&self.in_flight);
        if in_flight.local > 0 {
            in_flight.local -= 1;
            return None;
        }
        in_flight.shared.pop_front()
    }

    /// Whether `remaining` requests until `reset_in` is tighter than the
    /// window alone would allow before the reset.
    fn tighter_than_window(&self, remaining: u64, reset_in: Duration) -> bool {
        let windows = (reset_in.as_secs_f64() / self.span.as_secs_f64())
            .ceil()
            .max(1.0);
        (remaining as f64) < f64::from(self.limit) * windows
    }
}

impl RedisBudget {
    /// A slot in the shared budget, or alone while Redis is down
    /// (`FallBack`); refused at once when it would come after `send_by`.
    async fn start_by(&self, send_by: Option<tokio::time::Instant>) -> Result<(), BudgetError> {
        match self.shared_start(send_by).await {
            Shared::Started(member) => {
                self.holds(Some(member));
                return Ok(());
            }
            Shared::PastDeadline => return Err(BudgetError::past_deadline()),
            Shared::TooLong => {
                return Err(BudgetError::new(format!(
                    "the shared budget gave no slot within {:?} (a minute plus one window)",
                    self.max_wait
                )));
            }
            Shared::Down => {}
        }
        match &self.local {
            Some(local) => {
                fell_back();
                local.acquire().await;
                self.holds(None);
                Ok(())
            }
            None => Err(BudgetError::new(format!(
                "Redis at {} did not answer, or answered a wait that is not sane; the budget is set to fail rather than pace alone",
                self.redis.store.url
            ))),
        }
    }
}

impl RateBudget for RedisBudget {
    fn acquire(&self) -> BudgetFuture<'_, Result<(), BudgetError>> {
        Box::pin(self.start_by(None))
    }

    /// Refuses at once ([`BudgetError::past_deadline`]) when Redis says the
    /// slot comes after `deadline`; pacing alone (Redis down, `FallBack`),
    /// the send's deadline ends the wait.
    fn acquire_by(
        &self,
        deadline: std::time::Instant,
    ) -> BudgetFuture<'_, Result<(), BudgetError>> {
        Box::pin(self.start_by(Some(tokio::time::Instant::from_std(deadline))))
    }

    /// Re-scores one of this process's requests in flight to now, in a
    /// task of its own: it then counts one window more (the crate docs,
    /// "Counting what the server can see").
    fn finished(&self) {
        let Some(member) = self.ended() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let ended = Ended {
            log: self.keys[0].clone(),
            span_us: self.span_us(),
            member,
            at: std::time::Instant::now(),
        };
        // Queued here, so that [`RedisBudgets::flush_ends`] finds it even
        // before the task runs.
        self.redis.store.push_ended(ended);
        let (store, scripts) = (self.redis.store.clone(), self.redis.scripts.clone());
        runtime.spawn(async move { store.finish_ended(&scripts.finish).await });
    }

    fn observe(&self, limits: RateLimit) -> BudgetFuture<'_, ()> {
        if let Some(local) = &self.local {
            local.observe(&limits);
        }
        let reset_us = |t: SystemTime| {
            t.duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        };
        let max_us = u64::try_from(MAX_HOLD.as_micros()).unwrap_or(u64::MAX);
        let (script, key, args) = match (limits.remaining, limits.reset) {
            (Some(0), reset) => {
                let interval = self.span / self.limit;
                let interval_us = u64::try_from(interval.as_micros()).unwrap_or(u64::MAX);
                let args = [reset.map_or(0, reset_us), max_us, interval_us];
                (&self.redis.scripts.block, &self.keys[1], args)
            }
            (Some(r), Some(reset)) => {
                let reset_in = reset.duration_since(SystemTime::now()).unwrap_or_default();
                if !self.tighter_than_window(r, reset_in.min(MAX_HOLD)) {
                    return Box::pin(std::future::ready(()));
                }
                (
                    &self.redis.scripts.remaining,
                    &self.keys[2],
                    [r, reset_us(reset), max_us],
                )
            }
            _ => return Box::pin(std::future::ready(())),
        };
        Box::pin(async move {
            if self.redis.store.run(script, &[key], &args).await.is_some() {
                self.redis.store.answered();
            }
        })
    }
}

/// Removes a start from the log if dropped armed: the send asking for it was
/// cancelled while the script ran, so the start may be recorded and unused.
struct Forget<'a> {
    store: Option<Arc<Store>>,
    key: &'a str,
    member: &'a str,
    tombstone: &'a str,
}

impl Forget<'_> {
    fn disarm(mut self) {
        self.store = None;
    }
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        let Some(store) = self.store.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let orphan = Orphan {
            log: self.key.to_string(),
            member: self.member.to_string(),
            tombstone: self.tombstone.to_string(),
        };
        runtime.spawn(async move { store.forget(orphan).await });
    }
}

/// What one question to Redis came to.
enum Ask {
    /// Go now: the start is in the log under this name.
    Go(String),
    Down,
    Wait(Duration),
}

/// What asking Redis for a start came to.
enum Shared {
    /// The request may go now: its start is in the log under this name.
    Started(String),
    /// Redis did not answer, or answered a wait that is not sane.
    Down,
    /// Redis's waits for this start add up to more than the cap: the send
    /// fails, and Redis is not judged for it (a budget that other senders
    /// keep full looks the same).
    TooLong,
    /// Redis's wait would end after the send's deadline.
    PastDeadline,
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
        let max = MAX_HOLD + Duration::from_secs(10);
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
    fn an_end_is_taken_as_a_local_ones_first_and_the_shared_are_bounded() {
        let b = RedisBudget::builder("redis://127.0.0.1:1/", "a")
            .build()
            .unwrap();
        b.holds(Some("s1".into()));
        b.holds(None);
        b.holds(Some("s2".into()));
        // Which request ended is not known: the local one is guessed first.
        assert_eq!(b.ended(), None);
        assert_eq!(b.ended().as_deref(), Some("s1"));
        assert_eq!(b.ended().as_deref(), Some("s2"));
        assert_eq!(b.ended(), None, "more ends than slots");
        for i in 0..=MAX_IN_FLIGHT {
            b.holds(Some(i.to_string()));
        }
        // The oldest is forgotten (it counts until its hold runs out).
        assert_eq!(b.ended().as_deref(), Some("1"));
    }

    #[test]
    fn the_password_is_found_decoded() {
        let b = RedisBudget::builder("redis://user:p%40ss%2Bword@127.0.0.1:1/", "a")
            .build()
            .unwrap();
        assert_eq!(
            b.redis.store.secrets.scrub("echo p@ss+word"),
            "echo [redacted]"
        );
        assert!(!format!("{b:?}").contains("p%40ss"));
    }

    #[test]
    fn one_apps_keys_share_a_hash_tag_and_tls_checks_stay_on() {
        let b = RedisBudget::builder("rediss://127.0.0.1:1/", "acme-prod")
            .build()
            .unwrap();
        for k in &b.keys {
            assert!(k.starts_with("intercom-messages:{acme-prod}:"), "{k}");
        }
        let insecure = RedisBudget::builder("rediss://127.0.0.1:1/#insecure", "a").build();
        assert!(insecure.is_err());
        assert!(RedisBudgets::cluster(Vec::<String>::new()).is_err());
    }

    #[test]
    fn the_servers_count_is_kept_only_when_tighter_than_the_window() {
        let b = RedisBudget::builder("redis://127.0.0.1:1/", "a")
            .budget(100, Duration::from_secs(10))
            .build()
            .unwrap();
        assert!(!b.tighter_than_window(500, Duration::from_secs(5)));
        assert!(b.tighter_than_window(50, Duration::from_secs(5)));
        assert!(b.tighter_than_window(500, Duration::from_secs(55)));
    }
}

/// The README's examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
