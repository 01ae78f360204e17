//! A client configured from the environment: `INTERCOM_TOKEN`,
//! `INTERCOM_REGION` and `INTERCOM_VERSION`. Defaults are read from the
//! builders, never copied. The `INTERCOM_RATE_BUDGET_*` variables of a shared
//! budget are the `intercom-messages-redis` crate's.

use crate::send::client::{Client, ClientBuilder};
use crate::send::config::{ConfigError, Region};
use crate::text::clean;

impl Client {
    /// A client from `INTERCOM_TOKEN` (required), `INTERCOM_REGION` (`us`,
    /// `eu`, `au` or a base URL; US by default) and `INTERCOM_VERSION` (a
    /// version; [`crate::Version::default`] otherwise). A set
    /// `INTERCOM_RATE_BUDGET_REDIS_URL` (a budget shared through Redis) is a
    /// [`ConfigError::BadRateBudget`] here, never ignored: the
    /// `intercom-messages-redis` crate's `client_from_env` reads it with the
    /// rest.
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
        // A shared budget is the `intercom-messages-redis` crate's: this
        // crate cannot honour one, so it says so rather than send unpaced.
        if var("INTERCOM_RATE_BUDGET_REDIS_URL").is_some_and(|v| !v.trim().is_empty()) {
            return Err(ConfigError::BadRateBudget {
                reason: "INTERCOM_RATE_BUDGET_REDIS_URL is set: a shared budget is read by the \
                         `intercom-messages-redis` crate (`intercom_messages_redis::client_from_env`)"
                    .into(),
            });
        }
        Ok(b)
    }
}
