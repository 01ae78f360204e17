//! [`ValidationError`]: one variant per rule, each naming the field and the
//! rule; [`Rule`] names the rules for the table in the crate docs.

use std::ops::RangeInclusive;

use intercom_messages_api::availability::VersionRange;

use crate::message::contact::ContactType;
use crate::message::version::Version;

/// `2.11–2.14`, or `2.14` for a single version: the version table's own
/// [`VersionRange`] display.
fn span(r: &RangeInclusive<Version>) -> String {
    VersionRange {
        since: r.start().0,
        until: r.end().0,
    }
    .to_string()
}

fn lead_by_email(available: &Option<RangeInclusive<Version>>) -> String {
    available
        .as_ref()
        .map(|r| format!("; a lead writes as `contact` by email in {}", span(r)))
        .unwrap_or_default()
}

/// A message that breaks a rule. Nothing was sent.
///
/// Each variant is one rule of the table in [`crate::rules`]; version rules
/// say which versions allow what was asked for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// A field that the chosen version does not have.
    #[error(
        "`{field}` is not available in API version {version}; it exists in {}",
        span(available)
    )]
    FieldNotInVersion {
        /// The field, e.g. `cc`.
        field: &'static str,
        /// The version asked for.
        version: Version,
        /// The versions that have the field.
        available: RangeInclusive<Version>,
    },
    /// More than one recipient in `to`, `cc` or `bcc` before lists existed.
    #[error(
        "`{field}` has {count} recipients, but API version {version} takes one; lists exist in {}",
        span(available)
    )]
    RecipientListNotInVersion {
        /// `to`, `cc` or `bcc`.
        field: &'static str,
        /// How many recipients were given.
        count: usize,
        /// The version asked for.
        version: Version,
        /// The versions that take a list.
        available: RangeInclusive<Version>,
    },
    /// A contact type (`lead`, `contact`) that the chosen version does not take.
    #[error(
        "`{field}` is `{contact_type}`, which API version {version} does not take; `{contact_type}` exists in {}",
        span(available)
    )]
    ContactTypeNotInVersion {
        /// Where, e.g. `from.type` or `to[0].type`.
        field: String,
        /// The type given.
        contact_type: ContactType,
        /// The version asked for.
        version: Version,
        /// The versions that take it.
        available: RangeInclusive<Version>,
    },
    /// A visitor (type `contact`) identified by email: visitors have only `id` or `user_id`.
    #[error(
        "`{field}`: a visitor (type `contact`) is identified by `id` or `user_id`, not by email, in API version {version}{}",
        lead_by_email(available)
    )]
    VisitorByEmail {
        /// Where, e.g. `from.email`.
        field: String,
        /// The version asked for.
        version: Version,
        /// For a sender: the versions where `contact` is the type of leads,
        /// who may write by email (`EmailSenderType=contact`). `None` for a
        /// recipient, who never is named so.
        available: Option<RangeInclusive<Version>>,
    },
    /// An `id`, `user_id` or `email` that is empty.
    #[error("`{field}` is empty: a contact needs a non-empty identifier")]
    IdentifierEmpty {
        /// Where, e.g. `to[0].user_id`.
        field: String,
    },
    /// An admin id that is no non-negative 64-bit signed integer (the
    /// contract's integer): too large, or, in a request not made by the
    /// builders, negative.
    #[error("`from.id` is {value}: an admin id is a non-negative 64-bit signed integer")]
    AdminIdOutOfRange {
        /// The id given, as written.
        value: String,
    },
    /// An admin message with no `from` (Intercom's default sender) in a
    /// version that requires one.
    #[error(
        "`from` is missing: API version {version} requires the sender; Intercom uses its default sender only in {}",
        span(available)
    )]
    SenderMissing {
        /// The version asked for.
        version: Version,
        /// The versions that may omit it (`AdminMessageRequest.from?`).
        available: RangeInclusive<Version>,
    },
    /// An admin message without a recipient.
    #[error("`to` is missing: an admin message needs at least one recipient")]
    RecipientMissing,
    /// An email without a subject.
    #[error("`subject` is empty: an email needs a subject")]
    SubjectMissing,
    /// An empty body.
    #[error("`body` is empty: a message needs content")]
    BodyEmpty,
    /// A kind of message (WhatsApp, SMS) that the chosen version does not have.
    #[error(
        "a {message} message is not available in API version {version}; it exists in {}",
        span(available)
    )]
    MessageNotInVersion {
        /// `whatsapp` or `sms`.
        message: &'static str,
        /// The version asked for.
        version: Version,
        /// The versions that have it.
        available: RangeInclusive<Version>,
    },
    /// A WhatsApp message with contacts besides its phone number.
    #[error(
        "`to` mixes a phone number with {count} contact(s): a WhatsApp message goes to one phone number"
    )]
    RecipientMixed {
        /// How many contacts were added with `.to`.
        count: usize,
    },
    /// A phone number that is not E.164.
    #[error(
        "`{field}` is `{value}`: a phone number is E.164, an optional `+` and 2 to 15 digits, not starting with 0 (spaces, hyphens, dots and parentheses are removed)"
    )]
    PhoneNotE164 {
        /// Where, e.g. `to.phone`.
        field: &'static str,
        /// The number given (cut and escaped).
        value: String,
    },
    /// A blank template name or locale.
    #[error("`{field}` is empty")]
    TextEmpty {
        /// `template` or `locale`.
        field: &'static str,
    },
}

macro_rules! rules {
    ($($variant:ident => $id:literal),* $(,)?) => {
        /// The name of a validation rule, one per [`ValidationError`] variant.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Rule {
            $(
                #[doc = concat!("`", $id, "`: see [`ValidationError::", stringify!($variant), "`].")]
                $variant,
            )*
        }

        impl Rule {
            /// Every rule.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// The rule's name in the rules table, e.g. `field-not-in-version`.
            pub fn id(self) -> &'static str {
                match self {
                    $(Rule::$variant => $id,)*
                }
            }
        }

        impl ValidationError {
            /// The rule this error breaks.
            pub fn rule(&self) -> Rule {
                match self {
                    $(ValidationError::$variant { .. } => Rule::$variant,)*
                }
            }
        }
    };
}

rules! {
    FieldNotInVersion => "field-not-in-version",
    RecipientListNotInVersion => "recipient-list-not-in-version",
    ContactTypeNotInVersion => "contact-type-not-in-version",
    VisitorByEmail => "visitor-by-email",
    IdentifierEmpty => "identifier-empty",
    AdminIdOutOfRange => "admin-id-out-of-range",
    SenderMissing => "sender-missing",
    RecipientMissing => "recipient-missing",
    SubjectMissing => "subject-missing",
    BodyEmpty => "body-empty",
    MessageNotInVersion => "message-not-in-version",
    RecipientMixed => "recipient-mixed",
    PhoneNotE164 => "phone-not-e164",
    TextEmpty => "text-empty",
}
