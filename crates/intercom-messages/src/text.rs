//! One way to make untrusted text safe to show: [`clean`] escapes control
//! characters and bounds the length (server text, configuration values,
//! user input in errors); [`redact`] and [`url_without_secrets`] show a URL
//! without its user info; [`Secrets`] removes the client's own secrets from
//! server text where it enters our types: a server (or a proxy, or a
//! misconfigured gateway) that echoes the `Authorization` header must not get
//! the token printed by us.
//!
//! [`Secrets::scrub`] replaces every occurrence of a secret, with a
//! `Bearer ` just before it, by [`REDACTED`]. [`Secrets::excerpt`] does the
//! same for a cut body, and also removes a secret's start that the cut left
//! at the end. A secret the server transformed (percent-encoded, base64,
//! reversed, in another case) is not recognised.

use std::borrow::Cow;

use secrecy::{ExposeSecret, SecretString};

/// The longest excerpt of an undecodable body kept in an error.
pub const BODY_EXCERPT_LIMIT: usize = 512;

/// The longest piece of server text (a code, a message, a field, a request
/// id, a location) shown in an error's text; longer ones are cut with `…`.
pub const SERVER_TEXT_LIMIT: usize = 200;

/// Server-controlled text made safe for a log line: control characters
/// escaped, and at most [`SERVER_TEXT_LIMIT`] characters.
pub(crate) fn clean(text: &str) -> String {
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
pub(crate) fn redact(raw: &str) -> String {
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
pub(crate) const REDACTED: &str = "[redacted]";

/// The shortest secret that is looked for: shorter ones (a test's `"t"`)
/// would turn ordinary text to noise, and no real access token is so short.
const SHORTEST_SECRET: usize = 8;

/// The shortest start of a secret, left at the end of a cut excerpt, that is
/// removed as well: shorter ones tell nothing.
const SHORTEST_PARTIAL: usize = 4;

/// Secrets that must never be shown, and the one way to remove them.
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    secrets: Vec<SecretString>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} redacted)", self.secrets.len())
    }
}

impl Secrets {
    /// No secrets yet.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a secret (ignored when shorter than 8 bytes).
    pub(crate) fn with(mut self, secret: &str) -> Self {
        if secret.len() >= SHORTEST_SECRET {
            self.secrets.push(SecretString::from(secret.to_owned()));
            // Longest first: a secret containing another is removed whole.
            self.secrets
                .sort_by_key(|s| std::cmp::Reverse(s.expose_secret().len()));
        }
        self
    }

    /// The longest secret's length, with room for `Bearer `.
    fn margin(&self) -> usize {
        self.secrets
            .first()
            .map_or(0, |s| s.expose_secret().len() + "Bearer ".len())
    }

    /// `text` with every secret (and a `Bearer ` just before it) replaced by
    /// [`REDACTED`]. Borrowed when there is nothing to remove.
    pub(crate) fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for secret in &self.secrets {
            let secret = secret.expose_secret();
            if !text.contains(secret) {
                continue;
            }
            let mut out = String::with_capacity(text.len());
            let mut rest: &str = &text;
            while let Some(at) = rest.find(secret) {
                let before = &rest[..at];
                let before = strip_suffix_ignore_case(before, "Bearer ");
                out.push_str(before);
                out.push_str(REDACTED);
                rest = &rest[at + secret.len()..];
            }
            out.push_str(rest);
            text = Cow::Owned(out);
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
        let read = &body[..body.len().min(BODY_EXCERPT_LIMIT + self.margin())];
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
    /// [`SHORTEST_PARTIAL`] bytes) by [`REDACTED`], keeping `text` within
    /// [`BODY_EXCERPT_LIMIT`] bytes.
    fn drop_partial_tail(&self, text: &mut String) {
        for secret in &self.secrets {
            let secret = secret.expose_secret();
            let longest = secret.len().saturating_sub(1).min(text.len());
            let found = (SHORTEST_PARTIAL..=longest)
                .rev()
                .filter(|&k| secret.is_char_boundary(k))
                .find(|&k| text.ends_with(&secret[..k]));
            if let Some(k) = found {
                let keep = text.len() - k;
                text.truncate(keep);
                let trimmed = strip_suffix_ignore_case(text, "Bearer ").len();
                text.truncate(trimmed);
                truncate_at(text, BODY_EXCERPT_LIMIT - REDACTED.len());
                text.push_str(REDACTED);
                return;
            }
        }
    }
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

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> &'a str {
    let n = suffix.len();
    if text.len() >= n
        && text.is_char_boundary(text.len() - n)
        && text[text.len() - n..].eq_ignore_ascii_case(suffix)
    {
        &text[..text.len() - n]
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "tok_abcdefghijklmnop";

    fn secrets() -> Secrets {
        Secrets::new().with(TOKEN).with("hunter2-password")
    }

    #[test]
    fn every_form_of_a_secret_is_replaced() {
        let s = secrets();
        assert_eq!(
            s.scrub(&format!(
                "auth: Bearer {TOKEN}; again {TOKEN}; bearer {TOKEN}."
            )),
            "auth: [redacted]; again [redacted]; [redacted]."
        );
        assert_eq!(
            s.scrub("redis://:hunter2-password@host"),
            "redis://:[redacted]@host"
        );
        assert!(matches!(s.scrub("nothing here"), Cow::Borrowed(_)));
        assert_eq!(Secrets::new().scrub(TOKEN), TOKEN);
        // Short secrets are ignored rather than matching everywhere.
        assert_eq!(Secrets::new().with("").scrub("abc"), "abc");
        assert_eq!(Secrets::new().with("t").scrub("the text"), "the text");
    }

    #[test]
    fn a_cut_never_leaves_a_secret_or_its_start() {
        let s = secrets();
        for pad in 0..BODY_EXCERPT_LIMIT + 40 {
            let body = format!("{}Bearer {TOKEN} and more text after it", "x".repeat(pad));
            let e = s.excerpt(body.as_bytes());
            assert!(e.len() <= BODY_EXCERPT_LIMIT, "{pad}: {}", e.len());
            assert!(!e.contains(&TOKEN[..SHORTEST_PARTIAL]), "{pad}: {e}");
        }
        // Short bodies are kept whole, with the secret replaced.
        assert_eq!(
            s.excerpt(format!("x {TOKEN} y").as_bytes()),
            "x [redacted] y"
        );
        // A body that only happens to end like a secret's start is kept when not cut.
        assert_eq!(s.excerpt(b"ends with tok_abc"), "ends with tok_abc");
    }

    #[test]
    fn excerpts_are_bounded_in_bytes_even_when_invalid() {
        let invalid = vec![0xffu8; 4 * BODY_EXCERPT_LIMIT];
        let e = secrets().excerpt(&invalid);
        assert!(e.len() <= BODY_EXCERPT_LIMIT, "{}", e.len());
        assert!(e.chars().all(|c| c == char::REPLACEMENT_CHARACTER));
        assert_eq!(Secrets::new().excerpt(b"short"), "short");
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let shown = format!("{:?}", secrets());
        assert!(
            !shown.contains(TOKEN) && !shown.contains("hunter2-password"),
            "{shown}"
        );
    }
}
