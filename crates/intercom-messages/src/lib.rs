//! Send Intercom messages from Rust, in any API version from 1.0 to 2.14.
//!
//! This crate is the hand-written facade over the generated
//! [`intercom_messages_api`] client: it will check the user-vs-admin and
//! per-version rules before anything is sent. Until then it re-exports the
//! generated client and the version table.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The generated client crate, for the raw types and client.
pub use intercom_messages_api as api;
