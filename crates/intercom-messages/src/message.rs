//! What a message is: an admin writing to users or leads, or a user, lead or
//! visitor writing to the team. Built with [`Message::from_admin`] and
//! [`Message::from_contact`]; checked against a [`crate::Version`] when encoded.

use std::str::FromStr;

use intercom_messages_api::types;

/// The kind of contact, as Intercom names it on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContactType {
    /// A user (`user`).
    User,
    /// A lead (`lead`; see the version table for where it exists).
    Lead,
    /// A visitor, or a lead or visitor in the 1.x naming (`contact`): as a
    /// sender in every version (`SenderType`), as a recipient where the
    /// version table's `ContactType=contact` says.
    Contact,
}

impl ContactType {
    /// The generated wire type of a recipient.
    pub(crate) fn wire(self) -> types::ContactType {
        match self {
            ContactType::User => types::ContactType::User,
            ContactType::Lead => types::ContactType::Lead,
            ContactType::Contact => types::ContactType::Contact,
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

    /// The wire name: `user`, `lead` or `contact`.
    pub(crate) fn wire_name(self) -> &'static str {
        match self {
            ContactType::User => "user",
            ContactType::Lead => "lead",
            ContactType::Contact => "contact",
        }
    }
}

impl std::fmt::Display for ContactType {
    /// The wire name (`user`, `lead`, `contact`), as the generated type writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.wire().fmt(f)
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
}

/// The style of an email.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Template {
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
    pub(crate) template: Template,
}

