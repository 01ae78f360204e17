#![doc = include_str!("rules.md")]

use intercom_messages_api::availability::Availability;
use intercom_messages_api::types;
use intercom_messages_api::version_table as table;

use crate::Version;
use crate::error::ValidationError;
use crate::message::{
    AdminIdRepr, AdminMessage, Channel, Contact, ContactKey, ContactType, Message, Template,
    UserMessage,
};

impl Message {
    /// Checks the message against every rule for `version`.
    pub fn validate(&self, version: Version) -> Result<(), ValidationError> {
        match self {
            Message::Admin(m) => m.validate(version).map(drop),
            Message::User(m) => m.validate(version),
        }
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

    /// Checks the message for `version` and encodes the request body as JSON
    /// bytes: the same JSON as [`Message::to_request`] (a property test holds
    /// them equal), written from the message without copying it first. This
    /// is what [`crate::Client`] sends.
    pub fn to_json(&self, version: Version) -> Result<Vec<u8>, ValidationError> {
        // Sized for the message's own text plus the fixed keys, so the buffer is
        // allocated once.
        let mut out = Vec::with_capacity(self.text_len() + 192);
        let written = match self {
            Message::Admin(m) => {
                let from = m.validate(version)?;
                serde_json::to_writer(&mut out, &wire::Admin::new(m, from))
            }
            Message::User(m) => {
                m.validate(version)?;
                serde_json::to_writer(&mut out, &wire::User::new(m))
            }
        };
        written.expect("request bodies always encode into memory");
        Ok(out)
    }

    /// The length of the strings the message carries.
    fn text_len(&self) -> usize {
        let contacts = |l: &[Contact]| l.iter().map(|c| c.key().value().len() + 32).sum::<usize>();
        match self {
            Message::Admin(m) => {
                let subject = match &m.channel {
                    Channel::Email { subject } => subject.len(),
                    Channel::InApp => 0,
                };
                m.body.len() + subject + contacts(&m.to) + contacts(&m.cc) + contacts(&m.bcc)
            }
            Message::User(m) => {
                m.body.len()
                    + m.from.key().value().len()
                    + m.referer.as_ref().map_or(0, String::len)
            }
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
    let type_row = match contact.contact_type() {
        ContactType::User => None,
        ContactType::Lead => Some(table::CONTACT_TYPE__LEAD),
        ContactType::Contact => Some(table::CONTACT_TYPE__CONTACT),
    };
    if let Some(row) = type_row
        && !version.has(row)
    {
        return Err(ValidationError::ContactTypeNotInVersion {
            field: at.field("type"),
            contact_type: contact.contact_type().as_str(),
            version,
            available: row.versions,
        });
    }
    if let ContactKey::Email(_) = key {
        if contact.contact_type() == ContactType::Contact {
            return Err(ValidationError::VisitorByEmail {
                field: at.field("email"),
            });
        }
        if recipient && !version.has(table::RECIPIENT_BY_EMAIL) {
            return Err(ValidationError::RecipientEmailNotInVersion {
                field: at.field("email"),
                version,
                available: table::RECIPIENT_BY_EMAIL.versions,
            });
        }
    }
    Ok(())
}

/// Checks a recipient list (`to`, `cc`, `bcc`).
fn check_recipients(
    field: &'static str,
    list: &[Contact],
    version: Version,
) -> Result<(), ValidationError> {
    if list.len() > 1 && !version.has(table::RECIPIENTS__LIST) {
        return Err(ValidationError::RecipientListNotInVersion {
            field,
            count: list.len(),
            version,
            available: table::RECIPIENTS__LIST.versions,
        });
    }
    for (i, c) in list.iter().enumerate() {
        check_contact(At(field, Some(i)), c, true, version)?;
    }
    Ok(())
}

/// The admin id in the version's wire shape: a string of digits up to 2.6, an
/// integer from 2.7 (where the contract's integer member starts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WireAdminId<'a> {
    Digits(&'a str),
    NumberAsDigits(u64),
    Number(i64),
}

impl WireAdminId<'_> {
    fn generated(self) -> Result<types::AdminId, ValidationError> {
        let digits = |s: String| {
            s.parse()
                .map(types::AdminId::Digits)
                .map_err(|_| ValidationError::AdminIdNotDigits { value: s })
        };
        match self {
            WireAdminId::Number(n) => Ok(types::AdminId::Number(n)),
            WireAdminId::NumberAsDigits(n) => digits(n.to_string()),
            WireAdminId::Digits(d) => digits(d.to_string()),
        }
    }
}

impl AdminMessage {
    /// Checks every rule; returns the admin id in the version's wire shape.
    fn validate(&self, version: Version) -> Result<WireAdminId<'_>, ValidationError> {
        let not_digits = || ValidationError::AdminIdNotDigits {
            value: crate::send_error::clean(&self.from.to_string()),
        };
        let numbers = version.has(table::ADMIN_ID__NUMBER);
        let id = match &self.from.0 {
            AdminIdRepr::Number(n) if numbers => {
                WireAdminId::Number(i64::try_from(*n).map_err(|_| not_digits())?)
            }
            AdminIdRepr::Number(n) => WireAdminId::NumberAsDigits(*n),
            AdminIdRepr::Text(d) => {
                if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(not_digits());
                }
                if numbers {
                    WireAdminId::Number(d.parse().map_err(|_| not_digits())?)
                } else {
                    WireAdminId::Digits(d)
                }
            }
        };
        if self.to.is_empty() {
            return Err(ValidationError::RecipientMissing);
        }
        check_recipients("to", &self.to, version)?;
        if !self.cc.is_empty() {
            require(table::ADMIN_MESSAGE_REQUEST__CC, "cc", version)?;
        }
        check_recipients("cc", &self.cc, version)?;
        if !self.bcc.is_empty() {
            require(table::ADMIN_MESSAGE_REQUEST__BCC, "bcc", version)?;
        }
        check_recipients("bcc", &self.bcc, version)?;
        if self.body.trim().is_empty() {
            return Err(ValidationError::BodyEmpty);
        }
        match &self.channel {
            Channel::Email { subject } if subject.trim().is_empty() => {
                return Err(ValidationError::SubjectMissing);
            }
            Channel::InApp if self.template.is_some() => {
                return Err(ValidationError::TemplateNotEmail);
            }
            _ => {}
        }
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
        Ok(id)
    }

