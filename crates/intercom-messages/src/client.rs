//! [`Client`]: configured once, cheap to clone, shared across tasks; sends a
//! [`Message`] and returns the created message or a [`SendError`].
//!
//! The request is built here rather than through the generated client's
//! `send`: the token must go on each request even when the caller brings their
//! own `reqwest::Client`, and an undecodable answer must keep its status and
//! body. The body and the answer are still the generated types.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use intercom_messages_api::types;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use crate::config::{BaseUrl, ConfigError, Region};
use crate::pacing::Pacer;
use crate::retry::{RetryPolicy, rate_limit};
use crate::send_error::{ApiError, SendError, excerpt};
use crate::{Message, SentMessage, Version};

/// The `User-Agent` sent with every request.
pub const USER_AGENT_VALUE: &str =
    concat!("intercom-messages/", env!("CARGO_PKG_VERSION"), " (Rust)");

/// Sends messages to Intercom. Clones share one connection pool and one pacer.
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
    url: String,
    base: BaseUrl,
    auth: HeaderValue,
    version: Version,
    timeout: Duration,
    retry: RetryPolicy,
    pacer: Option<Pacer>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("version", &self.inner.version)
            .field("token", &"[redacted]")
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .field("pacing", &self.inner.pacer.is_some())
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
    pacing: Option<(u32, Duration)>,
    http: Option<reqwest::Client>,
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
    /// How long connecting may take (10 s by default); ignored with [`ClientBuilder::http_client`].
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
        self.pacing = Some((requests_per_10s, crate::WINDOW));
        self
    }
    /// Like [`ClientBuilder::pacing`] with another window length, for other
    /// limits (or for tests that cannot wait 10 s).
    pub fn pacing_per(mut self, requests: u32, window: Duration) -> Self {
        self.pacing = Some((requests, window));
        self
    }
    /// Reuses a caller's `reqwest::Client` (its pool, proxy and TLS settings).
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
        let http = match self.http {
            Some(c) => c,
            None => intercom_messages_api::client_builder()
                .connect_timeout(self.connect_timeout)
                .build()
                .map_err(ConfigError::Http)?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                url: base.messages_url(),
                base,
                auth,
                version: self.version,
                timeout: self.timeout,
                retry: self.retry,
                pacer: self.pacing.map(|(n, window)| Pacer::new(n, window)),
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
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            pacing: None,
            http: None,
        }
    }

    /// A client from `INTERCOM_TOKEN` (required), `INTERCOM_REGION` (`us`,
    /// `eu`, `au` or a base URL; US by default) and `INTERCOM_VERSION` (a
    /// version; [`Version::default`] otherwise).
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
                None => return Err(ConfigError::BadRegion { value: region }),
            };
        }
        if let Some(v) = var("INTERCOM_VERSION").filter(|v| !v.trim().is_empty()) {
            b = b.version(v.parse()?);
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
        let body = message.into().to_json(version)?;
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
        let inner = &self.inner;
        let policy = &inner.retry;
        let span = tracing::Span::current();
        // Bytes: cloning it for a retry is a reference count, not a copy.
        let body = bytes::Bytes::from(body);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            if let Some(p) = &inner.pacer {
                p.acquire().await;
            }
            let sent = inner
                .http
                .post(&inner.url)
                .headers(self.headers(version))
                .timeout(inner.timeout)
                .body(body.clone())
                .send()
                .await;
            let last = attempt >= policy.max_attempts;
            let response = match sent {
                Ok(r) => r,
                Err(e) => {
                    // A connect error means the request was never written.
                    let may_have_been_delivered = !e.is_connect();
                    let retry =
                        !last && (!may_have_been_delivered || policy.retry_possibly_delivered);
                    if retry {
                        let wait = policy.backoff(attempt);
                        tracing::warn!(attempt, may_have_been_delivered, wait_ms = wait.as_millis() as u64, error = %e, "retrying after a transport error");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Err(SendError::Transport {
                        may_have_been_delivered,
                        source: e.without_url(),
                    });
                }
            };
            let status = response.status().as_u16();
            span.record("status", status);
            let headers = response.headers().clone();
            let limits = rate_limit(&headers);
            if let Some(p) = &inner.pacer {
                p.observe(&limits);
            }
            let bytes = match response.bytes().await {
                Ok(b) => b,
                Err(e) => {
                    // The status came back, so the request was received.
                    let may_have_been_delivered = !(400..500).contains(&status);
                    return Err(SendError::Transport {
                        may_have_been_delivered,
                        source: e.without_url(),
                    });
                }
            };
            match status {
                200..=299 => {
                    return match SentMessage::from_json(&bytes) {
                        Ok(m) => {
                            tracing::debug!(status, "message created");
                            Ok(m)
                        }
                        Err(e) => Err(undecodable(status, &e, &bytes)),
                    };
                }
                429 => {
                    let request_id = request_id_of(&bytes, &span);
                    if last {
                        return Err(SendError::RateLimited {
                            rate_limit: limits,
                            request_id,
                            attempts: attempt,
                        });
                    }
                    let wait = policy.wait_after_429(&headers, SystemTime::now());
                    tracing::warn!(
                        attempt,
                        status,
                        wait_ms = wait.as_millis() as u64,
                        "rate limited; retrying"
                    );
                    tokio::time::sleep(wait).await;
                }
                500..=599 => {
                    let request_id = request_id_of(&bytes, &span);
                    if !last && policy.retry_possibly_delivered {
                        let wait = policy.backoff(attempt);
                        tracing::warn!(
                            attempt,
                            status,
                            wait_ms = wait.as_millis() as u64,
                            "server error; retrying (opted in, may duplicate)"
                        );
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Err(SendError::Server {
                        status,
                        request_id,
                        body_excerpt: excerpt(&bytes),
                    });
                }
                _ => {
                    return match serde_json::from_slice::<types::ErrorList>(&bytes) {
                        Ok(list) => {
                            if let Some(id) = &list.request_id {
                                span.record("request_id", id.as_str());
                            }
                            Err(SendError::Api {
                                status,
                                request_id: list.request_id,
                                errors: list.errors.into_iter().map(api_error).collect(),
                            })
                        }
                        Err(e) => Err(undecodable(status, &e, &bytes)),
                    };
                }
            }
        }
    }
}

fn api_error(e: types::Error) -> ApiError {
    ApiError {
        code: e.code,
        message: e.message,
        field: e.field,
    }
}

/// The `request_id` of an error-list body, if it is one; recorded on the span.
fn request_id_of(bytes: &[u8], span: &tracing::Span) -> Option<String> {
    let id = serde_json::from_slice::<types::ErrorList>(bytes)
        .ok()?
        .request_id?;
    span.record("request_id", id.as_str());
    Some(id)
}

fn undecodable(status: u16, e: &serde_json::Error, bytes: &[u8]) -> SendError {
    SendError::UndecodableResponse {
        status,
        reason: if bytes.is_empty() {
            "empty body".into()
        } else {
            e.to_string()
        },
        body_excerpt: excerpt(bytes),
    }
}
