//! WhatsApp template messages: [`WhatsAppMessage`], its [`TemplateComponent`]s and
//! their [`Parameter`]s, addressed to a phone number ([`PhoneDraft`]) or to
//! contacts.

use crate::message::admin_id::AdminId;
use crate::message::contact::Contact;
use crate::message::invalid::ValidationError;

/// An admin message addressed to a phone number, before its kind is chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "finish the message with .whatsapp(template_name)"]
pub struct PhoneDraft {
    pub(crate) from: AdminId,
    pub(crate) contacts: Vec<Contact>,
    pub(crate) phone: String,
    pub(crate) name: String,
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
/// WhatsApp and SMS messages; [`shared_options`] gives a message type their
/// builder methods.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Shared {
    pub(crate) created_at: Option<i64>,
    pub(crate) open_conversation: bool,
}

/// The builder methods of [`Shared`], for a message type with a `shared` field.
macro_rules! shared_options {
    ($message:ty) => {
        impl $message {
            /// When the message was created, UNIX seconds (shared by every
            /// branch of Intercom's request schema).
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
        }
    };
}
pub(crate) use shared_options;

shared_options!(WhatsAppMessage);

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
    pub fn raw(value: serde_json::Value) -> Result<Self, ValidationError> {
        match value {
            serde_json::Value::Object(map)
                if map
                    .get("type")
                    .and_then(serde_json::Value::as_str)
                    .is_some() =>
            {
                Ok(Parameter(ParameterKind::Raw(map)))
            }
            _ => Err(ValidationError::TextEmpty {
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
/// use intercom_messages::TemplateComponent;
///
/// let body = TemplateComponent::body(["Ada", "Tuesday"]);
/// assert_eq!(body.kind(), "BODY");
/// assert_eq!(body.texts(), ["Ada", "Tuesday"]);
/// ```
///
/// Intercom documents only `BODY` with text parameters. Other parts of a
/// WhatsApp template (a `HEADER` with text or media, a button with its
/// `sub_type` and `index`) and other parameter types go through
/// [`TemplateComponent::with_parameters`], [`TemplateComponent::button`] and
/// [`Parameter::raw`]; Intercom neither documents nor rules them out.
///
/// ```
/// use intercom_messages::{TemplateComponent, Parameter};
///
/// let header = TemplateComponent::with_parameters("HEADER", [Parameter::raw(
///     serde_json::json!({"type": "image", "image": {"link": "https://x.test/a.png"}}),
/// )?]);
/// let button = TemplateComponent::button("quick_reply", "0", [Parameter::raw(
///     serde_json::json!({"type": "payload", "payload": "STOP"}),
/// )?]);
/// assert_eq!(header.kind(), "HEADER");
/// assert_eq!(button.kind(), "button");
/// # Ok::<(), intercom_messages::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateComponent {
    pub(crate) kind: String,
    pub(crate) sub_type: Option<String>,
    pub(crate) index: Option<String>,
    pub(crate) texts: Vec<String>,
    pub(crate) parameters: Vec<Parameter>,
}

impl TemplateComponent {
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
        TemplateComponent {
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
        TemplateComponent {
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
    pub(crate) components: Vec<TemplateComponent>,
    pub(crate) shared: Shared,
}

impl WhatsAppMessage {
    pub(crate) fn new(
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

    /// The template's language code, e.g. `en`.
    pub fn locale(mut self, code: impl Into<String>) -> Self {
        self.locale = Some(code.into());
        self
    }

    /// Adds the template's body with these texts for its placeholders.
    pub fn body_text<S: Into<String>>(self, texts: impl IntoIterator<Item = S>) -> Self {
        self.component(TemplateComponent::body(texts))
    }

    /// Adds a part of the template.
    pub fn component(mut self, component: TemplateComponent) -> Self {
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
