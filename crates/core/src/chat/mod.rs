//! Conversations and the answers streamed into them.

pub mod answer;
pub mod conversation;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tokio_util::sync::CancellationToken;

use crate::gateway::{Gateway, GatewayError};
use crate::secret::ApiKey;
pub use answer::{AnswerEvent, AnswerPolicy};
use conversation::{Author, Conversation, ConversationSummary, EditError, ErrorView, MessageStatus, MessageView};

/// Why a chat action could not start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChatError {
    #[error("Connect to Glama first.")]
    NotConnected,
    #[error("An answer is still being written in this chat; stop it first.")]
    Busy,
    #[error("That chat no longer exists.")]
    NoSuchConversation,
    #[error("Pick a model first.")]
    NoModel,
    #[error("{0}")]
    Edit(#[from] EditError),
    #[error("{0}")]
    Gateway(#[from] GatewayError),
}

impl ChatError {
    pub fn kind(&self) -> &'static str {
        match self {
            ChatError::NotConnected => "not_connected",
            ChatError::Busy => "busy",
            ChatError::NoSuchConversation => "no_such_conversation",
            ChatError::NoModel => "no_model",
            ChatError::Edit(_) => "invalid_edit",
            ChatError::Gateway(e) => e.kind(),
        }
    }
}

/// What starts an answer.
#[derive(Debug, Clone)]
pub enum Ask {
    /// A new message from the person.
    Send { text: String },
    /// Answer the last question again (also "Retry" after an error).
    Regenerate,
    /// Replace one of the person's messages, drop what followed, answer again.
    Edit { message_id: u64, text: String },
}

/// All conversations of this run and the answers streaming into them.
#[derive(Default)]
pub struct Chats {
    conversations: Mutex<Vec<Conversation>>,
    running: Mutex<HashMap<u64, CancellationToken>>,
    policy: AnswerPolicy,
    /// The highest id handed out before the last [`Chats::clear`]: ids are never reused, so a
    /// late update from an answer that was running then finds nothing to change.
    cleared_up_to: AtomicU64,
}

impl Chats {
    pub fn new(policy: AnswerPolicy) -> Self {
        Self {
            policy,
            ..Self::default()
        }
    }

    fn conversations(&self) -> std::sync::MutexGuard<'_, Vec<Conversation>> {
        self.conversations.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn new_conversation(&self, model: &str) -> ConversationSummary {
        let mut all = self.conversations();
        let id = all
            .iter()
            .map(|c| c.id)
            .max()
            .unwrap_or(0)
            .max(self.cleared_up_to.load(Ordering::Relaxed))
            + 1;
        let c = Conversation::new(id, model.to_string());
        let summary = c.summary();
        all.push(c);
        summary
    }

    /// Newest first.
    pub fn list(&self) -> Vec<ConversationSummary> {
        self.conversations().iter().rev().map(Conversation::summary).collect()
    }

    pub fn messages(&self, id: u64) -> Result<Vec<MessageView>, ChatError> {
        let all = self.conversations();
        let c = all.iter().find(|c| c.id == id).ok_or(ChatError::NoSuchConversation)?;
        Ok(c.messages.iter().map(MessageView::from).collect())
    }

    /// Stops every answer and forgets every conversation (Delete all data).
    pub fn clear(&self) {
        for token in self.running.lock().unwrap_or_else(|p| p.into_inner()).values() {
            token.cancel();
        }
        let mut all = self.conversations();
        if let Some(last) = all.iter().map(|c| c.id).max() {
            self.cleared_up_to.fetch_max(last, Ordering::Relaxed);
        }
        all.clear();
    }

    /// Stops the answer streaming in `conversation_id`, if any; its text so far is kept.
    pub fn stop(&self, conversation_id: u64) -> bool {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        running.get(&conversation_id).map(|t| t.cancel()).is_some()
    }

    /// Runs one answer to its end, telling `emit` as it goes (a rejected key arrives as a
    /// `Finished` event whose error kind is `key_rejected`).
    pub async fn ask(
        &self,
        gateway: &Gateway,
        key: Option<ApiKey>,
        conversation_id: u64,
        model: &str,
        ask: Ask,
        emit: &mut (dyn FnMut(AnswerEvent) + Send),
    ) -> Result<MessageStatus, ChatError> {
        let key = key.ok_or(ChatError::NotConnected)?;
        if model.trim().is_empty() {
            return Err(ChatError::NoModel);
        }
        let cancel = CancellationToken::new();
        {
            let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
            if running.contains_key(&conversation_id) {
                return Err(ChatError::Busy);
            }
            running.insert(conversation_id, cancel.clone());
        }
        let running = RunningGuard {
            chats: self,
            conversation_id,
        };

        let (history, user_message_id, message_id) = {
            let mut all = self.conversations();
            let c = all
                .iter_mut()
                .find(|c| c.id == conversation_id)
                .ok_or(ChatError::NoSuchConversation)?;
            let user_message_id = match ask {
                Ask::Send { ref text } => Some(c.push_user(text)?),
                Ask::Regenerate => {
                    c.drop_last_answer()?;
                    None
                }
                Ask::Edit { message_id, ref text } => {
                    c.edit_user(message_id, text)?;
                    None
                }
            };
            c.model = model.to_string();
            let history = c.history();
            (history, user_message_id, c.start_answer())
        };
        emit(AnswerEvent::Started {
            conversation_id,
            user_message_id,
            message_id,
        });

        let outcome = answer::stream_answer(gateway, &key, model, &history, &cancel, &self.policy, emit).await;
        let error = outcome.error.as_ref().map(|e| ErrorView {
            kind: e.kind().into(),
            message: e.to_string(),
        });
        let status = outcome.status;
        self.update_message(conversation_id, message_id, |m| {
            m.text = outcome.text.clone();
            m.status = status;
            m.error = error.clone();
            if status == MessageStatus::Error && m.text.is_empty() {
                m.author = Author::Error;
            }
        });
        emit(AnswerEvent::Finished {
            status,
            error,
            text: outcome.text.clone(),
        });
        // The conversation is free for the next question while usage settles.
        drop(running);

        if status != MessageStatus::Error {
            if let Some(usage) = answer::settle_usage(gateway, &key, &outcome, &self.policy).await {
                self.update_message(conversation_id, message_id, |m| m.usage = Some(usage.clone()));
                emit(AnswerEvent::Usage(usage));
            }
        }
        Ok(status)
    }

    fn update_message(&self, conversation_id: u64, message_id: u64, f: impl FnOnce(&mut conversation::Message)) {
        let mut all = self.conversations();
        if let Some(m) = all
            .iter_mut()
            .find(|c| c.id == conversation_id)
            .and_then(|c| c.message_mut(message_id))
        {
            f(m);
        }
    }
}

/// Frees the conversation for the next answer however this one ends.
struct RunningGuard<'a> {
    chats: &'a Chats,
    conversation_id: u64,
}

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.chats
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.conversation_id);
    }
}
