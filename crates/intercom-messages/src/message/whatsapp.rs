//! WhatsApp template messages: [`WhatsAppMessage`], its [`TemplateComponent`]s and
//! their [`Parameter`]s, addressed to a phone number ([`PhoneDraft`]) or to
//! contacts.

use intercom_messages_api::types;
use intercom_messages_api::version_table as table;

use crate::message::admin::AdminDraft;
use crate::message::admin_id::AdminId;
use crate::message::contact::{Contact, recipients_from};
use crate::message::invalid::ValidationError;
use crate::message::options::{Shared, shared_options};
use crate::message::rules::{
    admin_sender, check_properties, not_blank, recipients, require_message,
};
use crate::message::version::Version;

impl AdminDraft {
    /// A WhatsApp message from the approved template with this name, to the
    /// contacts added with [`AdminDraft::to`] (the recipient the published
    /// schema declares); [`AdminDraft::to_phone`] sends to a number instead.
    pub fn whatsapp(self, template_name: impl Into<String>) -> WhatsAppMessage {
        WhatsAppMessage::new(self.from, self.to, None, template_name.into())
    }

    /// Addresses the message to a phone number, for WhatsApp: E.164, with or
    /// without the `+` and with any spaces, hyphens, dots or parentheses
    /// (`"+4915112345678"`, `"+1 (123) 456-7890"`), checked when the message
    /// is and sent as a string of digits with its `+`. A WhatsApp message goes to this number
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
}

/// An admin message addressed to a phone number, before its kind is chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "finish the message with .whatsapp(template_name)"]
pub struct PhoneDraft {
    pub(crate) from: Option<AdminId>,
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
            serde_json::Value::Object(map) if map.get("type").is_some_and(|t| t.is_string()) => {
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

    /// The parameter's object: a text as the generated
    /// `WhatsAppTextParameter` writes it (its shape is the contract's), any
    /// other as written.
    pub(crate) fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        match &self.0 {
            ParameterKind::Text(t) => {
                let text = types::WhatsAppTextParameter {
                    text: t.clone(),
                    type_: types::WhatsAppTextParameterType::Text,
                };
                // A generated object type always encodes as an object.
                match serde_json::to_value(text) {
                    Ok(serde_json::Value::Object(m)) => m,
                    _ => serde_json::Map::new(),
                }
            }
            ParameterKind::Raw(m) => m.clone(),
        }
    }

