//! The options every branch of Intercom's request schema shares, for the
//! kinds of message that take them as builder methods.

/// The options of the module docs, for the WhatsApp and SMS messages;
/// [`shared_options`] gives a message type their builder methods.
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

impl Shared {
    /// The shared options as a generated request carries them
    /// (`create_conversation_without_contact_reply: false` is Intercom's default).
    pub(crate) fn from_request(created_at: Option<i64>, open: Option<bool>) -> Self {
        Shared {
            created_at,
            open_conversation: open == Some(true),
        }
    }
}
