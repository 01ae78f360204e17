//! One way to make untrusted text safe to show: [`clean`] escapes control
//! characters and bounds the length (server text, configuration values,
//! user input in errors); [`redact`] and `url_without_secrets` show a URL
//! without its user info; [`Secrets`] removes the client's own secrets from
//! server text where it enters our types: a server (or a proxy, or a
//! misconfigured gateway) that echoes the `Authorization` header must not get
//! the token printed by us.
//!
//! [`Secrets::scrub`] replaces every occurrence of a secret, with a
//! `Bearer ` just before it, by [`REDACTED`]: in any ASCII case and with any
//! of its bytes percent-encoded, because that is what a URL parser does to a
//! host or a path (and what a server may do when it echoes one), so text is
//! safe to scrub before or after it is parsed. `Secrets::excerpt` does the
//! same for a cut body, and also removes a secret's start that the cut left
//! at the end. A secret shorter than 8 bytes, or transformed otherwise
//! (base64, reversed, split by other text), is not recognised.
//!
//! Public so that crates built on this one (the `intercom-messages-redis`
//! budget shows Redis's error text without its password) show untrusted text
//! the same way:
//!
//! ```
//! use intercom_messages::text::{Secrets, clean, redact};
//!
//! let secrets = Secrets::new().with("hunter2-password");
//! assert_eq!(secrets.scrub("auth hunter2%2Dpassword failed"), "auth [redacted] failed");
//! assert_eq!(redact("redis://:hunter2-password@host:6379/"), "redis://[redacted]@host:6379/");
//! assert_eq!(clean("two\nlines"), "two\\nlines");
//! ```

use std::borrow::Cow;

use secrecy::{ExposeSecret, SecretString};

/// The longest excerpt of an undecodable body kept in an error.
pub const BODY_EXCERPT_LIMIT: usize = 512;

/// The longest piece of server text (a code, a message, a field, a request
/// id, a location) shown in an error's text; longer ones are cut with `…`.
pub const SERVER_TEXT_LIMIT: usize = 200;

/// Server-controlled text made safe for a log line: control characters
/// escaped, and at most [`SERVER_TEXT_LIMIT`] characters.
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(SERVER_TEXT_LIMIT + 8));
    for (i, c) in text.chars().enumerate() {
        if i == SERVER_TEXT_LIMIT {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A URL as it may be shown: anything between `://` and the last `@` before
/// the path is user info and becomes `[redacted]`; at most 200 characters.
pub fn redact(raw: &str) -> String {
    let raw = raw.trim();
    let shown = match raw.find("://") {
        Some(i) => {
            let rest = &raw[i + 3..];
            let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => format!("{}[redacted]{}", &raw[..i + 3], &rest[at..]),
                None => raw.to_string(),
            }
        }
        None if raw.contains('@') => "[redacted]".to_string(),
        None => raw.to_string(),
    };
    clean(&shown)
}

/// A URL for an error message: scheme, host, port and path only (no user
/// info, query or fragment), with the secrets removed, at most
/// [`SERVER_TEXT_LIMIT`] characters.
pub(crate) fn url_without_secrets(url: &url::Url, secrets: &Secrets) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    secrets
        .scrub(u.as_str())
        .chars()
        .take(SERVER_TEXT_LIMIT)
        .collect()
}

/// What a secret in server text is replaced with.
pub const REDACTED: &str = "[redacted]";

/// The shortest secret that is looked for: shorter ones (a test's `"t"`)
/// would turn ordinary text to noise, and no real access token is so short.
const SHORTEST_SECRET: usize = 8;

/// The shortest start of a secret, left at the end of a cut excerpt, that is
/// removed as well: shorter ones tell nothing.
const SHORTEST_PARTIAL: usize = 4;

/// Secrets that must never be shown, and the one way to remove them.
#[derive(Clone, Default)]
pub struct Secrets {
    secrets: Vec<SecretString>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} redacted)", self.secrets.len())
    }
}

impl Secrets {
    /// No secrets yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a secret (ignored when shorter than 8 bytes).
    pub fn with(mut self, secret: &str) -> Self {
        if secret.len() >= SHORTEST_SECRET {
            self.secrets.push(SecretString::from(secret.to_owned()));
            // Longest first: a secret containing another is removed whole.
            self.secrets
                .sort_by_key(|s| std::cmp::Reverse(s.expose_secret().len()));
        }
        self
    }

