//! The connection a set of app budgets share: one multiplexed connection to a
//! single Redis, or one cluster connection (one multiplexed connection per
//! node). Every node connection is made here, over a [`Bounded`] stream, with
//! TLS by rustls for `rediss://`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster_async::ClusterConnection;
use redis::{
    AsyncConnectionConfig, ConnectionAddr, ConnectionInfo, IntoConnectionInfo, RedisFuture,
};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use intercom_messages::text::{Secrets, clean};

use crate::bounded::Bounded;
use crate::lock;

/// How long one Redis connection attempt or command may take.
pub(crate) const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// How often an unreachable Redis is tried again.
const RETRY_REDIS_EVERY: Duration = Duration::from_secs(1);

/// Where the budgets live.
// One per store, made once and never moved on a hot path: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Target {
    Single(ConnectionInfo),
    Cluster(redis::cluster::ClusterClient),
}

#[derive(Clone)]
enum Conn {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection<Node>),
}

/// The shared state behind every budget of one `RedisBudgets`.
pub(crate) struct Store {
    pub(crate) target: Target,
    /// The URL with any password removed, for logs and `Debug`.
    pub(crate) url: String,
    /// The Redis password, removed from any Redis text that is logged.
    pub(crate) secrets: Secrets,
    conn: tokio::sync::Mutex<Option<Conn>>,
    down_since: Mutex<Option<Instant>>,
    bad_answer_logged: AtomicBool,
    /// Starts of callers that gave up while Redis did not answer, to remove
    /// once it does; at most [`MAX_ORPHANS`], the oldest dropped first.
    orphans: Mutex<std::collections::VecDeque<Orphan>>,
    /// Requests that ended, still to re-score in their log (the crate docs,
    /// "Counting what the server can see"); at most [`MAX_ORPHANS`], the
    /// oldest dropped first (it then counts until its hold runs out).
    ended: Mutex<std::collections::VecDeque<Ended>>,
    /// A flush of `ended` is running.
    finishing: AtomicBool,
}

/// The most orphaned starts a store remembers while Redis does not answer.
const MAX_ORPHANS: usize = 4096;

/// How long a tombstone keeps a late script from recording its start: a
/// stalled Redis runs a caller's script when it resumes, which the caller
/// cannot see; the tombstone is written once Redis answers again, before or
/// after that script runs, and outlives it.
const TOMBSTONE_MS: u64 = 10 * 60 * 1000;

/// A start whose caller gave up on its script: it may be in the log, or
/// the script may still run (Redis stalled). Removing it and writing its
/// tombstone, in either order with the script, leaves no start.
#[derive(Clone, Debug)]
pub(crate) struct Orphan {
    pub(crate) log: String,
    pub(crate) member: String,
    pub(crate) tombstone: String,
}

/// A request that can no longer reach the server: its entry in `log` is to
/// be re-scored to the time it ended ([`crate::scripts::FINISH`]).
#[derive(Clone, Debug)]
pub(crate) struct Ended {
    pub(crate) log: String,
    /// The budget's window (µs): the log is kept at least that long.
    pub(crate) span_us: u64,
    pub(crate) member: String,
    /// When it ended, on this process's monotonic clock.
    pub(crate) at: std::time::Instant,
}

impl Store {
    pub(crate) fn new(target: Target, url: String, secrets: Secrets) -> Arc<Self> {
        Arc::new(Self {
            target,
            url,
            secrets,
            conn: tokio::sync::Mutex::new(None),
            down_since: Mutex::new(None),
            bad_answer_logged: AtomicBool::new(false),
            orphans: Mutex::new(std::collections::VecDeque::new()),
            ended: Mutex::new(std::collections::VecDeque::new()),
            finishing: AtomicBool::new(false),
        })
    }

    /// Whether Redis answered the last time it was asked.
    pub(crate) fn is_connected(&self) -> bool {
        lock(&self.down_since).is_none()
    }

