#![doc = include_str!("rules.md")]

use intercom_messages_api::availability::Availability;
use intercom_messages_api::types;
use intercom_messages_api::version_table as table;

use crate::Version;
use crate::error::ValidationError;
use crate::message::{
    AdminMessage, Channel, Contact, ContactKey, ContactType, Message, Template, UserMessage,
};

impl Message {
    /// Checks the message against every rule for `version`.
    pub fn validate(&self, version: Version) -> Result<(), ValidationError> {
        self.to_request(version).map(drop)
    }

    /// Checks the message for `version` and encodes it as the generated request
    /// type, in that version's wire shape. Nothing is encoded when a rule fails.
    pub fn to_request(
        &self,
        version: Version,
    ) -> Result<types::CreateMessageRequest, ValidationError> {
        match self {
            Message::Admin(m) => m.to_request(version).map(Into::into),
            Message::User(m) => m.to_request(version).map(Into::into),
        }
    }
}

/// Fails with [`ValidationError::FieldNotInVersion`] when `version` lacks `item`.
fn require(
    item: Availability,
    field: &'static str,
    version: Version,
) -> Result<(), ValidationError> {
    if version.has(item) {
        Ok(())
    } else {
        Err(ValidationError::FieldNotInVersion {
            field,
            version,
            available: item.versions,
        })
    }
}

/// The rules every contact follows, as a sender (`from`) or a recipient (`to[0]`).
fn check_contact(
    at: &str,
    contact: &Contact,
    recipient: bool,
    version: Version,
) -> Result<(), ValidationError> {
    let key = contact.key();
    if key.value().trim().is_empty() {
        return Err(ValidationError::IdentifierEmpty {
            field: format!("{at}.{}", key.field()),
        });
    }
    let type_row = match contact.contact_type() {
        ContactType::User => None,
        ContactType::Lead => Some(table::CONTACT_TYPE__LEAD),
        ContactType::Contact => Some(table::CONTACT_TYPE__CONTACT),
    };
    if let Some(row) = type_row
        && !version.has(row)
    {
        return Err(ValidationError::ContactTypeNotInVersion {
            field: format!("{at}.type"),
            contact_type: contact.contact_type().as_str(),
            version,
            available: row.versions,
        });
    }
    if let ContactKey::Email(_) = key {
        if contact.contact_type() == ContactType::Contact {
            return Err(ValidationError::VisitorByEmail {
                field: format!("{at}.email"),
            });
        }
        if recipient && !version.has(table::RECIPIENT_BY_EMAIL) {
            return Err(ValidationError::RecipientEmailNotInVersion {
                field: format!("{at}.email"),
                version,
                available: table::RECIPIENT_BY_EMAIL.versions,
            });
        }
    }
    Ok(())
}

fn wire_type(t: ContactType) -> types::ContactType {
    match t {
        ContactType::User => types::ContactType::User,
        ContactType::Lead => types::ContactType::Lead,
        ContactType::Contact => types::ContactType::Contact,
    }
}

/// The generated newtypes re-check non-emptiness; a failure there is the same rule.
fn non_empty<T: TryFrom<String>>(at: &str, key: &ContactKey) -> Result<T, ValidationError> {
    T::try_from(key.value().to_string()).map_err(|_| ValidationError::IdentifierEmpty {
        field: format!("{at}.{}", key.field()),
    })
}

fn recipient(at: &str, c: &Contact) -> Result<types::Recipient, ValidationError> {
    let type_ = wire_type(c.contact_type());
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

/// Checks a recipient list (`to`, `cc`, `bcc`) and encodes it; `None` when empty.
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
            available: table::RECIPIENTS__LIST.versions,
        });
    }
    let mut encoded = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let at = format!("{field}[{i}]");
        check_contact(&at, c, true, version)?;
        encoded.push(recipient(&at, c)?);
    }
    Ok(match encoded.len() {
        0 => None,
        1 => encoded.pop().map(types::Recipients::Recipient),
        _ => Some(types::Recipients::List(encoded)),
    })
}