    /// A text parameter (the generated `WhatsAppTextParameter`) as
    /// [`Parameter::text`], anything else as written.
    fn from_wire(p: types::WhatsAppParameter) -> Result<Parameter, ValidationError> {
        let value = serde_json::Value::Object(p.0);
        match serde_json::from_value::<types::WhatsAppTextParameter>(value.clone()) {
            Ok(text) => Ok(Parameter::text(text.text)),
            Err(_) => Parameter::raw(value),
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
#[must_use = "a component is part of a message only once added with `.component(..)`"]
pub struct TemplateComponent {
    pub(crate) kind: String,
    pub(crate) sub_type: Option<String>,
    pub(crate) index: Option<String>,
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
        Self::with_parameters(kind, texts.into_iter().map(Parameter::text))
    }

    /// Any part of the template with any parameters (not documented by
    /// Intercom beyond `BODY` text).
    pub fn with_parameters(
        kind: impl Into<String>,
        parameters: impl IntoIterator<Item = Parameter>,
    ) -> Self {
        TemplateComponent {
            kind: kind.into(),
            sub_type: None,
            index: None,
            parameters: parameters.into_iter().collect(),
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

    /// The text parameters, in order (read from the parameters, which are
    /// kept once).
    pub fn texts(&self) -> Vec<&str> {
        self.parameters
            .iter()
            .filter_map(|p| match &p.0 {
                ParameterKind::Text(t) => Some(t.as_str()),
                ParameterKind::Raw(_) => None,
            })
            .collect()
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
#[must_use = "a message does nothing until it is sent"]
pub struct WhatsAppMessage {
    pub(crate) from: Option<AdminId>,
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
        from: Option<AdminId>,
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
    pub fn sender(&self) -> Option<AdminId> {
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

    /// Checks the message against every rule for `version`.
    pub fn validate(&self, version: Version) -> Result<(), ValidationError> {
        self.to_request(version).map(drop)
    }

    /// Checks the message for `version` and encodes it as the generated
    /// request type (see [`crate::Message::to_request`]).
    pub fn to_request(
        &self,
        version: Version,
    ) -> Result<types::WhatsAppMessageRequest, ValidationError> {
        require_message(table::WHATS_APP_MESSAGE_REQUEST, "whatsapp", version)?;
        // Every version with WhatsApp may omit `from` (the default sender).
        let from = admin_sender(self.from, None, version)?;
        let to = self.recipients(version)?;
        let template = not_blank("template", &self.template)?;
        let locale = self
            .locale
            .as_deref()
            .map(|l| not_blank("locale", l))
            .transpose()?;
        let components = self.encoded_components()?;
        let mut request = types::WhatsAppMessageRequest::new(
            components,
            types::WhatsAppMessageRequestMessageType::Whatsapp,
            template,
            to,
        );
        request.create_conversation_without_contact_reply =
            self.shared.open_conversation.then_some(true);
        request.created_at = self.shared.created_at;
        request.from = from;
        request.locale = locale;
        check_properties(
            table::WHATS_APP_MESSAGE_REQUEST_PROPERTIES,
            &request,
            version,
        )?;
        Ok(request)
    }

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

    /// The message a generated WhatsApp request asks for (see
    /// `TryFrom<CreateMessageRequest> for Message`).
    pub(crate) fn from_request(r: types::WhatsAppMessageRequest) -> Result<Self, ValidationError> {
        let (contacts, phone) = match r.to {
            types::WhatsAppRecipients::PhoneRecipient(p) => (
                Vec::new(),
                Some((String::from(p.phone), p.name.unwrap_or_default())),
            ),
            types::WhatsAppRecipients::Recipients(to) => (recipients_from(Some(to)), None),
        };
        let mut m = WhatsAppMessage::new(
            AdminId::from_sender(r.from)?,
            contacts,
            phone,
            r.template.into(),
        );
        m.locale = r.locale.map(Into::into);
        m.shared = Shared::from_request(r.created_at, r.create_conversation_without_contact_reply);
        for c in r.components {
            let parameters = c
                .parameters
                .into_iter()
                .map(Parameter::from_wire)
                .collect::<Result<Vec<_>, _>>()?;
            let mut component =
                TemplateComponent::with_parameters(String::from(c.type_), parameters);
            component.sub_type = c.sub_type;
            component.index = c.index;
            m.components.push(component);
        }
        Ok(m)
    }
}

/// The separators people write inside a phone number (E.123's spaces, and
/// the hyphens, dots and parentheses of national habits), removed before
/// the number is checked and sent: Intercom itself writes `"+1 1234567890"`.
const PHONE_SEPARATORS: [char; 5] = [' ', '-', '.', '(', ')'];

/// An E.164 number: an optional `+`, then at most 15 digits (E.164's only
/// bound), the first not 0, and at least two (a country code and a
/// subscriber number: `+6834002`, Niue, has 7). Separators are removed.
/// Encoded as Intercom writes phone numbers: a string with its `+`.
pub(crate) fn e164<T: TryFrom<String>>(
    field: &'static str,
    number: &str,
) -> Result<T, ValidationError> {
    let compact: String = number
        .trim()
        .chars()
        .filter(|c| !PHONE_SEPARATORS.contains(c))
        .collect();
    let digits = compact.strip_prefix('+').unwrap_or(&compact);
    let ok = (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then(|| T::try_from(format!("+{digits}")).ok())
        .flatten()
        .ok_or_else(|| ValidationError::PhoneNotE164 {
            field,
            value: crate::text::clean(number),
        })
}
