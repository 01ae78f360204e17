//! A system proxy (`HTTP_PROXY`) never sees a request to a loopback base URL:
//! it would read the bearer token in clear. Its own test binary, since it
//! sets the process environment.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use intercom_messages::{Client, Contact, Message, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A "proxy" that counts connections and answers 502.
async fn counting_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 502 X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
        }
    });
    (url, seen)
}

#[tokio::test]
async fn no_proxy_sees_the_token_on_loopback() {
    let (proxy, seen) = counting_proxy().await;
    // SAFETY: this test binary has this one test, and it sets the variables
    // before any client (which reads them) is built.
    unsafe {
        std::env::set_var("HTTP_PROXY", &proxy);
        std::env::set_var("http_proxy", &proxy);
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
    }
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "type": "admin_message", "id": "1", "created_at": 1, "body": "x", "message_type": "inapp"})))
        .mount(&server)
        .await;
    let message = || {
        Message::from_admin(1)
            .to(Contact::user_id("70"))
            .in_app("Hi")
    };

    // The crate's own client goes straight to the loopback server.
    let own = Client::builder("tok_proxy_SECRET")
        .base_url(&server.uri())
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    own.send(message()).await.unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 0, "the proxy saw the request");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    // A plain reqwest client honours the variables, so the check above can fail.
    let callers = Client::builder("tok_proxy_SECRET")
        .base_url(&server.uri())
        .retry(RetryPolicy::never())
        .http_client(intercom_messages::api::client_builder().build().unwrap())
        .build()
        .unwrap();
    let err = callers.send(message()).await.unwrap_err();
    assert_eq!(err.status(), Some(502), "{err}");
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}
