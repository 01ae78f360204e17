//! Send Intercom messages from Rust, in any API version of the contract, with
//! the rules checked before anything is sent.
//!
//! ```no_run
//! use intercom_messages::{Client, Contact, Message, SendError};
//!
//! # async fn demo() -> Result<(), intercom_messages::ConfigError> {
//! let client = Client::from_env()?; // INTERCOM_TOKEN (and INTERCOM_REGION, INTERCOM_VERSION)
//! let message = Message::from_admin(394051).to(Contact::user_id("70")).in_app("Hello!");
//! match client.send(message).await {
//!     Ok(sent) => println!("created {}", sent.id()),
//!     Err(SendError::Invalid(rule)) => eprintln!("not sent: {rule}"), // names the field and the versions
//!     Err(e) if e.may_have_been_delivered() => eprintln!("check before resending: {e}"),
//!     Err(e) => eprintln!("not delivered: {e}"),
//! }
//! # Ok(()) }
//! ```
//!
//! Intercom's `POST /messages` takes two kinds of message: an admin writing to
//! users or leads (in-app or email), and a user, lead or visitor writing to the
//! team. What each API version accepts differs; this crate builds both kinds,
//! checks them against the [`Version`] you choose ([`rules`]), and encodes them
//! in that version's wire shape using the generated [`api`] types.
//!
//! ```
//! use intercom_messages::{Contact, Message, ValidationError, Version};
//!
//! // An admin email to a user, by your own user_id.
//! let email = Message::from_admin(394051)
//!     .to(Contact::user_id("70"))
//!     .email("Your order", "It ships today.");
//! let request = email.to_request(Version::V2_11)?;
//! let json = serde_json::to_value(&request)?;
//! assert_eq!(json["from"]["id"], 394051); // an integer from 2.7 on
//! assert_eq!(json["template"], "plain");
//!
//! // cc only exists from 2.14: the error names the field and the versions.
//! let err = email.cc(Contact::user_id("71")).to_request(Version::V2_11).unwrap_err();
//! assert_eq!(err.to_string(), "`cc` is not available in API version 2.11; it exists in 2.14–Preview");
//!
//! // A lead writing to the team: plain text, in-app.
//! let from_lead = Message::from_contact(Contact::lead("5f1a")).body("Is it in stock?");
//! assert!(matches!(
//!     from_lead.validate(Version::V1_4),
//!     Err(ValidationError::ContactTypeNotInVersion { .. }) // leads are `contact` in 1.x
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! After sending, [`Client::find_conversation`] finds the conversation a
//! message started (`None` until the contact replies), from API 2.0
//! ([`searchable_versions`]); a search goes through the same retries, rate
//! budget, bounds and scrubbing as a send.
//!
//! # Every server treated as possibly hostile
//!
//! Choices made for a client whose mistakes could send a message twice, or
//! nowhere, or leak a token:
//!
//! - **No panic on any header or body.** Rate-limit headers that are not
//!   plain integers, or whose reset is more than an hour away
//!   ([`RateLimit::read`]), read as absent. Server text shown in an error's
//!   `Display` has control characters escaped and each piece cut at
//!   [`SERVER_TEXT_LIMIT`] characters, so a log line cannot be forged.
//! - **Bounded reads.** At most [`RESPONSE_BODY_LIMIT`] bytes of a response
//!   are read ([`SendError::ResponseTooLarge`]); excerpts kept in errors are
//!   at most [`BODY_EXCERPT_LIMIT`] bytes.
//! - **No redirect moves the message.** The crate's own HTTP client follows
//!   no redirect, speaks HTTPS only (plain HTTP only to loopback) and uses no
//!   proxy for a loopback base URL; a 3xx is [`SendError::Redirected`].
//! - **The delivery flag never says "not delivered" once a request may have
//!   reached a server**, over all attempts of a send: the table is at
//!   [`SendError`].
//! - **No wasted attempts.** A 429 asking to wait longer than
//!   [`RetryPolicy::max_wait`] is returned at once; a pacer's slot granted
//!   before Intercom reported the budget spent is waited past the reset.
//! - **No secret comes back.** The token a server echoes is removed from
//!   every error and log line where the server's text enters
//!   ([`SendError`] says what is scrubbed and what is not).
//! - **No wait a server chooses is taken uncapped.** See below.
//! - **Linear checks.** Every rule, and the HTML finder offered for
//!   visitors' text ([`rules::find_html_tag`]), is linear in the body's
//!   length.
//!
//! # Every wait a server can impose, and its cap
//!
//! | wait | set by | cap |
//! | --- | --- | --- |
//! | connecting | the server not accepting | [`ClientBuilder::connect_timeout`] (10 s), kept under the total timeout |
//! | one request, answer and body included | a slow or silent server | [`ClientBuilder::timeout`] (30 s) |
//! | before retrying a 429 | `Retry-After`, else `X-RateLimit-Reset` | a value over an hour reads as absent ([`RateLimit::read`]); a wait over [`RetryPolicy::max_wait`] (30 s) is not taken: the 429 is returned at once |
//! | before an opted-in retry of a 5xx or lost connection | nobody (backoff) | [`RetryPolicy::max_wait`] |
//! | the in-process pacer holding back | `X-RateLimit-Remaining: 0` with its reset | a minute past now |
//! | the in-process pacer, `r` remaining | `X-RateLimit-Remaining: r` with its reset | `r` more sends go at once (as the window allows), the rest wait for the reset, a minute past now at most; at the reset the server's word ends |
//!
//! With the defaults, the longest a server can hold one send is three
//! attempts of 30 s and two retry waits of 30 s (150 s). A shared budget adds
//! the waits its store can impose (the `intercom-messages-redis` crate
//! documents its own). Waiting behind this process's own queued callers is
//! not a wait a server imposes: bound the whole send with a deadline
//! ([`ClientBuilder::deadline`], [`SendOptions::deadline`]), which ends in
//! [`SendError::DeadlineExceeded`] and keeps the verdict: "nothing was sent"
//! when no request had left, "may have been delivered" once one had. Your
//! own `tokio::time::timeout` around a send also leaves nothing behind, but
//! drops the verdict with the send: you cannot tell whether a request had
//! left.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

