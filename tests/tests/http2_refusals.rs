//! HTTP/2 refusals: a server that refuses a stream unprocessed
//! (`REFUSED_STREAM`, or a graceful `GOAWAY` whose last stream id excludes
//! it; RFC 9113 §8.7) against the crate's own client over TLS on loopback,
//! and against a caller's client. This is the hostile case of the delivery
//! table's `http2-refused` row (the other rows are in the facade's
//! `tests/hostile.rs`, on raw TCP).
//!
//! The server speaks HTTP/2 frames by hand, so that it can refuse a stream
//! before processing it, which a full server library does not let a test
//! choose. Its own binary: the test points `SSL_CERT_FILE` at a CA made for
//! it, before any client exists.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use intercom_messages::{Client, Contact, Message, RetryPolicy, SendError};
use intercom_messages_test_support::certs::Certs;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

const CREATED: &[u8] = br#"{"type":"admin_message","id":"1","created_at":1700000000,"body":"Hello","message_type":"inapp"}"#;

/// What the server does with one request stream.
#[derive(Clone, Copy, Debug)]
enum Answer {
    /// `RST_STREAM` with `REFUSED_STREAM`, on the request's headers.
    Refuse,
    /// `GOAWAY` with `NO_ERROR` and a last stream id below the request's,
    /// on its headers; then the connection closes.
    GoAway,
    /// A 200 with the created message, once the request's body has ended.
    Created,
}

/// An HTTP/2 server over TLS on loopback answering each request stream with
/// the next planned answer (the last one repeats), counting the streams it saw.
struct H2Server {
    addr: SocketAddr,
    streams: Arc<AtomicUsize>,
}

impl H2Server {
    async fn start(certs: &Certs, plan: Vec<Answer>) -> H2Server {
        let (cert, key) = certs.server();
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(key).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let streams = Arc::new(AtomicUsize::new(0));
        let plan = Arc::new(Mutex::new(VecDeque::from(plan)));
        let seen = streams.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let (plan, seen) = (plan.clone(), seen.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        let _ = serve(tls, plan, seen).await;
                    }
                });
            }
        });
        H2Server { addr, streams }
    }

    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    fn streams(&self) -> usize {
        self.streams.load(Ordering::SeqCst)
    }
}

const DATA: u8 = 0;
const HEADERS: u8 = 1;
const RST_STREAM: u8 = 3;
const SETTINGS: u8 = 4;
const PING: u8 = 6;
const GOAWAY: u8 = 7;
const END_STREAM: u8 = 0x1;
const ACK: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const REFUSED_STREAM: u32 = 0x7;

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut f = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// One connection: the preface, the settings, then the plan per stream.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut io: S,
    plan: Arc<Mutex<VecDeque<Answer>>>,
    seen: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let mut preface = [0u8; 24];
    io.read_exact(&mut preface).await?;
    assert_eq!(&preface, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    io.write_all(&frame(SETTINGS, 0, 0, &[])).await?;
    let mut waiting_for_body = Vec::new();
    loop {
        let mut head = [0u8; 9];
        io.read_exact(&mut head).await?;
        let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
        let (kind, flags) = (head[3], head[4]);
        let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
        let mut payload = vec![0u8; len];
        io.read_exact(&mut payload).await?;
        match kind {
            SETTINGS if flags & ACK == 0 => io.write_all(&frame(SETTINGS, ACK, 0, &[])).await?,
            PING if flags & ACK == 0 => io.write_all(&frame(PING, ACK, 0, &payload)).await?,
            HEADERS => {
                seen.fetch_add(1, Ordering::SeqCst);
                let answer = {
                    let mut plan = plan.lock().unwrap();
                    if plan.len() > 1 {
                        plan.pop_front().unwrap()
                    } else {
                        plan[0]
                    }
                };
                match answer {
                    Answer::Refuse => {
                        let code = REFUSED_STREAM.to_be_bytes();
                        io.write_all(&frame(RST_STREAM, 0, stream, &code)).await?;
                    }
                    Answer::GoAway => {
                        let mut payload = stream.saturating_sub(2).to_be_bytes().to_vec();
                        payload.extend_from_slice(&0u32.to_be_bytes());
                        io.write_all(&frame(GOAWAY, 0, 0, &payload)).await?;
                        io.flush().await?;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        return io.shutdown().await;
                    }
                    Answer::Created if flags & END_STREAM != 0 => created(&mut io, stream).await?,
                    Answer::Created => waiting_for_body.push(stream),
                }
            }
            DATA if flags & END_STREAM != 0 && waiting_for_body.contains(&stream) => {
                waiting_for_body.retain(|s| *s != stream);
                created(&mut io, stream).await?;
            }
            _ => {}
        }
        io.flush().await?;
    }
}

