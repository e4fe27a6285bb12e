//! Answers: the models to answer with, asking for one, taking its events as it streams, Stop.

use glama_core::chat::begin::Measure;
use glama_core::chat::{AnswerEvent, AnswerSink, Ask, ChatError, Glama, Tools};
use glama_core::gateway::types::ModelInfo;
use glama_core::store::conversations::Conversation;
use glama_core::store::rows::MessageStatus;
use tauri::{State, WebviewWindow};

use crate::error::AppError;
use crate::events::{AnswerBatch, AnswerStream};
use crate::state::AppState;
use crate::window::MAIN;

#[tauri::command]
pub async fn list_models(state: State<'_, AppState>) -> Result<Vec<ModelInfo>, AppError> {
    let key = state.connector.key().ok_or(ChatError::NotConnected)?;
    let models = state.connector.gateway().models(&key).await;
    let models = models.inspect_err(|e| state.connector.call_failed(&key, e))?;
    state.chats.models_listed(&models);
    Ok(models)
}

/// Streams one answer and resolves when it has ended. Its events wait for the page in the
/// mailbox of `stream`, an id the calling window's page chose (`answer_events`). Its start and
/// its end are told to every window.
///
/// The person's enabled tools are offered when the chat's switch is on, unless `tools` is
/// `false` (Send without tools, after a model refused them), and only to the main window.
#[tauri::command]
pub async fn ask(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    model: String,
    request: Ask,
    stream: String,
    tools: Option<bool>,
) -> Result<MessageStatus, AppError> {
    let connector = &state.connector;
    let key = connector.key();
    let glama = Glama::connected(connector.gateway().clone(), key.clone())?;
    let answer = state.answer_events.stream(window.label(), &stream);
    let mut sink = ToWindow {
        answer: &answer,
        state: &state,
        by: window.label(),
        conversation_id: &conversation_id,
        started: false,
    };
    // Only the main window can decide on a call (quick ask has no `decide_tool_call`).
    let offer = tools != Some(false) && window.label() == MAIN && uses_tools(&state, &conversation_id).await;
    let asked = if offer {
        let (mut approvals, _deciding) = state.tools.approvals(&conversation_id).await;
        let offered = (&state.tools.mcp as &dyn Tools, &mut approvals);
        state
            .chats
            .ask_with_tools(&glama, &conversation_id, &model, request, offered, &mut sink)
            .await
    } else {
        state
            .chats
            .ask(&glama, &conversation_id, &model, request, &mut sink)
            .await
    };
    answer.close();
    give_back_freed_memory();
    if sink.started {
        state
            .window_events
            .conversation_changed(Some(&conversation_id), Some(window.label()));
    }
    let answered = asked?;
    if let Some(cause) = &answered.error {
        connector.call_failed(&glama.key, cause);
    }
    Ok(answered.status)
}

/// How much of `model`'s window the chat's next request would fill, with `draft` as its
/// question: the composer's meter.
#[tauri::command]
pub async fn measure_context(
    state: State<'_, AppState>,
    conversation_id: String,
    model: String,
    draft: String,
) -> Result<Measure, AppError> {
    let tools = if uses_tools(&state, &conversation_id).await {
        state.tools.mcp.openai_tools()
    } else {
        Vec::new()
    };
    Ok(state.chats.measure(&conversation_id, &model, draft, &tools).await?)
}

/// Goes on from chat `conversation_id`, which outgrew `model`'s window, in a new chat: the
/// model summarizes it, and the new chat starts from that summary with `draft` in its composer.
/// Told to every window.
#[tauri::command]
pub async fn continue_in_new_chat(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    model: String,
    draft: String,
) -> Result<Conversation, AppError> {
    let connector = &state.connector;
    let glama = Glama::connected(connector.gateway().clone(), connector.key())?;
    let new = state
        .chats
        .continue_in_new_chat(&glama, &conversation_id, &model, draft)
        .await?;
    state
        .window_events
        .conversation_changed(Some(&new.id), Some(window.label()));
    Ok(new)
}

/// Whether a question in `conversation_id` offers tools: its switch is on and some tool is ready
/// and enabled. (A chat that cannot be read goes on without; the answer then says why.)
async fn uses_tools(state: &AppState, conversation_id: &str) -> bool {
    if state.tools.mcp.openai_tools().is_empty() {
        return false;
    }
    let chat = state.store.conversation(conversation_id.to_string()).await;
    chat.is_ok_and(|c| c.tools)
}

/// Returns to the system what an answer's parsing and rendering freed. glibc keeps freed memory
/// in its arenas (one per thread that allocated), and a long answer's updates left tens of MB
/// there (BENCHMARKS.md, memory of one long conversation). Off the async thread: a trim walks
/// the heaps.
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tauri::async_runtime::spawn_blocking(|| {
        // SAFETY: malloc_trim only releases free pages of the allocator's own heaps.
        unsafe { libc::malloc_trim(0) };
    });
}

/// An answer's events on their way to the window that asked; its start is told to every window.
struct ToWindow<'a> {
    answer: &'a AnswerStream,
    state: &'a AppState,
    by: &'a str,
    conversation_id: &'a str,
    started: bool,
}

impl AnswerSink for ToWindow<'_> {
    fn event(&mut self, event: AnswerEvent) {
        if let AnswerEvent::Started { conversation_id, .. } = &event {
            self.started = true;
            self.state
                .window_events
                .conversation_changed(Some(conversation_id), Some(self.by));
        }
        if let AnswerEvent::ToolAllowed { name, always } = &event {
            self.state.tools.keep_allowance(self.conversation_id, name, *always);
        }
        self.answer.push(event);
    }
}

/// The next events of answer `stream`, once there are some; `None` once it has ended and the
/// page has them all. `painted`: how many updates the page has on screen (the `updates` of the
/// last batch, once painted); when that is all of them, the answer's next update may go
/// (`glama_core::chat::Pace`).
#[tauri::command]
pub async fn answer_events(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    stream: String,
    painted: u64,
) -> Result<Option<AnswerBatch>, AppError> {
    let answer = state.answer_events.stream(window.label(), &stream);
    if answer.all_painted(painted) {
        state.chats.shown(&conversation_id);
    }
    let batch = answer.take().await;
    if batch.is_none() {
        state.answer_events.forget(window.label(), &stream);
    }
    Ok(batch)
}

#[tauri::command]
pub fn stop_answer(state: State<'_, AppState>, conversation_id: String) -> bool {
    state.chats.stop(&conversation_id)
}
