//! Quickstart: `cargo run -p intercom-messages-mock --example quickstart`
//!
//! Without `INTERCOM_TOKEN` it starts `MockIntercom`,
//! a local server on loopback that checks each request as Intercom would,
//! and shows the whole exchange. With a token it sends for real
//! to the configured region (`INTERCOM_REGION`, `INTERCOM_VERSION`), from the
//! admin in `INTERCOM_ADMIN_ID` to the user whose `user_id` is in
//! `INTERCOM_TO_USER_ID`.

use intercom_messages::{AdminId, Client, Contact, Message, SendError, Version};
use intercom_messages_mock::MockIntercom;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var("INTERCOM_TOKEN").is_ok() {
        return send_for_real().await;
    }
    println!(
        "No INTERCOM_TOKEN: talking to MockIntercom, a local server that checks each request as Intercom would.\n"
    );
    let intercom = MockIntercom::start().await;
    let client = intercom.client(Version::V2_11);
    println!("client: {client:?}\n");
    sent_messages(&intercom, &client).await?;
    refused_messages(&intercom, &client).await;
    whatsapp(&intercom, &client).await
}

/// 1 and 2: an admin email and a lead's message, as sent and as answered.
async fn sent_messages(
    intercom: &MockIntercom,
    client: &Client,
) -> Result<(), Box<dyn std::error::Error>> {
    // 1. An admin email: the request as the server read it, and the typed answer.
    let email = Message::from_admin(394051)
        .to(Contact::user_id("70"))
        .email("Your order", "It ships <b>today</b>.");
    let sent = client.send(email).await?;
    if let Some(r) = intercom.received().last() {
        println!(
            "1. request sent with Intercom-Version {}: {}",
            r.version, r.body
        );
        println!("   authorization: Bearer [redacted]");
    }
    println!("   typed response: {sent:#?}\n");

    // 2. A lead writing to the team, sent with another version.
    let from_lead = Message::from_contact(Contact::lead("5f1a")).body("Is it in stock?");
    let sent = client.send_with_version(from_lead, Version::V2_4).await?;
    println!(
        "2. user message created: {:?} ({:?})\n",
        sent.id(),
        sent.kind
    );
    Ok(())
}

/// 3 and 4: a message the rules refuse, and one Intercom refuses.
async fn refused_messages(intercom: &MockIntercom, client: &Client) {
    // 3. A typed validation error: cc needs 2.14. Nothing is sent.
    let before = intercom.received().len();
    let with_cc = Message::from_admin(394051)
        .to(Contact::user_id("70"))
        .email("Hi", "Hello")
        .cc(Contact::user_id("71"));
    match client.send(with_cc).await {
        Err(SendError::Invalid(e)) => println!("3. validation error ({:?}): {e}", e.rule()),
        other => println!("3. unexpected: {other:?}"),
    }
    println!(
        "   requests sent for it: {}\n",
        intercom.received().len() - before
    );

    // 4. A typed API error: Intercom does not know the user.
    intercom.fail_next(404, "not_found", "User Not Found");
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
}

/// 5: a WhatsApp template message, in a version that has it and one that does not.
async fn whatsapp(
    intercom: &MockIntercom,
    client: &Client,
) -> Result<(), Box<dyn std::error::Error>> {
    // 5. A WhatsApp template message: sent with 2.16, refused with 2.14.
    let whatsapp = Message::from_admin(394051)
        .to_phone("+49 151 12345678", "Ada Lovelace")
        .whatsapp("keep_live")
        .locale("en")
        .body_text(["Ada"]);
    let sent = client
        .send_with_version(whatsapp.clone(), Version::V2_16)
        .await?;
    if let Some(r) = intercom.received().last() {
        println!("\n5. WhatsApp with 2.16: {}", r.body);
    }
    println!("   created: {:?} ({:?})", sent.id(), sent.delivered_by);
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
