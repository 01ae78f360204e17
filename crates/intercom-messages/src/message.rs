//! What a message is: an admin writing to users or leads, or a user, lead or
//! visitor writing to the team. Built with [`Message::from_admin`] and
//! [`Message::from_contact`]; checked against a [`crate::Version`] when encoded.

/// The kind of contact, as Intercom names it on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContactType {
    /// A user (`user`).
    User,
    /// A lead (`lead`, API 2.0 and later).
    Lead,
    /// A lead or visitor in the 1.x naming (`contact`, up to API 2.5).
    Contact,
}

impl ContactType {
    /// The wire name: `user`, `lead` or `contact`.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactType::User => "user",
            ContactType::Lead => "lead",
            ContactType::Contact => "contact",
        }
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
    /// A lead by Intercom's id (API 2.0 and later).
    pub fn lead(id: impl Into<String>) -> Self {
        Self::new(ContactType::Lead, ContactKey::Id(id.into()))
    }
    /// A lead by your `user_id` (API 2.0 and later).
    pub fn lead_user_id(user_id: impl Into<String>) -> Self {
        Self::new(ContactType::Lead, ContactKey::UserId(user_id.into()))
    }
    /// A lead by email (API 2.0 and later).
    pub fn lead_email(email: impl Into<String>) -> Self {
        Self::new(ContactType::Lead, ContactKey::Email(email.into()))
    }
    /// A lead or visitor in the 1.x naming (`contact`), by Intercom's id; up to API 2.5.
    pub fn visitor(id: impl Into<String>) -> Self {
        Self::new(ContactType::Contact, ContactKey::Id(id.into()))
    }
    /// A lead or visitor in the 1.x naming (`contact`), by `user_id`; up to API 2.5.
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
}

/// The style of an email.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Template {
    /// `plain` (Intercom's default).
    #[default]
    Plain,
    /// `personal`.
    Personal,
}

/// How an admin message is delivered.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// In the app or web messenger.
    InApp,
    /// By email, with a subject.
    Email {
        /// The subject line.
        subject: String,
    },
}

/// A message, ready to be checked against a version and sent.
///
/// ```
/// use intercom_messages::{Contact, Message, Template, Version};
///
/// let email: Message = Message::from_admin("394051")
///     .to(Contact::user_id("70"))
///     .email("Your order", "It ships <b>today</b>.")
///     .template(Template::Personal)
///     .into();
/// let from_a_lead: Message = Message::from_contact(Contact::lead("5f1a"))
///     .body("Is it in stock?")
///     .referer("https://example.com/shop")
///     .into();
///
/// let json = serde_json::to_value(email.to_request(Version::V2_6)?)?;
/// assert_eq!(json["from"]["id"], "394051"); // a string up to 2.6
/// assert!(from_a_lead.validate(Version::V2_14).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// An admin writing to users or leads.
    Admin(AdminMessage),
    /// A user, lead or visitor writing to the team.
    User(UserMessage),
}

impl Message {
    /// Starts an admin message from the admin with this id (a string of digits,
    /// or a number).
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

impl From<AdminMessage> for Message {
    fn from(m: AdminMessage) -> Self {
        Message::Admin(m)
    }
}

impl From<UserMessage> for Message {
    fn from(m: UserMessage) -> Self {
        Message::User(m)
    }
}

/// An admin id: Intercom's admin ids are numbers, written as strings of
/// digits up to API 2.6 and as integers from 2.7. A number is kept as one; a
/// string is checked to be digits when the message is validated.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AdminId(pub(crate) AdminIdRepr);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum AdminIdRepr {
    Number(u64),
    Text(String),
}

impl std::fmt::Display for AdminId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            AdminIdRepr::Number(n) => write!(f, "{n}"),
            AdminIdRepr::Text(s) => f.write_str(s),
        }
    }
}

impl From<u64> for AdminId {
    fn from(id: u64) -> Self {
        AdminId(AdminIdRepr::Number(id))
    }
}

impl From<&str> for AdminId {
    fn from(id: &str) -> Self {
        AdminId(AdminIdRepr::Text(id.to_string()))
    }
}

impl From<String> for AdminId {
    fn from(id: String) -> Self {
        AdminId(AdminIdRepr::Text(id))
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
    /// Adds a recipient (more than one needs API 2.14).
    pub fn to(mut self, recipient: Contact) -> Self {
        self.to.push(recipient);
        self
    }

    /// An in-app message. In-app messages carry no subject.
    pub fn in_app(self, body: impl Into<String>) -> AdminMessage {
        self.finish(Channel::InApp, body.into())
    }

    /// An email with a subject.
    pub fn email(self, subject: impl Into<String>, body: impl Into<String>) -> AdminMessage {
        self.finish(
            Channel::Email {
                subject: subject.into(),
            },
            body.into(),
        )
    }

    fn finish(self, channel: Channel, body: String) -> AdminMessage {
        AdminMessage {
            from: self.from,
            to: self.to,
            cc: Vec::new(),
            bcc: Vec::new(),
            channel,
            body,
            template: None,
            created_at: None,
            open_conversation: false,
        }
    }
}

/// An admin writing to users or leads, in-app or by email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminMessage {
    pub(crate) from: AdminId,
    pub(crate) to: Vec<Contact>,
    pub(crate) cc: Vec<Contact>,
    pub(crate) bcc: Vec<Contact>,
    pub(crate) channel: Channel,
    pub(crate) body: String,
    pub(crate) template: Option<Template>,
    pub(crate) created_at: Option<i64>,
    pub(crate) open_conversation: bool,
}

impl AdminMessage {
    /// Adds a recipient (more than one needs API 2.14).
    pub fn to(mut self, recipient: Contact) -> Self {
        self.to.push(recipient);
        self
    }
    /// Adds a copied recipient (API 2.14).
    pub fn cc(mut self, recipient: Contact) -> Self {
        self.cc.push(recipient);
        self
    }
    /// Adds a blind-copied recipient (API 2.14).
    pub fn bcc(mut self, recipient: Contact) -> Self {
        self.bcc.push(recipient);
        self
    }
    /// The email template (emails only).
    pub fn template(mut self, template: Template) -> Self {
        self.template = Some(template);
        self
    }
    /// When the message was created, in UNIX seconds, for importing past
    /// conversations (API 2.11 and later).
    pub fn created_at(mut self, unix_seconds: i64) -> Self {
        self.created_at = Some(unix_seconds);
        self
    }
    /// Opens a conversation in the inbox without waiting for the contact to
    /// reply (`create_conversation_without_contact_reply`, API 2.7 and later).
    /// `false`, the default, is Intercom's default too, so it is not sent.
    pub fn open_conversation(mut self, open: bool) -> Self {
        self.open_conversation = open;
        self
    }
    /// The channel.
    pub fn channel(&self) -> &Channel {
        &self.channel
    }
    /// The body.
    pub fn body(&self) -> &str {
        &self.body
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
