//! Redis as a managed service runs it, started by the test on free loopback
//! ports and stopped after: with TLS (certificates made at test time with
//! `openssl`), with ACL users, and as a three-node cluster made with
//! `redis-server --cluster-enabled yes` and `redis-cli --cluster create`
//! (Debian packages `redis-server`, `redis-tools` and `openssl`, installed by
//! `tools/install-test-deps`). A missing program fails loudly.
//!
//! [`SlotLog`] records every start the shared budget handed out, read from
//! Redis itself, so that tests prove the schedule rather than how promptly a
//! loaded machine sent.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::redis::{RedisServer, command, free_port};
use intercom_messages::MAX_HOLD;
use intercom_messages_test_support::certs::run;
pub use intercom_messages_test_support::certs::{Certs, Scratch};

/// A scratch folder, removed when dropped.
/// A Redis serving TLS on one port (clients not asked for certificates) and
/// plain text on another, for the test's own reads. Returns the server and
/// the `rediss://` URL of its TLS port, with the default user's password.
pub fn tls_redis(certs: &Certs) -> (RedisServer, String) {
    let tls_port = free_port();
    let auth = ("default".to_string(), "tls-secret-PASSWORD".to_string());
    let server = RedisServer::start_with(
        vec![
            "--tls-port".into(),
            tls_port.to_string(),
            "--tls-cert-file".into(),
            certs.file("server.crt"),
            "--tls-key-file".into(),
            certs.file("server.key"),
            "--tls-ca-cert-file".into(),
            certs.file("ca.crt"),
            "--tls-auth-clients".into(),
            "no".into(),
            "--requirepass".into(),
            auth.1.clone(),
        ],
        Some(auth),
    );
    let url = format!("rediss://:tls-secret-PASSWORD@127.0.0.1:{tls_port}/");
    (server, url)
}

/// A Redis whose default user is off: the budget logs in as the ACL user
/// `budget`, allowed only the budget's keys and the commands it runs; the
/// test reads as `admin`. Returns the server and the budget's URL.
pub fn acl_redis() -> (RedisServer, String) {
    let server = RedisServer::start_with(
        [
            "--user admin on >admin-secret-PASSWORD ~* &* +@all",
            "--user budget on >budget-secret-PASSWORD ~intercom-messages:* +@scripting +@read +@write +@connection +time -@dangerous",
            "--user default off",
        ]
        .iter()
        .flat_map(|line| line.split(' ').map(String::from))
        .collect(),
        Some(("admin".into(), "admin-secret-PASSWORD".into())),
    );
    let url = format!(
        "redis://budget:budget-secret-PASSWORD@127.0.0.1:{}/",
        server.port()
    );
    (server, url)
}

/// Three Redis nodes made one cluster (no replicas), every slot served.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
    _dir: Scratch,
}

impl RedisCluster {
    pub fn start() -> Self {
        let dir = Scratch::new("cluster");
        let nodes: Vec<RedisServer> = (0..3)
            .map(|i| {
                RedisServer::start_with(
                    vec![
                        "--cluster-enabled".into(),
                        "yes".into(),
                        "--cluster-config-file".into(),
                        dir.0
                            .join(format!("nodes-{i}.conf"))
                            .to_string_lossy()
                            .into_owned(),
                        "--cluster-node-timeout".into(),
                        "5000".into(),
                        "--dir".into(),
                        dir.0.to_string_lossy().into_owned(),
                    ],
                    None,
                )
            })
            .collect();
        let addrs: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port()))
            .collect();
        let mut args = vec!["--cluster", "create"];
        args.extend(addrs.iter().map(String::as_str));
        args.extend(["--cluster-replicas", "0", "--cluster-yes"]);
        run("redis-cli", &args);
        let deadline = Instant::now() + Duration::from_secs(60);
        for n in &nodes {
            while !n.command(&["CLUSTER", "INFO"]).contains("cluster_state:ok") {
                assert!(Instant::now() < deadline, "the cluster never became ready");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        RedisCluster { nodes, _dir: dir }
    }

    /// `cluster:redis://…,redis://…,…`, as the worker reads it.
    pub fn worker_url(&self) -> String {
        let urls: Vec<String> = self.nodes.iter().map(|n| n.url()).collect();
        format!("cluster:{}", urls.join(","))
    }

    /// The node that serves `key` (the others answer `-MOVED`).
    pub fn owner_of(&self, key: &str) -> &RedisServer {
        self.nodes
            .iter()
            .find(|n| !n.command(&["TYPE", key]).starts_with("-MOVED"))
            .expect("a node serves the key")
    }
}

