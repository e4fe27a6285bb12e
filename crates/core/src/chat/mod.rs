//! Answers streamed into conversations: the one place an answer is written. A token walks
//! gateway → here → (store, render) → window.

pub mod answer;
mod growing;
mod pace;
pub mod think;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use crate::gateway::{Gateway, GatewayError};
use crate::render::render_markdown;
use crate::secret::ApiKey;
use crate::store::messages::render_reasoning;
use crate::store::messages::{self, ErrorView, Finish, MessageStatus};
use crate::store::{Store, StoreError};
pub use answer::{AnswerEvent, AnswerPolicy};
pub use messages::Ask;
pub use pace::Pace;

/// Why a chat action could not start.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("Connect to Glama first.")]
    NotConnected,
    #[error("An answer is still being written in this chat; stop it first.")]
    Busy,
    #[error("Pick a model first.")]
    NoModel,
    #[error("{0}")]
    Gateway(#[from] GatewayError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl ChatError {
    pub fn kind(&self) -> &'static str {
        match self {
            ChatError::NotConnected => "not_connected",
            ChatError::Busy => "busy",
            ChatError::NoModel => "no_model",
            ChatError::Gateway(e) => e.kind(),
            ChatError::Store(e) => e.kind(),
        }
    }
}

/// The answers streaming now, one per conversation at most.
pub struct Chats {
    store: Arc<Store>,
    running: Mutex<HashMap<String, Running>>,
    policy: AnswerPolicy,
}

/// What the window can do to an answer while it streams.
struct Running {
    cancel: CancellationToken,
    pace: Pace,
}

impl Chats {
    pub fn new(store: Arc<Store>, policy: AnswerPolicy) -> Self {
        Self {
            store,
            running: Mutex::default(),
            policy,
        }
    }

    /// Stops every answer (Delete all data).
    pub fn stop_all(&self) {
        for running in self.running.lock().unwrap_or_else(|p| p.into_inner()).values() {
            running.cancel.cancel();
        }
    }

    /// Stops the answer streaming in `conversation_id`, if any; its text so far is kept.
    pub fn stop(&self, conversation_id: &str) -> bool {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        running.get(conversation_id).map(|r| r.cancel.cancel()).is_some()
    }

    /// The window has shown the last update of the answer streaming in `conversation_id`.
    pub fn shown(&self, conversation_id: &str) {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = running.get(conversation_id) {
            r.pace.shown();
        }
    }

    /// Runs one answer to its end, telling `emit` as it goes (a rejected key arrives as a
    /// `Finished` event whose `cause` is [`GatewayError::Unauthorized`]). The question and the
    /// answer's row are saved before the request leaves; the text is saved as it grows.
    pub async fn ask(
        &self,
        gateway: &Gateway,
        key: Option<ApiKey>,
        conversation_id: &str,
        model: &str,
        ask: Ask,
        emit: &mut (dyn FnMut(AnswerEvent) + Send),
    ) -> Result<MessageStatus, ChatError> {
        let key = key.ok_or(ChatError::NotConnected)?;
        if model.trim().is_empty() {
            return Err(ChatError::NoModel);
        }
        let (cancel, pace) = (CancellationToken::new(), Pace::default());
        {
            let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
            if running.contains_key(conversation_id) {
                return Err(ChatError::Busy);
            }
            let (cancel, pace) = (cancel.clone(), pace.clone());
            running.insert(conversation_id.to_string(), Running { cancel, pace });
        }
        let running = RunningGuard {
            chats: self,
            conversation_id,
        };

        let begun = {
            let (c, m) = (conversation_id.to_string(), model.to_string());
            self.store
                .run(move |db| messages::begin_answer(db, &c, &m, &ask))
                .await?
        };
        let message_id = begun.message_id.clone();
        emit(AnswerEvent::Started {
            conversation_id: conversation_id.to_string(),
            user_message_id: begun.user_message_id.clone(),
            message_id: message_id.clone(),
        });

        let store = self.store.clone();
        let saving = message_id.clone();
        let mut save = move |text: &str, reasoning: &str| {
            let (id, text, reasoning) = (saving.clone(), text.to_string(), reasoning.to_string());
            store.queue(move |db| {
                if let Err(e) = messages::save_partial(db, &id, &text, &reasoning) {
                    eprintln!("glama-chat: could not save an answer as it streamed: {e}");
                }
            });
        };
        let outcome = answer::stream_answer(
            gateway,
            &key,
            &begun.model,
            &begun.history,
            begun.resume.as_ref(),
            &cancel,
            &pace,
            &self.policy,
            emit,
            &mut save,
        )
        .await;
        let error = outcome.error.as_ref().map(|e| ErrorView {
            kind: e.kind().into(),
            message: e.to_string(),
        });
        let status = outcome.status;
        let (text, reasoning) = (outcome.text.clone(), outcome.reasoning.clone());
        let (html, reasoning_html) =
            tokio::task::spawn_blocking(move || (render_markdown(&text), render_reasoning(&reasoning)))
                .await
                .unwrap_or_default();
        // A continuation that did not reach its own end leaves the answer as cut as it was.
        let stop_reason = match (&begun.resume, &outcome.finish) {
            (Some(resume), None) => resume.stop_reason,
            _ => outcome.stop_reason(),
        };
        let finish = Finish {
            text: outcome.text.clone(),
            status,
            error: error.clone(),
            request_id: outcome.request_id.clone(),
            html,
            reasoning: outcome.reasoning.clone(),
            reasoning_html,
            reasoning_ms: outcome.reasoning_ms,
            stop_reason,
            refusal: outcome.refusal.clone(),
        };
        let saved = {
            let id = message_id.clone();
            self.store
                .run(move |db| messages::finish_answer(db, &id, &finish))
                .await
        };
        emit(AnswerEvent::Finished {
            status,
            error,
            text: outcome.text.clone(),
            stop_reason,
            refusal: outcome.refusal.clone(),
            cause: outcome.error.clone(),
        });
        if let Err(e) = saved {
            emit(AnswerEvent::NotSaved {
                kind: e.kind().into(),
                message: e.to_string(),
            });
        }
        // The conversation is free for the next question while usage settles.
        drop(running);

        if status != MessageStatus::Error {
            if let Some(usage) = answer::settle_usage(gateway, &key, &outcome, &self.policy).await {
                // A continued answer costs both requests.
                let usage = match begun.resume.as_ref().and_then(|r| r.usage.as_ref()) {
                    Some(before) => before.plus(&usage),
                    None => usage,
                };
                let (id, u) = (message_id.clone(), usage.clone());
                if let Err(e) = self.store.run(move |db| messages::set_usage(db, &id, &u)).await {
                    eprintln!("glama-chat: could not save usage: {e}");
                }
                emit(AnswerEvent::Usage(usage));
            }
        }
        Ok(status)
    }
}

/// Frees the conversation for the next answer however this one ends.
struct RunningGuard<'a> {
    chats: &'a Chats,
    conversation_id: &'a str,
}

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.chats
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(self.conversation_id);
    }
}