    /// A connection, or `None` while Redis is down and not due a new try.
    /// Dropped while connecting, it leaves nothing: the lock is released and
    /// nothing was stored.
    async fn connection(&self) -> Option<Conn> {
        let mut slot = self.conn.lock().await;
        if let Some(c) = slot.as_ref() {
            return Some(c.clone());
        }
        let due = lock(&self.down_since).is_none_or(|t| t.elapsed() >= RETRY_REDIS_EVERY);
        if !due {
            return None;
        }
        let made = match &self.target {
            Target::Single(info) => connect(info.clone(), config()).await.map(Conn::Single),
            Target::Cluster(client) => tokio::time::timeout(
                REDIS_TIMEOUT * 4,
                client.get_async_generic_connection::<Node>(),
            )
            .await
            .unwrap_or_else(|_| Err(timed_out()))
            .map(Conn::Cluster),
        };
        match made {
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
    /// being unavailable, and logged once for the life of the store.
    pub(crate) async fn answered_nonsense(&self, answer: i64, max: Duration) {
        *self.conn.lock().await = None;
        *lock(&self.down_since) = Some(Instant::now());
        if !self.bad_answer_logged.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                redis = %self.url,
                answer,
                max_wait_ms = max.as_millis() as u64,
                "rate budget: Redis answered a wait that is not sane; treated as unavailable"
            );
        }
    }

    /// Redis gave a good answer: it is back, if it was down.
    pub(crate) fn answered(&self) {
        if lock(&self.down_since).take().is_some() {
            tracing::info!(redis = %self.url, "rate budget: Redis back");
        }
    }

    /// Runs a script; a failure marks Redis down and drops the connection.
    /// Whether the answer makes Redis count as back is the caller's to judge.
    pub(crate) async fn run(
        &self,
        script: &redis::Script,
        keys: &[&str],
        args: &[u64],
    ) -> Option<i64> {
        self.run_with(script, keys, args, &[]).await
    }

    /// [`Store::run`] with a last argument that is text.
    pub(crate) async fn run_named(
        &self,
        script: &redis::Script,
        keys: &[&str],
        args: &[u64],
        name: &str,
    ) -> Option<i64> {
        self.run_with(script, keys, args, &[name]).await
    }

    /// [`Store::run`] with last arguments that are text.
    pub(crate) async fn run_with(
        &self,
        script: &redis::Script,
        keys: &[&str],
        args: &[u64],
        names: &[&str],
    ) -> Option<i64> {
        let conn = self.connection().await?;
        let mut invocation = script.prepare_invoke();
        for k in keys {
            invocation.key(*k);
        }
        for a in args {
            invocation.arg(*a);
        }
        for n in names {
            invocation.arg(*n);
        }
        let answer = match conn {
            Conn::Single(mut c) => invocation.invoke_async::<i64>(&mut c).await,
            Conn::Cluster(mut c) => invocation.invoke_async::<i64>(&mut c).await,
        };
        match answer {
            Ok(v) => Some(v),
            Err(e) => {
                *self.conn.lock().await = None;
                self.went_down(&e);
                None
            }
        }
    }
}

impl Store {
    /// Forgets a start a send dropped before it learnt of it: writes its
    /// tombstone and removes it from the log now, or, while Redis does not
    /// answer, once it does ([`Store::forget_orphans`]).
    pub(crate) async fn forget(&self, orphan: Orphan) {
        {
            let mut orphans = lock(&self.orphans);
            if orphans.len() >= MAX_ORPHANS {
                orphans.pop_front();
            }
            orphans.push_back(orphan);
        }
        self.forget_orphans().await;
    }

