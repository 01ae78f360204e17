//! What a hostile Redis makes the budget log: the same nonsense once, never
//! the password. Its own test binary with one test, so that no other test's
//! thread caches tracing's interest in a callsite before the capture is set.

use std::sync::atomic::Ordering;
use std::time::Duration;

use intercom_messages::SendError;
use intercom_messages_redis::WhenRedisDown;
use intercom_messages_redis_tests::fake_redis::{client, fake_redis, intercom, message};
use intercom_messages_test_support::log::Captured;

/// The same nonsense, asked again each time Redis is due another try, is
/// logged once; a Redis error that quotes the password is logged without it.
/// On one thread, so that the capture sees every line.
#[tokio::test]
async fn nonsense_is_logged_once_and_the_password_never() {
    let log = Captured::default();
    let _guard = log.on_this_thread(tracing::Level::INFO);
    let (redis, asked) = fake_redis(":-5000000\r\n").await;
    let (url, got) = intercom().await;
    let c = client(redis, &url, WhenRedisDown::Fail);
    for _ in 0..3 {
        assert!(matches!(
            c.send(message()).await,
            Err(SendError::BudgetUnavailable(_))
        ));
        // Redis is asked again at most once a second.
        tokio::time::sleep(Duration::from_millis(1_100)).await;
    }
    assert!(
        asked.load(Ordering::SeqCst) >= 3,
        "Redis was asked {asked:?} times"
    );
    assert_eq!(got.load(Ordering::SeqCst), 0);
    let text = log.text();
    assert_eq!(text.matches("not sane").count(), 1, "{text}");
    // A Redis that answers nonsense never counts as back.
    assert_eq!(text.matches("Redis back").count(), 0, "{text}");

    let (redis, _) = fake_redis("-ERR auth hunter2-PASSWORD refused\r\n").await;
    let c = client(redis, &url, WhenRedisDown::Fail);
    assert!(matches!(
        c.send(message()).await,
        Err(SendError::BudgetUnavailable(_))
    ));
    let text = log.text();
    assert!(text.contains("Redis unavailable"), "{text}");
    assert!(text.contains("[redacted]"), "{text}");
    assert!(!text.contains("hunter2-PASSWORD"), "{text}");
}
