//! [`Client`]: configured once, cheap to clone, shared across tasks; sends a
//! [`crate::Message`] and returns the created message or a [`SendError`].
//!
//! The request is built here rather than through the generated client's
//! `send`: the token must go on each request even when the caller brings their
//! own `reqwest::Client`, and an undecodable answer must keep its status and
//! body. The body is the generated request type, encoded by `serde_json`; one
//! attempt is [`crate::send::attempt`], the retries [`crate::send::retry`], the
//! configuration from the environment [`crate::send::env`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use crate::message::IntoMessage;
use crate::message::version::Version;
use crate::send::attempt::{Target, send_once};
use crate::send::budget::RateBudget;
use crate::send::budget::pacer::{Pacer, RATE_LIMIT_WINDOW};
use crate::send::config::{BaseUrl, ConfigError, Region};
use crate::send::error::SendError;
use crate::send::observe::{self, Measure, Operation, Record};
use crate::send::response::SentMessage;
use crate::send::retry::{RetryPolicy, retrying};
use crate::send::wire;
use crate::text::Secrets;

/// How long one request may take in all, unless [`ClientBuilder::timeout`] says.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends messages to Intercom. Clones share one connection pool and one
/// rate budget.
///
/// ```no_run
/// use intercom_messages::{Client, Contact, Message, Region, Version};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::builder("my-access-token")
///     .region(Region::Eu)
///     .version(Version::V2_11)
///     .build()?;
/// let sent = client
///     .send(Message::from_admin(394051).to(Contact::user_id("70")).in_app("Hello"))
///     .await?;
/// println!("created {}", sent.id());
/// # Ok(()) }
/// ```
///
/// # Observability
#[doc = include_str!("observe.md")]
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Whether `http` is the crate's own client (no redirects), not a caller's.
    own_http: bool,
    url: reqwest::Url,
    /// `POST /conversations/search` under the same base.
    search_url: reqwest::Url,
    base: BaseUrl,
    auth: HeaderValue,
    /// The token, removed from every piece of server text an error keeps.
    secrets: Secrets,
    version: Version,
    timeout: Duration,
    deadline: Option<Duration>,
    retry: RetryPolicy,
    budget: Option<Arc<dyn RateBudget>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("version", &self.inner.version)
            .field("token", &"[redacted]")
            .field("timeout", &self.inner.timeout)
            .field("deadline", &self.inner.deadline)
            .field("retry", &self.inner.retry)
            .field("pacing", &self.inner.budget)
            .finish()
    }
}

/// Options for one send ([`Client::send_with`]); what is unset is the
/// client's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use = "options apply only once given to `Client::send_with`"]
pub struct SendOptions {
    pub(crate) version: Option<Version>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
}

impl SendOptions {
    /// No option set: the client's version, timeout and retry policy.
    pub fn new() -> Self {
        Self::default()
    }
    /// The version of this send.
    pub fn version(mut self, version: Version) -> Self {
        self.version = Some(version);
        self
    }
    /// How long one request of this send may take in all.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }
    /// How long this whole send may take ([`ClientBuilder::deadline`]).
    pub fn deadline(mut self, d: Duration) -> Self {
        self.deadline = Some(d);
        self
    }
    /// How this send is retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
}

/// Configures a [`Client`].
#[must_use = "a builder does nothing until `.build()`"]
pub struct ClientBuilder {
    token: SecretString,
    base: Result<BaseUrl, ConfigError>,
    version: Version,
    connect_timeout: Duration,
    timeout: Duration,
    deadline: Option<Duration>,
    retry: RetryPolicy,
    pacing: Pacing,
    http: Option<reqwest::Client>,
}