    /// Writes the tombstone of every orphaned start and removes it from the
    /// log; an orphan leaves the list only once Redis confirmed both. Cancel-
    /// safe: dropped midway, the rest stay for the next time.
    pub(crate) async fn forget_orphans(&self) {
        let pending: Vec<Orphan> = lock(&self.orphans).iter().cloned().collect();
        if pending.is_empty() {
            return;
        }
        let Some(conn) = self.connection().await else {
            return;
        };
        for orphan in pending {
            let mut pipe = redis::pipe();
            // Not a transaction (an ACL user may lack `+@transaction`): the
            // two hold in either order, like the script and the two.
            pipe.cmd("SET")
                .arg(&orphan.tombstone)
                .arg(1)
                .arg("PX")
                .arg(TOMBSTONE_MS)
                .ignore()
                .cmd("ZREM")
                .arg(&orphan.log)
                .arg(&orphan.member)
                .ignore();
            let done = match conn.clone() {
                Conn::Single(mut c) => pipe.query_async::<()>(&mut c).await,
                Conn::Cluster(mut c) => pipe.query_async::<()>(&mut c).await,
            };
            if done.is_err() {
                return;
            }
            lock(&self.orphans).retain(|o| o.member != orphan.member);
        }
    }
}

impl Store {
    /// Queues a request that ended, to re-score ([`crate::scripts::FINISH`])
    /// by the next [`Store::finish_ended`].
    pub(crate) fn push_ended(&self, ended: Ended) {
        let mut queue = lock(&self.ended);
        if queue.len() >= MAX_ORPHANS {
            queue.pop_front();
        }
        queue.push_back(ended);
    }

    /// Re-scores every ended request waiting, whether or not a flush runs
    /// elsewhere, until none waits or Redis does not answer.
    pub(crate) async fn flush_ended(&self, script: &redis::Script) {
        while !lock(&self.ended).is_empty() {
            if !self.finish_once(script).await {
                return;
            }
        }
    }

    /// Re-scores every ended request waiting, one script a log; a request
    /// leaves the queue only once Redis confirmed it. One flush at a time:
    /// while one runs, others return at once, and it takes what arrives
    /// meanwhile too. Cancel-safe: dropped midway, the rest stay for the
    /// next time. Late or twice, a re-score only counts longer. No round
    /// trip when none wait.
    pub(crate) async fn finish_ended(&self, script: &redis::Script) {
        loop {
            if lock(&self.ended).is_empty() || self.finishing.swap(true, Ordering::AcqRel) {
                return;
            }
            let flushing = Flushing(&self.finishing);
            let confirmed = self.finish_once(script).await;
            drop(flushing);
            // Ends queued while the flag was up, by callers that returned.
            if !confirmed {
                return;
            }
        }
    }

    /// One pass of [`Store::finish_ended`]: whether Redis confirmed all.
    async fn finish_once(&self, script: &redis::Script) -> bool {
        let pending: Vec<Ended> = lock(&self.ended).iter().cloned().collect();
        // Each log's members, each followed by its end's age (µs).
        let mut logs: std::collections::BTreeMap<(&str, u64), Vec<String>> = Default::default();
        for e in &pending {
            let age = u64::try_from(e.at.elapsed().as_micros()).unwrap_or(u64::MAX);
            let names = logs.entry((e.log.as_str(), e.span_us)).or_default();
            names.push(e.member.clone());
            names.push(age.to_string());
        }
        for ((log, span_us), names) in logs {
            let args: Vec<&str> = names.iter().map(String::as_str).collect();
            if self
                .run_with(script, &[log], &[span_us], &args)
                .await
                .is_none()
            {
                return false;
            }
            let done: std::collections::HashSet<&str> = args.into_iter().step_by(2).collect();
            lock(&self.ended).retain(|e| e.log != log || !done.contains(e.member.as_str()));
        }
        true
    }
}

/// Lowers the flag of a flush when the flush ends or is dropped.
struct Flushing<'a>(&'a AtomicBool);

impl Drop for Flushing<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

fn config() -> AsyncConnectionConfig {
    AsyncConnectionConfig::new()
        .set_connection_timeout(Some(REDIS_TIMEOUT))
        .set_response_timeout(Some(REDIS_TIMEOUT))
}

fn timed_out() -> redis::RedisError {
    redis::RedisError::from(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "Redis did not answer in time",
    ))
}

/// A stream the `redis` crate can drive.
trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<S: AsyncRead + AsyncWrite + Send + Unpin> Stream for S {}

