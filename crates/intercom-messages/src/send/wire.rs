//! The bytes a send puts on the wire, for a cost that does not grow with the
//! message: the generated request type's JSON, byte for byte, with the
//! message's text never copied when JSON needs nothing escaped in it.
//!
//! The message moves into the generated request ([`Message::into_request`]).
//! Its text is taken out, and the rest of the request, with an empty text,
//! is encoded by `serde_json`, the one encoder of the wire. The text goes
//! back in where the empty one stands (`"body":""`), as a chunk of its own:
//! the message's own buffer when it holds nothing JSON escapes (a quote, a
//! backslash, a control character), else escaped exactly as `serde_json`
//! escapes a string. So a 1 MB body is sent from the buffer the caller
//! built, with no 1 MB copy and no 1 MB allocation (the `cost` bench counts
//! them). `tests/tests/wire_bytes.rs` compares these bytes with
//! `serde_json::to_vec` of the request for every documented example at every
//! version, and for texts holding every ASCII character.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use intercom_messages_api::types;

use crate::message::Message;
use crate::message::invalid::ValidationError;
use crate::message::version::Version;

/// Room for everything in the encoded request but the message's text.
const ENVELOPE: usize = 512;

/// Where the text goes back in: the empty text as `serde_json` writes it.
const EMPTY_BODY: &[u8] = br#""body":"""#;

/// The encoded request, in up to three shared chunks; cloning is reference counts.
#[derive(Clone, Debug)]
pub(crate) struct WireBody {
    parts: [Bytes; 3],
}

impl WireBody {
    /// The body reqwest sends: exactly these bytes, with their length as
    /// `Content-Length`, and, like every body the crate sends, one reqwest
    /// cannot replay (see `send::attempt::post`).
    pub(crate) fn to_reqwest(&self) -> reqwest::Body {
        reqwest::Body::wrap(Chunks {
            parts: self.parts.clone(),
            next: 0,
        })
    }
}

/// Checks `message` for `version` and encodes it (see the module docs).
pub(crate) fn encode(message: Message, version: Version) -> Result<WireBody, ValidationError> {
    let mut request = message.into_request(version)?;
    // Only a text JSON escapes nothing in is sent from its own buffer; any
    // other request is serde_json's whole, in one buffer sized for it.
    let text = match take_text(&mut request) {
        Some(t) if !t.is_empty() && !needs_escaping(t.as_bytes()) => t,
        other => {
            let room = ENVELOPE + other.as_ref().map_or(0, |t| t.len() + t.len() / 8);
            if let Some(t) = other {
                put_text(&mut request, t);
            }
            return Ok(WireBody::whole(json(&request, room)));
        }
    };
    let mut head = json(&request, ENVELOPE);
    let mut found = head
        .windows(EMPTY_BODY.len())
        .enumerate()
        .filter(|(_, w)| *w == EMPTY_BODY);
    let Some(at) = (match (found.next(), found.next()) {
        (Some((at, _)), None) => Some(at + EMPTY_BODY.len() - 1),
        // Not exactly one place (no request writes a second `body` key).
        _ => None,
    }) else {
        let room = ENVELOPE + text.len();
        put_text(&mut request, text);
        return Ok(WireBody::whole(json(&request, room)));
    };
    let tail = head.split_off(at);
    Ok(WireBody {
        parts: [Bytes::from(head), Bytes::from(text), Bytes::from(tail)],
    })
}

/// The request as `serde_json` writes it, into a buffer of `room` bytes.
fn json(request: &types::CreateMessageRequest, room: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(room);
    serde_json::to_writer(&mut out, request).expect("the generated request types always encode");
    out
}

impl WireBody {
    /// A body in one chunk (a search's, or a message's that is all envelope).
    pub(crate) fn whole(json: Vec<u8>) -> Self {
        WireBody {
            parts: [Bytes::from(json), Bytes::new(), Bytes::new()],
        }
    }
}

/// Moves the message's text (`body`) out of the request, leaving it empty;
/// `None` for a kind without one (a template message: nothing in it is large).
fn take_text(request: &mut types::CreateMessageRequest) -> Option<String> {
    request.body_mut().map(std::mem::take)
}

/// Puts the text back.
fn put_text(request: &mut types::CreateMessageRequest, text: String) {
    if let Some(body) = request.body_mut() {
        *body = text;
    }
}

/// What `serde_json` escapes in a string: `"`, `\` and the control
/// characters below U+0020. Nothing else (not `/`, not DEL, not non-ASCII).
fn escaped(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether any byte needs escaping; written without an early exit per byte,
/// so that the compiler can look at many bytes at once.
fn needs_escaping(bytes: &[u8]) -> bool {
    bytes
        .chunks(64)
        .any(|c| c.iter().fold(false, |any, &b| any | escaped(b)))
}

/// The chunks as an HTTP body of exactly their length.
struct Chunks {
    parts: [Bytes; 3],
    next: usize,
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        while self.next < self.parts.len() {
            let i = self.next;
            self.next += 1;
            let part = std::mem::take(&mut self.parts[i]);
            if !part.is_empty() {
                return Poll::Ready(Some(Ok(Frame::data(part))));
            }
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.parts[self.next.min(3)..].iter().all(Bytes::is_empty)
    }

    fn size_hint(&self) -> SizeHint {
        let left: usize = self.parts[self.next.min(3)..].iter().map(Bytes::len).sum();
        SizeHint::with_exact(left as u64)
    }
}
