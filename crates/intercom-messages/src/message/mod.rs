//! What a message is: an admin writing to users or leads, or a user, lead or
//! visitor writing to the team. Built with [`Message::from_admin`] and
//! [`Message::from_contact`]; checked against a [`crate::Version`] when encoded.
//!
//! One file per kind of message, each with its type, its builder and its
//! encoder: [`admin`] (in-app and email), [`user`], [`sms`], [`whatsapp`].
//! The checks they share are in [`rules`], the options they share in
//! [`options`]. A new kind is one new file, one arm of [`Message`] (and of
//! its matches below) and one draft method.

pub mod admin;
pub mod admin_id;
pub mod contact;
pub mod html;
pub mod invalid;
pub mod options;
pub mod rules;
pub mod sms;
pub mod user;
pub mod version;
pub mod whatsapp;

use intercom_messages_api::types;

use crate::message::admin::{AdminDraft, AdminMessage, ChannelKind};
use crate::message::admin_id::AdminId;
use crate::message::contact::Contact;
use crate::message::invalid::ValidationError;
use crate::message::sms::SmsMessage;
use crate::message::user::{UserDraft, UserMessage};
use crate::message::version::Version;
use crate::message::whatsapp::WhatsAppMessage;

/// A message, ready to be checked against a version and sent.
///
/// ```
/// use intercom_messages::{Contact, Message, EmailTemplate, Version};
///
/// let email = Message::from_admin(394051)
///     .to(Contact::user_id("70"))
///     .email("Your order", "It ships <b>today</b>.")
///     .template(EmailTemplate::Personal);
/// let from_a_lead = Message::from_contact(Contact::lead("5f1a"))
///     .body("Is it in stock?")
///     .referer("https://example.com/shop");
///
/// let json = serde_json::to_value(email.to_request(Version::V2_6)?)?;
/// assert_eq!(json["from"]["id"], 394051); // an integer, in every version
/// assert!(from_a_lead.validate(Version::V2_14).is_ok());
/// let either: Message = email.into(); // what `Client::send` takes
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// An admin writing to users or leads, in-app or by email.
    Admin(AdminMessage),
    /// A user, lead or visitor writing to the team.
    User(UserMessage),
    /// An admin's WhatsApp template message to a phone number
    /// (`WhatsAppMessageRequest` in the version table).
    WhatsApp(WhatsAppMessage),
    /// An admin's SMS to users or leads (`SmsMessageRequest` in the version table).
    Sms(SmsMessage),
}

impl Message {
    /// Starts an admin message from the admin with this id.
    pub fn from_admin(admin_id: impl Into<AdminId>) -> AdminDraft {
        AdminDraft {
            from: Some(admin_id.into()),
            to: Vec::new(),
        }
    }

    /// Starts an admin message with no `from`: Intercom sends it from the
    /// workspace's default sender. The descriptions of 2.7 and later say
    /// of `from` "If not provided, the default sender will be used"; 1.x
    /// and 2.6 require it, so before 2.7 such a message is
    /// [`ValidationError::SenderMissing`] (the versions are the row
    /// `AdminMessageRequest.from?`). WhatsApp and SMS messages may always
    /// omit it.
    ///
    /// ```
    /// use intercom_messages::{Contact, Message, ValidationError, Version};
    ///
    /// let m = Message::from_default_sender().to(Contact::user_id("70")).in_app("Hi");
    /// assert!(m.validate(Version::V2_7).is_ok());
    /// assert!(matches!(m.validate(Version::V2_6), Err(ValidationError::SenderMissing { .. })));
    /// ```
    pub fn from_default_sender() -> AdminDraft {
        AdminDraft {
            from: None,
            to: Vec::new(),
        }
    }

    /// Starts a message from a user, lead or visitor; finish it with
    /// [`UserDraft::body`]. It is always in-app, plain text, and addressed to
    /// the team (no `to`).
    pub fn from_contact(sender: Contact) -> UserDraft {
        UserDraft { from: sender }
    }
}

/// What [`crate::Client::send`] takes: a finished message of any kind, a
/// [`Message`], or a reference to one (which is cloned; the message is still
/// yours to send again or to inspect).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a finished message",
    label = "this cannot be sent",
    note = "finish a draft first: `Message::from_admin(id).to(contact).in_app(body)` (or `.email(subject, body)`, `.sms(text)`, `.whatsapp(template)`), or `Message::from_contact(contact).body(text)`"
)]
pub trait IntoMessage {
    /// The message.
    fn into_message(self) -> Message;
}

/// `IntoMessage` for each finished kind, by value and by reference: no
/// blanket impl over `Into<Message>`, so that an unfinished draft is named
/// by the diagnostic above rather than by a missing `From`.
macro_rules! into_message {
    ($($t:ty $(where $g:ident: $bound:path)?),* $(,)?) => {
        $(
            impl<$($g: $bound)?> IntoMessage for $t {
                fn into_message(self) -> Message {
                    self.into()
                }
            }
            impl<$($g: $bound)?> IntoMessage for &$t {
                fn into_message(self) -> Message {
                    self.into()
                }
            }
        )*
    };
}
into_message!(
    Message,
    UserMessage,
    WhatsAppMessage,
    SmsMessage,
    AdminMessage<C> where C: ChannelKind,
);

