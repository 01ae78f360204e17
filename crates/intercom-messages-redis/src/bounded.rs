//! A Redis connection's stream with every reply bounded: whatever answers on
//! the Redis port cannot make the process read or hold more than
//! [`MAX_REPLY`] bytes for one reply.
//!
//! The `redis` crate has no limit on a reply's size: it buffers a bulk reply
//! whole before parsing it, so a 256 MiB reply costs 256 MiB or more. This
//! wrapper sits under its parser, on the byte stream. It follows the RESP
//! framing as the bytes go by (types, lengths, element counts; never the
//! content), and fails the read with an I/O error once one top-level reply
//! passes the bound. The connection then drops, as for any I/O error, and
//! the budget treats Redis as unavailable. Each read asks the socket for at
//! most [`MAX_REPLY`] bytes, so the parser's buffer never holds more than
//! about twice the bound.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The most bytes one Redis reply may take. The budget's scripts answer a
/// number; the longest real reply is an error line (a script error or a
/// `NOSCRIPT`), well under this.
pub(crate) const MAX_REPLY: usize = 4 * 1024;

/// The longest header line kept for its number (`$<len>`, `*<count>`).
const MAX_HEADER: usize = 24;

/// Where the scanner is in the RESP stream.
#[derive(Debug, Default)]
pub(crate) struct Scanner {
    /// Values still to come before the current top-level reply ends (0 between replies).
    pending: u64,
    /// Payload bytes (with the final CRLF) of a bulk value still to come.
    bulk_left: u64,
    /// Inside a header line: its type byte, and its first bytes.
    line: Option<(u8, Vec<u8>)>,
    /// Bytes of the current top-level reply so far.
    reply_bytes: usize,
}

impl Scanner {
    /// Follows `bytes`; an error once a reply is over [`MAX_REPLY`] or is not RESP.
    pub(crate) fn feed(&mut self, mut bytes: &[u8]) -> Result<(), &'static str> {
        while !bytes.is_empty() {
            if self.pending == 0 && self.line.is_none() && self.bulk_left == 0 {
                self.pending = 1;
                self.reply_bytes = 0;
            }
            let take = if self.bulk_left > 0 {
                let n = usize::try_from(self.bulk_left)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                self.bulk_left -= n as u64;
                if self.bulk_left == 0 {
                    self.value_done();
                }
                n
            } else {
                self.header_bytes(bytes)?
            };
            self.reply_bytes += take;
            if self.reply_bytes > MAX_REPLY {
                return Err("a Redis reply over 4 KiB");
            }
            bytes = &bytes[take..];
        }
        Ok(())
    }

    /// Consumes header-line bytes; returns how many.
    fn header_bytes(&mut self, bytes: &[u8]) -> Result<usize, &'static str> {
        let (kind, mut text, start) = match self.line.take() {
            Some((kind, text)) => (kind, text, 0),
            None => (bytes[0], Vec::new(), 1),
        };
        let rest = &bytes[start..];
        match rest.iter().position(|b| *b == b'\n') {
            None => {
                let room = MAX_HEADER.saturating_sub(text.len());
                text.extend_from_slice(&rest[..rest.len().min(room)]);
                self.line = Some((kind, text));
                Ok(bytes.len())
            }
            Some(end) => {
                let room = MAX_HEADER.saturating_sub(text.len());
                text.extend_from_slice(&rest[..end.min(room)]);
                self.header_done(kind, &text)?;
                Ok(start + end + 1)
            }
        }
    }

    fn header_done(&mut self, kind: u8, text: &[u8]) -> Result<(), &'static str> {
        let number = || -> Result<i64, &'static str> {
            std::str::from_utf8(text)
                .ok()
                .map(|t| t.trim_end_matches('\r'))
                .and_then(|t| t.parse::<i64>().ok())
                .ok_or("a Redis reply with a bad length")
        };
        match kind {
            b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => self.value_done(),
            b'$' | b'!' | b'=' => match u64::try_from(number()?) {
                Ok(len) => self.bulk_left = len.saturating_add(2),
                Err(_) => self.value_done(), // a null bulk
            },
            b'*' | b'~' | b'>' | b'%' | b'|' => {
                let n = u64::try_from(number()?).unwrap_or(0);
                let n = if matches!(kind, b'%' | b'|') {
                    n.saturating_mul(2)
                } else {
                    n
                };
                // An attribute is not a value itself: what follows it is.
                if kind != b'|' {
                    self.value_done();
                }
                self.pending = self.pending.saturating_add(n);
            }
            _ => return Err("not a Redis reply"),
        }
        Ok(())
    }

    fn value_done(&mut self) {
        self.pending = self.pending.saturating_sub(1);
    }
}

/// A stream whose replies are bounded by [`MAX_REPLY`] each.
pub(crate) struct Bounded<S> {
    inner: S,
    scanner: Scanner,
}

impl<S> Bounded<S> {
    pub(crate) fn new(inner: S) -> Self {
        Self {
            inner,
            scanner: Scanner::default(),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Bounded<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let room = buf.remaining().min(MAX_REPLY);
        let mut small = ReadBuf::new(buf.initialize_unfilled_to(room));
        match Pin::new(&mut this.inner).poll_read(cx, &mut small) {
            Poll::Ready(Ok(())) => {
                let n = small.filled().len();
                this.scanner
                    .feed(small.filled())
                    .map_err(io::Error::other)?;
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Bounded<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, b)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(chunks: &[&[u8]]) -> Result<Scanner, &'static str> {
        let mut s = Scanner::default();
        for c in chunks {
            s.feed(c)?;
        }
        Ok(s)
    }

    #[test]
    fn real_replies_pass_and_end_where_they_end() {
        let replies: [&[u8]; 6] = [
            b":1500\r\n",
            b"-NOSCRIPT No matching script. Please use EVAL.\r\n",
            b"$5\r\nhello\r\n",
            b"$-1\r\n",
            b"*2\r\n$3\r\nabc\r\n:7\r\n",
            b"*2\r\n*1\r\n+OK\r\n%1\r\n+k\r\n:1\r\n",
        ];
        for r in replies {
            let s = scan(&[r]).unwrap();
            assert_eq!(s.pending, 0, "{:?}", String::from_utf8_lossy(r));
            assert_eq!(s.bulk_left, 0);
            // The same bytes one at a time.
            let bytes: Vec<&[u8]> = r.chunks(1).collect();
            assert_eq!(scan(&bytes).unwrap().pending, 0);
        }
        // Many small replies in a row never add up to one large one.
        let many = b":1\r\n".repeat(10_000);
        assert!(scan(&[&many]).is_ok());
    }

    #[test]
    fn a_large_reply_fails_as_soon_as_it_passes_the_bound() {
        let mut s = Scanner::default();
        assert!(s.feed(b"$268435456\r\n").is_ok());
        let chunk = [b'x'; 1024];
        let mut fed = 0;
        while s.feed(&chunk).is_ok() {
            fed += chunk.len();
            assert!(fed <= MAX_REPLY, "fed {fed} bytes of one reply");
        }
        // An endless header line, and an endless array of small values, too.
        assert!(scan(&[b"+", &[b'a'; MAX_REPLY + 1]]).is_err());
        let array = [b"*100000000\r\n".as_slice(), &b":1\r\n".repeat(2000)].concat();
        assert!(scan(&[&array]).is_err());
    }

    #[test]
    fn what_is_not_resp_fails() {
        assert!(scan(&[b"HTTP/1.1 200 OK\r\n"]).is_err());
        assert!(scan(&[b"$abc\r\n"]).is_err());
    }
}
