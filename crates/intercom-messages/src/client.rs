//! [`Client`]: configured once, cheap to clone, shared across tasks; sends a
//! [`Message`] and returns the created message or a [`SendError`].
//!
//! The request is built here rather than through the generated client's
//! `send`: the token must go on each request even when the caller brings their
//! own `reqwest::Client`, and an undecodable answer must keep its status and
//! body. The body is the generated request type, encoded by `serde_json`; the
//! answer is decoded as the generated `Message` or `ErrorList`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use intercom_messages_api::types;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION, USER_AGENT,
};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use crate::budget::RateBudget;
use crate::config::{BaseUrl, ConfigError, Region};
use crate::pacing::Pacer;
use crate::retry::{RetryPolicy, retry_after};
use crate::secrets::Secrets;
use crate::send_error::{
    ApiError, BODY_EXCERPT_LIMIT, RESPONSE_BODY_LIMIT, RateLimit, SERVER_TEXT_LIMIT, SendError,
    clean,
};
use crate::{Message, SentMessage, Version};

/// The `User-Agent` sent with every request.
pub const USER_AGENT_VALUE: &str =
    concat!("intercom-messages/", env!("CARGO_PKG_VERSION"), " (Rust)");

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
/// println!("created {}", sent.id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Whether `http` is the crate's own client (no redirects), not a caller's.
    own_http: bool,
    url: reqwest::Url,
    base: BaseUrl,
    auth: HeaderValue,
    /// The token, removed from every piece of server text an error keeps.
    secrets: Secrets,
    version: Version,
    timeout: Duration,
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
            .field("retry", &self.inner.retry)
            .field("pacing", &self.inner.budget)
            .finish()
    }
}

/// Configures a [`Client`].
pub struct ClientBuilder {
    token: SecretString,
    base: Result<BaseUrl, ConfigError>,
    version: Version,
    connect_timeout: Duration,
    timeout: Duration,
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
    /// How long one request may take in all (30 s by default).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }
    /// How failed sends are retried ([`RetryPolicy::default`] otherwise).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
    /// Paces sends to at most `requests` per 10-second window, shared by all
    /// clones of the client. It also follows Intercom's `X-RateLimit-Remaining`
    /// and `X-RateLimit-Reset`: what remains is spread until the reset, and
    /// nothing is sent while none remains. Off by default. A 1,000/minute app
    /// has about 166 per window.
    pub fn pacing(mut self, requests_per_10s: u32) -> Self {
        self.pacing = Pacing::Local(requests_per_10s, crate::WINDOW);
        self
    }
    /// Like [`ClientBuilder::pacing`] with another window length, for other
    /// limits (or for tests that cannot wait 10 s).
    pub fn pacing_per(mut self, requests: u32, window: Duration) -> Self {
        self.pacing = Pacing::Local(requests, window);
        self
    }
    /// Paces sends through a [`RateBudget`] instead of the in-process pacer:
    /// a slot before each attempt, and the rate-limit headers of each answer
    /// after it. With the `redis` feature, `RedisBudget` shares one budget
    /// across processes and machines. Replaces [`ClientBuilder::pacing`].
    pub fn rate_budget(mut self, budget: impl RateBudget + 'static) -> Self {
        self.pacing = Pacing::Budget(Arc::new(budget));
        self
    }
    /// Reuses a caller's `reqwest::Client` (its pool, proxy, TLS and redirect
    /// settings). The crate's own client follows no redirect, speaks HTTPS
    /// only (plain HTTP only to a loopback base URL) and uses no proxy for a
    /// loopback base URL. A caller's client is used as it is: a send it
    /// redirected away from the configured URL ends as
    /// [`SendError::Redirected`], and since reqwest cannot tell whether a
    /// failed connection was to a redirected hop, every transport error with
    /// a caller's client may have been delivered (so none is retried by
    /// default).
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
                url: base.messages_url(),
                base,
                auth,
                secrets,
                version: self.version,
                timeout: self.timeout,
                retry: self.retry,
                budget,
            }),
        })
    }
}