impl From<&Message> for Message {
    fn from(m: &Message) -> Self {
        m.clone()
    }
}

impl<C: ChannelKind> From<&AdminMessage<C>> for Message {
    fn from(m: &AdminMessage<C>) -> Self {
        m.clone().into()
    }
}

/// `From` a kind's message, by value and by reference (cloned), for the
/// kinds that are one variant of [`Message`].
macro_rules! from_kind {
    ($($variant:ident($t:ty)),* $(,)?) => {
        $(
            impl From<$t> for Message {
                fn from(m: $t) -> Self {
                    Message::$variant(m)
                }
            }
            impl From<&$t> for Message {
                fn from(m: &$t) -> Self {
                    Message::$variant(m.clone())
                }
            }
        )*
    };
}
from_kind!(
    User(UserMessage),
    WhatsApp(WhatsAppMessage),
    Sms(SmsMessage)
);

impl<C: ChannelKind> From<AdminMessage<C>> for Message {
    fn from(m: AdminMessage<C>) -> Self {
        Message::Admin(m.into_any())
    }
}

impl Message {
    /// Checks the message against every rule for `version`.
    pub fn validate(&self, version: Version) -> Result<(), ValidationError> {
        self.to_request(version).map(drop)
    }

    /// Checks the message for `version` and encodes it as the generated request
    /// type, in that version's wire shape. Nothing is encoded when a rule
    /// fails. [`crate::Client`] sends this, through `serde_json`.
    pub fn to_request(
        &self,
        version: Version,
    ) -> Result<types::CreateMessageRequest, ValidationError> {
        match self {
            Message::Admin(m) => m.to_request(version).map(Into::into),
            Message::User(m) => m.to_request(version).map(Into::into),
            Message::WhatsApp(m) => m.to_request(version).map(Into::into),
            Message::Sms(m) => m.to_request(version).map(Into::into),
        }
    }

    /// [`Message::to_request`] for a message that is not needed after: its
    /// body (and an email's subject) move into the request instead of being
    /// copied. What [`crate::Client::send`] does, so that a send holds one
    /// copy of the body at most: the encoded JSON.
    pub fn into_request(
        self,
        version: Version,
    ) -> Result<types::CreateMessageRequest, ValidationError> {
        match self {
            Message::Admin(m) => m.into_request(version).map(Into::into),
            Message::User(m) => m.into_request(version).map(Into::into),
            // A template's name and values: nothing the size of a body.
            Message::WhatsApp(m) => m.to_request(version).map(Into::into),
            Message::Sms(m) => m.into_request(version).map(Into::into),
        }
    }
}

/// The message a generated request asks for.
///
/// What the facade does not send is dropped, because Intercom ignores it or
/// the facade sends its own form of it: an in-app message's `subject` and
/// `template`, a user message's `message_type`, the `subject`, `body`,
/// `template`, `cc` and `bcc` of a WhatsApp message and the `subject`,
/// `template`, `cc` and `bcc` of an SMS (whose meaning Intercom does not
/// document), and `create_conversation_without_contact_reply: false`
/// (Intercom's default). An email without a template gets `plain`, as the
/// facade always sends one. Fails only on an admin id that is no
/// non-negative 64-bit integer, and on a WhatsApp parameter that is not an
/// object with a string `type`; every other rule is
/// [`Message::validate`]'s.
///
/// ```
/// use intercom_messages::api::types::CreateMessageRequest;
/// use intercom_messages::{Message, Version};
///
/// let stored = r#"{"message_type": "inapp", "body": "Hi", "from": {"type": "admin", "id": "394051"}, "to": {"type": "user", "user_id": "70"}}"#;
/// let request: CreateMessageRequest = serde_json::from_str(stored)?;
/// let message = Message::try_from(request)?;
/// assert!(message.validate(Version::V2_6).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl TryFrom<types::CreateMessageRequest> for Message {
    type Error = ValidationError;

    fn try_from(request: types::CreateMessageRequest) -> Result<Self, Self::Error> {
        Ok(match request {
            types::CreateMessageRequest::AdminMessageRequest(r) => {
                Message::Admin(AdminMessage::from_request(r)?)
            }
            types::CreateMessageRequest::UserMessageRequest(r) => {
                Message::User(UserMessage::from_request(r))
            }
            types::CreateMessageRequest::WhatsAppMessageRequest(r) => {
                Message::WhatsApp(WhatsAppMessage::from_request(r)?)
            }
            types::CreateMessageRequest::SmsMessageRequest(r) => {
                Message::Sms(SmsMessage::from_request(r)?)
            }
        })
    }
}
