//! The helpers both test homes share, one per job:
//!
//! - [`server`]: raw HTTP/1.1 servers on loopback, for answers no real
//!   server gives (a dropped connection, an endless body, a half-read body,
//!   a hang) and for benchmarks that must not measure a server's own cost;
//! - [`log`]: a capture of what `tracing` writes.
//!
//! It depends on neither crate under test, so the facade's own tests
//! (`crates/intercom-messages/tests/`) and the workspace tests (`tests/`)
//! can both use it. Where a test goes is written in `tests/README.md`.

pub mod log;
pub mod server;