impl AdminMessage {
    /// Checks the message for `version` and encodes it (see [`Message::to_request`]).
    pub fn to_request(
        &self,
        version: Version,
    ) -> Result<types::AdminMessageRequest, ValidationError> {
        let digits = self.from.as_str();
        let not_digits = || ValidationError::AdminIdNotDigits {
            value: digits.to_string(),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(not_digits());
        }
        // The wire shape of from.id follows the era: a string of digits up to 2.6,
        // an integer from 2.7 (where the contract's integer member starts).
        let id = if version.has(table::ADMIN_ID__NUMBER) {
            types::AdminId::Number(digits.parse().map_err(|_| not_digits())?)
        } else {
            types::AdminId::Digits(digits.parse().map_err(|_| not_digits())?)
        };
        if self.to.is_empty() {
            return Err(ValidationError::RecipientMissing);
        }
        let to = recipients("to", &self.to, version)?.ok_or(ValidationError::RecipientMissing)?;
        if !self.cc.is_empty() {
            require(table::ADMIN_MESSAGE_REQUEST__CC, "cc", version)?;
        }
        let cc = recipients("cc", &self.cc, version)?;
        if !self.bcc.is_empty() {
            require(table::ADMIN_MESSAGE_REQUEST__BCC, "bcc", version)?;
        }
        let bcc = recipients("bcc", &self.bcc, version)?;
        if self.body.trim().is_empty() {
            return Err(ValidationError::BodyEmpty);
        }
        let (message_type, subject, template) = match &self.channel {
            Channel::Email { subject } => {
                if subject.trim().is_empty() {
                    return Err(ValidationError::SubjectMissing);
                }
                // The 2.7+ schema requires a template for email; plain is Intercom's default.
                let template = match self.template.unwrap_or_default() {
                    Template::Plain => types::Template::Plain,
                    Template::Personal => types::Template::Personal,
                };
                (
                    types::AdminMessageType::Email,
                    Some(subject.clone()),
                    Some(template),
                )
            }
            Channel::InApp => {
                if self.template.is_some() {
                    return Err(ValidationError::TemplateNotEmail);
                }
                // `inapp` in every version: see openapi/README.md.
                (types::AdminMessageType::Inapp, None, None)
            }
        };
        if let Some(value) = self.created_at {
            require(
                table::ADMIN_MESSAGE_REQUEST__CREATED_AT,
                "created_at",
                version,
            )?;
            if value < 0 {
                return Err(ValidationError::CreatedAtNegative { value });
            }
        }
        if self.open_conversation {
            require(
                table::ADMIN_MESSAGE_REQUEST__CREATE_CONVERSATION_WITHOUT_CONTACT_REPLY,
                "create_conversation_without_contact_reply",
                version,
            )?;
        }
        Ok(types::AdminMessageRequest {
            bcc,
            body: self.body.clone(),
            cc,
            create_conversation_without_contact_reply: self.open_conversation.then_some(true),
            created_at: self.created_at,
            from: types::AdminSender {
                id,
                type_: types::AdminSenderType::Admin,
            },
            message_type,
            subject,
            template,
            to,
        })
    }
}

/// The first HTML tag in `body`, if any: a `<` directly followed by a letter,
/// `/` or `!`, closed by a later `>`. `a < b`, `<3` and `=>` are plain text.
pub fn find_html_tag(body: &str) -> Option<&str> {
    let bytes = body.as_bytes();
    let mut i = 0;
    while let Some(offset) = body[i..].find('<') {
        let start = i + offset;
        let next = bytes.get(start + 1).copied();
        let opens = matches!(next, Some(b) if b.is_ascii_alphabetic() || b == b'/' || b == b'!');
        if opens && let Some(len) = body[start..].find('>') {
            let tag = &body[start..=start + len];
            // A tag does not span lines in plain text worth keeping.
            if !tag.contains('\n') {
                return Some(tag);
            }
        }
        i = start + 1;
    }
    None
}

impl UserMessage {
    /// Checks the message for `version` and encodes it (see [`Message::to_request`]).
    pub fn to_request(
        &self,
        version: Version,
    ) -> Result<types::UserMessageRequest, ValidationError> {
        check_contact("from", &self.from, false, version)?;
        if self.body.trim().is_empty() {
            return Err(ValidationError::BodyEmpty);
        }
        if let Some(tag) = find_html_tag(&self.body) {
            let tag: String = tag.chars().take(40).collect();
            return Err(ValidationError::BodyHtml { tag });
        }
        let type_ = wire_type(self.from.contact_type());
        let from = match self.from.key() {
            k @ ContactKey::Id(_) => types::UserSender::Id(types::ContactById {
                id: non_empty("from", k)?,
                type_,
            }),
            k @ ContactKey::UserId(_) => types::UserSender::UserId(types::ContactByUserId {
                user_id: non_empty("from", k)?,
                type_,
            }),
            k @ ContactKey::Email(_) => types::UserSender::Email(types::ContactByEmail {
                email: non_empty("from", k)?,
                type_,
            }),
        };
        Ok(types::UserMessageRequest {
            body: self.body.clone(),
            from,
            message_type: None,
            referer: self.referer.clone(),
        })
    }
}
