//! The message Intercom returns, decoded by the generated `types::Message`,
//! with the server-controlled strings kept open: a value this crate does not
//! know yet is data, not a decode error.

use intercom_messages_api::types;

use crate::send::rate_limit::RateLimit;

pub use crate::contract::{DeliveredBy, MessageKind};

/// The created message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentMessage {
    /// The message id.
    pub id: String,
    /// What kind of message it is (`type`).
    pub kind: MessageKind,
    /// How it was delivered (`message_type`).
    pub delivered_by: DeliveredBy,
    /// When it was created, UNIX seconds.
    pub created_at: i64,
    /// The body as Intercom stored it.
    pub body: String,
    /// The subject, for emails.
    pub subject: Option<String>,
    /// The conversation, when one was created (`Message.conversation_id` in
    /// the version table).
    pub conversation_id: Option<String>,
    /// Intercom's request id (the `X-Request-Id` header), when the answer
    /// carried one, scrubbed like all server text: quote it to Intercom's
    /// support.
    pub request_id: Option<String>,
    /// The rate-limit headers of the answer: what remains of the budget and
    /// when it refills.
    pub rate_limit: RateLimit,
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
            request_id: None,
            rate_limit: RateLimit::default(),
        }
    }
}

impl SentMessage {
    /// Decodes a 200 response body as the generated `types::Message` and
    /// converts it. Unknown fields are ignored and unknown `type` /
    /// `message_type` values are kept.
    ///
    /// ```
    /// use intercom_messages::{DeliveredBy, SentMessage};
    ///
    /// let m = SentMessage::from_json(br#"{"type":"admin_message","id":"1","created_at":2,
    ///     "body":"Hi","message_type":"carrier_pigeon","channel":{"new":true}}"#)?;
    /// assert_eq!(m.delivered_by, DeliveredBy::Other("carrier_pigeon".into()));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice::<types::Message>(body).map(Self::from)
    }
}
