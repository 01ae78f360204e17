//! Where and how to reach Intercom: region or base URL, token, version,
//! timeouts; and the errors of a bad configuration.

use std::fmt;
use std::net::IpAddr;

use reqwest::Url;

use crate::message::version::UnknownVersion;
use crate::text::{clean, redact};

pub use crate::contract::Region;

/// A region name that is none of [`Region::ALL`]'s.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an Intercom region: expected one of {names}", names = region_names())]
pub struct UnknownRegion(String);

/// `us, eu, au`: the regions the fragment lists.
fn region_names() -> String {
    let names: Vec<&str> = Region::ALL.iter().map(|r| r.name()).collect();
    names.join(", ")
}

impl std::str::FromStr for Region {
    type Err = UnknownRegion;

    /// A region's [`name`](Region::name), in any case; anything else is an
    /// [`UnknownRegion`] with the text shown safely.
    ///
    /// ```
    /// use intercom_messages::Region;
    ///
    /// assert_eq!("EU".parse::<Region>()?, Region::Eu);
    /// let err = "mars".parse::<Region>().unwrap_err();
    /// assert_eq!(err.to_string(), "`mars` is not an Intercom region: expected one of us, eu, au");
    /// # Ok::<(), intercom_messages::UnknownRegion>(())
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        Region::ALL
            .iter()
            .copied()
            .find(|r| r.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownRegion(clean(s)))
    }
}

/// A checked base URL: HTTPS, or plain HTTP to a loopback address (for tests
/// and local mocks).
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

impl BaseUrl {
    /// Checks a base URL such as `https://api.eu.intercom.io` or `http://127.0.0.1:8080`.
    ///
    /// User info (`user:password@`), a query and a fragment are refused, and
    /// an error never repeats the user info given.
    pub fn parse(s: &str) -> Result<BaseUrl, ConfigError> {
        let shown = redact(s);
        let bad = |reason: String| ConfigError::BadBaseUrl {
            url: shown.clone(),
            reason,
        };
        let url = Url::parse(s.trim()).map_err(|e| bad(e.to_string()))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "a base URL carries no credentials: pass the token to Client::builder".into(),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("a base URL has no query and no fragment".into()));
        }
        let base = BaseUrl(url);
        match base.0.scheme() {
            "https" => Ok(base),
            "http" if base.is_loopback() => Ok(base),
            "http" => Err(ConfigError::InsecureBaseUrl { url: shown }),
            other => Err(bad(format!("scheme `{other}` is not https"))),
        }
    }

    /// The URL of an operation's `path` (without its leading `/`) under this base.
    pub(crate) fn url_of(&self, path: &str) -> Url {
        let mut url = self.0.clone();
        let path = format!("{}/{path}", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url
    }

    /// Whether the host is a loopback address (or `localhost`).
    pub(crate) fn is_loopback(&self) -> bool {
        match self.0.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        }
    }

    /// The base URL as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl From<Region> for BaseUrl {
    fn from(r: Region) -> Self {
        BaseUrl(Url::parse(r.base_url()).expect("regional URLs are valid"))
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({})", self.0)
    }
}

/// A configuration that cannot work. Reported when the client is built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No access token: set `INTERCOM_TOKEN` or pass one.
    #[error("no access token: set INTERCOM_TOKEN or pass one to Client::builder")]
    MissingToken,
    /// The access token is empty or has characters a header cannot carry.
    #[error("the access token is empty or contains characters an HTTP header cannot carry")]
    BadToken,
    /// `INTERCOM_REGION` is neither a region nor a URL.
    #[error("INTERCOM_REGION is `{value}`: expected {names} or an https:// base URL", names = region_names())]
    BadRegion {
        /// The value given (at most 200 characters, control characters escaped).
        value: String,
    },
    /// A base URL that does not parse or cannot be used.
    #[error("base URL `{url}` cannot be used: {reason}")]
    BadBaseUrl {
        /// The URL given, with any user info replaced by `[redacted]`.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A plain-HTTP base URL to a host that is not loopback.
    #[error(
        "base URL `{url}` is plain http: only https, or http to a loopback address, is allowed"
    )]
    InsecureBaseUrl {
        /// The URL given, with any user info replaced by `[redacted]`.
        url: String,
    },
    /// A pacing budget that cannot work: no requests, or a window that is
    /// zero or longer than a day.
    #[error(
        "pacing of {requests} request(s) per {window:?} cannot work: use at least 1 request per window of 1 ms to 1 day"
    )]
    BadPacing {
        /// The requests per window given.
        requests: u32,
        /// The window given.
        window: std::time::Duration,
    },
    /// A shared rate budget that cannot work (a bad Redis URL or app name,
    /// a fall-back fraction outside (0, 1], or `INTERCOM_RATE_BUDGET_REDIS_URL`
    /// set for a client built without the `intercom-messages-redis` crate).
    #[error("rate budget: {reason}")]
    BadRateBudget {
        /// What is wrong (a Redis password is never shown).
        reason: String,
    },
    /// `INTERCOM_VERSION` is not a known version.
    #[error("INTERCOM_VERSION: {0}")]
    BadVersion(#[from] UnknownVersion),
    /// The HTTP client could not be built.
    #[error("the HTTP client could not be built: {0}")]
    Http(#[source] reqwest::Error),
}
