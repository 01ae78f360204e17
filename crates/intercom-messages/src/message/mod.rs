//! What a message is: an admin writing to users or leads, or a user, lead or
//! visitor writing to the team. Built with [`Message::from_admin`] and
//! [`Message::from_contact`]; checked against a [`crate::Version`] when encoded.

pub mod admin_id;
pub mod contact;
pub mod invalid;
pub mod rules;
pub mod version;
pub mod whatsapp;

use crate::message::admin_id::AdminId;
use crate::message::contact::Contact;
use crate::message::whatsapp::{PhoneDraft, Shared, WhatsAppMessage};

/// The style of an email.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum EmailTemplate {
    /// `plain` (Intercom's default).
    #[default]
    Plain,
    /// `personal`.
    Personal,
}

/// An email's own parts: its subject and its template.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email {
    pub(crate) subject: String,
    pub(crate) template: EmailTemplate,
}

impl Email {
    /// The subject line.
    pub fn subject(&self) -> &str {
        &self.subject
    }
    /// The template (`plain` unless set).
    pub fn template(&self) -> EmailTemplate {
        self.template
    }
}

/// An in-app message's channel: the app or web messenger. It has no subject
/// and no template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct InApp;

/// How an admin message is delivered, once its type no longer says it
/// (inside [`Message::Admin`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Channel {
    /// In the app or web messenger.
    InApp,
    /// By email.
    Email(Email),
}

impl From<InApp> for Channel {
    fn from(_: InApp) -> Self {
        Channel::InApp
    }
}

impl From<Email> for Channel {
    fn from(e: Email) -> Self {
        Channel::Email(e)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::InApp {}
    impl Sealed for super::Email {}
    impl Sealed for super::Channel {}
}

/// A channel an [`AdminMessage`] can have: [`InApp`], [`Email`], or either
/// ([`Channel`]). Sealed: the crate decides what a channel is.
pub trait ChannelKind: sealed::Sealed + Clone + Into<Channel> {
    /// The email's parts, for an email.
    fn as_email(&self) -> Option<&Email>;
}

impl ChannelKind for InApp {
    fn as_email(&self) -> Option<&Email> {
        None
    }
}

impl ChannelKind for Email {
    fn as_email(&self) -> Option<&Email> {
        Some(self)
    }
}

impl ChannelKind for Channel {
    fn as_email(&self) -> Option<&Email> {
        match self {
            Channel::InApp => None,
            Channel::Email(e) => Some(e),
        }
    }
}

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
/// assert_eq!(json["from"]["id"], "394051"); // a string up to 2.6
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
            from: admin_id.into(),
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

impl<C: ChannelKind> From<AdminMessage<C>> for Message {
    fn from(m: AdminMessage<C>) -> Self {
        Message::Admin(m.into_any())
    }
}

impl From<UserMessage> for Message {
    fn from(m: UserMessage) -> Self {
        Message::User(m)
    }
}

impl From<WhatsAppMessage> for Message {
    fn from(m: WhatsAppMessage) -> Self {
        Message::WhatsApp(m)
    }
}

impl From<SmsMessage> for Message {
    fn from(m: SmsMessage) -> Self {
        Message::Sms(m)
    }
}

/// An admin message before its channel is chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "finish the message with .in_app(body) or .email(subject, body)"]
pub struct AdminDraft {
    from: AdminId,
    to: Vec<Contact>,
}

impl AdminDraft {
    /// Adds a recipient (several need a version with lists: `Recipients|List`).
    pub fn to(mut self, recipient: Contact) -> Self {
        self.to.push(recipient);
        self
    }

    /// An in-app message. In-app messages carry no subject and no template.
    pub fn in_app(self, body: impl Into<String>) -> AdminMessage<InApp> {
        self.finish(InApp, body.into())
    }

    /// An email with a subject; its template is `plain` unless set with
    /// [`AdminMessage::template`].
    pub fn email(self, subject: impl Into<String>, body: impl Into<String>) -> AdminMessage<Email> {
        self.finish(
            Email {
                subject: subject.into(),
                template: EmailTemplate::default(),
            },
            body.into(),
        )
    }

    /// An SMS to the recipients added with [`AdminDraft::to`] (users or
    /// leads), in the versions of `SmsMessageRequest` (Preview).
    pub fn sms(self, body: impl Into<String>) -> SmsMessage {
        SmsMessage {
            from: self.from,
            to: self.to,
            body: body.into(),
            shared: Shared::default(),
        }
    }

    /// A WhatsApp message from the approved template with this name, to the
    /// contacts added with [`AdminDraft::to`] (the recipient the published
    /// schema declares); [`AdminDraft::to_phone`] sends to a number instead.
    pub fn whatsapp(self, template_name: impl Into<String>) -> WhatsAppMessage {
        WhatsAppMessage::new(self.from, self.to, None, template_name.into())
    }

    /// Addresses the message to a phone number, for WhatsApp: E.164, with or
    /// without the `+` (`"+4915112345678"`), checked when the message is and
    /// sent as a string with its `+`. A WhatsApp message goes to this number
    /// only; contacts added with [`AdminDraft::to`] make it invalid
    /// ([`crate::ValidationError::RecipientMixed`]).
    pub fn to_phone(self, number: impl Into<String>, name: impl Into<String>) -> PhoneDraft {
        PhoneDraft {
            from: self.from,
            contacts: self.to,
            phone: number.into(),
            name: name.into(),
        }
    }

