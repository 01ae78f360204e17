//! A client configured from the environment: `INTERCOM_TOKEN`,
//! `INTERCOM_REGION`, `INTERCOM_VERSION` and, with the `redis` feature, the
//! `INTERCOM_RATE_BUDGET_*` variables. Defaults are read from the builders,
//! never copied.

#[cfg(not(feature = "redis"))]
use crate::send::budget::pacer::Pacer;
#[cfg(feature = "redis")]
use crate::send::budget::pacer::RATE_LIMIT_WINDOW;
#[cfg(feature = "redis")]
use crate::send::budget::redis::{RedisBudget, RedisBudgets, WhenRedisDown};
use crate::send::client::{Client, ClientBuilder};
use crate::send::config::{ConfigError, Region};
use crate::text::clean;

impl Client {
    /// A client from `INTERCOM_TOKEN` (required), `INTERCOM_REGION` (`us`,
    /// `eu`, `au` or a base URL; US by default) and `INTERCOM_VERSION` (a
    /// version; [`crate::Version::default`] otherwise). With the `redis` feature,
    /// `INTERCOM_RATE_BUDGET_REDIS_URL` shares a rate budget through Redis
    /// (`redis://` or `rediss://`; several URLs, comma-separated, are the
    /// nodes of a Redis Cluster): `INTERCOM_RATE_BUDGET_APP` names it (required),
    /// `INTERCOM_RATE_BUDGET_PER_10S` sizes it (the `RedisBudget` default, 166) and
    /// `INTERCOM_RATE_BUDGET_WHEN_DOWN` is `fail` or the fraction to pace at
    /// alone while Redis is down (the `RedisBudget` default, 0.25). Without the feature, a set
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
            b = match region.parse::<Region>().ok() {
                Some(r) => b.region(r),
                None if region.contains("://") => b.base_url(&region),
                None => {
                    return Err(ConfigError::BadRegion {
                        value: clean(&region),
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
}

/// The shared budget the `INTERCOM_RATE_BUDGET_*` variables describe.
#[cfg(feature = "redis")]
fn redis_budget_from(
    var: &impl Fn(&str) -> Option<String>,
    url: String,
) -> Result<RedisBudget, ConfigError> {
    let bad = |reason: String| ConfigError::BadRateBudget { reason };
    let app = var("INTERCOM_RATE_BUDGET_APP")
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| {
            bad("INTERCOM_RATE_BUDGET_REDIS_URL is set but INTERCOM_RATE_BUDGET_APP (the budget's name) is not".into())
        })?;
    // Each setting overrides the builder's default only when it is set.
    // Several URLs, comma-separated, are the nodes of a Redis Cluster.
    let mut builder = if url.contains(',') {
        RedisBudgets::cluster(url.split(',').map(str::trim))?.budget(app)
    } else {
        RedisBudget::builder(url, app)
    };
    if let Some(v) = var("INTERCOM_RATE_BUDGET_PER_10S") {
        let per_10s = v.trim().parse().map_err(|_| {
            bad(format!(
                "INTERCOM_RATE_BUDGET_PER_10S is `{}`: expected a whole number",
                clean(&v)
            ))
        })?;
        builder = builder.budget(per_10s, RATE_LIMIT_WINDOW);
    }
    match var("INTERCOM_RATE_BUDGET_WHEN_DOWN")
        .as_deref()
        .map(str::trim)
    {
        None | Some("") => {}
        Some("fail") => builder = builder.when_unavailable(WhenRedisDown::Fail),
        Some(v) => {
            let fraction = v.parse().map_err(|_| {
                bad(format!(
                    "INTERCOM_RATE_BUDGET_WHEN_DOWN is `{}`: expected `fail` or a fraction such as 0.25",
                    clean(v)
                ))
            })?;
            builder = builder.when_unavailable(WhenRedisDown::FallBack { fraction });
        }
    }
    builder.build()
}

/// Without the `redis` feature a shared budget cannot be honoured: say so
/// rather than send unpaced.
#[cfg(not(feature = "redis"))]
fn redis_budget_from(
    _var: &impl Fn(&str) -> Option<String>,
    _url: String,
) -> Result<Pacer, ConfigError> {
    Err(ConfigError::BadRateBudget {
        reason: "INTERCOM_RATE_BUDGET_REDIS_URL is set but this build lacks the `redis` feature"
            .into(),
    })
}
