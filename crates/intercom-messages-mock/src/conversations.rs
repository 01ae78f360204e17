//! The mock's conversations: the messages it created, the conversations
//! they started, and its answer to `POST /conversations/search`.
//!
//! As Intercom does: a message opens a conversation at once when a user,
//! lead or visitor wrote it, or when an admin message asks for one
//! (`create_conversation_without_contact_reply: true`, where the version has
//! it); any other message has none until the contact replies
//! ([`MockIntercom::contact_replies`]). Each conversation has its own id.
//! `conversation_id` is in the created message's answer only when a
//! conversation was opened at once and the version declares it (2.2+).
//! A search is checked against its version's request schema (generated from
//! the fragment), and a version without search gets a 404.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use intercom_messages_api::version_table as table;
use serde_json::{Value, json};

use intercom_messages::{SentMessage, Version};

use super::{
    MockAnswer, MockIntercom, Received, ReceivedMessage, State, error, lock, rate_limit_headers,
    request_id,
};

/// The path of the search.
pub(super) const SEARCH_PATH: &str = "/conversations/search";

/// What the mock knows of the messages it created.
#[derive(Default)]
pub(super) struct Conversations {
    messages: BTreeMap<String, Created>,
    /// Conversations opened so far (their ids count from here).
    opened: usize,
    /// Valid searches received, with their answers.
    searches: Vec<ReceivedMessage>,
}

/// A created message and its conversation, if it has one.
struct Created {
    body: Value,
    admin: bool,
    conversation: Option<Opened>,
}

/// A conversation the mock opened.
struct Opened {
    id: String,
    /// The contact's replies, in order.
    replies: Vec<String>,
}

/// The UNIX time the mock's conversations say things happened at.
const NOW: i64 = 1_700_000_000;

impl Conversations {
    /// Records a created message; returns its conversation's id when one is
    /// opened at once.
    pub(super) fn created(
        &mut self,
        id: &str,
        body: &Value,
        admin: bool,
        version: Version,
    ) -> Option<String> {
        let opens = !admin
            || (body["create_conversation_without_contact_reply"] == json!(true)
                && version
                    .has(table::ADMIN_MESSAGE_REQUEST__CREATE_CONVERSATION_WITHOUT_CONTACT_REPLY));
        let conversation = opens.then(|| self.open());
        let shown = conversation.as_ref().map(|c| c.id.clone());
        self.messages.insert(
            id.to_string(),
            Created {
                body: body.clone(),
                admin,
                conversation,
            },
        );
        shown
    }

    fn open(&mut self) -> Opened {
        self.opened += 1;
        Opened {
            id: (5_000_000 + self.opened).to_string(),
            replies: Vec::new(),
        }
    }

    /// The conversations whose source is `message_id`.
    fn find(&self, message_id: &str) -> Vec<Value> {
        let Some(m) = self.messages.get(message_id) else {
            return Vec::new();
        };
        let Some(c) = &m.conversation else {
            return Vec::new();
        };
        vec![conversation_json(message_id, m, c)]
    }
}

/// A conversation as Intercom's search returns it.
fn conversation_json(message_id: &str, m: &Created, c: &Opened) -> Value {
    let replied = (!c.replies.is_empty()).then_some(NOW + 60);
    let author = if m.admin {
        json!({"type": "admin", "id": m.body["from"]["id"].to_string().trim_matches('"'), "name": "Mock Admin", "email": "admin@example.com"})
    } else {
        json!({"type": m.body["from"]["type"], "id": contact_id(&m.body["from"]), "name": null, "email": null})
    };
    let contact = if m.admin {
        &m.body["to"]
    } else {
        &m.body["from"]
    };
    let contact = if contact.is_array() {
        &contact[0]
    } else {
        contact
    };
    json!({
        "type": "conversation",
        "id": c.id,
        "created_at": NOW,
        "updated_at": replied.unwrap_or(NOW),
        "waiting_since": replied,
        "snoozed_until": null,
        "source": {
            "type": if m.body["message_type"] == "email" { "email" } else { "conversation" },
            "id": message_id,
            "delivered_as": if m.admin { "admin_initiated" } else { "customer_initiated" },
            "subject": m.body.get("subject").cloned().unwrap_or_else(|| json!("")),
            "body": m.body.get("body").cloned().unwrap_or(Value::Null),
            "author": author,
            "attachments": [],
            "url": null,
            "redacted": false,
        },
        "contacts": {"type": "contact.list", "contacts": [
            {"type": "contact", "id": contact_id(contact)}
        ]},
        "first_contact_reply": replied.map(|t| json!({"created_at": t, "type": "conversation", "url": null})),
        "admin_assignee_id": null,
        "team_assignee_id": null,
        "open": true,
        "state": "open",
        "read": false,
        "priority": "not_priority",
        "statistics": replied.map(|t| json!({"first_contact_reply_at": t, "last_contact_reply_at": t})),
        "title": null,
        "conversation_parts": {"type": "conversation_part.list", "conversation_parts":
            c.replies.iter().map(|r| json!({"type": "conversation_part", "part_type": "comment", "body": r, "author": {"type": "user"}})).collect::<Vec<_>>(),
            "total_count": c.replies.len()},
    })
}

/// The Intercom id the mock gives a contact named by `id`, `user_id` or `email`.
fn contact_id(who: &Value) -> String {
    for key in ["id", "user_id", "email"] {
        if let Some(v) = who[key].as_str() {
            return if key == "id" {
                v.to_string()
            } else {
                format!("mock-contact-{v}")
            };
        }
    }
    "mock-contact".to_string()
}

