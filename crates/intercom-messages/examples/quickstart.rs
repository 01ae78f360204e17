//! Quickstart: `cargo run -p intercom-messages --example quickstart`
//!
//! Without `INTERCOM_TOKEN` it starts a local server on loopback that answers
//! like Intercom and shows the whole exchange. With a token it sends for real
//! to the configured region (`INTERCOM_REGION`, `INTERCOM_VERSION`), from the
//! admin in `INTERCOM_ADMIN_ID` to the user whose `user_id` is in
//! `INTERCOM_TO_USER_ID`.

use intercom_messages::{AdminId, Client, Contact, Message, SendError, Version};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Answers like Intercom: 404 for an unknown user, otherwise the created message.
fn intercom_like(request: &Request) -> ResponseTemplate {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    if body.pointer("/to/user_id") == Some(&json!("no-such-user")) {
        return ResponseTemplate::new(404).set_body_json(json!({
            "type": "error.list", "request_id": "local-0001",
            "errors": [{"code": "not_found", "message": "User Not Found"}]
        }));
    }
    let admin = body.pointer("/from/type") == Some(&json!("admin"));
    ResponseTemplate::new(200).set_body_json(json!({
        "type": if admin { "admin_message" } else { "user_message" },
        "id": "2001",
        "created_at": 1_700_000_000,
        "body": body.get("body").cloned().unwrap_or(json!("")),
        "message_type": body.get("message_type").cloned().unwrap_or(json!("inapp")),
        "subject": body.get("subject"),
        "owner": {"type": "admin", "id": "394051", "name": "Wash"},
    }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var("INTERCOM_TOKEN").is_ok() {
        return send_for_real().await;
    }
    println!("No INTERCOM_TOKEN: talking to a local server that answers like Intercom.\n");
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(intercom_like)
        .mount(&server)
        .await;
    let client = Client::builder("local-demo-token")
        .base_url(&server.uri())
        .version(Version::V2_11)
        .build()?;
    println!("client: {client:?}\n");

    // 1. An admin email: the request on the wire, and the typed answer.
    let email = Message::from_admin(394051)
        .to(Contact::user_id("70"))
        .email("Your order", "It ships <b>today</b>.");
    let sent = client.send(email).await?;
    let received = server.received_requests().await.unwrap_or_default();
    if let Some(r) = received.last() {
        println!("1. request sent: POST {}", r.url.path());
        for name in ["intercom-version", "accept", "content-type", "user-agent"] {
            if let Some(v) = r.headers.get(name) {
                println!("   {name}: {}", v.to_str().unwrap_or("?"));
            }
        }
        println!("   authorization: Bearer [redacted]");
        println!("   body: {}", String::from_utf8_lossy(&r.body));
    }
    println!("   typed response: {sent:#?}\n");

    // 2. A lead writing to the team, sent with another version.
    let from_lead = Message::from_contact(Contact::lead("5f1a")).body("Is it in stock?");
    let sent = client.send_with_version(from_lead, Version::V2_4).await?;
    println!("2. user message created: {:?} ({:?})\n", sent.id, sent.kind);

    // 3. A typed validation error: cc needs 2.14. Nothing is sent.
    let before = server.received_requests().await.unwrap_or_default().len();
    let with_cc = Message::from_admin(394051)
        .to(Contact::user_id("70"))
        .email("Hi", "Hello")
        .cc(Contact::user_id("71"));
    match client.send(with_cc).await {
        Err(SendError::Invalid(e)) => println!("3. validation error ({:?}): {e}", e.rule()),
        other => println!("3. unexpected: {other:?}"),
    }
    let after = server.received_requests().await.unwrap_or_default().len();
    println!("   requests sent for it: {}\n", after - before);

    // 4. A typed API error.
    let to_nobody = Message::from_admin(394051)
        .to(Contact::user_id("no-such-user"))
        .in_app("Hi");
    match client.send(to_nobody).await {
        Err(SendError::Api {
            status,
            request_id,
            errors,
        }) => {
            println!("4. API error {status}, request {request_id:?}:");
            for e in errors {
                println!("   {}: {}", e.code, e.message.unwrap_or_default());
            }
        }
        other => println!("4. unexpected: {other:?}"),
    }

    // 5. A WhatsApp template message: sent with 2.16, refused with 2.14.
    let whatsapp = Message::from_admin(394051)
        .to_phone("+4915112345678", "Ada Lovelace")
        .whatsapp("keep_live")
        .locale("en")
        .body_text(["Ada"]);
    let sent = client
        .send_with_version(whatsapp.clone(), Version::V2_16)
        .await?;
    if let Some(r) = server.received_requests().await.unwrap_or_default().last() {
        println!(
            "\n5. WhatsApp with 2.16: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    println!("   created: {:?} ({:?})", sent.id, sent.delivered_by);
    match client.send_with_version(whatsapp, Version::V2_14).await {
        Err(SendError::Invalid(e)) => println!("   with 2.14 ({:?}): {e}", e.rule()),
        other => println!("   with 2.14, unexpected: {other:?}"),
    }
    Ok(())
}

async fn send_for_real() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let (Ok(admin), Ok(user)) = (
        std::env::var("INTERCOM_ADMIN_ID"),
        std::env::var("INTERCOM_TO_USER_ID"),
    ) else {
        eprintln!("set INTERCOM_ADMIN_ID and INTERCOM_TO_USER_ID to send for real");
        std::process::exit(2);
    };
    println!("sending with {client:?}");
    let message = Message::from_admin(admin.parse::<AdminId>()?)
        .to(Contact::user_id(user))
        .in_app("Hello from intercom-messages");
    match client.send(message).await {
        Ok(sent) => println!("created: {sent:#?}"),
        Err(e) => {
            eprintln!("error: {e}");
            if e.may_have_been_delivered() {
                eprintln!("the message may have been delivered: check before sending it again");
            }
            std::process::exit(1);
        }
    }
    Ok(())
}