/// What paces a client's sends.
enum Pacing {
    None,
    Local(u32, Duration),
    Budget(Arc<dyn RateBudget>),
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("token", &"[redacted]")
            .field("base", &self.base.as_ref().map(BaseUrl::as_str).ok())
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The region (US by default).
    pub fn region(mut self, region: Region) -> Self {
        self.base = Ok(region.into());
        self
    }
    /// A custom base URL: HTTPS, or HTTP to a loopback address.
    pub fn base_url(mut self, url: &str) -> Self {
        self.base = BaseUrl::parse(url);
        self
    }
    /// The version sent when a send does not choose one ([`Version::default`] otherwise).
    pub fn version(mut self, version: Version) -> Self {
        self.version = version;
        self
    }
    /// How long connecting may take (10 s by default); ignored with
    /// [`ClientBuilder::http_client`]. It is kept below the total
    /// [`ClientBuilder::timeout`], so that a server that never accepts is
    /// reported as "could not connect" (nothing delivered), not as a timeout
    /// after which the message may have been delivered.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }
    /// How long one request may take in all (30 s by default). It bounds
    /// each request, not the wait for the rate budget nor the waits between
    /// retries: [`ClientBuilder::deadline`] bounds the whole send.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }
    /// How long a whole send may take, counted from when its future is first
    /// polled: the wait for the rate budget, every attempt and every wait
    /// between them. None by default. Prefer it to wrapping a send in
    /// `tokio::time::timeout`: a dropped send says nothing, while a deadline
    /// ends in [`SendError::DeadlineExceeded`], which keeps the verdict.
    ///
    /// A budget slot that cannot come before the deadline fails at once
    /// ([`RateBudget::acquire_by`]), and a retry whose wait would end past it
    /// is not waited for: the last attempt's error is returned, with its
    /// verdict. Set per send with [`SendOptions::deadline`].
    pub fn deadline(mut self, d: Duration) -> Self {
        self.deadline = Some(d);
        self
    }
    /// How failed sends are retried ([`RetryPolicy::default`] otherwise).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
    /// Paces sends so that Intercom sees at most `requests` arrive in any
    /// 10-second window, shared by all clones of the client: a request holds
    /// its slot from its start until one window (2 % wider, for jitter) after
    /// its answer, so however a burst spreads on its way, a window never
    /// holds more. A burst within the budget goes at once, and only what
    /// exceeds it waits. It also follows
    /// Intercom's `X-RateLimit-Remaining` and `X-RateLimit-Reset`: at most
    /// what remains goes before the reset, and nothing while none remains.
    /// A send cancelled while it waits leaves nothing behind. Off by default.
    /// A 1,000/minute app has about 166 per window.
    pub fn pacing(self, requests_per_10s: u32) -> Self {
        self.pacing_per(requests_per_10s, RATE_LIMIT_WINDOW)
    }
    /// Like [`ClientBuilder::pacing`] with another window length, for other
    /// limits (or for tests that cannot wait 10 s).
    pub fn pacing_per(mut self, requests: u32, window: Duration) -> Self {
        self.pacing = Pacing::Local(requests, window);
        self
    }
    /// Paces sends through a [`RateBudget`] instead of the in-process pacer:
    /// a slot before each attempt, and the rate-limit headers of each answer
    /// after it. The `intercom-messages-redis` crate's `RedisBudget` shares one budget
    /// across processes and machines. Replaces [`ClientBuilder::pacing`].
    pub fn rate_budget(mut self, budget: impl RateBudget + 'static) -> Self {
        self.pacing = Pacing::Budget(Arc::new(budget));
        self
    }
    /// Reuses a caller's `reqwest::Client` (its pool, proxy, TLS and redirect
    /// settings), used as it is. The message still never goes to a second
    /// server, but every transport error may then have been delivered (so
    /// none is retried by default): what it keeps and loses is listed in the
    /// [`SendError`] docs.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the client, checking the configuration.
    pub fn build(self) -> Result<Client, ConfigError> {
        let base = self.base?;
        let token = self.token.expose_secret();
        if token.trim().is_empty() {
            return Err(ConfigError::BadToken);
        }
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| ConfigError::BadToken)?;
        auth.set_sensitive(true);
        let secrets = Secrets::new().with(token);
        let budget: Option<Arc<dyn RateBudget>> = match self.pacing {
            Pacing::Local(requests, window) => Some(Arc::new(Pacer::new(requests, window)?)),
            Pacing::Budget(b) => Some(b),
            Pacing::None => None,
        };
        let own_http = self.http.is_none();
        let http = match self.http {
            Some(c) => c,
            None => {
                let loopback = base.is_loopback();
                let mut b = intercom_messages_api::client_builder()
                    .connect_timeout(self.connect_timeout.min(self.timeout.mul_f64(0.9)))
                    // A redirect would re-send the message elsewhere (307/308)
                    // or turn it into a GET (301-303): never follow one.
                    .redirect(reqwest::redirect::Policy::none())
                    // HTTP/2 refusals are retried by `RetryPolicy`, which
                    // counts them, not below it (see `send::attempt::post`).
                    .retry(reqwest::retry::never())
                    .https_only(!loopback);
                if loopback {
                    // A system proxy would see the token in clear.
                    b = b.no_proxy();
                }
                b.build().map_err(ConfigError::Http)?
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                own_http,
                url: base.url_of("messages"),
                search_url: base.url_of("conversations/search"),
                base,
                auth,
                secrets,
                version: self.version,
                timeout: self.timeout,
                deadline: self.deadline,
                retry: self.retry,
                budget,
            }),
        })
    }
}

