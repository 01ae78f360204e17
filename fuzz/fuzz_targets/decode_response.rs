//! Responses from arbitrary bytes, headers included: reading the rate-limit
//! headers and decoding the body never panic, absurd resets read as absent,
//! the facade decodes exactly what the generated type decodes, and its open
//! enums read back what they were given.
#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arbitrary::Arbitrary;
use intercom_messages::api::types;
use reqwest::header;
use intercom_messages::{DeliveredBy, MessageKind, RateLimit, SentMessage};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Response<'a> {
    /// Header lines; names from a small set so that the interesting ones are hit.
    headers: Vec<(u8, &'a [u8])>,
    now_secs: u64,
    body: &'a [u8],
}

const NAMES: [&str; 5] = [
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "retry-after",
    "location",
];

fuzz_target!(|r: Response| {
    let mut headers = header::HeaderMap::new();
    for (name, value) in &r.headers {
        if let Ok(value) = header::HeaderValue::from_bytes(value) {
            headers.append(NAMES[usize::from(*name) % NAMES.len()], value);
        }
    }
    let now = UNIX_EPOCH + Duration::from_secs(r.now_secs % (1 << 40));
    let rl = RateLimit::read(&headers, now);
    if let Some(reset) = rl.reset {
        assert!(reset <= now + Duration::from_secs(3600));
    }
    let _ = RateLimit::read(&headers, SystemTime::now());

    let facade = SentMessage::from_json(r.body);
    let generated = serde_json::from_slice::<types::Message>(r.body);
    assert_eq!(facade.is_ok(), generated.is_ok());
    if let Ok(f) = &facade {
        assert_eq!(MessageKind::parse(f.kind.as_str()), f.kind);
        assert_eq!(DeliveredBy::parse(f.delivered_by.as_str()), f.delivered_by);
    }
    let _ = serde_json::from_slice::<types::ErrorList>(r.body);
});
