//! A user, lead or visitor writing to the team: [`UserDraft`] and
//! [`UserMessage`], with its rules and its encoder.

use intercom_messages_api::types;
use intercom_messages_api::version_table as table;

use crate::message::contact::{Contact, ContactKey};
use crate::message::invalid::ValidationError;
use crate::message::rules::{
    At, check_contact, check_properties, checked_by_into_request, non_empty,
};
use crate::message::version::Version;

/// A user message before its body is given.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "finish the message with .body(text)"]
pub struct UserDraft {
    pub(crate) from: Contact,
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
#[must_use = "a message does nothing until it is sent"]
pub struct UserMessage {
    pub(crate) from: Contact,
    pub(crate) body: String,
    pub(crate) referer: Option<String>,
}

checked_by_into_request!(UserMessage => types::UserMessageRequest);

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

    /// [`UserMessage::to_request`] for a message that is not needed after:
    /// its body moves into the request instead of being copied.
    pub fn into_request(
        self,
        version: Version,
    ) -> Result<types::UserMessageRequest, ValidationError> {
        let UserMessage {
            from,
            body,
            referer,
        } = self;
        let at = At("from", None);
        check_contact(at, &from, false, version)?;
        if body.trim().is_empty() {
            return Err(ValidationError::BodyEmpty);
        }
        let from = sender(at, &from)?;
        let mut request = types::UserMessageRequest::new(body, from);
        request.referer = referer;
        check_properties(table::USER_MESSAGE_REQUEST_PROPERTIES, &request, version)?;
        Ok(request)
    }

    /// The message a generated user request asks for; its `message_type`
    /// is dropped (the facade sends its own).
    pub(crate) fn from_request(r: types::UserMessageRequest) -> Self {
        UserMessage {
            from: Contact::from_sender(r.from),
            body: r.body,
            referer: r.referer,
        }
    }
}

fn sender(at: At, c: &Contact) -> Result<types::UserSender, ValidationError> {
    let type_ = c.contact_type().sender_wire();
    Ok(match c.key() {
        k @ ContactKey::Id(_) => types::UserSender::SenderById(types::SenderById {
            id: non_empty(at, k)?,
            type_,
        }),
        k @ ContactKey::UserId(_) => types::UserSender::SenderByUserId(types::SenderByUserId {
            user_id: non_empty(at, k)?,
            type_,
        }),
        k @ ContactKey::Email(_) => types::UserSender::ContactByEmail(types::ContactByEmail {
            email: non_empty(at, k)?,
            type_: c.contact_type().email_sender_wire(),
        }),
    })
}
