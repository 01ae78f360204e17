//! A hostile Redis: something on the Redis port that speaks the protocol but
//! answers the budget's script with waits no send should take. Each answer is
//! a budget failure: with `Fail` the send is refused and nothing reaches
//! Intercom; with `FallBack` the send goes out paced locally.
//!
//! The fake Redis is raw TCP on loopback, answering RESP by hand: a real
//! `redis-server` cannot be made to answer nonsense.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use intercom_messages::{
    Client, Contact, Message, RedisBudget, RetryPolicy, SendError, WhenRedisDown,
};
use intercom_messages_tests::server::{self, Action};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Starts a fake Redis that answers the slot script (`EVALSHA`/`EVAL` with two
/// keys) with `reply`, every other script with `:0`, and anything else with
/// `+OK`. Returns its URL and how many slot scripts it answered.
async fn fake_redis(reply: &'static str) -> (String, Arc<AtomicUsize>) {
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
                            if command.get(2).map(String::as_str) == Some("2") =>
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
async fn intercom() -> (String, Arc<AtomicUsize>) {
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

fn message() -> Message {
    Message::from_admin(1)
        .to(Contact::user_id("70"))
        .in_app("hi")
        .into()
}

/// Answers that are not a sane wait: 292,000 years, negative, not a number.
const NONSENSE: [&str; 4] = [
    ":9223372036854775807\r\n",
    ":-5000000\r\n",
    "$5\r\nsoon!\r\n",
    // 61 minutes: a plausible-looking number, still past the cap.
    ":3660000000\r\n",
];

/// The longest a slot may wait (a minute plus the window, documented in
/// `RedisBudget`), doubled: only a guard that turns a hang into a failure.
const HANG_GUARD: Duration = Duration::from_secs(2 * 61);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absurd_wait_with_fail_refuses_and_sends_nothing() {
    for reply in NONSENSE {
        let (redis, asked) = fake_redis(reply).await;
        let (url, got) = intercom().await;
        let budget = RedisBudget::builder(redis, "hostile")
            .budget(100, Duration::from_secs(1))
            .when_unavailable(WhenRedisDown::Fail)
            .build()
            .unwrap();
        let client = Client::builder("tok")
            .base_url(&url)
            .retry(RetryPolicy::never())
            .rate_budget(budget)
            .build()
            .unwrap();
        let result = tokio::time::timeout(HANG_GUARD, client.send(message()))
            .await
            .unwrap_or_else(|_| panic!("{reply:?}: the send slept on Redis's word"));
        let err = result.expect_err(reply);
        assert!(
            matches!(err, SendError::BudgetUnavailable(_)),
            "{reply:?}: {err:?}"
        );
        assert!(!err.may_have_been_delivered());
        assert!(
            !format!("{err} {err:?}").contains("hunter2-PASSWORD"),
            "{err:?}"
        );
        assert_eq!(
            got.load(Ordering::SeqCst),
            0,
            "{reply:?}: a request reached Intercom"
        );
        assert!(
            asked.load(Ordering::SeqCst) >= 1,
            "{reply:?}: Redis was never asked"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absurd_wait_with_fall_back_sends_paced_locally() {
    for reply in NONSENSE {
        let (redis, _) = fake_redis(reply).await;
        let (url, got) = intercom().await;
        let budget = RedisBudget::builder(redis, "hostile")
            .budget(100, Duration::from_secs(1))
            .when_unavailable(WhenRedisDown::FallBack { fraction: 0.5 })
            .build()
            .unwrap();
        let client = Client::builder("tok")
            .base_url(&url)
            .retry(RetryPolicy::never())
            .rate_budget(budget)
            .build()
            .unwrap();
        // Alone at half of 100/s: slots 20.4 ms apart, so 6 sends span at
        // least 102 ms (a lower bound the local pacer guarantees).
        let started = tokio::time::Instant::now();
        for _ in 0..6 {
            tokio::time::timeout(HANG_GUARD, client.send(message()))
                .await
                .unwrap_or_else(|_| panic!("{reply:?}: the send slept on Redis's word"))
                .unwrap_or_else(|e| panic!("{reply:?}: {e:?}"));
        }
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(100),
            "{reply:?}: not paced: {took:?}"
        );
        assert_eq!(got.load(Ordering::SeqCst), 6, "{reply:?}");
    }
}
