//! Helpers several of the facade's test files share: a loopback server with
//! one answer, and a client of it that never retries.

// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use intercom_messages::{Client, RetryPolicy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server giving every request this answer.
pub async fn answering(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

/// A client of `server` with this token that never retries.
pub fn client_without_retries(server: &MockServer, token: &str) -> Client {
    Client::builder(token)
        .base_url(&server.uri())
        .retry(RetryPolicy::never())
        .build()
        .unwrap()
}
