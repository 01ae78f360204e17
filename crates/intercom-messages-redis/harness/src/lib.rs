//! Helpers for the Redis budget's tests and benches: real Redis servers
//! ([`redis`]: plain; [`managed_redis`]: TLS, ACL users, a cluster), a hostile
//! fake Redis ([`fake_redis`]), and budget runs across several processes
//! ([`budget`]). Each test starts its own servers on free loopback ports and
//! stops them; a missing `redis-server`, `redis-cli` or `openssl` fails loudly.

pub mod budget;
pub mod fake_redis;
pub mod managed_redis;
pub mod redis;
/// The raw loopback HTTP servers the facade's tests use too.
pub use intercom_messages_test_support::server;
