//! Raw HTTP/1.1 servers on loopback.
//!
//! - [`start`]: keep-alive, `Content-Length` bodies, an answer chosen per
//!   request by a [`Responder`], including dropping the connection after
//!   reading the request. For soaks and benchmarks, where a real server's
//!   own cost would be measured too.
//! - [`Raw`]: one connection per [`Reply`], in order, for hostile answers:
//!   bytes as written, an endless body, a body read only in half, a hang.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What to do with a request that was read in full.
#[derive(Clone, Debug)]
pub enum Action {
    /// Answer after `delay`.
    Respond {
        /// The status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// The JSON (or other) body.
        body: Vec<u8>,
        /// Wait this long before answering.
        delay: Duration,
    },
    /// Close the connection without answering.
    Drop,
}

impl Action {
    /// An immediate answer with no extra headers.
    pub fn respond(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Action::Respond {
            status,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
}

/// Decides the answer for a request body.
pub type Responder = Arc<dyn Fn(&[u8]) -> Action + Send + Sync>;

/// Starts a keep-alive server on 127.0.0.1; it runs until the runtime stops.
pub async fn start(responder: Responder) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let _ = sock.set_nodelay(true);
            tokio::spawn(keep_alive(sock, responder.clone()));
        }
    });
    addr
}

async fn keep_alive(mut sock: TcpStream, responder: Responder) {
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    while let Some(body) = read_request(&mut sock, &mut buf, true).await {
        match responder(&body) {
            Action::Drop => return,
            Action::Respond {
                status,
                headers,
                body,
                delay,
            } => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let mut headers: Vec<(&str, String)> = headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                headers.insert(0, ("content-type", "application/json".into()));
                if sock
                    .write_all(&answer(status, &headers, &body, false))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
    }
}

/// An HTTP/1.1 answer with a `Content-Length`, and `Connection: close` when
/// `close` is set.
pub fn answer(status: u16, headers: &[(&str, String)], body: &[u8], close: bool) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
    if close {
        out.push_str("connection: close\r\n");
    }
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Reads one request (its head and, when `whole`, its `Content-Length`
/// body) from `sock`, with `buf` holding what was read past the previous
/// request; returns the body, or `None` when the peer closed first. Without
/// `whole` the body returned is empty and the rest is left unread.
pub async fn read_request(sock: &mut TcpStream, buf: &mut Vec<u8>, whole: bool) -> Option<Vec<u8>> {
    let mut chunk = vec![0u8; 8192];
    let (head_end, len) = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (end + 4, len);
        }
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    if !whole {
        return Some(Vec::new());
    }
    while buf.len() < head_end + len {
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = buf[head_end..head_end + len].to_vec();
    buf.drain(..head_end + len);
    Some(body)
}

/// What [`Raw`] does with one connection.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Reads the request, writes these bytes, closes.
    Bytes(Vec<u8>),
    /// Reads the request, writes a chunked 200 whose body never ends.
    Endless,
    /// Reads the head and closes before reading the whole body.
    HalfBodyThenClose,
    /// Reads the request and never answers.
    Hang,
}

impl Reply {
    /// An HTTP/1.1 answer with `Connection: close`.
    pub fn http(status: u16, headers: &[(&str, String)], body: &[u8]) -> Reply {
        Reply::Bytes(answer(status, headers, body, true))
    }
}

/// A raw server answering one connection per reply, in order; once the
/// replies are used up it closes its listener, so later connections are
/// refused.
pub struct Raw {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
}

impl Raw {
    /// Starts it on 127.0.0.1.
    pub async fn start(replies: Vec<Reply>) -> Raw {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(AtomicUsize::new(0));
        let count = requests.clone();
        tokio::spawn(async move {
            for reply in replies {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(once(sock, reply, count.clone()));
            }
        });
        Raw { addr, requests }
    }

    /// Its base URL, `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many requests it has read (in full, or their head for
    /// [`Reply::HalfBodyThenClose`]).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

async fn once(mut sock: TcpStream, reply: Reply, count: Arc<AtomicUsize>) {
    let whole = !matches!(reply, Reply::HalfBodyThenClose);
    if read_request(&mut sock, &mut Vec::new(), whole)
        .await
        .is_none()
    {
        return;
    }
    count.fetch_add(1, Ordering::SeqCst);
    match reply {
        Reply::Bytes(b) => {
            let _ = sock.write_all(&b).await;
            let _ = sock.shutdown().await;
        }
        Reply::Endless => {
            let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            if sock.write_all(head).await.is_err() {
                return;
            }
            let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
            chunk.extend(std::iter::repeat_n(b'x', 64 * 1024));
            chunk.extend_from_slice(b"\r\n");
            while sock.write_all(&chunk).await.is_ok() {}
        }
        Reply::HalfBodyThenClose => {
            // Dropping the socket with unread data resets the connection.
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn keep_alive_answers_each_request_on_one_connection() {
        let addr = start(Arc::new(|body: &[u8]| Action::respond(201, body.to_vec()))).await;
        let mut sock = TcpStream::connect(addr).await.unwrap();
        for body in ["one", "three"] {
            let req = format!(
                "POST / HTTP/1.1\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            sock.write_all(req.as_bytes()).await.unwrap();
            let mut got = vec![0u8; 512];
            let n = sock.read(&mut got).await.unwrap();
            let text = String::from_utf8_lossy(&got[..n]).into_owned();
            assert!(text.starts_with("HTTP/1.1 201"), "{text}");
            assert!(text.ends_with(body), "{text}");
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn raw_counts_requests_and_refuses_after_its_replies() {
        let raw = Raw::start(vec![Reply::http(204, &[], b"")]).await;
        let mut sock = TcpStream::connect(raw.url().trim_start_matches("http://"))
            .await
            .unwrap();
        sock.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let mut got = Vec::new();
        sock.read_to_end(&mut got).await.unwrap();
        assert!(got.starts_with(b"HTTP/1.1 204"));
        assert_eq!(raw.requests(), 1);
        tokio::task::yield_now().await;
        assert!(
            TcpStream::connect(raw.url().trim_start_matches("http://"))
                .await
                .is_err()
        );
    }
}
