//! Finding HTML in text, for code that relays visitors' text.

/// The first HTML tag in `body`, if any, for code that relays visitors' text
/// and wants to check it (or escape it) before building a user message.
/// Intercom calls a user message "plaintext only, HTML is not supported",
/// but no document says it refuses one that contains a tag, so the facade
/// does not refuse it either: it sends the text as written.
///
/// A tag opens with `<!`, or with `<` or `</` and a name (a letter, then
/// letters, digits or `-`) followed by white space, `/` or `>`; it closes at
/// the next `>`, with no `<` before it, and may span lines as HTML allows.
/// `a < b`, `<3`, `=>`, `Jane <jane@example.com>` and `<https://x.com>` are
/// plain text.
///
/// Linear in the length of `body`: each byte is looked at a bounded number of
/// times, so visitors' text cannot stall the sender.
///
/// ```
/// use intercom_messages::rules::find_html_tag;
///
/// assert_eq!(find_html_tag("Hi <b>there</b>"), Some("<b>"));
/// assert_eq!(find_html_tag("<a\nhref=\"x\">link</a>"), Some("<a\nhref=\"x\">"));
/// assert_eq!(find_html_tag("Jane <jane@example.com>"), None);
/// assert_eq!(find_html_tag(&"<a".repeat(500_000)), None);
/// ```
pub fn find_html_tag(body: &str) -> Option<&str> {
    let bytes = body.as_bytes();
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        let start = i + offset;
        let Some(after) = opening_end(bytes, start) else {
            i = start + 1;
            continue;
        };
        match bytes[after..].iter().position(|&b| b == b'>' || b == b'<') {
            Some(k) if bytes[after + k] == b'>' => return Some(&body[start..=after + k]),
            // The `<` found is the next place a tag could start.
            Some(k) => i = after + k,
            // No `>` anywhere after: no tag can close.
            None => return None,
        }
    }
    None
}

/// Where a tag opening at `start` (a `<`) ends: after `<!`, or after the name
/// of `<name` / `</name` when white space, `/` or `>` follows it.
fn opening_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut j = start + 1;
    match *bytes.get(j)? {
        b'!' => return Some(j + 1),
        b'/' => j += 1,
        _ => {}
    }
    if !bytes.get(j)?.is_ascii_alphabetic() {
        return None;
    }
    while bytes
        .get(j)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-')
    {
        j += 1;
    }
    match bytes.get(j) {
        Some(b) if b.is_ascii_whitespace() || *b == b'/' || *b == b'>' => Some(j),
        _ => None,
    }
}
