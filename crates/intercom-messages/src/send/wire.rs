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
//! built, with no 1 MB copy and no 1 MB allocation. A test compares these
//! bytes with `serde_json::to_vec` of the request for every documented
//! example and every version (`tests/tests/wire_bytes.rs`), and the escaping
//! with `serde_json`'s for every character class.

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
    /// The bytes as one buffer (copied when in several chunks), for a client
    /// that needs a replayable body.
    #[cfg(test)]
    pub(crate) fn to_vec(&self) -> Vec<u8> {
        self.parts.concat()
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::contact::Contact;

    #[test]
    fn what_needs_escaping_is_what_serde_json_escapes() {
        let mut samples: Vec<String> = (0u8..=0x7f).map(|b| (b as char).to_string()).collect();
        samples.extend(["", "plain", "é ü 漢字 🎉", "a/b\u{7f}\u{80}\u{2028}"].map(String::from));
        for s in samples {
            let encoded = serde_json::to_string(&s).unwrap();
            assert_eq!(
                needs_escaping(s.as_bytes()),
                encoded.len() != s.len() + 2,
                "{s:?} is {encoded}"
            );
        }
    }

    #[test]
    fn the_bytes_are_the_generated_types_json_and_the_text_is_not_copied() {
        let long = "x".repeat(100_000);
        let messages: Vec<(Message, bool)> = vec![
            (
                Message::from_admin(1)
                    .to(Contact::user_id("70"))
                    .email("s \"quoted\"", long.clone())
                    .bcc(Contact::user_id("body\":\""))
                    .into(),
                false,
            ),
            (
                Message::from_admin(1)
                    .to(Contact::user_id("70"))
                    .in_app("say \"hi\"\n")
                    .into(),
                true,
            ),
            (
                Message::from_contact(Contact::lead("5f1a"))
                    .body(long.clone())
                    .into(),
                false,
            ),
        ];
        for (message, escapes) in messages {
            let expected =
                serde_json::to_vec(&message.to_request(Version::V2_14).unwrap()).unwrap();
            let text = match &message {
                Message::Admin(m) => m.body().as_ptr(),
                Message::User(m) => m.body().as_ptr(),
                _ => unreachable!(),
            };
            let wire = encode(message, Version::V2_14).unwrap();
            assert_eq!(wire.to_vec(), expected);
            // Sent from the caller's own buffer unless it needed escaping.
            assert_eq!(wire.parts[1].as_ptr() == text, !escapes);
        }
    }
}
