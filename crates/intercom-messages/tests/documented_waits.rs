//! The worst-case waits the crate docs give are computed from the defaults,
//! not copied: a change to a default fails here until the docs say it. The
//! defaults are read through the public API only: a policy or client built
//! with a value equals the default one exactly when that value is the
//! default.

use std::time::Duration;

use intercom_messages::{Client, RetryPolicy};

fn word(n: u32) -> &'static str {
    ["no", "one", "two", "three", "four", "five"][n as usize]
}

/// The first of `candidates` that, set on the default, leaves it unchanged.
fn default_of<T: Copy + std::fmt::Debug, V: PartialEq>(
    what: &str,
    candidates: impl IntoIterator<Item = T>,
    set: impl Fn(T) -> V,
    default: V,
) -> T {
    candidates
        .into_iter()
        .find(|c| set(*c) == default)
        .unwrap_or_else(|| panic!("no candidate is the default {what}"))
}

/// A client's `Debug`, which shows its timeout and retry policy.
fn client_shown(timeout: Option<Duration>) -> String {
    let builder = Client::builder("tok_docs_0123456789");
    let builder = match timeout {
        Some(t) => builder.timeout(t),
        None => builder,
    };
    format!("{:?}", builder.build().unwrap())
}

#[test]
fn the_documented_worst_case_waits_follow_the_defaults() {
    let policy = RetryPolicy::default;
    let attempts = default_of("attempts", 1..=5, |n| policy().max_attempts(n), policy());
    let max_wait = default_of(
        "max_wait",
        (1..=600).map(Duration::from_secs),
        |d| policy().max_wait(d),
        policy(),
    );
    let timeout = default_of(
        "timeout",
        (1..=600).map(Duration::from_secs),
        |d| client_shown(Some(d)),
        client_shown(None),
    );
    let sends = timeout * attempts + max_wait * (attempts - 1);
    let docs = include_str!("../src/lib.rs");
    let one_line = docs.replace("\n//! ", " ");
    for (what, text) in [
        (
            "attempts",
            format!("{} attempts of {} s", word(attempts), timeout.as_secs()),
        ),
        (
            "retry waits",
            format!(
                "{} retry waits of {} s",
                word(attempts - 1),
                max_wait.as_secs()
            ),
        ),
        ("the sum", format!("({} s)", sends.as_secs())),
    ] {
        assert!(
            one_line.contains(&text),
            "the crate docs do not say {what}: `{text}`"
        );
    }
}