impl Email {
    /// The subject line.
    pub fn subject(&self) -> &str {
        &self.subject
    }
    /// The template (`plain` unless set).
    pub fn template(&self) -> Template {
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
/// use intercom_messages::{Contact, Message, Template, Version};
///
/// let email = Message::from_admin(394051)
///     .to(Contact::user_id("70"))
///     .email("Your order", "It ships <b>today</b>.")
///     .template(Template::Personal);
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

/// An admin id: Intercom's admin ids are numbers. They are written as strings
/// of digits up to the version where the contract's integer form starts
/// (`AdminId|Number` in the version table), and as integers from there; the
/// same id is the same number in both.
///
/// ```
/// use intercom_messages::AdminId;
///
/// let from_config: AdminId = "394051".parse()?;
/// assert_eq!(from_config, AdminId::from(394051));
/// assert_eq!("007".parse::<AdminId>()?.get(), 7);
/// assert!("abc".parse::<AdminId>().is_err());
/// # Ok::<(), intercom_messages::InvalidAdminId>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AdminId(u64);

impl AdminId {
    /// The id as a number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl std::fmt::Display for AdminId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<u64> for AdminId {
    fn from(id: u64) -> Self {
        AdminId(id)
    }
}

/// Text that is not an admin id: an admin id is a non-empty string of ASCII
/// digits that fits in a 64-bit signed integer (the contract's `int64`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an admin id: expected a string of digits that fits in 63 bits")]
pub struct InvalidAdminId(pub String);

impl FromStr for AdminId {
    type Err = InvalidAdminId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.trim();
        let bad = || InvalidAdminId(crate::send_error::clean(s));
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        match digits.parse::<i64>() {
            Ok(n) => Ok(AdminId(n.unsigned_abs())),
            Err(_) => Err(bad()),
        }
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
                template: Template::default(),
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
    pub fn template(mut self, template: Template) -> Self {
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

/// An admin message addressed to a phone number, before its kind is chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "finish the message with .whatsapp(template_name)"]
pub struct PhoneDraft {
    from: AdminId,
    contacts: Vec<Contact>,
    phone: String,
    name: String,
}

impl PhoneDraft {
    /// A WhatsApp message from the approved template with this name (e.g.
    /// `keep_live`); add its language with [`WhatsAppMessage::locale`] and
    /// its values with [`WhatsAppMessage::body_text`].
    pub fn whatsapp(self, template_name: impl Into<String>) -> WhatsAppMessage {
        WhatsAppMessage::new(
            self.from,
            self.contacts,
            Some((self.phone, self.name)),
            template_name.into(),
        )
    }
}

/// The options every branch of Intercom's request schema shares, for the
/// WhatsApp and SMS messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Shared {
    pub(crate) created_at: Option<i64>,
    pub(crate) open_conversation: bool,
}

/// A value for a template placeholder: text (what Intercom documents), or
/// any other WhatsApp parameter object passed on as written.
///
/// ```
/// use intercom_messages::Parameter;
///
/// let text = Parameter::text("Ada");
/// let image = Parameter::raw(serde_json::json!({"type": "image", "image": {"link": "https://x.test/a.png"}}))?;
/// assert_eq!(text.to_json()["text"], "Ada");
/// assert_eq!(image.to_json()["image"]["link"], "https://x.test/a.png");
/// # Ok::<(), intercom_messages::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parameter(ParameterKind);

#[derive(Clone, Debug, PartialEq, Eq)]
enum ParameterKind {
    Text(String),
    Raw(serde_json::Map<String, serde_json::Value>),
}

impl Parameter {
    /// `{"type": "text", "text": …}`, the parameter Intercom documents.
    pub fn text(text: impl Into<String>) -> Self {
        Parameter(ParameterKind::Text(text.into()))
    }

    /// Any WhatsApp parameter object (`currency`, `date_time`, `image`,
    /// `document`, `video`, `payload`, …), sent as written. Intercom does not
    /// document these. It must be an object with a string `type`.
    pub fn raw(value: serde_json::Value) -> Result<Self, crate::ValidationError> {
        match value {
            serde_json::Value::Object(map)
                if map
                    .get("type")
                    .and_then(serde_json::Value::as_str)
                    .is_some() =>
            {
                Ok(Parameter(ParameterKind::Raw(map)))
            }
            _ => Err(crate::ValidationError::TextEmpty {
                field: "components.parameters.type",
            }),
        }
    }

    /// The parameter as it is sent.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(self.to_map())
    }

    pub(crate) fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        match &self.0 {
            ParameterKind::Text(t) => {
                let mut m = serde_json::Map::new();
                m.insert("type".into(), "text".into());
                m.insert("text".into(), t.clone().into());
                m
            }
            ParameterKind::Raw(m) => m.clone(),
        }
    }
}

/// One part of a WhatsApp template (such as its body) and the texts that fill
/// its placeholders, in order.
///
/// ```
/// use intercom_messages::Component;
///
/// let body = Component::body(["Ada", "Tuesday"]);
/// assert_eq!(body.kind(), "BODY");
/// assert_eq!(body.texts(), ["Ada", "Tuesday"]);
/// ```
///
/// Intercom documents only `BODY` with text parameters. Other parts of a
/// WhatsApp template (a `HEADER` with text or media, a button with its
/// `sub_type` and `index`) and other parameter types go through
/// [`Component::with_parameters`], [`Component::button`] and
/// [`Parameter::raw`]; Intercom neither documents nor rules them out.
///
/// ```
/// use intercom_messages::{Component, Parameter};
///
/// let header = Component::with_parameters("HEADER", [Parameter::raw(
///     serde_json::json!({"type": "image", "image": {"link": "https://x.test/a.png"}}),
/// )?]);
/// let button = Component::button("quick_reply", "0", [Parameter::raw(
///     serde_json::json!({"type": "payload", "payload": "STOP"}),
/// )?]);
/// assert_eq!(header.kind(), "HEADER");
/// assert_eq!(button.kind(), "button");
/// # Ok::<(), intercom_messages::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    pub(crate) kind: String,
    pub(crate) sub_type: Option<String>,
    pub(crate) index: Option<String>,
    pub(crate) texts: Vec<String>,
    pub(crate) parameters: Vec<Parameter>,
}

impl Component {
    /// The template's body (`BODY`) with these texts.
    pub fn body<S: Into<String>>(texts: impl IntoIterator<Item = S>) -> Self {
        Self::new("BODY", texts)
    }

    /// Any part of the template by its WhatsApp name (e.g. `HEADER`).
    pub fn new<S: Into<String>>(
        kind: impl Into<String>,
        texts: impl IntoIterator<Item = S>,
    ) -> Self {
        let texts: Vec<String> = texts.into_iter().map(Into::into).collect();
        Component {
            kind: kind.into(),
            sub_type: None,
            index: None,
            parameters: texts.iter().map(Parameter::text).collect(),
            texts,
        }
    }

    /// Any part of the template with any parameters (not documented by
    /// Intercom beyond `BODY` text).
    pub fn with_parameters(
        kind: impl Into<String>,
        parameters: impl IntoIterator<Item = Parameter>,
    ) -> Self {
        let parameters: Vec<Parameter> = parameters.into_iter().collect();
        Component {
            kind: kind.into(),
            sub_type: None,
            index: None,
            texts: parameters
                .iter()
                .filter_map(|p| match &p.0 {
                    ParameterKind::Text(t) => Some(t.clone()),
                    ParameterKind::Raw(_) => None,
                })
                .collect(),
            parameters,
        }
    }

