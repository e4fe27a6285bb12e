//! Answers streamed into conversations: the one place an answer is written. A token walks
//! gateway → here → (store, render) → window.
//!
//! - [`begin`]: what the person asked for, applied to the conversation by its [`rules`].
//! - [`prompt`]: the conversation turned into the request the model is sent.
//! - [`turn`]: the request and the answer streamed back, as an explicit state machine.
//! - [`view`]: messages as the window draws them.
//! - [`Chats`]: the answers streaming now, and the life of one around its turn (saved before
//!   the request leaves, as it grows, at its end; its usage once it settles).

pub mod begin;
pub mod context;
pub mod events;
pub mod model;
pub mod prompt;
pub mod rules;
pub mod think;
pub mod tools;
pub mod turn;
pub mod view;

#[cfg(test)]
pub(crate) mod fake;
mod growing;
mod pace;
mod summary;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

pub use begin::Ask;
pub use context::{Fit, Overflow};
pub use events::{AnswerEvent, AnswerSink, Phase};
pub use model::{Glama, Model};
pub use pace::Pace;
pub use tools::{Approvals, Decide, Decision, Tools};
pub use turn::{AnswerPolicy, Ending, Turn};

use crate::error_code::ErrorCode;
use crate::gateway::types::ModelInfo;
use crate::gateway::GatewayError;
use crate::store::answers::{self, Finish};
use crate::store::paging::Page;
use crate::store::rows::{ErrorView, MessageStatus};
use crate::store::tool_calls;
use crate::store::{Store, StoreError};
use view::MessagePage;

/// Why a chat action could not start.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("Connect to Glama first.")]
    NotConnected,
    #[error("An answer is still being written in this chat; stop it first.")]
    Busy,
    #[error("Pick a model first.")]
    NoModel,
    #[error("{}", overflow_words(.0))]
    Overflow(Overflow),
    #[error("{0}")]
    Gateway(#[from] GatewayError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl ChatError {
    pub fn kind(&self) -> ErrorCode {
        match self {
            ChatError::NotConnected => ErrorCode::NotConnected,
            ChatError::Busy => ErrorCode::Busy,
            ChatError::NoModel => ErrorCode::NoModel,
            ChatError::Overflow(_) => ErrorCode::ContextFull,
            ChatError::Gateway(e) => e.kind(),
            ChatError::Store(e) => e.kind(),
        }
    }
}

/// A request too large for the model's window, in words the person can act on.
fn overflow_words(o: &Overflow) -> String {
    let k = |t: u64| format!("{:.1}k", t as f64 / 1000.0).replace(".0k", "k");
    if o.last_turn_alone {
        format!(
            "Your message is too long for this model: about {} tokens, and the model holds {}. Shorten it, or choose a model with a larger window.",
            k(o.needed),
            k(o.window)
        )
    } else {
        format!(
            "This chat has outgrown the model's window: the next request would be about {} tokens, and the model holds {}. Send only the newest turns that fit, or choose a model with a larger window.",
            k(o.needed),
            k(o.window)
        )
    }
}

/// How an answer ended, for its caller (the window has been told already).
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    pub status: MessageStatus,
    /// Why it failed: the shell acts on some (a rejected key).
    pub error: Option<GatewayError>,
}

/// The answers streaming now, one per conversation at most.
pub struct Chats {
    store: Arc<Store>,
    running: Mutex<HashMap<String, Running>>,
    policy: AnswerPolicy,
    /// What the last model list said of the models.
    listed: Mutex<Listed>,
}

