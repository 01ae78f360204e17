//! [`Client::find_conversation`]: the search of a message's conversation,
//! through the send's own machinery (one attempt, retries, the rate budget,
//! bounded reads, scrubbing), with a span and metrics of its own.

use intercom_messages_api::types;
use tracing::Instrument;

use crate::conversation::{Conversation, FindError, searchable_versions};
use crate::send::attempt::{Decoded, send_once};
use crate::send::client::{Client, SendOptions};
use crate::send::error::SendError;
use crate::send::observe::{self, Measure, Operation};
use crate::send::rate_limit::RateLimit;
use crate::send::response::SentMessage;
use crate::send::retry::retrying;
use crate::send::wire::WireBody;

/// A search's answer, with what its headers said.
pub(crate) struct SearchAnswer {
    list: types::ConversationList,
    request_id: Option<String>,
    rate_limit: RateLimit,
}

impl Decoded for SearchAnswer {
    fn decode(body: &[u8]) -> Result<Self, serde_json::Error> {
        Ok(SearchAnswer {
            list: serde_json::from_slice(body)?,
            request_id: None,
            rate_limit: RateLimit::default(),
        })
    }
    fn stamp(&mut self, request_id: Option<String>, rate_limit: RateLimit) {
        self.request_id = request_id;
        self.rate_limit = rate_limit;
    }
}

/// The body of the search for `message_id`'s conversation: the query
/// `source.id` `=` the id, built with the generated request types.
pub(crate) fn search_body(message_id: &str) -> Vec<u8> {
    let filter = types::SearchFilter {
        field: Some(
            types::SearchFilterField::try_from("source.id")
                .expect("`source.id` is a non-empty field name"),
        ),
        operator: Some(types::SearchOperator::try_from("=").expect("`=` is a documented operator")),
        value: Some(types::SearchValue::String(message_id.to_string())),
    };
    let request = types::SearchConversationsRequest {
        query: types::SearchQuery::from(filter),
        pagination: None,
    };
    serde_json::to_vec(&request).expect("the generated request types always encode")
}

impl Client {
    /// Finds the conversation `sent` started: `None` until there is one
    /// (Intercom opens it when the contact replies, or at once for a
    /// message a user or lead wrote, or an admin message with
    /// `open_conversation`), then the [`Conversation`] whose source is the
    /// message. Uses the client's version.
    ///
    /// A search is a read: it is retried on 5xx answers and lost
    /// connections (as [`crate::RetryPolicy`] allows, up to its attempts),
    /// takes a slot of the same rate budget as sends, and reads its answer
    /// under the same bounds. A version that cannot search (1.x) is
    /// [`FindError::VersionCannotSearch`], and nothing is sent.
    ///
    /// ```no_run
    /// use intercom_messages::{Client, Contact, Message};
    ///
    /// # async fn demo(client: Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let sent = client
    ///     .send(Message::from_admin(394051).to(Contact::user_id("70")).in_app("Hello"))
    ///     .await?;
    /// // Later: has the contact replied?
    /// if let Some(conversation) = client.find_conversation(&sent).await? {
    ///     println!("conversation {} is {}", conversation.id, conversation.state.as_str());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn find_conversation(
        &self,
        sent: &SentMessage,
    ) -> Result<Option<Conversation>, FindError> {
        self.find_conversation_with(sent.id(), SendOptions::new())
            .await
    }

    /// Like [`Client::find_conversation`], by the message's id alone.
    pub async fn find_conversation_by_message_id(
        &self,
        message_id: &str,
    ) -> Result<Option<Conversation>, FindError> {
        self.find_conversation_with(message_id, SendOptions::new())
            .await
    }

    /// Like [`Client::find_conversation_by_message_id`], with options for
    /// this search: its version, timeout and retry policy (a policy given
    /// here is used as given; the client's own policy is widened to retry
    /// 5xx and lost connections, which a read may).
    pub async fn find_conversation_with(
        &self,
        message_id: &str,
        options: SendOptions,
    ) -> Result<Option<Conversation>, FindError> {
        let version = options.version.unwrap_or(self.version());
        if !version.has(intercom_messages_api::version_table::SEARCH_CONVERSATIONS_REQUEST) {
            return Err(FindError::VersionCannotSearch {
                version,
                searchable: searchable_versions(),
            });
        }
        if message_id.trim().is_empty() {
            return Err(FindError::EmptyMessageId);
        }
        let span = observe::span(Operation::Search, version, self.search_url());
        let policy = match &options.retry {
            Some(p) => p.clone(),
            None => self.retry_policy().clone().retry_possibly_delivered(true),
        };
        async {
            let body = WireBody::whole(search_body(message_id));
            let measure = Measure::start(None);
            let target = self.target(self.search_url(), version, &options, &measure);
            let result = retrying(&policy, &measure, || send_once(&target, &body)).await;
            // A search creates nothing: "after a possible delivery" says nothing here.
            let result = result.map_err(|e| match e {
                SendError::AfterPossibleDelivery { last, .. } => *last,
                e => e,
            });
            let span = tracing::Span::current();
            measure.finish(&span, Operation::Search, version, &result);
            let answer = result.map_err(FindError::Search)?;
            Ok(found(answer, message_id))
        }
        .instrument(span)
        .await
    }
}

/// The conversation of the answer whose source is the message (the first
/// one, should Intercom answer others), with the answer's headers.
fn found(answer: SearchAnswer, message_id: &str) -> Option<Conversation> {
    let mut conversations = answer.list.conversations.into_iter();
    let first = conversations
        .find(|c| c.source.as_ref().and_then(|s| s.id.as_deref()) == Some(message_id))?;
    Some(Conversation {
        request_id: answer.request_id,
        rate_limit: answer.rate_limit,
        ..Conversation::from(first)
    })
}
