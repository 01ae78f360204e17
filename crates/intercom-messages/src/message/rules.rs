#![doc = include_str!("rules.md")]

use intercom_messages_api::availability::Availability;
use intercom_messages_api::types;
use intercom_messages_api::version_table as table;
use serde::Serialize;

use crate::message::admin_id::AdminId;
use crate::message::contact::{Contact, ContactKey, ContactType};
use crate::message::invalid::ValidationError;
use crate::message::version::Version;
use crate::message::whatsapp::WhatsAppMessage;
use crate::message::{AdminMessage, ChannelKind, EmailTemplate, Message, SmsMessage, UserMessage};

impl Message {
    /// Checks the message against every rule for `version`.
    pub fn validate(&self, version: Version) -> Result<(), ValidationError> {
        match self {
            Message::Admin(m) => m.validate(version),
            Message::User(m) => m.validate(version),
            Message::WhatsApp(m) => m.validate(version),
            Message::Sms(m) => m.validate(version),
        }
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
}

/// Where a contact sits: `from`, or `to`/`cc`/`bcc` at an index. Formatted
/// only when a rule fails, so checking allocates nothing.
#[derive(Clone, Copy)]
struct At(&'static str, Option<usize>);

impl At {
    fn field(self, leaf: &str) -> String {
        match self.1 {
            Some(i) => format!("{}[{i}].{leaf}", self.0),
            None => format!("{}.{leaf}", self.0),
        }
    }
}

/// The generic property rule: every property of the encoded request that
/// has a row (the generated `*_PROPERTIES` of its schema) must be in
/// `version`. Adding `x-intercom-versions` to a request property in the
/// fragment is enough for the facade to enforce it.
fn check_properties<T: Serialize>(
    properties: &[(&'static str, Availability)],
    request: &T,
    version: Version,
) -> Result<(), ValidationError> {
    let missing = |(_, row): &&(&'static str, Availability)| !version.has(*row);
    // Most sends use a version with every property: nothing to look at.
    if !properties.iter().any(|p| missing(&p)) {
        return Ok(());
    }
    let value = serde_json::to_value(request).expect("request types always encode");
    for (field, row) in properties.iter().filter(missing) {
        if value.get(field).is_some_and(|v| !v.is_null()) {
            return Err(ValidationError::FieldNotInVersion {
                field,
                version,
                available: Version::range_of(*row),
            });
        }
    }
    Ok(())
}

/// The rules every contact follows, as a sender (`from`) or a recipient (`to[0]`).
fn check_contact(
    at: At,
    contact: &Contact,
    recipient: bool,
    version: Version,
) -> Result<(), ValidationError> {
    let key = contact.key();
    if key.value().trim().is_empty() {
        return Err(ValidationError::IdentifierEmpty {
            field: at.field(key.field()),
        });
    }
    let row = if recipient {
        table::contact_type_row(contact.contact_type().wire())
    } else {
        table::sender_type_row(contact.contact_type().sender_wire())
    };
    if let Some(r) = row
        && !version.has(r)
    {
        return Err(ValidationError::ContactTypeNotInVersion {
            field: at.field("type"),
            contact_type: contact.contact_type(),
            version,
            available: Version::range_of(r),
        });
    }
    if let ContactKey::Email(_) = key
        && contact.contact_type() == ContactType::Contact
    {
        return Err(ValidationError::VisitorByEmail {
            field: at.field("email"),
        });
    }
    Ok(())
}

/// Checks and encodes a recipient list (`to`, `cc`, `bcc`); `None` when empty.
fn recipients(
    field: &'static str,
    list: &[Contact],
    version: Version,
) -> Result<Option<types::Recipients>, ValidationError> {
    if list.len() > 1 && !version.has(table::RECIPIENTS__LIST) {
        return Err(ValidationError::RecipientListNotInVersion {
            field,
            count: list.len(),
            version,
            available: Version::range_of(table::RECIPIENTS__LIST),
        });
    }
    let mut encoded = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let at = At(field, Some(i));
        check_contact(at, c, true, version)?;
        encoded.push(recipient(at, c)?);
    }
    Ok(match encoded.len() {
        0 => None,
        1 => encoded.pop().map(types::Recipients::Recipient),
        _ => Some(types::Recipients::List(encoded)),
    })
}

/// The admin id in the version's wire shape: a string of digits before the
/// contract's integer member (`AdminId|Number`), an integer from there.
fn admin_id(id: AdminId, version: Version) -> Result<types::AdminId, ValidationError> {
    let n = i64::try_from(id.get())
        .map_err(|_| ValidationError::AdminIdOutOfRange { value: id.get() })?;
    if version.has(table::ADMIN_ID__NUMBER) {
        return Ok(types::AdminId::Number(n));
    }
    Ok(types::AdminId::Digits(n.to_string().parse().expect(
        "the digits of a non-negative integer match ^[0-9]+$",
    )))
}

impl<C: ChannelKind> AdminMessage<C> {
    /// Checks the message against every rule for `version`.
    pub fn validate(&self, version: Version) -> Result<(), ValidationError> {
        self.to_request(version).map(drop)
    }

    /// Checks the message for `version` and encodes it as the generated
    /// request type (see [`Message::to_request`]).
    pub fn to_request(
        &self,
        version: Version,
    ) -> Result<types::AdminMessageRequest, ValidationError> {
        let from = admin_sender(self.from, version)?;
        let to = recipients("to", &self.to, version)?.ok_or(ValidationError::RecipientMissing)?;
        let cc = recipients("cc", &self.cc, version)?;
        let bcc = recipients("bcc", &self.bcc, version)?;
        if self.body.trim().is_empty() {
            return Err(ValidationError::BodyEmpty);
        }
        let email = self.channel.as_email();
        if email.is_some_and(|e| e.subject.trim().is_empty()) {
            return Err(ValidationError::SubjectMissing);
        }
        check_created_at(self.created_at)?;
        let request = types::AdminMessageRequest {
            bcc,
            body: self.body.clone(),
            cc,
            create_conversation_without_contact_reply: self.open_conversation.then_some(true),
            created_at: self.created_at,
            from,
            // `inapp` in every version: see openapi/README.md.
            message_type: match email {
                Some(_) => types::AdminMessageType::Email,
                None => types::AdminMessageType::Inapp,
            },
            subject: email.map(|e| e.subject.clone()),
            // An email always carries its template (`plain` unless set).
            template: email.map(|e| match e.template {
                EmailTemplate::Plain => types::Template::Plain,
                EmailTemplate::Personal => types::Template::Personal,
            }),
            to,
        };
        check_properties(&table::ADMIN_MESSAGE_REQUEST_PROPERTIES, &request, version)?;
        Ok(request)
    }
}

/// The generated newtypes re-check non-emptiness; a failure there is the same rule.
fn non_empty<T: TryFrom<String>>(at: At, key: &ContactKey) -> Result<T, ValidationError> {
    T::try_from(key.value().to_string()).map_err(|_| ValidationError::IdentifierEmpty {
        field: at.field(key.field()),
    })
}

fn recipient(at: At, c: &Contact) -> Result<types::Recipient, ValidationError> {
    let type_ = c.contact_type().wire();
    Ok(match c.key() {
        k @ ContactKey::Id(_) => types::Recipient::ContactById(types::ContactById {
            id: non_empty(at, k)?,
            type_,
        }),
        k @ ContactKey::UserId(_) => types::Recipient::ContactByUserId(types::ContactByUserId {
            user_id: non_empty(at, k)?,
            type_,
        }),
        k @ ContactKey::Email(_) => types::Recipient::RecipientByEmail(types::RecipientByEmail {
            email: non_empty(at, k)?,
            type_,
        }),
    })
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
            type_,
        }),
    })
}

