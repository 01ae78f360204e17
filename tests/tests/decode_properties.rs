//! The stable counterpart of the `decode_response` fuzz target, on every CI
//! run: decoding responses from arbitrary bytes never panics, the facade
//! decodes exactly what the generated type decodes, and its open enums read
//! back what they were given.

use intercom_messages::api::types;
use intercom_messages::{DeliveredBy, MessageKind, SentMessage};
use proptest::prelude::*;
use serde_json::{Value, json};

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let facade = SentMessage::from_json(bytes);
    let generated = serde_json::from_slice::<types::Message>(bytes);
    prop_assert_eq!(facade.is_ok(), generated.is_ok());
    if let (Ok(f), Ok(g)) = (&facade, generated) {
        prop_assert_eq!(MessageKind::parse(f.kind.as_str()), f.kind.clone());
        prop_assert_eq!(
            DeliveredBy::parse(f.delivered_by.as_str()),
            f.delivered_by.clone()
        );
        if let MessageKind::Other(s) = &f.kind {
            prop_assert_eq!(s, &g.type_);
            prop_assert!(!MessageKind::KNOWN.contains(&s.as_str()));
        }
        if let DeliveredBy::Other(s) = &f.delivered_by {
            prop_assert_eq!(s, &g.message_type);
        }
    }
    let _ = serde_json::from_slice::<types::ErrorList>(bytes);
    Ok(())
}

/// JSON values shaped like responses, with any field missing, null, or of another type.
fn response_like() -> impl Strategy<Value = Value> {
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z_]{0,12}".prop_map(Value::from),
        Just(json!("inapp")),
        Just(json!("admin_message")),
        Just(json!({"nested": [1, 2]})),
    ];
    const FIELDS: &[&str] = &[
        "type",
        "id",
        "created_at",
        "body",
        "message_type",
        "subject",
        "conversation_id",
        "owner",
        "request_id",
        "errors",
    ];
    prop::collection::vec((prop::sample::select(FIELDS), scalar), 0..10).prop_map(|pairs| {
        let mut m = serde_json::Map::new();
        for (k, v) in pairs {
            m.insert(k.to_string(), v);
        }
        Value::Object(m)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        check(&bytes)?;
    }

    #[test]
    fn response_shaped_json_decodes_consistently(v in response_like()) {
        check(&serde_json::to_vec(&v).unwrap())?;
    }
}

#[test]
fn the_strategy_reaches_decodable_messages() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut decoded = 0;
    for i in 0..2000 {
        let v = response_like().new_tree(&mut runner).unwrap().current();
        // Fill the required fields half of the time so both paths get exercised.
        let mut v = v;
        if i % 2 == 0 {
            for (k, x) in [
                ("type", json!("user_message")),
                ("id", json!("1")),
                ("created_at", json!(1)),
                ("body", json!("b")),
                ("message_type", json!("sms")),
            ] {
                v.as_object_mut().unwrap().entry(k).or_insert(x);
            }
        }
        if SentMessage::from_json(&serde_json::to_vec(&v).unwrap()).is_ok() {
            decoded += 1;
        }
    }
    assert!(decoded >= 50, "{decoded}");
}
