//! The helpers both test homes share, one per job:
//!
//! - [`server`]: raw HTTP/1.1 servers on loopback, for answers no real
//!   server gives (a dropped connection, an endless body, a half-read body,
//!   a hang) and for benchmarks that must not measure a server's own cost;
//! - [`log`]: a capture of what `tracing` writes;
//! - [`certs`]: TLS certificates for 127.0.0.1, made with `openssl`;
//! - [`burst`]: tasks started at once, and when each finished.
//!
//! It depends on neither crate under test, so the facade's own tests
//! (`crates/intercom-messages/tests/`) and the workspace tests (`tests/`)
//! can both use it, and so can the Redis budget's tests
//! (`crates/intercom-messages-redis/harness/`). Where a test goes is written in `tests/README.md`.

pub mod burst;
pub mod certs;
pub mod log;
pub mod server;