    /// A button (`type: button`) of this `sub_type` (e.g. `quick_reply`,
    /// `url`) at this `index` (WhatsApp writes it as a string, `"0"`).
    pub fn button(
        sub_type: impl Into<String>,
        index: impl Into<String>,
        parameters: impl IntoIterator<Item = Parameter>,
    ) -> Self {
        let mut c = Self::with_parameters("button", parameters);
        c.sub_type = Some(sub_type.into());
        c.index = Some(index.into());
        c
    }

    /// The part's name.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The text parameters, in order.
    pub fn texts(&self) -> &[String] {
        &self.texts
    }

    /// Every parameter, in order.
    pub fn parameters(&self) -> &[Parameter] {
        &self.parameters
    }
}

/// An admin's WhatsApp message: an approved template sent to a phone number,
/// or to users or leads.
///
/// ```
/// use intercom_messages::{Contact, Message, Version};
///
/// let m = Message::from_admin(394051)
///     .to_phone("4915112345678", "Ada Lovelace")
///     .whatsapp("keep_live")
///     .locale("en")
///     .body_text(["Ada"]);
/// let json = serde_json::to_value(m.to_request(Version::V2_16)?)?;
/// assert_eq!(json["to"]["phone"], "+4915112345678"); // a string with its `+`
/// let to_a_user = Message::from_admin(394051).to(Contact::user("5f1a")).whatsapp("keep_live");
/// let json = serde_json::to_value(to_a_user.body_text(["Ada"]).to_request(Version::V2_16)?)?;
/// assert_eq!(json["to"]["type"], "user");
/// assert_eq!(json["components"][0]["parameters"][0]["text"], "Ada");
/// assert!(m.validate(Version::V2_14).is_err()); // WhatsApp starts in 2.16
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatsAppMessage {
    pub(crate) from: AdminId,
    pub(crate) contacts: Vec<Contact>,
    /// The number and the name, when sent to a phone number.
    pub(crate) phone: Option<(String, String)>,
    pub(crate) template: String,
    pub(crate) locale: Option<String>,
    pub(crate) components: Vec<Component>,
    pub(crate) shared: Shared,
}

impl WhatsAppMessage {
    fn new(
        from: AdminId,
        contacts: Vec<Contact>,
        phone: Option<(String, String)>,
        template: String,
    ) -> Self {
        WhatsAppMessage {
            from,
            contacts,
            phone,
            template,
            locale: None,
            components: Vec::new(),
            shared: Shared::default(),
        }
    }

    /// When the message was created, UNIX seconds (shared by every branch of
    /// Intercom's request schema).
    pub fn created_at(mut self, unix_seconds: i64) -> Self {
        self.shared.created_at = Some(unix_seconds);
        self
    }

    /// Opens a conversation in the inbox without waiting for a reply
    /// (`create_conversation_without_contact_reply`).
    pub fn open_conversation(mut self, open: bool) -> Self {
        self.shared.open_conversation = open;
        self
    }

    /// The template's language code, e.g. `en`.
    pub fn locale(mut self, code: impl Into<String>) -> Self {
        self.locale = Some(code.into());
        self
    }

    /// Adds the template's body with these texts for its placeholders.
    pub fn body_text<S: Into<String>>(self, texts: impl IntoIterator<Item = S>) -> Self {
        self.component(Component::body(texts))
    }

    /// Adds a part of the template.
    pub fn component(mut self, component: Component) -> Self {
        self.components.push(component);
        self
    }

    /// The admin sending it.
    pub fn sender(&self) -> AdminId {
        self.from
    }

    /// The phone number, as given, when sent to one.
    pub fn phone(&self) -> Option<&str> {
        self.phone.as_ref().map(|(p, _)| p.as_str())
    }

    /// The template's name.
    pub fn template(&self) -> &str {
        &self.template
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

impl SmsMessage {
    /// When the message was created, UNIX seconds (shared by every branch of
    /// Intercom's request schema).
    pub fn created_at(mut self, unix_seconds: i64) -> Self {
        self.shared.created_at = Some(unix_seconds);
        self
    }

    /// Opens a conversation in the inbox without waiting for a reply
    /// (`create_conversation_without_contact_reply`).
    pub fn open_conversation(mut self, open: bool) -> Self {
        self.shared.open_conversation = open;
        self
    }

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
