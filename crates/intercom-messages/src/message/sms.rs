//! An admin's SMS to users or leads: [`SmsMessage`], its draft method, its
//! rules and its encoder.

use intercom_messages_api::types;
use intercom_messages_api::version_table as table;

use crate::message::admin::AdminDraft;
use crate::message::admin_id::AdminId;
use crate::message::contact::{Contact, recipients_from};
use crate::message::invalid::ValidationError;
use crate::message::options::{Shared, shared_options};
use crate::message::rules::{
    admin_sender, check_properties, checked_by_into_request, recipients, require_message,
};
use crate::message::version::Version;

impl AdminDraft {
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
#[must_use = "a message does nothing until it is sent"]
pub struct SmsMessage {
    pub(crate) from: Option<AdminId>,
    pub(crate) to: Vec<Contact>,
    pub(crate) body: String,
    pub(crate) shared: Shared,
}

shared_options!(SmsMessage);
checked_by_into_request!(SmsMessage => types::SmsMessageRequest);

impl SmsMessage {
    /// Adds a recipient (several need a version with lists: `Recipients|List`).
    pub fn to(mut self, recipient: Contact) -> Self {
        self.to.push(recipient);
        self
    }

    /// The admin sending it.
    pub fn sender(&self) -> Option<AdminId> {
        self.from
    }

    /// The text.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// [`SmsMessage::to_request`] for a message that is not needed after:
    /// its text moves into the request instead of being copied.
    pub fn into_request(
        mut self,
        version: Version,
    ) -> Result<types::SmsMessageRequest, ValidationError> {
        let body = std::mem::take(&mut self.body);
        require_message(table::SMS_MESSAGE_REQUEST, "sms", version)?;
        // Every version with SMS may omit `from` (the default sender).
        let from = admin_sender(self.from, None, version)?;
        let to = recipients("to", &self.to, version)?.ok_or(ValidationError::RecipientMissing)?;
        if body.trim().is_empty() {
            return Err(ValidationError::BodyEmpty);
        }
        let mut request =
            types::SmsMessageRequest::new(body, types::SmsMessageRequestMessageType::Sms, to);
        request.create_conversation_without_contact_reply =
            self.shared.open_conversation.then_some(true);
        request.created_at = self.shared.created_at;
        request.from = from;
        check_properties(table::SMS_MESSAGE_REQUEST_PROPERTIES, &request, version)?;
        Ok(request)
    }

    /// The message a generated SMS request asks for (see
    /// `TryFrom<CreateMessageRequest> for Message`).
    pub(crate) fn from_request(r: types::SmsMessageRequest) -> Result<Self, ValidationError> {
        Ok(SmsMessage {
            from: AdminId::from_sender(r.from)?,
            to: recipients_from(Some(r.to)),
            body: r.body,
            shared: Shared::from_request(r.created_at, r.create_conversation_without_contact_reply),
        })
    }
}