/// The first HTML tag in `body`, if any: what makes a user or lead message
/// break the `body-html` rule, public so that code relaying visitors' text
/// can check it (or escape it) before building a message.
///
/// A tag opens with `<!`, or with `<` or `</` and a name (a letter, then
/// letters, digits or `-`) followed by white space, `/` or `>`; it closes at
/// the next `>`, with no `<` before it, and may span lines as HTML allows.
/// `a < b`, `<3`, `=>`, `Jane <jane@example.com>` and `<https://x.com>` are
/// plain text.
///
/// Linear in the length of `body`: each byte is looked at a bounded number of
/// times, so visitors' text cannot stall the sender.
///
/// ```
/// use intercom_messages::rules::find_html_tag;
///
/// assert_eq!(find_html_tag("Hi <b>there</b>"), Some("<b>"));
/// assert_eq!(find_html_tag("<a\nhref=\"x\">link</a>"), Some("<a\nhref=\"x\">"));
/// assert_eq!(find_html_tag("Jane <jane@example.com>"), None);
/// assert_eq!(find_html_tag(&"<a".repeat(500_000)), None);
/// ```
pub fn find_html_tag(body: &str) -> Option<&str> {
    let bytes = body.as_bytes();
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        let start = i + offset;
        let Some(after) = opening_end(bytes, start) else {
            i = start + 1;
            continue;
        };
        match bytes[after..].iter().position(|&b| b == b'>' || b == b'<') {
            Some(k) if bytes[after + k] == b'>' => return Some(&body[start..=after + k]),
            // The `<` found is the next place a tag could start.
            Some(k) => i = after + k,
            // No `>` anywhere after: no tag can close.
            None => return None,
        }
    }
    None
}