/// One node's connection: TCP (and TLS for `rediss://`), replies bounded,
/// then the `redis` crate's handshake (`AUTH` with the URL's username and
/// password, `SELECT`) and multiplexing.
async fn connect(
    info: ConnectionInfo,
    config: AsyncConnectionConfig,
) -> redis::RedisResult<MultiplexedConnection> {
    let handshake = async {
        let (host, port, tls) = match info.addr() {
            ConnectionAddr::Tcp(host, port) => (host.clone(), *port, false),
            ConnectionAddr::TcpTls {
                host,
                port,
                insecure: false,
                ..
            } => (host.clone(), *port, true),
            _ => {
                return Err(redis::RedisError::from((
                    redis::ErrorKind::InvalidClientConfig,
                    "only redis:// and rediss:// (with certificate checks) are supported",
                )));
            }
        };
        let tcp = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
        let _ = tcp.set_nodelay(true);
        let stream: Box<dyn Stream> = if tls {
            Box::new(tls_connect(&host, tcp).await?)
        } else {
            Box::new(tcp)
        };
        let (conn, driver) = MultiplexedConnection::new_with_config(
            info.redis_settings(),
            Bounded::new(stream),
            config,
        )
        .await?;
        tokio::spawn(driver);
        Ok(conn)
    };
    tokio::time::timeout(REDIS_TIMEOUT * 2, handshake)
        .await
        .unwrap_or_else(|_| Err(timed_out()))
}

/// TLS by rustls, on the process's rustls provider (or the one the crate's
/// TLS feature brings), checking the server's certificate against the
/// system's roots (`SSL_CERT_FILE` and `SSL_CERT_DIR` are honoured).
async fn tls_connect(
    host: &str,
    tcp: tokio::net::TcpStream,
) -> redis::RedisResult<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let config = tls_config().map_err(|why| {
        redis::RedisError::from((
            redis::ErrorKind::InvalidClientConfig,
            "TLS",
            why.to_string(),
        ))
    })?;
    let name = rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|_| {
        redis::RedisError::from((
            redis::ErrorKind::InvalidClientConfig,
            "not a TLS server name",
        ))
    })?;
    Ok(tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await?)
}

/// The client TLS configuration, built once per process.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, &'static str> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, &'static str>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = rustls::crypto::CryptoProvider::get_default()
                .cloned()
                .or_else(feature_provider)
                .ok_or("no rustls crypto provider: enable the `rustls` or `rustls-ring` feature")?;
            let mut roots = rustls::RootCertStore::empty();
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err(
                    "no root certificates found (system store, SSL_CERT_FILE, SSL_CERT_DIR)",
                );
            }
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|_| "the rustls provider supports no TLS version")?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Ok(Arc::new(config))
        })
        .clone()
}

/// The provider the crate's TLS feature brings, when none is installed.
fn feature_provider() -> Option<Arc<rustls::crypto::CryptoProvider>> {
    #[cfg(feature = "rustls-ring")]
    return Some(Arc::new(rustls::crypto::ring::default_provider()));
    #[cfg(all(feature = "rustls", not(feature = "rustls-ring")))]
    return Some(Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    #[allow(unreachable_code)]
    None
}

/// A cluster node's connection, made by [`connect`].
#[derive(Clone)]
struct Node(MultiplexedConnection);

impl ConnectionLike for Node {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a redis::Cmd) -> RedisFuture<'a, redis::Value> {
        self.0.req_packed_command(cmd)
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<redis::Value>> {
        self.0.req_packed_commands(pipeline, offset, count)
    }

    fn get_db(&self) -> i64 {
        self.0.get_db()
    }
}

impl redis::cluster_async::Connect for Node {
    fn connect_with_config<'a, T>(info: T, config: AsyncConnectionConfig) -> RedisFuture<'a, Self>
    where
        T: IntoConnectionInfo + Send + 'a,
    {
        Box::pin(async move {
            connect(info.into_connection_info()?, config)
                .await
                .map(Node)
        })
    }
}