impl Client {
    /// Starts configuring a client with this access token.
    pub fn builder(token: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            token: SecretString::from(token.into()),
            base: Ok(Region::default().into()),
            version: Version::default(),
            connect_timeout: Duration::from_secs(10),
            timeout: DEFAULT_TIMEOUT,
            deadline: None,
            retry: RetryPolicy::default(),
            pacing: Pacing::None,
            http: None,
        }
    }

    /// The version sent when a send does not choose one.
    pub fn version(&self) -> Version {
        self.inner.version
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// The URL of `POST /conversations/search`.
    pub(crate) fn search_url(&self) -> &reqwest::Url {
        &self.inner.search_url
    }

    /// The client's retry policy.
    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Sends a message with the client's version.
    ///
    /// The message is checked and encoded when `send` is called: it moves
    /// into the generated request type ([`crate::Message::into_request`]),
    /// encoded by `serde_json`, and the future holds the encoded body and
    /// nothing else (a text JSON escapes nothing in is sent from the
    /// message's own buffer, without a copy).
    ///
    /// **Bound it with a deadline, not an outer timeout**
    /// ([`ClientBuilder::deadline`] says why). A send dropped by
    /// `tokio::time::timeout` or a `select!` leaves nothing behind, but is
    /// counted as outcome `cancelled`.
    pub fn send(
        &self,
        message: impl IntoMessage,
    ) -> impl Future<Output = Result<SentMessage, SendError>> + Send + '_ {
        self.send_with_version(message, self.inner.version)
    }

    /// Sends a message with a chosen version. The message is checked against
    /// that version first, when this is called; nothing is sent when a rule
    /// fails. The body is held once, as [`Client::send`] says.
    pub fn send_with_version(
        &self,
        message: impl IntoMessage,
        version: Version,
    ) -> impl Future<Output = Result<SentMessage, SendError>> + Send + '_ {
        self.send_with(message, SendOptions::new().version(version))
    }

    /// Sends a message with options for this send only: its version, its
    /// total timeout per request, its retry policy. What an option leaves
    /// unset is the client's. The message is checked against the version
    /// when this is called; nothing is sent when a rule fails.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use intercom_messages::{Client, Contact, Message, RetryPolicy, SendOptions, Version};
    ///
    /// # async fn demo(client: Client) -> Result<(), intercom_messages::SendError> {
    /// let urgent = SendOptions::new()
    ///     .version(Version::V2_14)
    ///     .timeout(Duration::from_secs(5))
    ///     .retry(RetryPolicy::never());
    /// client
    ///     .send_with(Message::from_admin(1).to(Contact::user_id("70")).in_app("Now"), urgent)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn send_with(
        &self,
        message: impl IntoMessage,
        options: SendOptions,
    ) -> impl Future<Output = Result<SentMessage, SendError>> + Send + '_ {
        let version = options.version.unwrap_or(self.inner.version);
        // Only what a failed check needs to say is kept beside the body.
        let body = wire::encode(message.into_message(), version).map_err(Box::new);
        let span = observe::span(Operation::Send, version, &self.inner.url);
        async move {
            let measure = Measure::start(options.deadline.or(self.inner.deadline));
            let record = Record::open(&measure, version);
            let result = match body {
                Err(e) => Err(SendError::Invalid(*e)),
                Ok(body) => {
                    let target = self.target(&self.inner.url, version, &options, &measure);
                    let policy = options.retry.as_ref().unwrap_or(&self.inner.retry);
                    // Each arm builds its own future, and the one with a
                    // deadline is boxed: the common send's future stays small.
                    match measure.deadline() {
                        None => retrying(policy, &measure, || send_once(&target, &body)).await,
                        Some(at) => Box::pin(tokio::time::timeout_at(
                            at,
                            retrying(policy, &measure, || send_once(&target, &body)),
                        ))
                        .await
                        .unwrap_or_else(|_| Err(measure.deadline_passed())),
                    }
                }
            };
            record.close(&result);
            result
        }
        .instrument(span)
    }

    /// What the attempts of one send (or search) to `url` go by: the
    /// client's settings with the send's options.
    pub(crate) fn target<'a>(
        &'a self,
        url: &'a reqwest::Url,
        version: Version,
        options: &SendOptions,
        measure: &'a Measure,
    ) -> Target<'a> {
        let inner = &*self.inner;
        Target {
            http: &inner.http,
            own_http: inner.own_http,
            url,
            auth: &inner.auth,
            version,
            timeout: options.timeout.unwrap_or(inner.timeout),
            budget: inner.budget.as_deref(),
            secrets: &inner.secrets,
            measure,
        }
    }
}
