//! The tools a turn may call, and the person's approval of each call.
//!
//! A call runs only when the person approved it here, in Rust: the turn holds the calls it
//! waits on, and a decision counts only for a call it holds. A tool the person allowed for
//! the conversation, or always, runs without asking again.

use std::collections::HashSet;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::gateway::tool_calls::ToolCall;
pub use crate::store::tool_calls::{CallRecord, CallStatus};

/// What runs the calls: the MCP servers in the app, a fake in tests.
pub trait Tools: Send + Sync {
    /// What the model is offered: OpenAI's `tools`, each `{"type": "function", …}`.
    fn offered(&self) -> Vec<serde_json::Value>;

    /// How the window names the tool `name` (as the request offered it): server and tool.
    fn label(&self, name: &str) -> String;

    /// Runs one approved call to its end, or until `cancel`.
    fn call(&self, call: ToolCall, cancel: CancellationToken) -> BoxFuture<'static, ToolResult>;
}

/// What a call gave back, as the model is told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolResult {
    pub text: String,
    /// The tool failed (its `isError`, a timeout, a server gone): the text says why.
    pub is_error: bool,
    /// Images the tool returned, as its server sent them (checked and scaled before they are
    /// kept, shown or sent).
    pub images: Vec<Vec<u8>>,
}

impl ToolResult {
    pub fn error(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            is_error: true,
            images: Vec::new(),
        }
    }
}

/// The person's answer to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Decision {
    AllowOnce,
    /// This tool, in this conversation.
    AllowChat,
    /// This tool, until revoked.
    AllowAlways,
    Deny,
}

/// Where a turn's decisions come from, and which tools need none.
pub struct Approvals {
    /// Tools (by the name the request offers) allowed for this conversation or always.
    allowed: HashSet<String>,
    decisions: mpsc::UnboundedReceiver<(String, Decision)>,
}

/// The window's side: decisions, by call id, as the person clicks.
pub type Decide = mpsc::UnboundedSender<(String, Decision)>;

impl Approvals {
    pub fn new(allowed: HashSet<String>) -> (Approvals, Decide) {
        let (decide, decisions) = mpsc::unbounded_channel();
        (Approvals { allowed, decisions }, decide)
    }

    pub(super) fn allowed(&self, name: &str) -> bool {
        self.allowed.contains(name)
    }

    pub(super) fn allow(&mut self, name: &str) {
        self.allowed.insert(name.to_string());
    }

    /// The next decision; `None` once nobody can decide any more (the window is gone).
    pub(super) async fn next(&mut self) -> Option<(String, Decision)> {
        self.decisions.recv().await
    }
}

/// A round's call as it is first shown: awaiting the person (or, allowed before, about to run).
pub(super) fn awaiting(call: &ToolCall, tools: &dyn Tools, round: u32, text_at: usize) -> CallRecord {
    CallRecord {
        id: call.id.clone(),
        name: call.name.clone(),
        label: tools.label(&call.name),
        arguments: call.arguments.clone(),
        status: CallStatus::Awaiting,
        result: None,
        images: Vec::new(),
        round,
        text_at,
    }
}

/// What the model is told of a call the person declined.
pub const DENIED: &str = "The person declined this tool call. Do not call it again for this request; \
answer with what you have, or ask them.";

/// Tool rounds (calls, then the model again) one question may take.
pub const MAX_ROUNDS: u32 = 25;

#[cfg(test)]
mod tests {
    #[test]
    fn the_store_holds_every_call_an_answer_can_make() {
        assert_eq!(
            super::MAX_ROUNDS as usize * crate::gateway::limits::TOOL_CALLS,
            crate::store::tool_calls::MAX_PER_ANSWER
        );
    }
}
