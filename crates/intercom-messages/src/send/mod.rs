//! The transport wing: a [`client::Client`] sends a [`crate::Message`] once
//! per attempt ([`attempt`]), retries what cannot have been delivered
//! ([`retry`]), keeps to the rate limit ([`rate_limit`], [`budget`]) and
//! reports what happened ([`error`], [`response`]); [`wire`] is the bytes
//! it sends.

pub mod attempt;
pub mod budget;
pub mod client;
pub mod config;
pub mod env;
pub mod error;
pub mod observe;
pub mod rate_limit;
pub mod response;
pub mod retry;
pub mod wire;
