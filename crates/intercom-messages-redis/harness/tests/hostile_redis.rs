//! A hostile Redis: something on the Redis port that speaks the protocol but
//! answers the budget's script with waits no send should take. Each answer is
//! a budget failure: with `Fail` the send is refused and nothing reaches
//! Intercom; with `FallBack` the send goes out paced locally.
//!
//! The fake Redis (`intercom_messages_redis_tests::fake_redis`) is raw TCP on
//! loopback, answering RESP by hand: a real `redis-server` cannot be made to
//! answer nonsense. What it makes us log is `hostile_redis_logs.rs`.

use std::sync::atomic::Ordering;
use std::time::Duration;

use intercom_messages::SendError;
use intercom_messages_redis::WhenRedisDown;
use intercom_messages_redis_tests::fake_redis::{client, fake_redis, intercom, message};

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
        let client = client(redis, &url, WhenRedisDown::Fail);
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
        let client = client(redis, &url, WhenRedisDown::FallBack { fraction: 0.5 });
        // Alone at half of 10/s: five sends per 1.02 s window, so the sixth
        // waits for the first to leave the window (a lower bound the local
        // pacer guarantees).
        let started = tokio::time::Instant::now();
        for _ in 0..6 {
            tokio::time::timeout(HANG_GUARD, client.send(message()))
                .await
                .unwrap_or_else(|_| panic!("{reply:?}: the send slept on Redis's word"))
                .unwrap_or_else(|e| panic!("{reply:?}: {e:?}"));
        }
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(1_000),
            "{reply:?}: not paced: {took:?}"
        );
        assert_eq!(got.load(Ordering::SeqCst), 6, "{reply:?}");
    }
}
