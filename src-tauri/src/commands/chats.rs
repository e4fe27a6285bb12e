//! The conversations: new, listed, opened, paged through, renamed, deleted (and undone), their
//! model, system prompt and draft, and search across them. Each change but a draft's is told
//! to every window, with the window that made it.

use glama_core::chat::view::MessagePage;
use glama_core::store::assistants::Start;
use glama_core::store::conversations::{Conversation, Parameters};
use glama_core::store::paging::Page;
use glama_core::store::search::SearchHit;
use serde::Serialize;
use tauri::{State, WebviewWindow};

use crate::error::AppError;
use crate::state::AppState;

/// Tells every window that `window` changed conversation `id`.
fn changed(state: &AppState, window: &WebviewWindow, id: &str) {
    state.window_events.conversation_changed(Some(id), Some(window.label()));
}

/// A chat as `start` says (the default assistant, a plain chat, or an assistant): a new one, or
/// `reuse` (the open chat) when nothing was said in it yet.
#[tauri::command]
pub async fn new_chat(
    window: WebviewWindow,
    state: State<'_, AppState>,
    start: Start,
    reuse: Option<String>,
) -> Result<Conversation, AppError> {
    let model = state.settings.get().model.unwrap_or_default();
    let started = state.store.start_chat(start, reuse, model).await?;
    changed(&state, &window, &started.id);
    Ok(started)
}

/// What the window shows first: the chats and the one open last.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatsAtStart {
    conversations: Vec<Conversation>,
    active_id: Option<String>,
}

#[tauri::command]
pub async fn chats_at_start(state: State<'_, AppState>) -> Result<ChatsAtStart, AppError> {
    let (conversations, active_id) = state.store.conversations_and_active().await?;
    Ok(ChatsAtStart {
        conversations,
        active_id,
    })
}

#[tauri::command]
pub async fn list_chats(state: State<'_, AppState>) -> Result<Vec<Conversation>, AppError> {
    Ok(state.store.conversations().await?)
}

/// Opens a chat: it becomes the one reopened at start.
#[tauri::command]
pub async fn open_chat(state: State<'_, AppState>, conversation_id: String) -> Result<Conversation, AppError> {
    Ok(state.store.open_conversation(conversation_id).await?)
}

/// A page of a chat's messages (the newest by default), answers already rendered.
#[tauri::command]
pub async fn chat_messages(
    state: State<'_, AppState>,
    conversation_id: String,
    page: Option<Page>,
) -> Result<MessagePage, AppError> {
    Ok(state.chats.page(conversation_id, page.unwrap_or(Page::Latest)).await?)
}

#[tauri::command]
pub async fn rename_chat(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    title: String,
) -> Result<Conversation, AppError> {
    let renamed = state.store.rename_conversation(conversation_id.clone(), title).await?;
    changed(&state, &window, &conversation_id);
    Ok(renamed)
}

#[tauri::command]
pub async fn delete_chat(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
) -> Result<(), AppError> {
    // A chat deleted while it streams stops; Undo brings back what it had.
    state.chats.stop(&conversation_id);
    state.store.delete_conversation(conversation_id.clone()).await?;
    changed(&state, &window, &conversation_id);
    Ok(())
}

#[tauri::command]
pub async fn undo_delete_chat(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
) -> Result<Conversation, AppError> {
    let restored = state.store.undo_delete_conversation(conversation_id.clone()).await?;
    changed(&state, &window, &conversation_id);
    Ok(restored)
}

#[tauri::command]
pub async fn set_chat_model(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    model: String,
) -> Result<(), AppError> {
    state.store.set_model(conversation_id.clone(), model).await?;
    changed(&state, &window, &conversation_id);
    Ok(())
}

#[tauri::command]
pub async fn set_system_prompt(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    prompt: String,
) -> Result<(), AppError> {
    state.store.set_system_prompt(conversation_id.clone(), prompt).await?;
    changed(&state, &window, &conversation_id);
    Ok(())
}

/// A chat's tools switch: whether its questions offer the person's tools to the model.
#[tauri::command]
pub async fn set_chat_tools(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    enabled: bool,
) -> Result<(), AppError> {
    state.store.set_tools(conversation_id.clone(), enabled).await?;
    changed(&state, &window, &conversation_id);
    Ok(())
}

/// Whether a chat that has outgrown its model's window sends only its newest turns that fit.
#[tauri::command]
pub async fn set_chat_fit(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    newest: bool,
) -> Result<(), AppError> {
    state.store.set_fit_newest(conversation_id.clone(), newest).await?;
    changed(&state, &window, &conversation_id);
    Ok(())
}

/// Opens the version `step` versions from message `message_id` (−1 the one before, 1 the one
/// after), with the branch below it; returns its id.
#[tauri::command]
pub async fn show_version(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    message_id: String,
    step: i64,
) -> Result<String, AppError> {
    let shown = state
        .store
        .step_version(conversation_id.clone(), message_id, step)
        .await?;
    changed(&state, &window, &conversation_id);
    Ok(shown)
}

/// Deletes version `message_id` and what followed it (until Undo, or the next start); the
/// version shown in its place is returned.
#[tauri::command]
pub async fn delete_version(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    message_id: String,
) -> Result<String, AppError> {
    let shown = state.store.delete_version(conversation_id.clone(), message_id).await?;
    changed(&state, &window, &conversation_id);
    Ok(shown)
}

#[tauri::command]
pub async fn undo_delete_version(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    message_id: String,
) -> Result<(), AppError> {
    state
        .store
        .undo_delete_version(conversation_id.clone(), message_id)
        .await?;
    changed(&state, &window, &conversation_id);
    Ok(())
}

/// A chat's parameters (temperature, top-p, maximum answer length, reasoning effort), all at
/// once; an unset one is absent and never sent.
#[tauri::command]
pub async fn set_chat_parameters(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    parameters: Parameters,
) -> Result<(), AppError> {
    state.store.set_parameters(conversation_id.clone(), parameters).await?;
    changed(&state, &window, &conversation_id);
    Ok(())
}

#[tauri::command]
pub async fn save_draft(state: State<'_, AppState>, conversation_id: String, draft: String) -> Result<(), AppError> {
    Ok(state.store.save_draft(conversation_id, draft).await?)
}

/// Messages matching `query`, best first. A search this window's newer one overtook is not
/// run and finds nothing (the page shows only the newest answer anyway).
#[tauri::command]
pub async fn search_chats(
    window: WebviewWindow,
    state: State<'_, AppState>,
    query: String,
) -> Result<Vec<SearchHit>, AppError> {
    Ok(state
        .store
        .search(window.label().to_string(), query)
        .await?
        .unwrap_or_default())
}
