//! A fake Redis on loopback that speaks RESP but answers the rate budget's
//! script with whatever a test says, and the pieces its tests share.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use intercom_messages::{Client, Contact, Message, RetryPolicy};
use intercom_messages_redis::{RedisBudget, WhenRedisDown};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::server::{self, Action};

/// Starts a fake Redis that answers the slot script (`EVALSHA`/`EVAL` with
/// four keys: the log, the block, the count, the start's tombstone) with `reply`, every other script with `:0`, and anything else with
/// `+OK`. Returns its URL and how many slot scripts it answered.
pub async fn fake_redis(reply: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "redis://:hunter2-PASSWORD@{}/",
        listener.local_addr().unwrap()
    );
    let asked = Arc::new(AtomicUsize::new(0));
    let count = asked.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let (read, mut write) = sock.into_split();
                let mut read = BufReader::new(read);
                while let Some(command) = read_command(&mut read).await {
                    let name = command.first().map(|c| c.to_ascii_uppercase());
                    let answer = match name.as_deref() {
                        Some("EVALSHA" | "EVAL")
                            if command.get(2).map(String::as_str) == Some("4") =>
                        {
                            count.fetch_add(1, Ordering::SeqCst);
                            reply.to_string()
                        }
                        Some("EVALSHA" | "EVAL") => ":0\r\n".to_string(),
                        Some("SCRIPT") => {
                            "$40\r\n0000000000000000000000000000000000000000\r\n".into()
                        }
                        _ => "+OK\r\n".to_string(),
                    };
                    if write.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, asked)
}

/// Reads one RESP command (an array of bulk strings).
async fn read_command<R: AsyncBufReadExt + Unpin>(r: &mut R) -> Option<Vec<String>> {
    let mut line = String::new();
    r.read_line(&mut line).await.ok()?;
    let n: usize = line.trim().strip_prefix('*')?.parse().ok()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        line.clear();
        r.read_line(&mut line).await.ok()?;
        let len: usize = line.trim().strip_prefix('$')?.parse().ok()?;
        let mut buf = vec![0u8; len + 2];
        tokio::io::AsyncReadExt::read_exact(r, &mut buf)
            .await
            .ok()?;
        buf.truncate(len);
        out.push(String::from_utf8_lossy(&buf).into_owned());
    }
    Some(out)
}

/// A loopback Intercom counting the requests it gets.
pub async fn intercom() -> (String, Arc<AtomicUsize>) {
    let got = Arc::new(AtomicUsize::new(0));
    let g = got.clone();
    let addr = server::start(Arc::new(move |_: &[u8]| {
        g.fetch_add(1, Ordering::SeqCst);
        Action::respond(
            200,
            r#"{"type":"admin_message","id":"1","created_at":1,"body":"x","message_type":"inapp"}"#,
        )
    }))
    .await;
    (format!("http://{addr}"), got)
}

pub fn message() -> Message {
    Message::from_admin(1)
        .to(Contact::user_id("70"))
        .in_app("hi")
        .into()
}

/// A client of `intercom` paced by a `RedisBudget` of 10 per second in the
/// Redis at `redis`, doing `when` while Redis is of no use.
pub fn client(redis: String, intercom: &str, when: WhenRedisDown) -> Client {
    let budget = RedisBudget::builder(redis, "hostile")
        .budget(10, Duration::from_secs(1))
        .when_unavailable(when)
        .build()
        .unwrap();
    Client::builder("tok")
        .base_url(intercom)
        .retry(RetryPolicy::never())
        .rate_budget(budget)
        .build()
        .unwrap()
}

/// A fake Redis that answers the slot script with a bulk reply of 256 MiB,
/// written in 64 KiB pieces for as long as the reader takes them. Returns its
/// URL and how many bytes of the reply it managed to write.
pub async fn huge_reply_redis() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("redis://{}/", listener.local_addr().unwrap());
    let written = Arc::new(AtomicUsize::new(0));
    let count = written.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let (read, mut write) = sock.into_split();
                let mut read = BufReader::new(read);
                while let Some(command) = read_command(&mut read).await {
                    let name = command.first().map(|c| c.to_ascii_uppercase());
                    if !matches!(name.as_deref(), Some("EVALSHA" | "EVAL")) {
                        if write.write_all(b"+OK\r\n").await.is_err() {
                            return;
                        }
                        continue;
                    }
                    let size = 256 * 1024 * 1024;
                    if write
                        .write_all(format!("${size}\r\n").as_bytes())
                        .await
                        .is_err()
                    {
                        return;
                    }
                    let piece = vec![b'x'; 64 * 1024];
                    for _ in 0..size / piece.len() {
                        if write.write_all(&piece).await.is_err() {
                            return;
                        }
                        count.fetch_add(piece.len(), Ordering::SeqCst);
                    }
                }
            });
        }
    });
    (url, written)
}