    fn finish<C>(self, channel: C, body: String) -> AdminMessage<C> {
        AdminMessage {
            from: self.from,
            to: self.to,
            cc: Vec::new(),
            bcc: Vec::new(),
            channel,
            body,
            created_at: None,
            open_conversation: false,
        }
    }
}

/// An admin writing to users or leads, in-app ([`InApp`]) or by email
/// ([`Email`]). Inside a [`Message`] the channel is a [`Channel`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminMessage<C = Channel> {
    pub(crate) from: AdminId,
    pub(crate) to: Vec<Contact>,
    pub(crate) cc: Vec<Contact>,
    pub(crate) bcc: Vec<Contact>,
    pub(crate) channel: C,
    pub(crate) body: String,
    pub(crate) created_at: Option<i64>,
    pub(crate) open_conversation: bool,
}

impl<C: ChannelKind> AdminMessage<C> {
    /// Adds a recipient (several need a version with lists: `Recipients|List`).
    pub fn to(mut self, recipient: Contact) -> Self {
        self.to.push(recipient);
        self
    }
    /// Adds a copied recipient (`AdminMessageRequest.cc` in the version table).
    pub fn cc(mut self, recipient: Contact) -> Self {
        self.cc.push(recipient);
        self
    }
    /// Adds a blind-copied recipient (`AdminMessageRequest.bcc` in the version table).
    pub fn bcc(mut self, recipient: Contact) -> Self {
        self.bcc.push(recipient);
        self
    }
    /// When the message was created, in UNIX seconds, for importing past
    /// conversations (`AdminMessageRequest.created_at` in the version table).
    pub fn created_at(mut self, unix_seconds: i64) -> Self {
        self.created_at = Some(unix_seconds);
        self
    }
    /// Opens a conversation in the inbox without waiting for the contact to
    /// reply (`AdminMessageRequest.create_conversation_without_contact_reply`
    /// in the version table). `false`, the default, is Intercom's default
    /// too, so it is not sent.
    pub fn open_conversation(mut self, open: bool) -> Self {
        self.open_conversation = open;
        self
    }
    /// The admin sending it.
    pub fn sender(&self) -> AdminId {
        self.from
    }
    /// The channel.
    pub fn channel(&self) -> &C {
        &self.channel
    }
    /// The body.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The same message with its channel as a [`Channel`], to handle emails
    /// and in-app messages as one type (the builder methods stay available;
    /// `template` needs the email type).
    pub fn into_any(self) -> AdminMessage {
        AdminMessage {
            from: self.from,
            to: self.to,
            cc: self.cc,
            bcc: self.bcc,
            channel: self.channel.into(),
            body: self.body,
            created_at: self.created_at,
            open_conversation: self.open_conversation,
        }
    }
}

impl AdminMessage<Email> {
    /// The email template (`plain` unless set).
    pub fn template(mut self, template: EmailTemplate) -> Self {
        self.channel.template = template;
        self
    }
}

/// A user message before its body is given.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "finish the message with .body(text)"]
pub struct UserDraft {
    from: Contact,
}

impl UserDraft {
    /// The plain-text content.
    pub fn body(self, body: impl Into<String>) -> UserMessage {
        UserMessage {
            from: self.from,
            body: body.into(),
            referer: None,
        }
    }
}

/// A user, lead or visitor writing to the team: in-app, plain text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserMessage {
    pub(crate) from: Contact,
    pub(crate) body: String,
    pub(crate) referer: Option<String>,
}

impl UserMessage {
    /// The URL of the page the sender was on.
    pub fn referer(mut self, url: impl Into<String>) -> Self {
        self.referer = Some(url.into());
        self
    }
    /// The sender.
    pub fn sender(&self) -> &Contact {
        &self.from
    }
    /// The body.
    pub fn body(&self) -> &str {
        &self.body
    }
}

/// An admin's SMS to users or leads.
///
/// ```
/// use intercom_messages::{Contact, Message, ValidationError, Version};
///
/// let sms = Message::from_admin(394051).to(Contact::user_id("70")).sms("Your code is 1234");
/// assert!(sms.validate(Version::PREVIEW).is_ok());
/// assert!(matches!(
///     sms.validate(Version::V2_16),
///     Err(ValidationError::MessageNotInVersion { .. })
/// ));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmsMessage {
    pub(crate) from: AdminId,
    pub(crate) to: Vec<Contact>,
    pub(crate) body: String,
    pub(crate) shared: Shared,
}

crate::message::whatsapp::shared_options!(SmsMessage);

impl SmsMessage {
    /// Adds a recipient (several need a version with lists: `Recipients|List`).
    pub fn to(mut self, recipient: Contact) -> Self {
        self.to.push(recipient);
        self
    }

    /// The admin sending it.
    pub fn sender(&self) -> AdminId {
        self.from
    }

    /// The text.
    pub fn body(&self) -> &str {
        &self.body
    }
}