    /// The template sent: emails always carry one (the 2.7+ schema requires
    /// it; `plain` is Intercom's default), in-app messages never.
    fn wire_template(&self) -> Option<Template> {
        match self.channel {
            Channel::Email { .. } => Some(self.template.unwrap_or_default()),
            Channel::InApp => None,
        }
    }

    /// Checks the message for `version` and encodes it (see [`Message::to_request`]).
    pub fn to_request(
        &self,
        version: Version,
    ) -> Result<types::AdminMessageRequest, ValidationError> {
        let id = self.validate(version)?.generated()?;
        let (message_type, subject) = match &self.channel {
            Channel::Email { subject } => (types::AdminMessageType::Email, Some(subject.clone())),
            // `inapp` in every version: see openapi/README.md.
            Channel::InApp => (types::AdminMessageType::Inapp, None),
        };
        Ok(types::AdminMessageRequest {
            bcc: recipients("bcc", &self.bcc)?,
            body: self.body.clone(),
            cc: recipients("cc", &self.cc)?,
            create_conversation_without_contact_reply: self.open_conversation.then_some(true),
            created_at: self.created_at,
            from: types::AdminSender {
                id,
                type_: types::AdminSenderType::Admin,
            },
            message_type,
            subject,
            template: self.wire_template().map(|t| match t {
                Template::Plain => types::Template::Plain,
                Template::Personal => types::Template::Personal,
            }),
            to: recipients("to", &self.to)?.ok_or(ValidationError::RecipientMissing)?,
        })
    }
}

fn wire_type(t: ContactType) -> types::ContactType {
    match t {
        ContactType::User => types::ContactType::User,
        ContactType::Lead => types::ContactType::Lead,
        ContactType::Contact => types::ContactType::Contact,
    }
}

/// The generated newtypes re-check non-emptiness; a failure there is the same rule.
fn non_empty<T: TryFrom<String>>(at: At, key: &ContactKey) -> Result<T, ValidationError> {
    T::try_from(key.value().to_string()).map_err(|_| ValidationError::IdentifierEmpty {
        field: at.field(key.field()),
    })
}