/// What the model list says of the models, as sending needs it.
#[derive(Default)]
struct Listed {
    /// Those that take images (`input:image`).
    seeing: HashSet<String>,
    /// Each model's context window, in tokens.
    windows: HashMap<String, u64>,
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
            listed: Mutex::default(),
        }
    }

    /// What the gateway's model list says of the models: a model that takes images is sent
    /// the images tool calls return (another is told they were shown to the person); a
    /// request is checked against its model's window before it leaves.
    pub fn models_listed(&self, models: &[ModelInfo]) {
        let listed = Listed {
            seeing: models
                .iter()
                .filter(|m| m.capabilities.iter().any(|c| c == "input:image"))
                .map(|m| m.id.clone())
                .collect(),
            windows: models
                .iter()
                .filter_map(|m| Some((m.id.clone(), m.max_tokens_input.filter(|w| *w > 0)?)))
                .collect(),
        };
        *self.listed() = listed;
    }

    fn listed(&self) -> std::sync::MutexGuard<'_, Listed> {
        self.listed.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn sees_images(&self, model_id: &str) -> bool {
        self.listed().seeing.contains(model_id)
    }

    /// What a request for `model_id` offering `tools` is checked against.
    pub fn fit(&self, model_id: &str, tools: &[serde_json::Value]) -> Fit {
        let listed = self.listed();
        Fit {
            sees_images: listed.seeing.contains(model_id),
            window: listed.windows.get(model_id).copied(),
            reserved: context::tools_tokens(tools),
        }
    }

    /// How much of `model_id`'s window the chat's next request would fill, with `draft` as its
    /// question and `tools` offered.
    pub async fn measure(
        &self,
        conversation_id: &str,
        model_id: &str,
        draft: String,
        tools: &[serde_json::Value],
    ) -> Result<begin::Measure, StoreError> {
        let fit = self.fit(model_id, tools);
        let (c, m) = (conversation_id.to_string(), model_id.to_string());
        self.store.run(move |db| begin::measure(db, &c, &m, &draft, &fit)).await
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<String, Running>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stops every answer (Delete all data).
    pub fn stop_all(&self) {
        for running in self.running().values() {
            running.cancel.cancel();
        }
    }

    /// Stops the answer streaming in `conversation_id`, if any; its text so far is kept.
    pub fn stop(&self, conversation_id: &str) -> bool {
        self.running().get(conversation_id).map(|r| r.cancel.cancel()).is_some()
    }

    /// The window has shown the last update of the answer streaming in `conversation_id`.
    pub fn shown(&self, conversation_id: &str) {
        if let Some(r) = self.running().get(conversation_id) {
            r.pace.shown();
        }
    }

    /// A page of a conversation as the window draws it.
    pub async fn page(&self, conversation_id: String, page: Page) -> Result<MessagePage, StoreError> {
        self.store
            .run(move |db| view::page(db, &conversation_id, page, view::PAGE_SIZE))
            .await
    }

    /// Runs one answer to its end, telling `sink` as it goes. The question and the answer's
    /// row are saved before the request leaves (written by `model_id`); the text is saved as
    /// it grows.
    pub async fn ask(
        &self,
        model: &impl Model,
        conversation_id: &str,
        model_id: &str,
        ask: Ask,
        sink: &mut dyn AnswerSink,
    ) -> Result<Answered, ChatError> {
        self.answer(model, conversation_id, model_id, ask, None, sink).await
    }

    /// [`Chats::ask`], with `tools` offered to the model: each call it asks for runs once
    /// `approvals` says so.
    pub async fn ask_with_tools(
        &self,
        model: &impl Model,
        conversation_id: &str,
        model_id: &str,
        ask: Ask,
        tools: (&dyn Tools, &mut Approvals),
        sink: &mut dyn AnswerSink,
    ) -> Result<Answered, ChatError> {
        self.answer(model, conversation_id, model_id, ask, Some(tools), sink)
            .await
    }

    async fn answer(
        &self,
        model: &impl Model,
        conversation_id: &str,
        model_id: &str,
        ask: Ask,
        tools: Option<(&dyn Tools, &mut Approvals)>,
        sink: &mut dyn AnswerSink,
    ) -> Result<Answered, ChatError> {
        if model_id.trim().is_empty() {
            return Err(ChatError::NoModel);
        }
        let (cancel, pace) = (CancellationToken::new(), Pace::default());
        {
            let mut running = self.running();
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

        let offered = tools.as_ref().map(|(tools, _)| tools.offered()).unwrap_or_default();
        let mut begun = {
            let (c, m) = (conversation_id.to_string(), model_id.to_string());
            let fit = self.fit(model_id, &offered);
            self.store
                .run(move |db| begin::begin(db, &c, &m, &ask, &fit))
                .await?
                .map_err(ChatError::Overflow)?
        };
        begun.request.tools = offered;
        if begun.request.tools.is_empty() {
            begun.request.messages = prompt::calls_as_words(std::mem::take(&mut begun.request.messages));
        }
        sink.event(AnswerEvent::Started {
            conversation_id: conversation_id.to_string(),
            question_id: begun.question_id.clone(),
            message_id: begun.message_id.clone(),
            question_versions: begun.question_versions,
            answer_versions: begun.answer_versions,
        });
        let mut saving = Saving {
            sink: &mut *sink,
            store: &self.store,
            message_id: &begun.message_id,
        };
        let mut turn = Turn::new(
            model,
            &begun.request,
            begun.resume.as_ref(),
            &self.policy,
            &cancel,
            &pace,
        );
        if let Some((tools, approvals)) = tools {
            turn = turn.with_tools(tools, approvals, self.sees_images(model_id));
        }
        let ending = turn.run(&mut saving).await;

        let written = &ending.written;
        let error = ending.error.as_ref().map(|e| ErrorView {
            kind: e.kind(),
            message: e.to_string(),
        });
        let role = rules::ended_as(ending.status, &written.text, &written.reasoning);
        // A continuation that did not reach its own end leaves the answer as cut as it was.
        let stop_reason = match (&begun.resume, &written.finish) {
            (Some(resume), None) => resume.stop_reason,
            _ => written.stop_reason(),
        };
        let (text, reasoning) = (written.text.clone(), written.reasoning.clone());
        let rendered = tokio::task::spawn_blocking(move || view::render(&text, &reasoning))
            .await
            .unwrap_or_else(|_| view::render("", ""));
        let finish = Finish {
            role,
            text: written.text.clone(),
            status: ending.status,
            error: error.clone(),
            request_id: ending.request_id.clone(),
            rendered,
            reasoning: written.reasoning.clone(),
            reasoning_ms: written.reasoning_ms,
            stop_reason,
            refusal: written.refusal.clone(),
        };
        let saved = {
            let id = begun.message_id.clone();
            self.store.run(move |db| answers::finish_answer(db, &id, &finish)).await
        };
        sink.event(AnswerEvent::Finished {
            status: ending.status,
            role,
            error,
            text: written.text.clone(),
            stop_reason,
            refusal: written.refusal.clone(),
            continuable: rules::continuable(role, ending.status, stop_reason, &written.text),
        });
        if let Err(e) = saved {
            sink.event(AnswerEvent::NotSaved(ErrorView {
                kind: e.kind(),
                message: e.to_string(),
            }));
        }
        // The conversation is free for the next question while usage settles.
        drop(running);

        if ending.status != MessageStatus::Error {
            self.settle_usage(model, &ending, &begun, sink).await;
        }
        Ok(Answered {
            status: ending.status,
            error: ending.error,
        })
    }

    /// Keeps and shows the answer's usage once the provider has settled it (a continued
    /// answer costs both its requests).
    async fn settle_usage(&self, model: &impl Model, ending: &Ending, begun: &begin::Begun, sink: &mut dyn AnswerSink) {
        let Some(usage) = ending.settle_usage(model, &self.policy).await else {
            return;
        };
        // The first request's count stands for a continued answer: the request that continued it
        // also held the answer's first part, which the estimate counts as the answer's own.
        let request_tokens = usage.prompt_tokens.filter(|_| begun.resume.is_none());
        let usage = match begun.resume.as_ref().and_then(|r| r.usage.as_ref()) {
            Some(before) => before.plus(&usage),
            None => usage,
        };
        let (id, u) = (begun.message_id.clone(), usage.clone());
        let saved = self
            .store
            .run(move |db| {
                answers::set_usage(db, &id, &u)?;
                match request_tokens {
                    Some(n) => answers::set_request_tokens(db, &id, n),
                    None => Ok(()),
                }
            })
            .await;
        if let Err(e) = saved {
            tracing::warn!(error = %e, "could not save an answer's usage");
        }
        sink.event(AnswerEvent::Usage(usage));
    }
}

/// Frees the conversation for the next answer however this one ends.
struct RunningGuard<'a> {
    chats: &'a Chats,
    conversation_id: &'a str,
}

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.chats.running().remove(self.conversation_id);
    }
}

