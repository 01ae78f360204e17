//! [`RateBudget`]: where a client takes a slot before each send and reports
//! what each response said about the rate limit. The in-process pacer
//! ([`crate::ClientBuilder::pacing`], [`Pacer`](pacer::Pacer)) is one budget;
//! the `intercom-messages-redis` crate's `RedisBudget` shares one across
//! processes and machines.

use std::future::Future;
use std::pin::Pin;

use crate::send::rate_limit::RateLimit;

pub mod pacer;

/// The future a [`RateBudget`] method returns.
pub type BudgetFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A budget of requests that a [`crate::Client`] goes through: one slot before
/// each attempt, and the rate-limit headers of each answer afterwards.
///
/// Implement it to pace sends with your own infrastructure; the crate ships
/// the in-process pacer; the `intercom-messages-redis` crate, `RedisBudget`.
///
/// ```
/// use intercom_messages::{BudgetError, BudgetFuture, Client, RateBudget, RateLimit};
///
/// /// Lets every send through at once (a budget that does nothing).
/// #[derive(Debug)]
/// struct Unlimited;
///
/// impl RateBudget for Unlimited {
///     fn acquire(&self) -> BudgetFuture<'_, Result<(), BudgetError>> {
///         Box::pin(async { Ok(()) })
///     }
///     fn observe(&self, _limits: RateLimit) -> BudgetFuture<'_, ()> {
///         Box::pin(async {})
///     }
/// }
///
/// let client = Client::builder("token").rate_budget(Unlimited).build()?;
/// # Ok::<(), intercom_messages::ConfigError>(())
/// ```
pub trait RateBudget: Send + Sync + std::fmt::Debug {
    /// Waits until this request may start. An error fails the send with
    /// [`crate::SendError::BudgetUnavailable`] before anything is sent.
    fn acquire(&self) -> BudgetFuture<'_, Result<(), BudgetError>>;

    /// What an answer's `X-RateLimit-*` headers said; called after every
    /// response, before its body is read.
    fn observe(&self, limits: RateLimit) -> BudgetFuture<'_, ()>;
}

/// A budget that could not give a slot (for example, its store is down and it
/// was told to fail rather than fall back).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the rate budget is unavailable: {reason}")]
pub struct BudgetError {
    reason: String,
}

impl BudgetError {
    /// An error with this reason. Keep secrets out of it: it is shown in logs.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    /// Why the budget gave no slot.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}
