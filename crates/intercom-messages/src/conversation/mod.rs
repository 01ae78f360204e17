//! After sending: the conversation a message started.
//!
//! Intercom's page for `POST /messages`: "As this is a message, there will be
//! no conversation present until the contact responds. Once they do, you
//! will have to search for a contact's conversations with the id of the
//! message." [`crate::Client::find_conversation`] makes that search
//! ([`find`]), in the contract's [`searchable_versions`].

use std::ops::RangeInclusive;

use intercom_messages_api::types;
use intercom_messages_api::version_table as table;

use crate::message::version::Version;
use crate::send::error::SendError;
use crate::send::rate_limit::RateLimit;

pub use crate::contract::ConversationState;

pub(crate) mod find;

/// The versions whose `POST /conversations/search` can find a message's
/// conversation, from the contract (2.0 to Preview: 1.x had no search).
pub fn searchable_versions() -> RangeInclusive<Version> {
    Version::range_of(table::SEARCH_CONVERSATIONS_REQUEST)
}

/// The conversation a message started, as a search returned it: what a
/// service acts on, and the whole generated conversation for the rest.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Conversation {
    /// The conversation's id (what `POST /conversations/{id}/reply` takes).
    pub id: String,
    /// `open`, `closed`, `snoozed`, or a value this crate does not know yet.
    pub state: ConversationState,
    /// Whether it is open, when the answer says.
    pub open: Option<bool>,
    /// Whether its last part was read, when the answer says.
    pub read: Option<bool>,
    /// When the contact last replied (UNIX seconds): the statistics'
    /// `last_contact_reply_at`, else the time of the first reply.
    pub contact_last_replied_at: Option<i64>,
    /// The part that started it: for a message, its id is the message's.
    pub source: Option<Source>,
    /// The contacts in the conversation.
    pub contacts: Vec<ConversationContact>,
    /// Intercom's request id of the search (the `X-Request-Id` header), scrubbed.
    pub request_id: Option<String>,
    /// The rate-limit headers of the search's answer.
    pub rate_limit: RateLimit,
    /// The whole conversation as the contract declares it, with every
    /// property Intercom sent beyond those in `extra`.
    pub conversation: types::Conversation,
}

/// The part that started a conversation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Source {
    /// The id of the message that started it.
    pub id: Option<String>,
    /// Where it started: `conversation`, `email`, `push`, `sms`, `whatsapp`, ...
    pub kind: Option<String>,
    /// Its subject (emails), often empty.
    pub subject: Option<String>,
    /// Who wrote it.
    pub author: Option<Author>,
}

/// Who wrote the part that started a conversation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Author {
    /// `admin`, `user`, `lead`, `bot`, ...
    pub kind: Option<String>,
    /// Their Intercom id.
    pub id: Option<String>,
    /// Their name.
    pub name: Option<String>,
    /// Their email address.
    pub email: Option<String>,
}

/// A contact of a conversation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConversationContact {
    /// The contact's Intercom id.
    pub id: Option<String>,
    /// Your id for the contact, if it has one.
    pub external_id: Option<String>,
}

impl From<types::Conversation> for Conversation {
    fn from(c: types::Conversation) -> Self {
        let replied = c
            .statistics
            .as_ref()
            .and_then(|s| s.last_contact_reply_at)
            .or_else(|| c.first_contact_reply.as_ref()?.created_at);
        let source = c.source.as_ref().map(|s| Source {
            id: s.id.clone(),
            kind: s.type_.clone(),
            subject: s.subject.clone(),
            author: s.author.as_ref().map(|a| Author {
                kind: a.type_.clone(),
                id: a.id.clone(),
                name: a.name.clone(),
                email: a.email.clone(),
            }),
        });
        let contacts = c
            .contacts
            .iter()
            .flat_map(|l| &l.contacts)
            .map(|k| ConversationContact {
                id: k.id.clone(),
                external_id: k.external_id.clone(),
            })
            .collect();
        Conversation {
            id: c.id.clone(),
            state: ConversationState::parse(c.state.as_deref().unwrap_or_default()),
            open: c.open,
            read: c.read,
            contact_last_replied_at: replied,
            source,
            contacts,
            request_id: None,
            rate_limit: RateLimit::default(),
            conversation: c,
        }
    }
}

/// Why the conversation of a message could not be looked for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FindError {
    /// The version cannot search conversations: nothing was sent.
    #[error(
        "Intercom-Version {version} cannot search conversations, nothing was sent; versions {}–{} can",
        .searchable.start(),
        .searchable.end()
    )]
    VersionCannotSearch {
        /// The version asked for.
        version: Version,
        /// The versions that can ([`searchable_versions`]).
        searchable: RangeInclusive<Version>,
    },
    /// The message id is empty: nothing was sent.
    #[error("the message id is empty, nothing was sent")]
    EmptyMessageId,
    /// The search failed: the error of its last attempt (its text scrubbed
    /// like a send's). A search creates nothing, so what the error says of
    /// delivery means nothing here; it was retried on 5xx and lost
    /// connections as the policy allowed, and may simply be tried again.
    #[error("the search failed ({}); nothing was created, it may be tried again", describe(.0))]
    Search(#[source] SendError),
}

/// A search's error in words that say nothing of delivery: its kind, the
/// status and Intercom's request id when there were ones, and the first
/// error code of an error list.
fn describe(e: &SendError) -> String {
    let mut out = crate::send::observe::error_kind(e).to_string();
    if let Some(status) = e.status() {
        out.push_str(&format!(", status {status}"));
    }
    if let SendError::Api { errors, .. } = e
        && let Some(first) = errors.first()
    {
        out.push_str(&format!(", {}", crate::text::clean(&first.code)));
    }
    if let Some(id) = e.request_id() {
        out.push_str(&format!(", request id {}", crate::text::clean(id)));
    }
    out
}

impl FindError {
    /// The HTTP status of the search's last answer, when one came.
    pub fn status(&self) -> Option<u16> {
        match self {
            FindError::Search(e) => e.status(),
            _ => None,
        }
    }
}
