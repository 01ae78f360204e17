//! Peak memory while a loopback server streams a 1 GiB body at a send.
//!
//! `cargo bench -p intercom-messages-tests --bench hostile_body` prints the
//! process's peak resident set (VmHWM) after the facade's send, then after a
//! baseline in the same process: raw reqwest reading the same answer with
//! `bytes()`, as the facade did before its reads were bounded. The facade runs
//! first, since the peak only grows.

use std::time::Instant;

use intercom_messages::{Client, Contact, Message, RetryPolicy, SendError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const GIB: usize = 1 << 30;
const CHUNK: usize = 1 << 20;

/// Peak resident set of this process, in KiB (Linux).
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Answers every request with a chunked 200 of exactly 1 GiB.
async fn streaming_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
                if sock.write_all(head).await.is_err() {
                    return;
                }
                let mut chunk = format!("{CHUNK:x}\r\n").into_bytes();
                chunk.extend(std::iter::repeat_n(b'x', CHUNK));
                chunk.extend_from_slice(b"\r\n");
                for _ in 0..GIB / CHUNK {
                    if sock.write_all(&chunk).await.is_err() {
                        return;
                    }
                }
                let _ = sock.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    url
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let url = streaming_server().await;
        let start_kib = peak_kib();
        let ours_time = send(&url).await;
        let ours_kib = peak_kib();
        let base_time = read_whole(&url).await;
        let base_kib = peak_kib();
        println!("| 1 GiB streamed body | peak RSS (VmHWM) | time |");
        println!("| --- | --- | --- |");
        println!("| process before any send | {} MiB | |", start_kib / 1024);
        println!(
            "| intercom-messages send (`ResponseTooLarge` at the limit) | {} MiB | {:.1} ms |",
            ours_kib / 1024,
            ours_time.as_secs_f64() * 1e3
        );
        println!(
            "| baseline: raw reqwest `bytes()` | {} MiB | {:.1} ms |",
            base_kib / 1024,
            base_time.as_secs_f64() * 1e3
        );
        println!(
            "ratio of peaks, ours/baseline: {:.4}",
            ours_kib as f64 / base_kib.max(1) as f64
        );
    });
}

/// A send against the endless body: refused at the limit. How long it took.
async fn send(url: &str) -> std::time::Duration {
    let client = Client::builder("bench-token")
        .base_url(url)
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let t = Instant::now();
    let err = client
        .send(
            Message::from_admin(1)
                .to(Contact::user_id("70"))
                .in_app("Hi"),
        )
        .await
        .unwrap_err();
    let took = t.elapsed();
    assert!(matches!(err, SendError::ResponseTooLarge { .. }), "{err:?}");
    took
}

/// The baseline: raw reqwest reading the whole body. How long it took.
async fn read_whole(url: &str) -> std::time::Duration {
    let t = Instant::now();
    let raw = intercom_messages::api::client_builder().build().unwrap();
    let body = raw
        .post(format!("{url}/messages"))
        .body("{}")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let took = t.elapsed();
    assert_eq!(body.len(), GIB);
    took
}
