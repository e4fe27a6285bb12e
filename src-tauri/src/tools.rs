//! Tools in the app: the MCP servers (started once the window has drawn, stopped on quit),
//! the native dialog that must confirm a program before it runs, and the person's decisions
//! on a chat's tool calls on their way from the window to the answer that waits for them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::future::BoxFuture;
use glama_core::chat::{Approvals, Decide, Decision};
use glama_core::mcp::{Confirm, McpManager};
use glama_core::store::{tool_calls, Store};
use glama_core::vault::Vault;
use tauri::AppHandle;
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

use crate::events::WindowEvents;

/// How long after the page's load the servers start.
const SERVERS_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// The app's tools and the approvals in flight.
pub struct ToolState {
    pub mcp: McpManager,
    /// Where the person's decisions go, by conversation, while one of its answers runs.
    deciding: Mutex<HashMap<String, Decide>>,
    /// Keeps the tools allowed in one conversation, with it.
    store: Arc<Store>,
}

impl ToolState {
    /// The servers of `mcp.json` at `path`, not started yet ([`ToolState::start`]).
    pub fn new(path: PathBuf, vault: Vault, store: Arc<Store>) -> ToolState {
        ToolState {
            mcp: McpManager::stopped(path, vault),
            deciding: Mutex::default(),
            store,
        }
    }

    /// Starts the enabled servers, and tells every window whenever a status, a tool list or the
    /// file changes. Called once the page has loaded, and waits [`SERVERS_AFTER`] more:
    /// servers are programs (five Python servers take seconds of CPU to start) that would
    /// compete with the window's first frames; started at the page's load they made the
    /// status appear 1.28× later (BENCHMARKS.md).
    pub fn start(&self, events: Arc<WindowEvents>) {
        let mcp = self.mcp.clone();
        let mut changed = mcp.subscribe();
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(SERVERS_AFTER).await;
            mcp.reload().await;
            while changed.changed().await.is_ok() {
                events.tools_changed();
            }
        });
    }

    /// One answer's approvals in `conversation_id`: the tools allowed already (always, or in this
    /// chat), and a channel for the window's decisions that lives as long as the guard.
    pub async fn approvals(&self, conversation_id: &str) -> (Approvals, Deciding<'_>) {
        let mut allowed = self.mcp.always_allowed();
        let id = conversation_id.to_string();
        match self.store.run(move |db| tool_calls::allowed_in_chat(db, &id)).await {
            Ok(chat) => allowed.extend(chat),
            // Unread, the chat's tools ask again: never more allowed than the person said.
            Err(e) => tracing::warn!(error = %e, "the chat's allowed tools could not be read"),
        }
        let (approvals, decide) = Approvals::new(allowed);
        lock(&self.deciding).insert(conversation_id.to_string(), decide);
        let guard = Deciding {
            tools: self,
            conversation_id: conversation_id.to_string(),
        };
        (approvals, guard)
    }

    /// The person's decision on call `call_id`, for the answer running in `conversation_id`.
    /// `false` when none runs there. The answer itself ignores an id it does not wait on.
    pub fn decide(&self, conversation_id: &str, call_id: &str, decision: Decision) -> bool {
        match lock(&self.deciding).get(conversation_id) {
            Some(decide) => decide.send((call_id.to_string(), decision)).is_ok(),
            None => false,
        }
    }

    /// Keeps an allowance the person gave from a call's card: in the file (always), or with
    /// the chat.
    pub fn keep_allowance(&self, conversation_id: &str, name: &str, always: bool) {
        if !always {
            let (id, name) = (conversation_id.to_string(), name.to_string());
            self.store.queue(move |db| {
                if let Err(e) = tool_calls::allow_in_chat(db, &id, &name) {
                    tracing::warn!(error = %e, "an allowance in a chat could not be kept");
                }
            });
            return;
        }
        let Some(tool) = self.mcp.resolve(name) else {
            return;
        };
        let mcp = self.mcp.clone();
        tauri::async_runtime::spawn(async move {
            if let Err(e) = mcp.set_tool_always(&tool.server, &tool.tool, true).await {
                tracing::warn!(error = %e, "an always-allow could not be kept");
            }
        });
    }
}

/// While it lives, the window's decisions reach one answer.
pub struct Deciding<'a> {
    tools: &'a ToolState,
    conversation_id: String,
}

impl Drop for Deciding<'_> {
    fn drop(&mut self) {
        lock(&self.tools.deciding).remove(&self.conversation_id);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// "Run this program?" in a native dialog, which a page can neither open nor answer.
pub struct NativeConfirm(pub AppHandle);

impl Confirm for NativeConfirm {
    fn run_program<'a>(&'a self, server: &'a str, command_line: &'a str) -> BoxFuture<'a, bool> {
        if let Some(answer) = test_answer() {
            return Box::pin(std::future::ready(answer));
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.0
            .dialog()
            .message(format!(
                "To start the tool server \"{server}\", Glama Chat will run this program on your computer, \
                 with your permissions:\n\n{command_line}\n\nRun it only if you trust where it came from."
            ))
            .title("Run a tool server?")
            .kind(MessageDialogKind::Warning)
            .buttons(MessageDialogButtons::OkCancelCustom("Run it".into(), "Cancel".into()))
            .show(move |run| {
                let _ = tx.send(run);
            });
        Box::pin(async move { rx.await.unwrap_or(false) })
    }
}

/// The end-to-end tests' answer to the dialog (`GLAMA_CHAT_TEST_CONFIRM=accept|decline`):
/// debug builds only, so no release build can be told to skip it.
#[cfg(debug_assertions)]
fn test_answer() -> Option<bool> {
    std::env::var("GLAMA_CHAT_TEST_CONFIRM").ok().map(|a| a == "accept")
}

#[cfg(not(debug_assertions))]
fn test_answer() -> Option<bool> {
    None
}