// Two wings. `message/` is the rules: what a message is and what each version
// accepts; it knows nothing of HTTP. `send/` is the transport: the client,
// retries, rate limits and errors; it uses `message/`, never the reverse.
// `text` makes untrusted text safe to show, for both. Inside the crate,
// items are imported from the module that defines them; this file only
// re-exports, so every public path is `intercom_messages::Name`.
#[rustfmt::skip]
mod contract;
mod conversation;
mod lock;
mod message;
mod send;
pub mod text;

/// The generated client crate, for the raw types and client.
pub use intercom_messages_api as api;
/// The `reqwest` this crate's signatures name ([`ClientBuilder::http_client`],
/// [`SendError`]'s transport errors, [`RateLimit::read`]): build a custom
/// client with it, with no `reqwest` dependency of your own that must match.
pub use intercom_messages_api::reqwest;

pub use contract::ErrorCode;
pub use conversation::{
    Author, Conversation, ConversationContact, ConversationState, FindError, Source,
    searchable_versions,
};
pub use message::admin::{
    AdminDraft, AdminMessage, Channel, ChannelKind, Email, EmailTemplate, InApp,
};
pub use message::admin_id::{AdminId, InvalidAdminId};
pub use message::contact::{Contact, ContactKey, ContactType};
pub use message::invalid::{Rule, ValidationError};
pub use message::rules;
pub use message::sms::SmsMessage;
pub use message::user::{UserDraft, UserMessage};
pub use message::version::{UnknownVersion, Version};
pub use message::whatsapp::{Parameter, PhoneDraft, TemplateComponent, WhatsAppMessage};
pub use message::{IntoMessage, Message};
pub use send::attempt::USER_AGENT_VALUE;
pub use send::budget::pacer::{Pacer, RATE_LIMIT_WINDOW, sliding_window};
pub use send::budget::{BudgetError, BudgetFuture, RateBudget};
pub use send::client::{Client, ClientBuilder, SendOptions};
pub use send::config::{BaseUrl, ConfigError, Region, UnknownRegion};
pub use send::error::{ApiError, RESPONSE_BODY_LIMIT, SendError};
pub use send::rate_limit::{MAX_HOLD, RateLimit};
pub use send::response::{DeliveredBy, MessageKind, SentMessage};
pub use send::retry::RetryPolicy;
pub use text::{BODY_EXCERPT_LIMIT, SERVER_TEXT_LIMIT};

// Compile-time guards: a client is shared across tasks and its sends are
// spawned, so these stay `Send + Sync` and `Send` (a change that breaks one
// fails the build, not a user's).
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Client>();
    send_sync::<api::Client>();
    send_sync::<SendError>();
    send_sync::<SentMessage>();
    #[allow(dead_code)]
    fn sends_are_send(client: &Client, raw: &api::Client, message: Message, sent: &SentMessage) {
        fn send<T: Send>(_: T) {}
        send(client.send(message.clone()));
        send(client.send_with(message, SendOptions::new()));
        send(raw.create_message().send());
        // An `async fn`: its future's `Send` is nowhere in its signature.
        send(client.find_conversation(sent));
    }
};