/// Every slot a shared budget handed out, read from the app's log in Redis
/// by a thread that polls it more often than entries leave it. The log
/// scores a request in flight at its start plus [`MAX_HOLD`], and an ended
/// one at its end, kept for a window: each request is taken at the earliest
/// time seen (its start, if seen in flight; else its end). Every such time
/// lies between the request's start and its end, and the budget holds any
/// window to its count of those as of its starts.
pub struct SlotLog {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<HashMap<String, u64>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SlotLog {
    /// Polls `key` on the servers at `ports` (with `auth`) every 50 ms.
    pub fn watch(ports: Vec<u16>, auth: Option<(String, String)>, key: String) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let seen: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
        let (s, m) = (stop.clone(), seen.clone());
        let thread = std::thread::spawn(move || {
            loop {
                // One more poll after the stop, for the last starts.
                let last = s.load(Ordering::SeqCst);
                for p in &ports {
                    let reply = command(
                        *p,
                        auth.as_ref(),
                        &["ZRANGE", &key, "0", "-1", "WITHSCORES"],
                    );
                    if !reply.starts_with('*') {
                        continue;
                    }
                    let values: Vec<&str> = reply
                        .split("\r\n")
                        .filter(|l| !l.is_empty() && !l.starts_with(['*', '$']))
                        .collect();
                    let mut seen = m.lock().unwrap();
                    for pair in values.chunks(2) {
                        if let [member, score] = pair {
                            let at = slot_time(score.parse().unwrap_or(0));
                            let kept = seen.entry(member.to_string()).or_insert(at);
                            *kept = (*kept).min(at);
                        }
                    }
                }
                if last {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        SlotLog {
            stop,
            seen,
            thread: Some(thread),
        }
    }

    /// Stops polling; the slots' times seen (microseconds of Redis's clock), in order.
    pub fn finish(mut self) -> Vec<u64> {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        let mut starts: Vec<u64> = self.seen.lock().unwrap().values().copied().collect();
        starts.sort_unstable();
        starts
    }
}

/// A log score as a time within its request's life: a score more than half
/// the hold ahead of this machine's clock (Redis's, on loopback) is a
/// request in flight, scored at its start plus [`MAX_HOLD`].
fn slot_time(score: u64) -> u64 {
    let hold = u64::try_from(MAX_HOLD.as_micros()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    if score > now + hold / 2 {
        score - hold
    } else {
        score
    }
}

/// What the schedule says: the most starts in any `window`, and the share of
/// the budget used (`starts / (budget × (span / window + 1))`, 1.0 at best:
/// a sliding window can fit at most that many).
pub fn schedule(starts: &[u64], window: Duration, budget: u32) -> (usize, f64) {
    let w = u64::try_from(window.as_micros()).unwrap();
    let most = (0..starts.len())
        .map(|i| {
            starts[i..]
                .iter()
                .take_while(|t| **t < starts[i] + w)
                .count()
        })
        .max()
        .unwrap_or(0);
    let span = starts.last().zip(starts.first()).map_or(0, |(l, f)| l - f);
    let fits = f64::from(budget) * (span as f64 / w as f64 + 1.0);
    (most, starts.len() as f64 / fits)
}