/// Sets the created message's `conversation_id` to `id`, or removes it:
/// Intercom returns one only when creating a conversation.
pub(super) fn with_conversation_id(mut answer: MockAnswer, id: Option<&str>) -> MockAnswer {
    let Ok(mut body) = serde_json::from_slice::<Value>(&answer.body) else {
        return answer;
    };
    if let Some(o) = body.as_object_mut() {
        match (o.contains_key("conversation_id"), id) {
            (true, Some(id)) => {
                o.insert("conversation_id".into(), json!(id));
            }
            (true, None) => {
                o.remove("conversation_id");
            }
            // The version does not declare it (before 2.2).
            (false, _) => {}
        }
    }
    answer.body = body.to_string().into_bytes();
    answer
}

impl State {
    /// Checks a search as Intercom would for its version, then answers a
    /// scripted answer or the conversations found, and records it.
    pub(super) fn search(&self, r: &Received) -> MockAnswer {
        let app_version = lock(&self.app_version).unwrap_or_default();
        let (body, version) = match check_search(r, app_version) {
            Ok(ok) => ok,
            Err(refusal) => return refusal.answer(),
        };
        let scripted = lock(&self.scripted).pop_front();
        let mut conversations = lock(&self.conversations);
        let answer = scripted.unwrap_or_else(|| {
            let found: Vec<Value> = message_ids(&body["query"])
                .iter()
                .flat_map(|id| conversations.find(id))
                .collect();
            let answer = json!({
                "type": "conversation.list",
                "pages": {"type": "pages", "page": 1, "per_page": 20,
                          "total_pages": usize::from(!found.is_empty())},
                "total_count": found.len(),
                "conversations": found,
            });
            rate_limit_headers(MockAnswer::status(200), conversations.searches.len())
                .header("x-request-id", &request_id())
                .body_json(&answer)
        });
        conversations.searches.push(ReceivedMessage {
            version,
            body,
            status: (!answer.drop).then_some(answer.status),
            id: None,
            undeclared: Vec::new(),
        });
        answer
    }
}

/// The message ids a query asks for: `source.id` `=` an id, alone or in an
/// `OR` group, or in an `AND` group whose other filters the mock ignores.
fn message_ids(query: &Value) -> Vec<String> {
    match (&query["field"], &query["operator"], &query["value"]) {
        (Value::String(f), Value::String(op), Value::String(id))
            if f == "source.id" && op == "=" =>
        {
            vec![id.clone()]
        }
        (Value::String(f), Value::String(op), Value::Array(ids))
            if f == "source.id" && op == "IN" =>
        {
            ids.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        }
        (Value::Null, _, Value::Array(filters)) => filters.iter().flat_map(message_ids).collect(),
        _ => Vec::new(),
    }
}

/// Checks a search: the token, the version (one that has search), and the
/// body against that version's request schema.
fn check_search(r: &Received, app_version: Version) -> Result<(Value, Version), super::Refusal> {
    let version = super::check_headers(r, app_version)?;
    let Some(validator) = &validators()[version.position()] else {
        // 1.x has no search: the path is unknown there.
        return Err(error(404, "not_found", "Resource Not Found".into()));
    };
    let body: Value = serde_json::from_slice(&r.body).map_err(|_| super::not_json())?;
    if let Some(first) = validator.iter_errors(&body).next() {
        return Err(super::Problem::new(&first).refusal(version));
    }
    Ok((body, version))
}

/// The search's request schema at each version, `None` where it has none.
fn validators() -> &'static [Option<jsonschema::Validator>] {
    static VALIDATORS: OnceLock<Vec<Option<jsonschema::Validator>>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        table::SEARCH_CONVERSATIONS_SCHEMAS
            .iter()
            .map(|text| {
                let schema: Value =
                    serde_json::from_str((*text)?).expect("generated request schemas are JSON");
                Some(
                    jsonschema::options()
                        .with_draft(jsonschema::Draft::Draft7)
                        .should_validate_formats(false)
                        .build(&schema)
                        .expect("generated request schemas are valid JSON Schema"),
                )
            })
            .collect()
    })
}

impl MockIntercom {
    /// The contact replies to `sent` with `text`: from now on, a search for
    /// the message's conversation finds it (opened now, unless it was
    /// opened when the message was created).
    ///
    /// # Panics
    /// When `sent` was not created by this mock.
    pub fn contact_replies(&self, sent: &SentMessage, text: &str) {
        self.contact_replies_to(sent.id(), text);
    }

    /// Like [`MockIntercom::contact_replies`], by the message's id.
    ///
    /// # Panics
    /// When no message with this id was created by this mock.
    pub fn contact_replies_to(&self, message_id: &str, text: &str) {
        let mut c = lock(&self.state.conversations);
        if !c.messages.contains_key(message_id) {
            panic!("MockIntercom created no message with id {message_id:?}");
        }
        let opened = match &c.messages[message_id].conversation {
            Some(_) => None,
            None => Some(c.open()),
        };
        let m = c.messages.get_mut(message_id).expect("checked above");
        if let Some(o) = opened {
            m.conversation = Some(o);
        }
        if let Some(conversation) = &mut m.conversation {
            conversation.replies.push(text.to_string());
        }
    }

    /// Every valid search received, in order, with the status it was answered.
    pub fn received_searches(&self) -> Vec<ReceivedMessage> {
        lock(&self.state.conversations).searches.clone()
    }
}
