//! A burst of tasks started at once, and when each finished: the benches'
//! burst figures (first, median, last), for the pacer and the Redis budget.

use std::future::Future;
use std::time::{Duration, Instant};

/// Starts `n` tasks at once, task `i` running `task(i)`; returns how long
/// after the start each finished, sorted. A task that panics panics here.
pub async fn burst<F, Fut>(n: usize, task: F) -> Vec<Duration>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let run = task(i);
            tokio::spawn(async move {
                run.await;
                t0.elapsed()
            })
        })
        .collect();
    let mut done = Vec::with_capacity(n);
    for t in tasks {
        done.push(t.await.expect("a burst's task panicked"));
    }
    done.sort();
    done
}