/// The shared budget the `INTERCOM_RATE_BUDGET_*` variables describe.
#[cfg(feature = "redis")]
fn redis_budget_from(
    var: &impl Fn(&str) -> Option<String>,
    url: String,
) -> Result<crate::RedisBudget, ConfigError> {
    let bad = |reason: String| ConfigError::BadRateBudget { reason };
    let app = var("INTERCOM_RATE_BUDGET_APP")
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| {
            bad("INTERCOM_RATE_BUDGET_REDIS_URL is set but INTERCOM_RATE_BUDGET_APP (the budget's name) is not".into())
        })?;
    let per_10s = match var("INTERCOM_RATE_BUDGET_PER_10S") {
        None => 166,
        Some(v) => v.trim().parse().map_err(|_| {
            bad(format!(
                "INTERCOM_RATE_BUDGET_PER_10S is `{}`: expected a whole number",
                crate::send_error::clean(&v)
            ))
        })?,
    };
    let when = match var("INTERCOM_RATE_BUDGET_WHEN_DOWN").as_deref().map(str::trim) {
        None | Some("") => crate::Unavailable::FallBack { fraction: 0.25 },
        Some("fail") => crate::Unavailable::Fail,
        Some(v) => crate::Unavailable::FallBack {
            fraction: v.parse().map_err(|_| {
                bad(format!(
                    "INTERCOM_RATE_BUDGET_WHEN_DOWN is `{}`: expected `fail` or a fraction such as 0.25",
                    crate::send_error::clean(v)
                ))
            })?,
        },
    };
    crate::RedisBudget::builder(url, app)
        .budget(per_10s, crate::WINDOW)
        .when_unavailable(when)
        .build()
}

/// Without the `redis` feature a shared budget cannot be honoured: say so
/// rather than send unpaced.
#[cfg(not(feature = "redis"))]
fn redis_budget_from(
    _var: &impl Fn(&str) -> Option<String>,
    _url: String,
) -> Result<crate::pacing::Pacer, ConfigError> {
    Err(ConfigError::BadRateBudget {
        reason: "INTERCOM_RATE_BUDGET_REDIS_URL is set but this build lacks the `redis` feature"
            .into(),
    })
}

impl Client {
    /// Starts configuring a client with this access token.
    pub fn builder(token: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            token: SecretString::from(token.into()),
            base: Ok(Region::default().into()),
            version: Version::default(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            pacing: Pacing::None,
            http: None,
        }
    }

    /// A client from `INTERCOM_TOKEN` (required), `INTERCOM_REGION` (`us`,
    /// `eu`, `au` or a base URL; US by default) and `INTERCOM_VERSION` (a
    /// version; [`Version::default`] otherwise). With the `redis` feature,
    /// `INTERCOM_RATE_BUDGET_REDIS_URL` shares a rate budget through Redis:
    /// `INTERCOM_RATE_BUDGET_APP` names it (required),
    /// `INTERCOM_RATE_BUDGET_PER_10S` sizes it (166 by default) and
    /// `INTERCOM_RATE_BUDGET_WHEN_DOWN` is `fail` or the fraction to pace at
    /// alone while Redis is down (0.25 by default). Without the feature, a set
    /// `INTERCOM_RATE_BUDGET_REDIS_URL` is a [`ConfigError::BadRateBudget`].
    pub fn from_env() -> Result<Client, ConfigError> {
        Self::builder_from(|k| std::env::var(k).ok())?.build()
    }

