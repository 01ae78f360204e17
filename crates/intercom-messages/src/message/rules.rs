#![doc = include_str!("rules.md")]
//!
//! This module holds the checks every kind of message shares; each kind's
//! own rules and encoder sit beside its type (`admin.rs`, `user.rs`,
//! `sms.rs`, `whatsapp.rs`).

use intercom_messages_api::availability::Availability;
use intercom_messages_api::types;
use intercom_messages_api::version_table as table;
use serde::Serialize;

use crate::message::admin_id::AdminId;
use crate::message::contact::{Contact, ContactKey, ContactType};
use crate::message::invalid::ValidationError;
use crate::message::version::Version;

// Public as `intercom_messages::rules::find_html_tag`, for code that relays
// visitors' text (no rule refuses HTML: see the choices in rules.md).
pub use crate::message::html::find_html_tag;

/// A kind's `validate` and `to_request`, for a kind whose `into_request`
/// checks and encodes it: both are that, on a clone.
macro_rules! checked_by_into_request {
    ($message:ty $(where $g:ident: $bound:path)? => $request:ty) => {
        impl<$($g: $bound)?> $message {
            /// Checks the message against every rule for `version`.
            pub fn validate(&self, version: Version) -> Result<(), ValidationError> {
                self.to_request(version).map(drop)
            }

            /// Checks the message for `version` and encodes it as the generated
            /// request type (see [`crate::Message::to_request`]).
            pub fn to_request(&self, version: Version) -> Result<$request, ValidationError> {
                self.clone().into_request(version)
            }
        }
    };
}
pub(crate) use checked_by_into_request;

/// Where a contact sits: `from`, or `to`/`cc`/`bcc` at an index. Formatted
/// only when a rule fails, so checking allocates nothing.
#[derive(Clone, Copy)]
pub(crate) struct At(pub(crate) &'static str, pub(crate) Option<usize>);

impl At {
    pub(crate) fn field(self, leaf: &str) -> String {
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
pub(crate) fn check_properties<T: Serialize>(
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
pub(crate) fn check_contact(
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
    let kind = contact.contact_type();
    let by_email = matches!(key, ContactKey::Email(_));
    // A `contact` named by email: never as a recipient (`EmailRecipientType`
    // has no `contact`), and as a sender only in the versions of
    // `EmailSenderType=contact`, where `contact` is the type of leads.
    if by_email && kind == ContactType::Contact {
        let senders = table::email_sender_type_row(types::EmailSenderType::Contact);
        if recipient || senders.is_some_and(|r| !version.has(r)) {
            return Err(ValidationError::VisitorByEmail {
                field: at.field("email"),
                version,
                available: senders.filter(|_| !recipient).map(Version::range_of),
            });
        }
    }
    // Each identifier's own enum of types: the rows of its values.
    let row = match (recipient, by_email) {
        (true, true) => kind
            .email_recipient_wire()
            .and_then(table::email_recipient_type_row),
        (true, false) => table::contact_type_row(kind.into()),
        (false, true) => table::email_sender_type_row(kind.email_sender_wire()),
        (false, false) => table::sender_type_row(kind.sender_wire()),
    };
    if let Some(r) = row
        && !version.has(r)
    {
        return Err(ValidationError::ContactTypeNotInVersion {
            field: at.field("type"),
            contact_type: kind,
            version,
            available: Version::range_of(r),
        });
    }
    Ok(())
}

/// Checks and encodes a recipient list (`to`, `cc`, `bcc`); `None` when empty.
pub(crate) fn recipients(
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
        encoded.push(recipient(at, c, version)?);
    }
    Ok(match encoded.len() {
        0 => None,
        1 => encoded.pop().map(types::Recipients::Recipient),
        _ => Some(types::Recipients::List(encoded)),
    })
}

/// The admin id in the version's wire shape: an integer where the contract's
/// integer member (`AdminId|Number`) exists (every version), a string of
/// digits elsewhere.
fn admin_id(id: AdminId, version: Version) -> Result<types::AdminId, ValidationError> {
    let n = i64::try_from(id.get()).map_err(|_| ValidationError::AdminIdOutOfRange {
        value: id.to_string(),
    })?;
    if version.has(table::ADMIN_ID__NUMBER) {
        return Ok(types::AdminId::Number(n));
    }
    Ok(types::AdminId::Digits(n.to_string().parse().expect(
        "the digits of a non-negative integer match ^[0-9]+$",
    )))
}

/// The generated newtypes re-check non-emptiness; a failure there is the same rule.
pub(crate) fn non_empty<T: TryFrom<String>>(
    at: At,
    key: &ContactKey,
) -> Result<T, ValidationError> {
    T::try_from(key.value().to_string()).map_err(|_| ValidationError::IdentifierEmpty {
        field: at.field(key.field()),
    })
}

fn recipient(at: At, c: &Contact, version: Version) -> Result<types::Recipient, ValidationError> {
    let type_ = c.contact_type().into();
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
            // `check_contact` refused a `contact` by email before encoding.
            type_: c.contact_type().email_recipient_wire().ok_or_else(|| {
                ValidationError::VisitorByEmail {
                    field: at.field("email"),
                    version,
                    available: None,
                }
            })?,
        }),
    })
}

/// Fails with [`ValidationError::MessageNotInVersion`] when `version` lacks
/// the request schema of a kind of message.
pub(crate) fn require_message(
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

/// The admin sender in the version's wire shape. Without one (Intercom's
/// default sender), the versions of `optional` (the kind's
/// `….from?` row) may omit it; `None` for a kind that may in every version
/// it exists.
pub(crate) fn admin_sender(
    from: Option<AdminId>,
    optional: Option<Availability>,
    version: Version,
) -> Result<Option<types::AdminSender>, ValidationError> {
    let Some(from) = from else {
        return match optional {
            Some(row) if !version.has(row) => Err(ValidationError::SenderMissing {
                version,
                available: Version::range_of(row),
            }),
            _ => Ok(None),
        };
    };
    Ok(Some(types::AdminSender {
        id: admin_id(from, version)?,
        type_: types::AdminSenderType::Admin,
    }))
}

pub(crate) fn not_blank<T: TryFrom<String>>(
    field: &'static str,
    text: &str,
) -> Result<T, ValidationError> {
    if text.trim().is_empty() {
        return Err(ValidationError::TextEmpty { field });
    }
    T::try_from(text.to_string()).map_err(|_| ValidationError::TextEmpty { field })
}
