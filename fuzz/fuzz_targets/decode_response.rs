//! Response bodies from arbitrary bytes: decoding never panics, and the
//! facade's message agrees with the generated type whenever both decode.
#![no_main]

use intercom_messages::SentMessage;
use intercom_messages::api::types;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let facade = SentMessage::from_json(data);
    let generated = serde_json::from_slice::<types::Message>(data);
    if let (Ok(f), Ok(g)) = (&facade, generated) {
        assert_eq!(*f, SentMessage::from(g));
    }
    let _ = serde_json::from_slice::<types::ErrorList>(data);
});