    /// `text` with every secret (and a `Bearer ` just before it) replaced by
    /// [`REDACTED`], in the forms the module docs list; borrowed when there
    /// is nothing to remove.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for secret in &self.secrets {
            let secret = secret.expose_secret().as_bytes();
            let bytes = text.as_bytes();
            let Some(first) = (0..bytes.len()).find(|&i| full_match(bytes, i, secret).is_some())
            else {
                continue;
            };
            let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
            let mut i = first;
            out.extend_from_slice(&bytes[..i]);
            while i < bytes.len() {
                match full_match(bytes, i, secret) {
                    Some(end) => {
                        let keep = without_bearer(&out);
                        out.truncate(keep);
                        out.extend_from_slice(REDACTED.as_bytes());
                        i = end;
                    }
                    None => {
                        out.push(bytes[i]);
                        i += 1;
                    }
                }
            }
            // Matches start and end on character boundaries (see
            // `match_from`), so this is the text with whole characters removed.
            text = Cow::Owned(
                String::from_utf8(out)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            );
        }
        text
    }

    /// [`Secrets::scrub`] for an owned string.
    pub(crate) fn scrub_owned(&self, text: String) -> String {
        match self.scrub(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(s) => s,
        }
    }

    /// [`Secrets::scrub`] for an optional string.
    pub(crate) fn scrub_opt(&self, text: Option<String>) -> Option<String> {
        text.map(|t| self.scrub_owned(t))
    }

    /// The first [`BODY_EXCERPT_LIMIT`] bytes of a body as lossy UTF-8, with
    /// the secrets removed before the cut (so that the cut cannot split one)
    /// and a secret's start left at the end by the cut removed too.
    pub(crate) fn excerpt(&self, body: &[u8]) -> String {
        // Room for the longest secret's longest form (every byte
        // percent-encoded) and a `Bearer%20` across the cut.
        let margin = self
            .secrets
            .first()
            .map_or(0, |s| 3 * s.expose_secret().len() + "Bearer%20".len());
        let read = &body[..body.len().min(BODY_EXCERPT_LIMIT + margin)];
        let lossy = String::from_utf8_lossy(read);
        let mut text = self.scrub(&lossy).into_owned();
        let cut = text.len() > BODY_EXCERPT_LIMIT || read.len() < body.len();
        truncate_at(&mut text, BODY_EXCERPT_LIMIT);
        if cut {
            self.drop_partial_tail(&mut text);
        }
        text
    }

    /// Replaces the start of a secret at the very end of `text` (of at least
    /// [`SHORTEST_PARTIAL`] bytes of the secret, in any of the forms
    /// [`Secrets::scrub`] recognises) by [`REDACTED`], keeping `text` within
    /// [`BODY_EXCERPT_LIMIT`] bytes.
    fn drop_partial_tail(&self, text: &mut String) {
        for secret in &self.secrets {
            let secret = secret.expose_secret().as_bytes();
            let bytes = text.as_bytes();
            // A secret's start is at most three bytes per secret byte long.
            let from = bytes.len().saturating_sub(3 * secret.len());
            let found = (from..bytes.len()).find(|&i| {
                let (end, matched) = match_from(bytes, i, secret);
                text.is_char_boundary(i) && end == bytes.len() && matched >= SHORTEST_PARTIAL
            });
            if let Some(at) = found {
                text.truncate(at);
                let keep = without_bearer(text.as_bytes());
                text.truncate(keep);
                truncate_at(text, BODY_EXCERPT_LIMIT - REDACTED.len());
                text.push_str(REDACTED);
                return;
            }
        }
    }
}

/// How far `secret` matches `text` from byte `at`: each byte of the secret
/// as itself in either ASCII case, or percent-encoded (`%xx`, hex digits in
/// either case). Returns where the match ends in `text` and how many bytes
/// of the secret it covered. A match starts and ends on character
/// boundaries: a raw byte matches only the same byte or its ASCII case
/// twin, and a secret is whole characters.
fn match_from(text: &[u8], at: usize, secret: &[u8]) -> (usize, usize) {
    let (mut i, mut k) = (at, 0);
    while k < secret.len() && i < text.len() {
        let want = secret[k];
        if text[i].eq_ignore_ascii_case(&want) {
            i += 1;
        } else if text[i] == b'%'
            && let Some(decoded) = text.get(i + 1..i + 3).and_then(hex_byte)
            && decoded.eq_ignore_ascii_case(&want)
        {
            i += 3;
        } else {
            break;
        }
        k += 1;
    }
    (i, k)
}

/// Where a whole `secret` starting at `at` ends, if it does.
fn full_match(text: &[u8], at: usize, secret: &[u8]) -> Option<usize> {
    let (end, matched) = match_from(text, at, secret);
    (matched == secret.len()).then_some(end)
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let digit = |c: u8| (c as char).to_digit(16);
    Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
}

/// The length of `text` without a `Bearer ` (or `Bearer%20`, or `Bearer+`)
/// at its end, in any case.
fn without_bearer(text: &[u8]) -> usize {
    for prefix in ["Bearer ", "Bearer%20", "Bearer+"] {
        let n = prefix.len();
        if text.len() >= n && text[text.len() - n..].eq_ignore_ascii_case(prefix.as_bytes()) {
            return text.len() - n;
        }
    }
    text.len()
}

/// Cuts `text` to at most `limit` bytes, at a character boundary.
fn truncate_at(text: &mut String, limit: usize) {
    if text.len() <= limit {
        return;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
}
