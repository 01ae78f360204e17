//! The bytes a send puts on the wire are the generated request type's JSON,
//! byte for byte: for every documented request example, at every version
//! of the contract, the message it asks for (`Message::try_from` the
//! generated request) is sent to a loopback server, and the body the server
//! read is compared with `serde_json::to_vec` of `Message::to_request`. The
//! send path moves the message into the request instead of copying it; this
//! proves that nothing on the way writes a second description of the wire.

use std::sync::{Arc, Mutex};

use intercom_messages::api::types::CreateMessageRequest;
use intercom_messages::{Client, Contact, Message, RetryPolicy, Version};
use intercom_messages_tests::server::{self, Action};

const CREATED: &str = r#"{"type":"admin_message","id":"1","created_at":1700000000,"body":"x","message_type":"inapp"}"#;

/// What the loopback server read, and a client sending to it.
async fn recording_server() -> (Arc<Mutex<Vec<Vec<u8>>>>, Client) {
    let received: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let log = received.clone();
    let addr = server::start(Arc::new(move |body: &[u8]| {
        log.lock().unwrap().push(body.to_vec());
        Action::respond(200, CREATED)
    }))
    .await;
    let client = Client::builder("tok_wire_bytes_0123456789")
        .base_url(&format!("http://{addr}"))
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    (received, client)
}

/// The send path writes a text JSON escapes nothing in from the message's
/// own buffer and escapes any other itself: every ASCII character (each
/// control character, the quote and the backslash among them), non-ASCII
/// text, and texts that look like the JSON around them go out as
/// `serde_json` writes them, in an email (subject and body), an in-app
/// message and a contact's message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_character_goes_out_as_serde_json_writes_it() {
    let (received, client) = recording_server().await;
    let mut texts: Vec<String> = (0u8..=0x7f).map(|b| format!("a{}b", b as char)).collect();
    texts.extend(
        [
            "plain",
            "é ü 漢字 🎉",
            "a/b\u{7f}\u{80}\u{2028}",
            "\"body\":\"\"",
            "x\"",
            "\\",
        ]
        .map(String::from),
    );
    texts.push("x".repeat(100_000));
    texts.push(format!("{}\"", "x".repeat(100_000)));
    for text in texts {
        let messages: [Message; 3] = [
            Message::from_admin(1)
                .to(Contact::user_id("70"))
                .email(format!("s {text}"), text.clone())
                .bcc(Contact::user_id("body\":\""))
                .into(),
            Message::from_admin(1)
                .to(Contact::user_id("70"))
                .in_app(text.clone())
                .into(),
            Message::from_contact(Contact::lead("5f1a"))
                .body(text.clone())
                .into(),
        ];
        for message in messages {
            let expected =
                serde_json::to_vec(&message.to_request(Version::V2_14).unwrap()).unwrap();
            received.lock().unwrap().clear();
            client
                .send_with_version(message, Version::V2_14)
                .await
                .unwrap_or_else(|e| panic!("{text:.40?}: {e}"));
            let got = received.lock().unwrap().clone();
            assert_eq!(got.len(), 1);
            assert!(
                got[0] == expected,
                "{text:.40?}: sent {:.300}",
                String::from_utf8_lossy(&got[0])
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_request_goes_out_as_the_generated_types_json() {
    let (received, client) = recording_server().await;

    let mut sent = 0;
    let mut examples = 0;
    for example in intercom_messages_tests::examples() {
        if example.operation != "createMessage" || example.place != "request" {
            continue;
        }
        let Ok(request) = serde_json::from_value::<CreateMessageRequest>(example.value.clone())
        else {
            continue; // a flawed example: the examples test shows its verdict
        };
        let Ok(message) = Message::try_from(request) else {
            continue;
        };
        examples += 1;
        for &version in Version::ALL {
            let Ok(expected) = message.to_request(version) else {
                continue; // a rule of this version refuses it: nothing is sent
            };
            let expected = serde_json::to_vec(&expected).unwrap();
            received.lock().unwrap().clear();
            client
                .send_with_version(message.clone(), version)
                .await
                .unwrap_or_else(|e| panic!("{} at {version}: {e}", example.name));
            let got = received.lock().unwrap().clone();
            assert_eq!(got.len(), 1, "{} at {version}", example.name);
            assert!(
                got[0] == expected,
                "{} at {version}: sent\n{}\nexpected\n{}",
                example.name,
                String::from_utf8_lossy(&got[0]),
                String::from_utf8_lossy(&expected)
            );
            sent += 1;
        }
    }
    eprintln!("{examples} documented requests, {sent} sends compared byte for byte");
    assert!(
        examples >= 20,
        "only {examples} request examples became messages"
    );
    assert!(sent >= 200, "only {sent} sends compared");
}