/// The window's sink, with the answer saved as it grows (queued on the store's thread: the
/// stream never waits on the disk).
struct Saving<'a> {
    sink: &'a mut dyn AnswerSink,
    store: &'a Store,
    message_id: &'a str,
}

impl AnswerSink for Saving<'_> {
    fn event(&mut self, event: AnswerEvent) {
        // Tool calls are kept as they are asked for and as each moves on: a crash leaves them
        // there, interrupted.
        let id = self.message_id.to_string();
        match &event {
            AnswerEvent::ToolCalls { calls } => {
                let calls = calls.clone();
                self.store.queue(move |db| {
                    if let Err(e) = tool_calls::insert(db, &id, &calls) {
                        tracing::warn!(error = %e, "could not save an answer's tool calls");
                    }
                });
            }
            AnswerEvent::ToolCall(call) => {
                let call = call.clone();
                self.store.queue(move |db| {
                    if let Err(e) = tool_calls::update(db, &id, &call) {
                        tracing::warn!(error = %e, "could not save a tool call's end");
                    }
                });
            }
            AnswerEvent::ToolImages { call_id, images } => {
                let (call_id, images) = (call_id.clone(), images.clone());
                self.store.queue(move |db| {
                    if let Err(e) = tool_calls::keep_images(db, &id, &call_id, &images) {
                        tracing::warn!(error = %e, "could not save a tool call's images");
                    }
                });
                // The bytes are the store's; the window hears of the images with the call.
                return;
            }
            _ => {}
        }
        self.sink.event(event);
    }

    fn phase(&mut self, phase: Phase) {
        self.sink.phase(phase);
    }

    fn save(&mut self, text: &str, reasoning: &str) {
        let (id, text, reasoning) = (self.message_id.to_string(), text.to_string(), reasoning.to_string());
        self.store.queue(move |db| {
            if let Err(e) = answers::save_partial(db, &id, &text, &reasoning) {
                tracing::warn!(error = %e, "could not save an answer as it streamed");
            }
        });
    }
}

#[cfg(test)]
mod tests;
