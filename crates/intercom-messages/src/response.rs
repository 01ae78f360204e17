//! The message Intercom returns, with the server-controlled strings kept open:
//! a value this crate does not know yet is data, not a decode error.

use intercom_messages_api::types;
use serde::Deserialize;
use serde::de::{Deserializer, Visitor};

/// Deserializes an open string enum from a borrowed string: known values cost
/// no allocation, unknown ones are kept.
macro_rules! open_enum_deserialize {
    ($ty:ty, $what:literal) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<$ty, E> {
                        Ok(<$ty>::parse(s))
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

/// What kind of message was created (`type` in the response).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageKind {
    /// `admin_message`.
    AdminMessage,
    /// `user_message`.
    UserMessage,
    /// `message` (the 2.0 model page).
    Message,
    /// A value this crate does not know yet.
    Other(String),
}

impl MessageKind {
    /// Reads the wire value; unknown values are kept.
    pub fn parse(s: &str) -> Self {
        match s {
            "admin_message" => Self::AdminMessage,
            "user_message" => Self::UserMessage,
            "message" => Self::Message,
            other => Self::Other(other.to_string()),
        }
    }
}

/// How the message was delivered (`message_type` in the response).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeliveredBy {
    /// `email`.
    Email,
    /// `inapp` (or the request spelling `in_app`).
    InApp,
    /// `facebook`.
    Facebook,
    /// `twitter`.
    Twitter,
    /// A value this crate does not know yet, e.g. `sms` or `whatsapp`.
    Other(String),
}

impl DeliveredBy {
    /// Reads the wire value; unknown values are kept.
    pub fn parse(s: &str) -> Self {
        match s {
            "email" => Self::Email,
            "inapp" | "in_app" => Self::InApp,
            "facebook" => Self::Facebook,
            "twitter" => Self::Twitter,
            other => Self::Other(other.to_string()),
        }
    }
}

open_enum_deserialize!(MessageKind, "a message type string");
open_enum_deserialize!(DeliveredBy, "a message_type string");

/// The created message.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SentMessage {
    /// The message id.
    pub id: String,
    /// What kind of message it is.
    #[serde(rename = "type")]
    pub kind: MessageKind,
    /// How it was delivered.
    #[serde(rename = "message_type")]
    pub delivered_by: DeliveredBy,
    /// When it was created, UNIX seconds.
    pub created_at: i64,
    /// The body as Intercom stored it.
    pub body: String,
    /// The subject, for emails.
    #[serde(default)]
    pub subject: Option<String>,
    /// The conversation, when one was created (API 2.4 and later).
    #[serde(default)]
    pub conversation_id: Option<String>,
}

impl From<types::Message> for SentMessage {
    fn from(m: types::Message) -> Self {
        Self {
            kind: MessageKind::parse(&m.type_),
            delivered_by: DeliveredBy::parse(&m.message_type),
            id: m.id,
            created_at: m.created_at,
            body: m.body,
            subject: m.subject,
            conversation_id: m.conversation_id,
        }
    }
}

impl SentMessage {
    /// Decodes a 200 response body. Unknown fields are ignored and unknown
    /// `type` / `message_type` values are kept.
    ///
    /// ```
    /// use intercom_messages::{DeliveredBy, SentMessage};
    ///
    /// let m = SentMessage::from_json(br#"{"type":"admin_message","id":"1","created_at":2,
    ///     "body":"Hi","message_type":"whatsapp","channel":{"new":true}}"#)?;
    /// assert_eq!(m.delivered_by, DeliveredBy::Other("whatsapp".into()));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    ///
    /// It reads the same fields as the generated `types::Message` (a test holds
    /// the two equal on every documented example), without copying the strings
    /// it only classifies.
    pub fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }
}
