//! A request that did not come from the builders, as a [`Message`]: the
//! generated [`types::CreateMessageRequest`] (decoded from a stored JSON
//! payload, say) turned into the message it asks for, so that the facade's
//! rules can check it ([`Message::validate`]) and the facade can send it.

use intercom_messages_api::types;

use crate::message::Message;
use crate::message::admin::{AdminMessage, AdminOptions, Channel, Email, EmailTemplate};
use crate::message::admin_id::AdminId;
use crate::message::contact::{Contact, ContactKey, ContactType};
use crate::message::invalid::ValidationError;
use crate::message::options::Shared;
use crate::message::sms::SmsMessage;
use crate::message::user::UserMessage;
use crate::message::whatsapp::{Parameter, TemplateComponent, WhatsAppMessage};

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
            types::CreateMessageRequest::AdminMessageRequest(r) => Message::Admin(admin(r)?),
            types::CreateMessageRequest::UserMessageRequest(r) => Message::User(UserMessage {
                from: sender(r.from),
                body: r.body,
                referer: r.referer,
            }),
            types::CreateMessageRequest::WhatsAppMessageRequest(r) => {
                Message::WhatsApp(whatsapp(r)?)
            }
            types::CreateMessageRequest::SmsMessageRequest(r) => Message::Sms(SmsMessage {
                from: sender_id(r.from)?,
                to: recipients(Some(r.to)),
                body: r.body,
                shared: shared(r.created_at, r.create_conversation_without_contact_reply),
            }),
        })
    }
}

fn admin(r: types::AdminMessageRequest) -> Result<AdminMessage, ValidationError> {
    let channel = match r.message_type {
        types::AdminMessageType::Email => Channel::Email(Email {
            subject: r.subject.unwrap_or_default(),
            template: match r.template {
                Some(types::Template::Personal) => EmailTemplate::Personal,
                Some(types::Template::Plain) | None => EmailTemplate::Plain,
            },
        }),
        types::AdminMessageType::Inapp | types::AdminMessageType::InApp => Channel::InApp,
    };
    Ok(AdminMessage {
        from: sender_id(r.from)?,
        to: recipients(Some(r.to)),
        channel,
        body: r.body,
        options: AdminOptions {
            cc: recipients(r.cc),
            bcc: recipients(r.bcc),
            created_at: r.created_at,
            open_conversation: r.create_conversation_without_contact_reply == Some(true),
        },
    })
}

fn whatsapp(r: types::WhatsAppMessageRequest) -> Result<WhatsAppMessage, ValidationError> {
    let (contacts, phone) = match r.to {
        types::WhatsAppRecipients::PhoneRecipient(p) => (
            Vec::new(),
            Some((String::from(p.phone), p.name.unwrap_or_default())),
        ),
        types::WhatsAppRecipients::Recipients(to) => (recipients(Some(to)), None),
    };
    let mut m = WhatsAppMessage::new(sender_id(r.from)?, contacts, phone, r.template.into());
    m.locale = r.locale.map(Into::into);
    m.shared = shared(r.created_at, r.create_conversation_without_contact_reply);
    for c in r.components {
        let parameters = c
            .parameters
            .into_iter()
            .map(parameter)
            .collect::<Result<Vec<_>, _>>()?;
        let mut component = TemplateComponent::with_parameters(String::from(c.type_), parameters);
        component.sub_type = c.sub_type;
        component.index = c.index;
        m.components.push(component);
    }
    Ok(m)
}

/// A text parameter (the generated `WhatsAppTextParameter`) as
/// [`Parameter::text`], anything else as written.
fn parameter(p: types::WhatsAppParameter) -> Result<Parameter, ValidationError> {
    let value = serde_json::Value::Object(p.0);
    match serde_json::from_value::<types::WhatsAppTextParameter>(value.clone()) {
        Ok(text) => Ok(Parameter::text(text.text)),
        Err(_) => Parameter::raw(value),
    }
}

fn shared(created_at: Option<i64>, open: Option<bool>) -> Shared {
    Shared {
        created_at,
        open_conversation: open == Some(true),
    }
}

/// The admin sending, or `None` for Intercom's default sender.
fn sender_id(from: Option<types::AdminSender>) -> Result<Option<AdminId>, ValidationError> {
    from.map(|f| admin_id(f.id)).transpose()
}

/// An admin id as the contract writes it: an integer, or a string of digits.
fn admin_id(id: types::AdminId) -> Result<AdminId, ValidationError> {
    let out_of_range = |value: String| ValidationError::AdminIdOutOfRange { value };
    match id {
        types::AdminId::Number(n) => u64::try_from(n)
            .map(AdminId::from)
            .map_err(|_| out_of_range(n.to_string())),
        types::AdminId::Digits(d) => {
            let digits = String::from(d);
            digits
                .parse::<AdminId>()
                .map_err(|_| out_of_range(crate::text::clean(&digits)))
        }
    }
}

fn recipients(list: Option<types::Recipients>) -> Vec<Contact> {
    match list {
        None => Vec::new(),
        Some(types::Recipients::Recipient(r)) => vec![recipient(r)],
        Some(types::Recipients::List(l)) => l.into_iter().map(recipient).collect(),
    }
}

fn recipient(r: types::Recipient) -> Contact {
    let of = |t: types::ContactType| match t {
        types::ContactType::User => ContactType::User,
        types::ContactType::Lead => ContactType::Lead,
        types::ContactType::Contact => ContactType::Contact,
    };
    match r {
        types::Recipient::ContactById(c) => Contact::new(of(c.type_), ContactKey::Id(c.id.into())),
        types::Recipient::ContactByUserId(c) => {
            Contact::new(of(c.type_), ContactKey::UserId(c.user_id.into()))
        }
        types::Recipient::RecipientByEmail(c) => Contact::new(
            match c.type_ {
                types::EmailRecipientType::User => ContactType::User,
                types::EmailRecipientType::Lead => ContactType::Lead,
            },
            ContactKey::Email(c.email.into()),
        ),
    }
}

fn sender(s: types::UserSender) -> Contact {
    let of = |t: types::SenderType| match t {
        types::SenderType::User => ContactType::User,
        types::SenderType::Lead => ContactType::Lead,
        types::SenderType::Contact => ContactType::Contact,
    };
    match s {
        types::UserSender::SenderById(c) => Contact::new(of(c.type_), ContactKey::Id(c.id.into())),
        types::UserSender::SenderByUserId(c) => {
            Contact::new(of(c.type_), ContactKey::UserId(c.user_id.into()))
        }
        types::UserSender::ContactByEmail(c) => Contact::new(
            match c.type_ {
                types::EmailSenderType::User => ContactType::User,
                types::EmailSenderType::Lead => ContactType::Lead,
                types::EmailSenderType::Contact => ContactType::Contact,
            },
            ContactKey::Email(c.email.into()),
        ),
    }
}
