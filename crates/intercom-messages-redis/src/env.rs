//! A client configured from the environment, with a budget shared through
//! Redis: the facade's variables (`INTERCOM_TOKEN`, `INTERCOM_REGION`,
//! `INTERCOM_VERSION`) and the `INTERCOM_RATE_BUDGET_*` ones. Defaults are
//! read from the builders, never copied.

use intercom_messages::text::clean;
use intercom_messages::{Client, ClientBuilder, ConfigError, RATE_LIMIT_WINDOW};

use crate::{RedisBudget, RedisBudgets, WhenRedisDown};

/// The variable that turns a shared budget on.
const REDIS_URL: &str = "INTERCOM_RATE_BUDGET_REDIS_URL";

/// A client from the environment: what [`Client::from_env`] reads, and, when
/// `INTERCOM_RATE_BUDGET_REDIS_URL` is set, a [`RedisBudget`] shared through
/// Redis (`redis://` or `rediss://`; several URLs, comma-separated, are the
/// nodes of a Redis Cluster): `INTERCOM_RATE_BUDGET_APP` names it (required),
/// `INTERCOM_RATE_BUDGET_PER_10S` sizes it (the `RedisBudget` default, 166)
/// and `INTERCOM_RATE_BUDGET_WHEN_DOWN` is `fail` or the fraction to pace at
/// alone while Redis is down (the `RedisBudget` default, 0.25).
pub fn client_from_env() -> Result<Client, ConfigError> {
    client_builder_from(|k| std::env::var(k).ok())?.build()
}

/// [`client_from_env`] over any source of variables, for callers that keep
/// configuration elsewhere; returns the builder for further settings.
pub fn client_builder_from(
    var: impl Fn(&str) -> Option<String>,
) -> Result<ClientBuilder, ConfigError> {
    let url = var(REDIS_URL).filter(|v| !v.trim().is_empty());
    // The facade refuses a shared budget it cannot honour; it is read here.
    let builder = Client::builder_from(|k| if k == REDIS_URL { None } else { var(k) })?;
    match url {
        Some(url) => Ok(builder.rate_budget(budget_from(&var, url)?)),
        None => Ok(builder),
    }
}

fn bad(reason: String) -> ConfigError {
    ConfigError::BadRateBudget { reason }
}

/// The shared budget the `INTERCOM_RATE_BUDGET_*` variables describe.
fn budget_from(
    var: &impl Fn(&str) -> Option<String>,
    url: String,
) -> Result<RedisBudget, ConfigError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The variables of `pairs`, as `client_builder_from` reads them.
    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k: &str| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_budget_is_configured_from_the_environment() {
        let c = client_builder_from(env(&[
            ("INTERCOM_TOKEN", "t"),
            (
                "INTERCOM_RATE_BUDGET_REDIS_URL",
                "redis://:hunter2@127.0.0.1:1/",
            ),
            ("INTERCOM_RATE_BUDGET_APP", "acme"),
            ("INTERCOM_RATE_BUDGET_PER_10S", "50"),
            ("INTERCOM_RATE_BUDGET_WHEN_DOWN", "fail"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        let shown = format!("{c:?}");
        assert!(shown.contains("RedisBudget"), "{shown}");
        assert!(shown.contains("Fail"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        // Several URLs are a cluster's nodes.
        let c = client_builder_from(env(&[
            ("INTERCOM_TOKEN", "t"),
            (
                "INTERCOM_RATE_BUDGET_REDIS_URL",
                "rediss://:hunter2@127.0.0.1:1/, rediss://:hunter2@127.0.0.1:2/",
            ),
            ("INTERCOM_RATE_BUDGET_APP", "acme"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        let shown = format!("{c:?}");
        assert!(shown.contains("cluster rediss://"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn a_bad_budget_variable_is_a_typed_error_naming_it() {
        for (pairs, says) in [
            (
                &[
                    ("INTERCOM_TOKEN", "t"),
                    ("INTERCOM_RATE_BUDGET_REDIS_URL", "redis://127.0.0.1/"),
                ][..],
                "INTERCOM_RATE_BUDGET_APP",
            ),
            (
                &[
                    ("INTERCOM_TOKEN", "t"),
                    ("INTERCOM_RATE_BUDGET_REDIS_URL", "redis://127.0.0.1/"),
                    ("INTERCOM_RATE_BUDGET_APP", "acme"),
                    ("INTERCOM_RATE_BUDGET_WHEN_DOWN", "sometimes"),
                ][..],
                "INTERCOM_RATE_BUDGET_WHEN_DOWN",
            ),
            (
                &[
                    ("INTERCOM_TOKEN", "t"),
                    ("INTERCOM_RATE_BUDGET_REDIS_URL", "redis://127.0.0.1/"),
                    ("INTERCOM_RATE_BUDGET_APP", "acme"),
                    ("INTERCOM_RATE_BUDGET_WHEN_DOWN", "1.5"),
                ][..],
                "fraction",
            ),
        ] {
            let pairs: &'static [(&'static str, &'static str)] = pairs;
            let err = client_builder_from(env(pairs)).unwrap_err();
            assert!(matches!(err, ConfigError::BadRateBudget { .. }), "{err:?}");
            assert!(err.to_string().contains(says), "{err}");
        }
    }

    #[test]
    fn without_a_redis_url_the_client_is_the_facades() {
        let c = client_builder_from(|k| (k == "INTERCOM_TOKEN").then(|| "t".to_string()))
            .unwrap()
            .build()
            .unwrap();
        assert!(!format!("{c:?}").contains("RedisBudget"));
    }
}