fn recipient(at: At, c: &Contact) -> Result<types::Recipient, ValidationError> {
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

/// Encodes a checked recipient list; `None` when empty.
fn recipients(
    field: &'static str,
    list: &[Contact],
) -> Result<Option<types::Recipients>, ValidationError> {
    let mut encoded = list
        .iter()
        .enumerate()
        .map(|(i, c)| recipient(At(field, Some(i)), c))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(match encoded.len() {
        0 => None,
        1 => encoded.pop().map(types::Recipients::Recipient),
        _ => Some(types::Recipients::List(encoded)),
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
    fn validate(&self, version: Version) -> Result<(), ValidationError> {
        check_contact(At("from", None), &self.from, false, version)?;
        if self.body.trim().is_empty() {
            return Err(ValidationError::BodyEmpty);
        }
        if let Some(tag) = find_html_tag(&self.body) {
            let tag: String = tag.chars().take(40).collect();
            return Err(ValidationError::BodyHtml { tag });
        }
        Ok(())
    }

    /// Checks the message for `version` and encodes it (see [`Message::to_request`]).
    pub fn to_request(
        &self,
        version: Version,
    ) -> Result<types::UserMessageRequest, ValidationError> {
        self.validate(version)?;
        let type_ = wire_type(self.from.contact_type());
        let at = At("from", None);
        let from = match self.from.key() {
            k @ ContactKey::Id(_) => types::UserSender::Id(types::ContactById {
                id: non_empty(at, k)?,
                type_,
            }),
            k @ ContactKey::UserId(_) => types::UserSender::UserId(types::ContactByUserId {
                user_id: non_empty(at, k)?,
                type_,
            }),
            k @ ContactKey::Email(_) => types::UserSender::Email(types::ContactByEmail {
                email: non_empty(at, k)?,
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

/// The request body written straight from a checked message, borrowing its
/// strings. Its JSON equals that of the generated types (see `to_json`).
mod wire {
    use serde::Serialize;
    use serde::ser::{SerializeMap, SerializeSeq, Serializer};

    use super::WireAdminId;
    use crate::message::{AdminMessage, Channel, Contact, Template, UserMessage};

    struct ContactRef<'a>(&'a Contact);

    impl Serialize for ContactRef<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(2))?;
            m.serialize_entry("type", self.0.contact_type().as_str())?;
            m.serialize_entry(self.0.key().field(), self.0.key().value())?;
            m.end()
        }
    }

    /// One recipient as an object, several as a list (checked against the version before).
    struct Recipients<'a>(&'a [Contact]);

    impl Serialize for Recipients<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self.0 {
                [one] => ContactRef(one).serialize(s),
                many => {
                    let mut seq = s.serialize_seq(Some(many.len()))?;
                    for c in many {
                        seq.serialize_element(&ContactRef(c))?;
                    }
                    seq.end()
                }
            }
        }
    }

    impl Serialize for WireAdminId<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match *self {
                WireAdminId::Digits(d) => s.serialize_str(d),
                WireAdminId::NumberAsDigits(n) => s.collect_str(&n),
                WireAdminId::Number(n) => s.serialize_i64(n),
            }
        }
    }

    #[derive(Serialize)]
    struct From<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        id: WireAdminId<'a>,
    }

    #[derive(Serialize)]
    pub(super) struct Admin<'a> {
        message_type: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        subject: Option<&'a str>,
        body: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        template: Option<&'static str>,
        from: From<'a>,
        to: Recipients<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cc: Option<Recipients<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        bcc: Option<Recipients<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        created_at: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        create_conversation_without_contact_reply: Option<bool>,
    }

    impl<'a> Admin<'a> {
        pub(super) fn new(m: &'a AdminMessage, id: WireAdminId<'a>) -> Self {
            let (message_type, subject) = match &m.channel {
                Channel::Email { subject } => ("email", Some(subject.as_str())),
                Channel::InApp => ("inapp", None),
            };
            let list = |l: &'a [Contact]| (!l.is_empty()).then_some(Recipients(l));
            Admin {
                message_type,
                subject,
                body: &m.body,
                template: m.wire_template().map(|t| match t {
                    Template::Plain => "plain",
                    Template::Personal => "personal",
                }),
                from: From { kind: "admin", id },
                to: Recipients(&m.to),
                cc: list(&m.cc),
                bcc: list(&m.bcc),
                created_at: m.created_at,
                create_conversation_without_contact_reply: m.open_conversation.then_some(true),
            }
        }
    }

    #[derive(Serialize)]
    pub(super) struct User<'a> {
        from: ContactRef<'a>,
        body: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        referer: Option<&'a str>,
    }

    impl<'a> User<'a> {
        pub(super) fn new(m: &'a UserMessage) -> Self {
            User {
                from: ContactRef(&m.from),
                body: &m.body,
                referer: m.referer.as_deref(),
            }
        }
    }
}
