//! Who a message is from or to: [`Contact`], identified by one [`ContactKey`],
//! of one [`ContactType`].

use intercom_messages_api::types;

pub use crate::contract::ContactType;

impl ContactType {
    /// The type of a recipient named by email; a `contact` never is.
    pub(crate) fn email_recipient_wire(self) -> Option<types::EmailRecipientType> {
        match self {
            ContactType::User => Some(types::EmailRecipientType::User),
            ContactType::Lead => Some(types::EmailRecipientType::Lead),
            ContactType::Contact => None,
        }
    }

    /// The type of a sender named by email.
    pub(crate) fn email_sender_wire(self) -> types::EmailSenderType {
        match self {
            ContactType::User => types::EmailSenderType::User,
            ContactType::Lead => types::EmailSenderType::Lead,
            ContactType::Contact => types::EmailSenderType::Contact,
        }
    }

    /// The generated wire type of a sender.
    pub(crate) fn sender_wire(self) -> types::SenderType {
        match self {
            ContactType::User => types::SenderType::User,
            ContactType::Lead => types::SenderType::Lead,
            ContactType::Contact => types::SenderType::Contact,
        }
    }
}

impl std::fmt::Display for ContactType {
    /// The wire name (`user`, `lead`, `contact`), as the generated type writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        types::ContactType::from(*self).fmt(f)
    }
}

/// How a contact is identified: exactly one of Intercom's `id`, your
/// `user_id`, or an `email`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ContactKey {
    /// Intercom's id for the contact.
    Id(String),
    /// Your own id for the contact.
    UserId(String),
    /// The contact's email address.
    Email(String),
}

impl ContactKey {
    /// The wire name of the key: `id`, `user_id` or `email`.
    pub fn field(&self) -> &'static str {
        match self {
            ContactKey::Id(_) => "id",
            ContactKey::UserId(_) => "user_id",
            ContactKey::Email(_) => "email",
        }
    }

    /// The identifier itself.
    pub fn value(&self) -> &str {
        match self {
            ContactKey::Id(s) | ContactKey::UserId(s) | ContactKey::Email(s) => s,
        }
    }
}

/// A user, lead or visitor: the recipient of an admin message or the sender
/// of a user message.
///
/// ```
/// use intercom_messages::{Contact, ContactType};
///
/// let by_your_id = Contact::user_id("70");
/// let by_intercom_id = Contact::user("536e564f316c83104c000020");
/// let lead = Contact::lead_email("ada@example.com");
/// assert_eq!(lead.contact_type(), ContactType::Lead);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Contact {
    contact_type: ContactType,
    key: ContactKey,
}

impl Contact {
    /// A contact of any type with any key.
    pub fn new(contact_type: ContactType, key: ContactKey) -> Self {
        Self { contact_type, key }
    }
    /// A user by Intercom's id.
    pub fn user(id: impl Into<String>) -> Self {
        Self::new(ContactType::User, ContactKey::Id(id.into()))
    }
    /// A user by your `user_id`.
    pub fn user_id(user_id: impl Into<String>) -> Self {
        Self::new(ContactType::User, ContactKey::UserId(user_id.into()))
    }
    /// A user by email.
    pub fn user_email(email: impl Into<String>) -> Self {
        Self::new(ContactType::User, ContactKey::Email(email.into()))
    }
    /// A lead by Intercom's id (`ContactType=lead` in the version table).
    pub fn lead(id: impl Into<String>) -> Self {
        Self::new(ContactType::Lead, ContactKey::Id(id.into()))
    }
    /// A lead by your `user_id` (`ContactType=lead` in the version table).
    pub fn lead_user_id(user_id: impl Into<String>) -> Self {
        Self::new(ContactType::Lead, ContactKey::UserId(user_id.into()))
    }
    /// A lead by email (`ContactType=lead` in the version table).
    pub fn lead_email(email: impl Into<String>) -> Self {
        Self::new(ContactType::Lead, ContactKey::Email(email.into()))
    }
    /// A lead or visitor in the 1.x naming (`contact`), by Intercom's id
    /// (`ContactType=contact` in the version table).
    pub fn visitor(id: impl Into<String>) -> Self {
        Self::new(ContactType::Contact, ContactKey::Id(id.into()))
    }
    /// A lead or visitor in the 1.x naming (`contact`), by `user_id`
    /// (`ContactType=contact` in the version table).
    pub fn visitor_user_id(user_id: impl Into<String>) -> Self {
        Self::new(ContactType::Contact, ContactKey::UserId(user_id.into()))
    }
    /// The contact's type.
    pub fn contact_type(&self) -> ContactType {
        self.contact_type
    }
    /// How the contact is identified.
    pub fn key(&self) -> &ContactKey {
        &self.key
    }

    /// A generated recipient as a contact.
    fn from_recipient(r: types::Recipient) -> Contact {
        match r {
            types::Recipient::ContactById(c) => {
                Contact::new(c.type_.into(), ContactKey::Id(c.id.into()))
            }
            types::Recipient::ContactByUserId(c) => {
                Contact::new(c.type_.into(), ContactKey::UserId(c.user_id.into()))
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

    /// A generated user, lead or visitor sender as a contact.
    pub(crate) fn from_sender(s: types::UserSender) -> Contact {
        let of = |t: types::SenderType| match t {
            types::SenderType::User => ContactType::User,
            types::SenderType::Lead => ContactType::Lead,
            types::SenderType::Contact => ContactType::Contact,
        };
        match s {
            types::UserSender::SenderById(c) => {
                Contact::new(of(c.type_), ContactKey::Id(c.id.into()))
            }
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
}

/// The contacts of a generated recipient list (one, or a list).
pub(crate) fn recipients_from(list: Option<types::Recipients>) -> Vec<Contact> {
    match list {
        None => Vec::new(),
        Some(types::Recipients::Recipient(r)) => vec![Contact::from_recipient(r)],
        Some(types::Recipients::List(l)) => l.into_iter().map(Contact::from_recipient).collect(),
    }
}
