//! The message Intercom returns, decoded by the generated `types::Message`,
//! with the server-controlled strings kept open: a value this crate does not
//! know yet is data, not a decode error.

use intercom_messages_api::types;

use crate::send::rate_limit::RateLimit;

pub use crate::contract::{DeliveredBy, MessageKind};

/// The created message: Intercom's answer decoded by the generated
/// [`types::Message`], with the open strings read as the crate's enums and
/// what the answer's headers said.
///
/// Every property the contract declares for the answer is in
/// [`SentMessage::message`], so a property the fragment gains reaches you
/// with a regenerated client, before this crate names it; the accessors
/// name the ones every version has.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SentMessage {
    /// What kind of message it is (`type`).
    pub kind: MessageKind,
    /// How it was delivered (`message_type`).
    pub delivered_by: DeliveredBy,
    /// Intercom's request id (the `X-Request-Id` header), when the answer
    /// carried one, scrubbed like all server text: quote it to Intercom's
    /// support.
    pub request_id: Option<String>,
    /// The rate-limit headers of the answer: what remains of the budget and
    /// when it refills.
    pub rate_limit: RateLimit,
    /// The whole answer as the contract declares it, every property
    /// included (such as `conversation_id` from 2.2, or `owner` in 1.x).
    pub message: types::Message,
}

impl From<types::Message> for SentMessage {
    fn from(message: types::Message) -> Self {
        Self {
            kind: MessageKind::parse(&message.type_),
            delivered_by: DeliveredBy::parse(&message.message_type),
            request_id: None,
            rate_limit: RateLimit::default(),
            message,
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

    /// The message id.
    pub fn id(&self) -> &str {
        &self.message.id
    }

    /// When it was created, UNIX seconds.
    pub fn created_at(&self) -> i64 {
        self.message.created_at
    }

    /// The body as Intercom stored it.
    pub fn body(&self) -> &str {
        &self.message.body
    }

    /// The subject, for emails.
    pub fn subject(&self) -> Option<&str> {
        self.message.subject.as_deref()
    }

    /// The conversation, when one was created (`Message.conversation_id` in
    /// the version table: from 2.2).
    pub fn conversation_id(&self) -> Option<&str> {
        self.message.conversation_id.as_deref()
    }
}
