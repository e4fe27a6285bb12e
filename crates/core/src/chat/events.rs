//! What the window hears about one answer, and the sink that hears it.

use serde::Serialize;

use super::tools::CallRecord;
use crate::attach::Prepared;
use crate::render::RenderUpdate;
use crate::store::rows::{Author, ErrorView, MessageStatus, StopReason};
use crate::store::versions::Versions;
use crate::usage::Usage;

/// What the window hears about one answer, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(
    tag = "event",
    content = "data",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum AnswerEvent {
    /// The question and the answer's row are saved. `question_id`: the question the answer
    /// follows — what followed it before is now another version (a regenerate, an edit);
    /// `None` when an answer goes on in place (Continue). Where the question and the answer
    /// stand among their versions, when they have others.
    Started {
        conversation_id: String,
        question_id: Option<String>,
        message_id: String,
        question_versions: Option<Versions>,
        answer_versions: Option<Versions>,
    },
    Delta(RenderUpdate),
    /// The reasoning grew: `update` is applied like `Delta`, to the reasoning's own element.
    /// `live` while the model is reasoning now (not when an answer's earlier reasoning is
    /// shown again, or settled at the end).
    Reasoning {
        update: RenderUpdate,
        live: bool,
    },
    /// The reasoning ended (the answer began, or the stream did); `ms` is how long it took.
    Thought {
        ms: u64,
    },
    Retrying {
        in_secs: u64,
        attempt: u32,
        reason: String,
    },
    /// The answer ended. `text` is the whole answer as markdown (for Copy); `role` is `error`
    /// when it failed before any text (the message is then an error row); `continuable` when
    /// Continue is offered on it.
    Finished {
        status: MessageStatus,
        role: Author,
        error: Option<ErrorView>,
        text: String,
        /// Cut at the output limit, or filtered.
        stop_reason: Option<StopReason>,
        /// The model declined, in these words.
        refusal: Option<String>,
        continuable: bool,
    },
    Usage(Usage),
    /// The model asked for these tool calls (the ones not allowed already await the person).
    ToolCalls {
        calls: Vec<CallRecord>,
    },
    /// One call moved on (running, done, failed, denied, interrupted).
    ToolCall(CallRecord),
    /// The images call `call_id` returned, checked and scaled, to keep: told before the call's
    /// end (whose record shows them). Kept by the saving sink, never sent to a window.
    #[serde(skip)]
    ToolImages {
        call_id: String,
        images: Vec<Prepared>,
    },
    /// The person allowed a tool for this conversation, or always: for whoever keeps that.
    ToolAllowed {
        name: String,
        always: bool,
    },
    /// The answer was shown but could not be saved (a full disk, say).
    NotSaved(ErrorView),
}

impl AnswerEvent {
    /// An update the window lays out (the answer or its reasoning grew): what the pace counts.
    pub fn is_update(&self) -> bool {
        matches!(self, AnswerEvent::Delta(_) | AnswerEvent::Reasoning { .. })
    }
}

/// Where a turn is (`turn.rs`): told to the sink as it moves on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The question is saved and the request is on its way (or waits to be sent again).
    Requesting,
    /// The answer's first bytes came.
    Streaming,
    /// It ended; its usage may still be settling.
    Finished,
}

/// Who hears one answer: the shell (to the window) implements it; so do tests. A push model,
/// like ripgrep's `Sink`: the turn calls it as things happen, and never waits on it.
pub trait AnswerSink: Send {
    /// An event for the window.
    fn event(&mut self, event: AnswerEvent);

    /// The turn moved on (nothing for the window; for those who watch the turn itself).
    fn phase(&mut self, _phase: Phase) {}

    /// What the answer's text and reasoning gained since the last save (the first time, since
    /// the answer began, or since what a continued answer already held), at most every
    /// `AnswerPolicy::save_every` while they grow, so a crash loses at most that much. Only what
    /// is new: a save costs the same however long the answer is.
    fn save(&mut self, _text: &str, _reasoning: &str) {}
}

/// Events kept in order (tests, and sinks that only collect).
impl AnswerSink for Vec<AnswerEvent> {
    fn event(&mut self, event: AnswerEvent) {
        self.push(event);
    }
}
