//! [`RateBudget`]: where a client takes a slot before each send and reports
//! what each response said about the rate limit. The in-process pacer
//! ([`crate::ClientBuilder::pacing`], [`Pacer`](pacer::Pacer)) is one budget;
//! the `intercom-messages-redis` crate's `RedisBudget` shares one across
//! processes and machines.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

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
/// A send with a deadline ([`crate::ClientBuilder::deadline`],
/// [`crate::SendOptions::deadline`]) asks through
/// [`RateBudget::acquire_by`]; a budget that knows its slot cannot come by
/// then answers [`BudgetError::past_deadline`] at once, and the send ends
/// "nothing was sent" without waiting for nothing. A budget that implements
/// only [`RateBudget::acquire`] still works: the deadline then ends its wait
/// by dropping it, so `acquire` must leave nothing behind when dropped.
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
///
/// # Paused clocks
///
/// The in-process pacer and a send's deadline run on tokio's clock, so a
/// test on a paused clock (`start_paused = true`) moves them without waiting.
/// A budget that talks to another process does not mix with a paused clock:
/// tokio moves a paused clock ahead whenever the runtime waits on a socket,
/// so every timeout around that talk fires at once. A `RedisBudget` against
/// a real Redis on a paused clock refuses every slot (`WhenRedisDown::Fail`)
/// or paces alone (`FallBack`); test it on the real clock, and assert on
/// counts. The `intercom-messages-mock` crate's docs ("Paused clocks") say
/// the same of servers.
pub trait RateBudget: Send + Sync + std::fmt::Debug {
    /// Waits until this request may start. An error fails the send with
    /// [`crate::SendError::BudgetUnavailable`] before anything is sent.
    fn acquire(&self) -> BudgetFuture<'_, Result<(), BudgetError>>;

    /// Like [`RateBudget::acquire`], for a send that must start by
    /// `deadline` (the clock is tokio's: under a paused test clock a
    /// `std::time::Instant` from `tokio::time::Instant::into_std`). A budget
    /// that can tell its slot will not come by then should answer
    /// [`BudgetError::past_deadline`] at once instead of waiting. By default
    /// it is [`RateBudget::acquire`], whose wait the send's deadline ends by
    /// dropping it.
    fn acquire_by(&self, deadline: Instant) -> BudgetFuture<'_, Result<(), BudgetError>> {
        let _ = deadline;
        self.acquire()
    }

    /// What an answer's `X-RateLimit-*` headers said; called after every
    /// response, before its body is read.
    fn observe(&self, limits: RateLimit) -> BudgetFuture<'_, ()>;

    /// The request a slot was given for can no longer reach the server:
    /// its answer's head came, it failed, or its send was dropped (or never
    /// sent it). Called once for each slot [`RateBudget::acquire`] or
    /// [`RateBudget::acquire_by`] gave, never for a refusal; it must not
    /// block. A budget that counts a request from this moment rather than
    /// from its start counts what the server can see: however long the
    /// request took to arrive, the next one on its slot arrives a window
    /// later (the in-process pacer does). Nothing by default.
    fn finished(&self) {}
}

/// A budget that could not give a slot (for example, its store is down and it
/// was told to fail rather than fall back).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the rate budget is unavailable: {reason}")]
pub struct BudgetError {
    reason: String,
    past_deadline: bool,
}

impl BudgetError {
    /// An error with this reason. Keep secrets out of it: it is shown in logs.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            past_deadline: false,
        }
    }

    /// The budget's next slot comes after the send's deadline
    /// ([`RateBudget::acquire_by`]). The send ends with
    /// [`crate::SendError::DeadlineExceeded`], not `BudgetUnavailable`.
    pub fn past_deadline() -> Self {
        Self {
            reason: "no slot before the send's deadline".into(),
            past_deadline: true,
        }
    }

    /// Whether this is [`BudgetError::past_deadline`].
    pub fn is_past_deadline(&self) -> bool {
        self.past_deadline
    }

    /// Why the budget gave no slot.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}