/// A 200 (HPACK: the static table's `:status: 200`) with the created message.
async fn created<S: AsyncWrite + Unpin>(io: &mut S, stream: u32) -> std::io::Result<()> {
    io.write_all(&frame(HEADERS, END_HEADERS, stream, &[0x88]))
        .await?;
    io.write_all(&frame(DATA, END_STREAM, stream, CREATED))
        .await
}

fn message() -> Message {
    Message::from_admin(394051)
        .to(Contact::user_id("70"))
        .in_app("Hello")
        .into()
}

fn quick(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .max_wait(Duration::from_millis(20))
}

fn own_client(url: &str, retry: RetryPolicy) -> Client {
    Client::builder("tok_http2_0123456789")
        .base_url(url)
        .retry(retry)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// The `http2-refused` row of the delivery table: its error and its flag.
fn documented_row() -> (String, bool) {
    let table = include_str!("../../crates/intercom-messages/src/send/delivery.md");
    let row = table
        .lines()
        .find(|l| l.starts_with("| `http2-refused` |"))
        .expect("the delivery table has an `http2-refused` row");
    let cells: Vec<&str> = row.trim_matches('|').split(" | ").collect();
    let error = cells[cells.len() - 2].trim().trim_matches('`').to_string();
    let flag = match cells[cells.len() - 1].trim() {
        "yes" => true,
        "no" => false,
        other => panic!("`http2-refused`: {other:?} is neither yes nor no"),
    };
    (error, flag)
}

/// One kind of refusal: on every attempt exactly max_attempts streams reach
/// the server (reqwest's own retries are off) and the end says nothing was
/// delivered, as the table (`variant`, `documented`) does; refused once then
/// created, the retry is the policy's second attempt; with no retries, one
/// stream and the error.
async fn refusals_are_attempts(certs: &Certs, refusal: Answer, variant: &str, documented: bool) {
    // Refused on every attempt: exactly max_attempts streams reach the
    // server (reqwest's own retries are off), and the end says nothing
    // was delivered, as the table does.
    let server = H2Server::start(certs, vec![refusal]).await;
    let e = own_client(&server.url(), quick(3))
        .send(message())
        .await
        .unwrap_err();
    assert!(
        format!("{e:?}").starts_with(variant),
        "{refusal:?}: expected {variant}: {e:?}"
    );
    assert_eq!(e.may_have_been_delivered(), documented, "{refusal:?}: {e}");
    assert!(!documented, "an unprocessed stream delivered nothing");
    assert_eq!(server.streams(), 3, "{refusal:?}: one stream per attempt");

    // Refused once, then created: the retry is the policy's second attempt.
    let server = H2Server::start(certs, vec![refusal, Answer::Created]).await;
    let sent = own_client(&server.url(), quick(2))
        .send(message())
        .await
        .unwrap_or_else(|e| panic!("{refusal:?}, then created: {e:?}"));
    assert_eq!(sent.id(), "1");
    assert_eq!(server.streams(), 2, "{refusal:?}");

    // With no retries allowed, a refusal is one stream and the error.
    let server = H2Server::start(certs, vec![refusal, Answer::Created]).await;
    let e = own_client(&server.url(), RetryPolicy::never())
        .send(message())
        .await
        .unwrap_err();
    assert!(matches!(e, SendError::Transport { .. }), "{e:?}");
    assert_eq!(
        server.streams(),
        1,
        "{refusal:?}: RetryPolicy::never() is one stream"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_refusals_are_attempts_of_the_retry_policy() {
    let certs = Certs::make();
    // SAFETY: the only test of this binary sets it before any client (and
    // so any thread that reads the environment) exists.
    unsafe { std::env::set_var("SSL_CERT_FILE", certs.ca()) };
    let (variant, documented) = documented_row();

    for refusal in [Answer::Refuse, Answer::GoAway] {
        refusals_are_attempts(&certs, refusal, &variant, documented).await;
    }

    // A caller's client: reqwest retries refusals by default, but the crate
    // gives it a body it cannot replay, so the message is one stream, and
    // the error is flagged as every transport error with a caller's client is.
    let server = H2Server::start(&certs, vec![Answer::Refuse, Answer::Created]).await;
    let callers = intercom_messages::api::client_builder().build().unwrap();
    let e = Client::builder("tok_http2_0123456789")
        .base_url(&server.url())
        .http_client(callers)
        .build()
        .unwrap()
        .send(message())
        .await
        .unwrap_err();
    assert!(matches!(e, SendError::Transport { .. }), "{e:?}");
    assert!(e.may_have_been_delivered(), "{e}");
    assert_eq!(server.streams(), 1, "the caller's client replayed the body");
}
