//! An admin writing to users or leads, in-app or by email: [`AdminDraft`]
//! (which starts every admin message; the other kinds add their own draft
//! method in their file), [`AdminMessage`] and its channels, with its rules
//! and its encoder.

use intercom_messages_api::types;
use intercom_messages_api::version_table as table;

pub use crate::contract::EmailTemplate;
use crate::message::admin_id::AdminId;
use crate::message::contact::{Contact, recipients_from};
use crate::message::invalid::ValidationError;
use crate::message::rules::{admin_sender, check_properties, checked_by_into_request, recipients};
use crate::message::version::Version;

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
/// (inside [`Message::Admin`](crate::Message::Admin)).
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
    /// What only the crate may implement, and what only it calls.
    pub trait Sealed {
        /// Moves an email's subject out (an empty string stays behind).
        fn take_subject(&mut self) -> Option<String> {
            None
        }
    }
    impl Sealed for super::InApp {}
    impl Sealed for super::Email {
        fn take_subject(&mut self) -> Option<String> {
            Some(std::mem::take(&mut self.subject))
        }
    }
    impl Sealed for super::Channel {
        fn take_subject(&mut self) -> Option<String> {
            match self {
                super::Channel::InApp => None,
                super::Channel::Email(e) => e.take_subject(),
            }
        }
    }
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

/// An admin message before its channel is chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "finish the message with .in_app(body) or .email(subject, body)"]
pub struct AdminDraft {
    /// `None`: Intercom's default sender.
    pub(crate) from: Option<AdminId>,
    pub(crate) to: Vec<Contact>,
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

    fn finish<C>(self, channel: C, body: String) -> AdminMessage<C> {
        AdminMessage {
            from: self.from,
            to: self.to,
            channel,
            body,
            options: AdminOptions::default(),
        }
    }
}

/// An admin writing to users or leads, in-app ([`InApp`]) or by email
/// ([`Email`]). Inside a [`crate::Message`] the channel is a [`Channel`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a message does nothing until it is sent"]
pub struct AdminMessage<C = Channel> {
    pub(crate) from: Option<AdminId>,
    pub(crate) to: Vec<Contact>,
    pub(crate) channel: C,
    pub(crate) body: String,
    pub(crate) options: AdminOptions,
}

/// What an admin message may carry besides its sender, recipients, channel
/// and body: each field is one optional property of
/// `AdminMessageRequest`, set by one builder method and encoded in
/// [`AdminMessage::to_request`]. A property the facade learns is one field
/// here, its method and its line in the encoder.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct AdminOptions {
    pub(crate) cc: Vec<Contact>,
    pub(crate) bcc: Vec<Contact>,
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
        self.options.cc.push(recipient);
        self
    }
    /// Adds a blind-copied recipient (`AdminMessageRequest.bcc` in the version table).
    pub fn bcc(mut self, recipient: Contact) -> Self {
        self.options.bcc.push(recipient);
        self
    }
    /// When the message was created, in UNIX seconds, for importing past
    /// conversations (`AdminMessageRequest.created_at` in the version table).
    pub fn created_at(mut self, unix_seconds: i64) -> Self {
        self.options.created_at = Some(unix_seconds);
        self
    }
    /// Opens a conversation in the inbox without waiting for the contact to
    /// reply (`AdminMessageRequest.create_conversation_without_contact_reply`
    /// in the version table). `false`, the default, is Intercom's default
    /// too, so it is not sent.
    pub fn open_conversation(mut self, open: bool) -> Self {
        self.options.open_conversation = open;
        self
    }
    /// The admin sending it; `None` for Intercom's default sender
    /// ([`crate::Message::from_default_sender`]).
    pub fn sender(&self) -> Option<AdminId> {
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
            channel: self.channel.into(),
            body: self.body,
            options: self.options,
        }
    }

    /// [`AdminMessage::to_request`] for a message that is not needed
    /// after: its body and subject move into the request instead of being
    /// copied.
    pub fn into_request(
        mut self,
        version: Version,
    ) -> Result<types::AdminMessageRequest, ValidationError> {
        let body = std::mem::take(&mut self.body);
        let subject = self.channel.take_subject();
        let from = admin_sender(
            self.from,
            Some(table::ADMIN_MESSAGE_REQUEST__FROM__OPTIONAL),
            version,
        )?;
        let to = recipients("to", &self.to, version)?.ok_or(ValidationError::RecipientMissing)?;
        let cc = recipients("cc", &self.options.cc, version)?;
        let bcc = recipients("bcc", &self.options.bcc, version)?;
        if body.trim().is_empty() {
            return Err(ValidationError::BodyEmpty);
        }
        if subject.as_ref().is_some_and(|s| s.trim().is_empty()) {
            return Err(ValidationError::SubjectMissing);
        }
        let email = self.channel.as_email();
        // `inapp` in every version: see openapi/README.md.
        let message_type = match email {
            Some(_) => types::AdminMessageType::Email,
            None => types::AdminMessageType::Inapp,
        };
        // `new` leaves every optional property `None`, a property the
        // contract gains included; the message sets what it has.
        let mut request = types::AdminMessageRequest::new(body, message_type, to);
        request.bcc = bcc;
        request.cc = cc;
        request.create_conversation_without_contact_reply =
            self.options.open_conversation.then_some(true);
        request.created_at = self.options.created_at;
        request.from = from;
        request.subject = subject;
        // An email always carries its template (`plain` unless set).
        request.template = email.map(|e| e.template.into());
        check_properties(table::ADMIN_MESSAGE_REQUEST_PROPERTIES, &request, version)?;
        Ok(request)
    }
}

checked_by_into_request!(AdminMessage<C> where C: ChannelKind => types::AdminMessageRequest);

impl AdminMessage<Email> {
    /// The email template (`plain` unless set).
    pub fn template(mut self, template: EmailTemplate) -> Self {
        self.channel.template = template;
        self
    }
}

impl AdminMessage {
    /// The message a generated admin request asks for (see
    /// `TryFrom<CreateMessageRequest> for Message`).
    pub(crate) fn from_request(r: types::AdminMessageRequest) -> Result<Self, ValidationError> {
        let channel = match r.message_type {
            types::AdminMessageType::Email => Channel::Email(Email {
                subject: r.subject.unwrap_or_default(),
                template: r.template.map(Into::into).unwrap_or_default(),
            }),
            types::AdminMessageType::Inapp | types::AdminMessageType::InApp => Channel::InApp,
        };
        Ok(AdminMessage {
            from: AdminId::from_sender(r.from)?,
            to: recipients_from(Some(r.to)),
            channel,
            body: r.body,
            options: AdminOptions {
                cc: recipients_from(r.cc),
                bcc: recipients_from(r.bcc),
                created_at: r.created_at,
                open_conversation: r.create_conversation_without_contact_reply == Some(true),
            },
        })
    }
}
