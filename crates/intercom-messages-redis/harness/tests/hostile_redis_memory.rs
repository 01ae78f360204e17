//! Whatever answers on the Redis port cannot make the process hold a large
//! reply: a 256 MiB bulk reply to the budget's script raises resident memory
//! by less than 1 MiB, and the send is refused (`Fail`) or paced locally
//! (`FallBack`), as documented in `RedisBudget`. Its own test binary, so that
//! no other test's allocations move the reading.

use std::sync::atomic::Ordering;
use std::time::Duration;

use intercom_messages::SendError;
use intercom_messages_redis::WhenRedisDown;
use intercom_messages_redis_tests::fake_redis::{client, huge_reply_redis, intercom, message};

/// Resident memory of this process, in bytes (Linux `/proc/self/statm`).
fn resident() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_256_mib_reply_costs_under_a_mebibyte_and_fails_the_slot() {
    let (url, got) = intercom().await;
    // Warm up everything a send allocates once (the runtime, the HTTP pool, TLS roots).
    let (warm, _) = huge_reply_redis().await;
    let c = client(warm, &url, WhenRedisDown::Fail);
    let _ = c.send(message()).await;

    for when in [
        WhenRedisDown::Fail,
        WhenRedisDown::FallBack { fraction: 0.5 },
    ] {
        let (redis, written) = huge_reply_redis().await;
        let c = client(redis, &url, when);
        let before = resident();
        let sent_before = got.load(Ordering::SeqCst);
        let result = tokio::time::timeout(Duration::from_secs(60), c.send(message()))
            .await
            .expect("the send hung on a huge Redis reply");
        let grew = resident().saturating_sub(before);
        eprintln!("{result:?}");
        match when {
            WhenRedisDown::Fail => {
                assert!(
                    matches!(result, Err(SendError::BudgetUnavailable(_))),
                    "{result:?}"
                );
                assert_eq!(
                    got.load(Ordering::SeqCst),
                    sent_before,
                    "a request went out"
                );
            }
            _ => {
                result.expect("paced locally");
                assert_eq!(got.load(Ordering::SeqCst), sent_before + 1);
            }
        }
        let taken = written.load(Ordering::SeqCst);
        eprintln!("{when:?}: resident +{grew} bytes; the server wrote {taken} bytes of 256 MiB");
        assert!(
            grew < 1024 * 1024,
            "{when:?}: resident memory grew by {grew} bytes"
        );
        assert!(
            taken < 64 * 1024 * 1024,
            "{when:?}: {taken} bytes of the reply were taken"
        );
    }
}
