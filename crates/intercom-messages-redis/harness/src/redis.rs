//! A real `redis-server` (Debian package `redis-server`, installed by
//! `.ci/run`) on a free loopback port, for the shared rate budget's tests and
//! bench. Started by the test, waited for, stopped when dropped. A missing
//! server fails loudly: nothing is skipped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server` this process started.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    /// Extra arguments (TLS, ACL users, cluster mode).
    extra: Vec<String>,
    /// `AUTH` words the test's own commands send first.
    auth: Option<(String, String)>,
}

impl RedisServer {
    /// Starts `redis-server` on a free loopback port, with no persistence,
    /// and waits until it answers `PING`.
    pub fn start() -> Self {
        Self::start_with(Vec::new(), None)
    }

    /// Starts it with extra arguments; the test's own commands (`command`,
    /// the readiness check) log in as `auth` first when given.
    pub fn start_with(extra: Vec<String>, auth: Option<(String, String)>) -> Self {
        let mut server = RedisServer {
            child: None,
            port: free_port(),
            extra,
            auth,
        };
        server.start_again();
        server
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The server's process id, while it runs (to stall it with `SIGSTOP`).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The port it listens on (the same across a stop and a start).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (as a crash would: no shutdown handshake).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        // Wait until the port refuses connections.
        let deadline = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Starts the server again on the same port (empty: nothing is saved).
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "the Redis server is already running");
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start `redis-server` ({e}): install the Debian package `redis-server` \
                     (`apt-get install redis-server`; .ci/run does this)"
                )
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if ping(self.port, self.auth.as_ref()) {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("redis-server exited at start: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "redis-server on port {} did not answer PING within 60 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs one command given as words (e.g. `["GET", "key"]`) and returns
    /// the raw RESP reply.
    pub fn command(&self, words: &[&str]) -> String {
        command(self.port, self.auth.as_ref(), words)
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn resp(words: &[&str]) -> String {
    let mut req = format!("*{}\r\n", words.len());
    for w in words {
        req.push_str(&format!("${}\r\n{w}\r\n", w.len()));
    }
    req
}

/// Runs one command on the plain port, after `AUTH` if given, and returns
/// the raw RESP reply (up to 64 KiB).
pub fn command(port: u16, auth: Option<&(String, String)>, words: &[&str]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to Redis");
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    if let Some((user, password)) = auth {
        s.write_all(resp(&["AUTH", user, password]).as_bytes())
            .unwrap();
        let mut ok = [0u8; 64];
        let n = s.read(&mut ok).unwrap_or(0);
        assert!(
            ok[..n].starts_with(b"+OK"),
            "AUTH: {}",
            String::from_utf8_lossy(&ok[..n])
        );
    }
    s.write_all(resp(words).as_bytes()).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    // Read until the reply stops arriving (a short pause ends it).
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if out.len() > 64 * 1024 {
                    break;
                }
                s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn ping(port: u16, auth: Option<&(String, String)>) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let mut req = String::new();
    if let Some((user, password)) = auth {
        req.push_str(&resp(&["AUTH", user, password]));
    }
    req.push_str("PING\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
        if got.windows(5).any(|w| w == b"+PONG") {
            return true;
        }
        if got.starts_with(b"-") {
            return false;
        }
    }
    false
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