/// Where a tag opening at `start` (a `<`) ends: after `<!`, or after the name
/// of `<name` / `</name` when white space, `/` or `>` follows it.
fn opening_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut j = start + 1;
    match *bytes.get(j)? {
        b'!' => return Some(j + 1),
        b'/' => j += 1,
        _ => {}
    }
    if !bytes.get(j)?.is_ascii_alphabetic() {
        return None;
    }
    while bytes
        .get(j)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-')
    {
        j += 1;
    }
    match bytes.get(j) {
        Some(b) if b.is_ascii_whitespace() || *b == b'/' || *b == b'>' => Some(j),
        _ => None,
    }
}

impl UserMessage {
    /// Checks the message against every rule for `version`.
    pub fn validate(&self, version: Version) -> Result<(), ValidationError> {
        self.to_request(version).map(drop)
    }

    /// Checks the message for `version` and encodes it as the generated
    /// request type (see [`Message::to_request`]).
    pub fn to_request(
        &self,
        version: Version,
    ) -> Result<types::UserMessageRequest, ValidationError> {
        let at = At("from", None);
        check_contact(at, &self.from, false, version)?;
        if self.body.trim().is_empty() {
            return Err(ValidationError::BodyEmpty);
        }
        if let Some(tag) = find_html_tag(&self.body) {
            let tag: String = tag.chars().take(40).collect();
            return Err(ValidationError::BodyHtml { tag });
        }
        let from = sender(at, &self.from)?;
        let request = types::UserMessageRequest {
            body: self.body.clone(),
            from,
            message_type: None,
            referer: self.referer.clone(),
        };
        check_properties(&table::USER_MESSAGE_REQUEST_PROPERTIES, &request, version)?;
        Ok(request)
    }
}

/// Fails with [`ValidationError::MessageNotInVersion`] when `version` lacks
/// the request schema of a kind of message.
fn require_message(
    row: Availability,
    message: &'static str,
    version: Version,
) -> Result<(), ValidationError> {
    if version.has(row) {
        Ok(())
    } else {
        Err(ValidationError::MessageNotInVersion {
            message,
            version,
            available: Version::range_of(row),
        })
    }
}

fn check_created_at(created_at: Option<i64>) -> Result<(), ValidationError> {
    match created_at {
        Some(value) if value < 0 => Err(ValidationError::CreatedAtNegative { value }),
        _ => Ok(()),
    }
}

fn admin_sender(from: AdminId, version: Version) -> Result<types::AdminSender, ValidationError> {
    Ok(types::AdminSender {
        id: admin_id(from, version)?,
        type_: types::AdminSenderType::Admin,
    })
}

/// An E.164 number: an optional `+`, then 8 to 15 digits, the first not 0.
/// Encoded as Intercom writes phone numbers: a string with its `+`.
fn e164<T: TryFrom<String>>(field: &'static str, number: &str) -> Result<T, ValidationError> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    let ok = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then(|| T::try_from(format!("+{digits}")).ok())
        .flatten()
        .ok_or_else(|| ValidationError::PhoneNotE164 {
            field,
            value: crate::text::clean(number),
        })
}

