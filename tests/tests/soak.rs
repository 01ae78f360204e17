//! A small soak on every CI run: every message accounted for exactly once,
//! none created twice by our retries. The full 10,000-message run and the
//! pacing rate are measured by `cargo bench -p intercom-messages-tests --bench soak`.

use intercom_messages_tests::soak::{self, Faults};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_is_accounted_for_exactly_once() {
    let report = soak::run(1_000, 32, Faults::default()).await;
    assert!(report.unaccounted.is_empty(), "{:#?}", report.unaccounted);
    assert_eq!(report.duplicates, 0);
    assert_eq!(
        report.created + report.maybe_delivered + report.not_delivered,
        1_000
    );
    // The faults really happened: some of each outcome.
    assert!(
        report.maybe_delivered > 0 && report.requests > 1_000,
        "{report:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paced_sends_get_no_429() {
    let (_, rejected) = soak::run_paced(60, 16, 40, std::time::Duration::from_millis(500)).await;
    assert_eq!(rejected, 0);
}
