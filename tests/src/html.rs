//! Two slow, obviously-right definitions of "an HTML tag in a user message",
//! to hold the facade's linear `find_html_tag` against.

/// The current rule written as plainly as possible (quadratic): the first `<`
/// that opens a tag (`<!`, or `<name` / `</name` followed by white space, `/`
/// or `>`) and is closed by a `>` with no `<` in between.
pub fn reference(body: &str) -> Option<&str> {
    let b = body.as_bytes();
    for start in 0..b.len() {
        if b[start] != b'<' {
            continue;
        }
        let mut j = start + 1;
        let opens = if b.get(j) == Some(&b'!') {
            j += 1;
            true
        } else {
            if b.get(j) == Some(&b'/') {
                j += 1;
            }
            let name_start = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
                j += 1;
            }
            j > name_start
                && b[name_start].is_ascii_alphabetic()
                && matches!(b.get(j), Some(c) if c.is_ascii_whitespace() || *c == b'/' || *c == b'>')
        };
        if !opens {
            continue;
        }
        for end in j..b.len() {
            match b[end] {
                b'>' => return Some(&body[start..=end]),
                b'<' => break,
                _ => {}
            }
        }
    }
    None
}

/// The definition before the HTML check was made linear (and before e-mail
/// addresses and URLs in angle brackets became plain text): a `<` directly
/// followed by a letter, `/` or `!`, closed by a later `>` on the same line.
/// Quadratic on `"<a".repeat(n)`: the baseline of the overhead benchmark.
pub fn legacy(body: &str) -> Option<&str> {
    let bytes = body.as_bytes();
    let mut i = 0;
    while let Some(offset) = body[i..].find('<') {
        let start = i + offset;
        let next = bytes.get(start + 1).copied();
        let opens = matches!(next, Some(b) if b.is_ascii_alphabetic() || b == b'/' || b == b'!');
        if opens && let Some(len) = body[start..].find(['>', '\n']) {
            let tag = &body[start..=start + len];
            if tag.ends_with('>') {
                return Some(tag);
            }
        }
        i = start + 1;
    }
    None
}