fn not_blank<T: TryFrom<String>>(field: &'static str, text: &str) -> Result<T, ValidationError> {
    if text.trim().is_empty() {
        return Err(ValidationError::TextEmpty { field });
    }
    T::try_from(text.to_string()).map_err(|_| ValidationError::TextEmpty { field })
}

impl WhatsAppMessage {
    /// Checks the message against every rule for `version`.
    pub fn validate(&self, version: Version) -> Result<(), ValidationError> {
        self.to_request(version).map(drop)
    }

    /// Checks the message for `version` and encodes it as the generated
    /// request type (see [`Message::to_request`]).
    pub fn to_request(
        &self,
        version: Version,
    ) -> Result<types::WhatsAppMessageRequest, ValidationError> {
        require_message(table::WHATS_APP_MESSAGE_REQUEST, "whatsapp", version)?;
        let from = admin_sender(self.from, version)?;
        let to = self.recipients(version)?;
        let template = not_blank("template", &self.template)?;
        let locale = match &self.locale {
            Some(l) => Some(not_blank("locale", l)?),
            None => None,
        };
        let components = self.encoded_components()?;
        check_created_at(self.shared.created_at)?;
        let request = types::WhatsAppMessageRequest {
            bcc: None,
            body: None,
            cc: None,
            components,
            create_conversation_without_contact_reply: self
                .shared
                .open_conversation
                .then_some(true),
            created_at: self.shared.created_at,
            from,
            locale,
            message_type: types::WhatsAppMessageRequestMessageType::Whatsapp,
            subject: None,
            template,
            to,
        };
        check_properties(
            &table::WHATS_APP_MESSAGE_REQUEST_PROPERTIES,
            &request,
            version,
        )?;
        Ok(request)
    }
}

impl WhatsAppMessage {
    /// A phone number, or the contacts: one of the two.
    fn recipients(&self, version: Version) -> Result<types::WhatsAppRecipients, ValidationError> {
        Ok(match &self.phone {
            Some(_) if !self.contacts.is_empty() => {
                return Err(ValidationError::RecipientMixed {
                    count: self.contacts.len(),
                });
            }
            Some((phone, name)) => {
                types::WhatsAppRecipients::PhoneRecipient(types::PhoneRecipient {
                    name: Some(name.clone()).filter(|n| !n.trim().is_empty()),
                    phone: e164("to.phone", phone)?,
                })
            }
            None => types::WhatsAppRecipients::Recipients(
                recipients("to", &self.contacts, version)?
                    .ok_or(ValidationError::RecipientMissing)?,
            ),
        })
    }

    fn encoded_components(&self) -> Result<Vec<types::WhatsAppComponent>, ValidationError> {
        self.components
            .iter()
            .map(|c| {
                Ok(types::WhatsAppComponent {
                    type_: not_blank("components.type", &c.kind)?,
                    sub_type: c.sub_type.clone(),
                    index: c.index.clone(),
                    parameters: c
                        .parameters
                        .iter()
                        .map(|p| types::WhatsAppParameter(p.to_map()))
                        .collect(),
                })
            })
            .collect()
    }
}

impl SmsMessage {
    /// Checks the message against every rule for `version`.
    pub fn validate(&self, version: Version) -> Result<(), ValidationError> {
        self.to_request(version).map(drop)
    }

    /// Checks the message for `version` and encodes it as the generated
    /// request type (see [`Message::to_request`]).
    pub fn to_request(
        &self,
        version: Version,
    ) -> Result<types::SmsMessageRequest, ValidationError> {
        require_message(table::SMS_MESSAGE_REQUEST, "sms", version)?;
        let from = admin_sender(self.from, version)?;
        let to = recipients("to", &self.to, version)?.ok_or(ValidationError::RecipientMissing)?;
        if self.body.trim().is_empty() {
            return Err(ValidationError::BodyEmpty);
        }
        check_created_at(self.shared.created_at)?;
        let request = types::SmsMessageRequest {
            bcc: None,
            body: self.body.clone(),
            cc: None,
            create_conversation_without_contact_reply: self
                .shared
                .open_conversation
                .then_some(true),
            created_at: self.shared.created_at,
            from,
            message_type: types::SmsMessageRequestMessageType::Sms,
            subject: None,
            template: None,
            to,
        };
        check_properties(&table::SMS_MESSAGE_REQUEST_PROPERTIES, &request, version)?;
        Ok(request)
    }
}