    /// [`Client::from_env`] over any source of variables, for callers that keep
    /// configuration elsewhere; returns the builder for further settings.
    pub fn builder_from(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<ClientBuilder, ConfigError> {
        let token = var("INTERCOM_TOKEN").ok_or(ConfigError::MissingToken)?;
        let mut b = Client::builder(token);
        if let Some(region) = var("INTERCOM_REGION").filter(|r| !r.trim().is_empty()) {
            b = match Region::parse(&region) {
                Some(r) => b.region(r),
                None if region.contains("://") => b.base_url(&region),
                None => {
                    return Err(ConfigError::BadRegion {
                        value: crate::send_error::clean(&region),
                    });
                }
            };
        }
        if let Some(v) = var("INTERCOM_VERSION").filter(|v| !v.trim().is_empty()) {
            b = b.version(v.parse()?);
        }
        if let Some(url) = var("INTERCOM_RATE_BUDGET_REDIS_URL").filter(|v| !v.trim().is_empty()) {
            b = b.rate_budget(redis_budget_from(&var, url)?);
        }
        Ok(b)
    }

    /// The version sent when a send does not choose one.
    pub fn version(&self) -> Version {
        self.inner.version
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// Sends a message with the client's version.
    pub async fn send(&self, message: impl Into<Message>) -> Result<SentMessage, SendError> {
        self.send_with_version(message, self.inner.version).await
    }

    /// Sends a message with a chosen version. The message is checked against
    /// that version first; nothing is sent when a rule fails.
    pub async fn send_with_version(
        &self,
        message: impl Into<Message>,
        version: Version,
    ) -> Result<SentMessage, SendError> {
        let request = message.into().to_request(version)?;
        let body = serde_json::to_vec(&request).expect("the generated request types always encode");
        let span = tracing::info_span!(
            "intercom.send",
            version = %version,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        self.send_bytes(body, version).instrument(span).await
    }

    fn headers(&self, version: Version) -> HeaderMap {
        let mut h = HeaderMap::with_capacity(5);
        h.insert(AUTHORIZATION, self.inner.auth.clone());
        h.insert(
            "intercom-version",
            HeaderValue::from_static(version.as_str()),
        );
        h.insert(ACCEPT, HeaderValue::from_static("application/json"));
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        h.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        h
    }

    async fn send_bytes(&self, body: Vec<u8>, version: Version) -> Result<SentMessage, SendError> {
        let policy = &self.inner.retry;
        // Bytes: cloning it for a retry is a reference count, not a copy.
        let body = bytes::Bytes::from(body);
        // Whether an earlier attempt may have delivered the message: once one
        // may have, every final error says so.
        let mut earlier_may_have_delivered = false;
        let mut attempt = 0u32;
        let error = loop {
            attempt += 1;
            tracing::Span::current().record("attempt", attempt);
            let last = attempt >= policy.max_attempts;
            let error = match self.attempt(body.clone(), version).await {
                Ok(sent) => return Ok(sent),
                Err(Failure::RateLimited { mut error, wait }) => {
                    if last || wait > policy.max_wait {
                        if let SendError::RateLimited { attempts, .. } = &mut error {
                            *attempts = attempt;
                        }
                        break error;
                    }
                    let wait = policy.jittered(wait);
                    tracing::warn!(
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        "rate limited; retrying"
                    );
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Err(Failure::Other(error)) => error,
            };
            let may_have_been_delivered = error.may_have_been_delivered();
            let retryable = match &error {
                SendError::Transport { .. } if !may_have_been_delivered => true,
                // RFC 9110: the server did not receive the whole request.
                _ if error.status() == Some(408) => true,
                SendError::Transport { .. } | SendError::Server { .. } => {
                    policy.retry_possibly_delivered
                }
                _ => false,
            };
            if last || !retryable {
                break error;
            }
            earlier_may_have_delivered |= may_have_been_delivered;
            let wait = policy.backoff(attempt);
            let wait_ms = wait.as_millis() as u64;
            if let SendError::Server { status, .. } = &error {
                tracing::warn!(
                    attempt,
                    status,
                    wait_ms,
                    "server error; retrying (opted in, may duplicate)"
                );
            } else {
                tracing::warn!(attempt, may_have_been_delivered, wait_ms, error = %error, "retrying after a transport error");
            }
            tokio::time::sleep(wait).await;
        };
        Err(
            if earlier_may_have_delivered && !error.may_have_been_delivered() {
                SendError::AfterPossibleDelivery {
                    attempts: attempt,
                    last: Box::new(error),
                }
            } else {
                error
            },
        )
    }

    /// One request and its answer.
    async fn attempt(&self, body: bytes::Bytes, version: Version) -> Result<SentMessage, Failure> {
        let inner = &self.inner;
        let span = tracing::Span::current();
        if let Some(b) = &inner.budget {
            b.acquire()
                .await
                .map_err(|e| Failure::Other(SendError::BudgetUnavailable(e)))?;
        }
        let sent = inner
            .http
            .post(inner.url.clone())
            .headers(self.headers(version))
            .timeout(inner.timeout)
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                // A connect error means the request was never written, when it
                // comes from the configured URL. The crate's own client follows
                // no redirect, so it always does; a caller's client may have
                // followed one, and reqwest reports a failed connect on the
                // redirected hop (after the first hop received the whole
                // request) with the first URL, so there it may have been delivered.
                return Err(Failure::Other(SendError::Transport {
                    may_have_been_delivered: !e.is_connect() || !inner.own_http,
                    source: e.without_url(),
                }));
            }
        };
        let status = response.status().as_u16();
        span.record("status", status);
        let now = SystemTime::now();
        let limits = RateLimit::read(response.headers(), now);
        if let Some(b) = &inner.budget {
            b.observe(limits).await;
        }
        if (300..400).contains(&status) || *response.url() != inner.url {
            let location = if *response.url() != inner.url {
                Some(without_secrets(response.url(), &inner.secrets))
            } else {
                response
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .map(|l| match inner.url.join(l) {
                        Ok(u) => without_secrets(&u, &inner.secrets),
                        Err(_) => inner
                            .secrets
                            .scrub(l)
                            .chars()
                            .take(SERVER_TEXT_LIMIT)
                            .collect(),
                    })
            };
            return Err(Failure::Other(SendError::Redirected { status, location }));
        }
        if status == 429 {
            let retry_after = retry_after(response.headers());
            let wait = inner.retry.server_wait(retry_after, &limits, now);
            let request_id = match read_capped(response).await {
                Ok(bytes) => request_id_of(&bytes, &span, &inner.secrets),
                Err(_) => None,
            };
            return Err(Failure::RateLimited {
                error: SendError::RateLimited {
                    rate_limit: limits,
                    retry_after,
                    request_id,
                    attempts: 0,
                },
                wait,
            });
        }
        let bytes = match read_capped(response).await {
            Ok(b) => b,
            Err(ReadError::TooLarge { prefix }) if (500..600).contains(&status) => {
                return Err(Failure::Other(SendError::Server {
                    status,
                    request_id: None,
                    body_excerpt: inner.secrets.excerpt(&prefix),
                }));
            }
            Err(ReadError::TooLarge { prefix }) => {
                return Err(Failure::Other(SendError::ResponseTooLarge {
                    status,
                    limit: RESPONSE_BODY_LIMIT,
                    body_excerpt: inner.secrets.excerpt(&prefix),
                }));
            }
            Err(ReadError::Transport(e)) => {
                // The status came back, so the request was received.
                return Err(Failure::Other(SendError::Transport {
                    may_have_been_delivered: !(400..500).contains(&status),
                    source: e.without_url(),
                }));
            }
        };
        Err(Failure::Other(match status {
            200..=299 => {
                return match SentMessage::from_json(&bytes) {
                    Ok(m) => {
                        tracing::debug!(status, "message created");
                        Ok(m)
                    }
                    Err(e) => Err(Failure::Other(undecodable(
                        status,
                        &e,
                        &bytes,
                        &inner.secrets,
                    ))),
                };
            }
            400..=499 => match serde_json::from_slice::<types::ErrorList>(&bytes) {
                Ok(list) => {
                    let request_id = inner.secrets.scrub_opt(list.request_id);
                    if let Some(id) = &request_id {
                        span.record("request_id", clean(id));
                    }
                    SendError::Api {
                        status,
                        request_id,
                        errors: list
                            .errors
                            .into_iter()
                            .map(|e| api_error(e, &inner.secrets))
                            .collect(),
                    }
                }
                Err(e) => undecodable(status, &e, &bytes, &inner.secrets),
            },
            // 5xx, and anything outside HTTP's classes: it may have been created.
            _ => SendError::Server {
                status,
                request_id: request_id_of(&bytes, &span, &inner.secrets),
                body_excerpt: inner.secrets.excerpt(&bytes),
            },
        }))
    }
}

/// How one attempt failed.
enum Failure {
    /// A 429: the error to return if no retry follows, and the wait the
    /// server asked for (uncapped).
    RateLimited { error: SendError, wait: Duration },
    /// Anything else.
    Other(SendError),
}

/// Why a response body was not read in full.
enum ReadError {
    /// Over [`RESPONSE_BODY_LIMIT`]: the first bytes read, if any.
    TooLarge { prefix: Vec<u8> },
    /// The connection failed while reading.
    Transport(reqwest::Error),
}

/// Reads a response body, never more than [`RESPONSE_BODY_LIMIT`] bytes: a
/// larger `Content-Length` is refused before reading, and a streamed body is
/// cut off at the limit (dropping the response closes the connection).
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, ReadError> {
    let declared = response.content_length().unwrap_or(0);
    if declared > RESPONSE_BODY_LIMIT as u64 {
        return Err(ReadError::TooLarge { prefix: Vec::new() });
    }
    let mut body = Vec::with_capacity(declared as usize);
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if body.len() + chunk.len() > RESPONSE_BODY_LIMIT {
            let room = RESPONSE_BODY_LIMIT - body.len();
            body.extend_from_slice(&chunk[..room]);
            // Enough to remove a secret the excerpt's cut would split.
            body.truncate(BODY_EXCERPT_LIMIT + PREFIX_MARGIN);
            return Err(ReadError::TooLarge { prefix: body });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// How much of an oversized body is kept past [`BODY_EXCERPT_LIMIT`], so that
/// a secret the excerpt's cut would split is still recognised whole.
const PREFIX_MARGIN: usize = 4096;

/// A URL for an error message: scheme, host, port and path only, with the
/// secrets removed, at most [`SERVER_TEXT_LIMIT`] characters.
fn without_secrets(url: &reqwest::Url, secrets: &Secrets) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    secrets
        .scrub(u.as_str())
        .chars()
        .take(SERVER_TEXT_LIMIT)
        .collect()
}

fn api_error(e: types::Error, secrets: &Secrets) -> ApiError {
    ApiError {
        code: secrets.scrub_owned(e.code),
        message: secrets.scrub_opt(e.message),
        field: secrets.scrub_opt(e.field),
    }
}

/// The `request_id` of an error-list body, if it is one, with the secrets
/// removed; recorded on the span.
fn request_id_of(bytes: &[u8], span: &tracing::Span, secrets: &Secrets) -> Option<String> {
    let id = serde_json::from_slice::<types::ErrorList>(bytes)
        .ok()?
        .request_id?;
    let id = secrets.scrub_owned(id);
    span.record("request_id", clean(&id));
    Some(id)
}

fn undecodable(status: u16, e: &serde_json::Error, bytes: &[u8], secrets: &Secrets) -> SendError {
    SendError::UndecodableResponse {
        status,
        // serde's reason can quote the body (`invalid type: string "…"`).
        reason: if bytes.is_empty() {
            "empty body".into()
        } else {
            secrets.scrub_owned(e.to_string())
        },
        body_excerpt: secrets.excerpt(bytes),
    }
}
