//! The conversations: new, listed, opened, paged through, renamed, deleted (and undone), their
//! model, system prompt and draft, and search across them. Each change but a draft's is told
//! to every window, with the window that made it.

use glama_core::store::conversations::{self, Conversation};
use glama_core::store::messages::{self, MessagePage, Page};
use glama_core::store::search::{self, SearchHit};
use serde::Serialize;
use tauri::{State, WebviewWindow};

use crate::error::AppError;
use crate::state::AppState;

#[tauri::command]
pub async fn new_chat(window: WebviewWindow, state: State<'_, AppState>) -> Result<Conversation, AppError> {
    let model = state.settings.get().model.unwrap_or_default();
    let created = state.store.run(move |db| conversations::create(db, &model)).await?;
    state
        .window_events
        .conversation_changed(Some(&created.id), Some(window.label()));
    Ok(created)
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
    let (conversations, active_id) = state
        .store
        .run(|db| Ok((conversations::list(db)?, conversations::active(db)?)))
        .await?;
    Ok(ChatsAtStart {
        conversations,
        active_id,
    })
}

#[tauri::command]
pub async fn list_chats(state: State<'_, AppState>) -> Result<Vec<Conversation>, AppError> {
    Ok(state.store.run(|db| conversations::list(db)).await?)
}

/// Opens a chat: it becomes the one reopened at start.
#[tauri::command]
pub async fn open_chat(state: State<'_, AppState>, conversation_id: String) -> Result<Conversation, AppError> {
    Ok(state
        .store
        .run(move |db| {
            conversations::set_active(db, &conversation_id)?;
            conversations::get(db, &conversation_id)
        })
        .await?)
}

/// A page of a chat's messages (the newest by default), answers already rendered.
#[tauri::command]
pub async fn chat_messages(
    state: State<'_, AppState>,
    conversation_id: String,
    page: Option<Page>,
) -> Result<MessagePage, AppError> {
    let page = page.unwrap_or(Page::Latest);
    Ok(state
        .store
        .run(move |db| messages::page(db, &conversation_id, page, PAGE_SIZE))
        .await?)
}

/// Messages per page: enough to fill a tall window, few enough to open at once.
const PAGE_SIZE: usize = 40;

#[tauri::command]
pub async fn rename_chat(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    title: String,
) -> Result<Conversation, AppError> {
    let id = conversation_id.clone();
    let renamed = state
        .store
        .run(move |db| conversations::rename(db, &id, &title))
        .await?;
    state
        .window_events
        .conversation_changed(Some(&conversation_id), Some(window.label()));
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
    let id = conversation_id.clone();
    state.store.run(move |db| conversations::delete(db, &id)).await?;
    state
        .window_events
        .conversation_changed(Some(&conversation_id), Some(window.label()));
    Ok(())
}

#[tauri::command]
pub async fn undo_delete_chat(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
) -> Result<Conversation, AppError> {
    let id = conversation_id.clone();
    let restored = state.store.run(move |db| conversations::undo_delete(db, &id)).await?;
    state
        .window_events
        .conversation_changed(Some(&conversation_id), Some(window.label()));
    Ok(restored)
}

#[tauri::command]
pub async fn set_chat_model(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    model: String,
) -> Result<(), AppError> {
    let id = conversation_id.clone();
    state
        .store
        .run(move |db| conversations::set_model(db, &id, &model))
        .await?;
    state
        .window_events
        .conversation_changed(Some(&conversation_id), Some(window.label()));
    Ok(())
}

#[tauri::command]
pub async fn set_system_prompt(
    window: WebviewWindow,
    state: State<'_, AppState>,
    conversation_id: String,
    prompt: String,
) -> Result<(), AppError> {
    let id = conversation_id.clone();
    state
        .store
        .run(move |db| conversations::set_system_prompt(db, &id, &prompt))
        .await?;
    state
        .window_events
        .conversation_changed(Some(&conversation_id), Some(window.label()));
    Ok(())
}

#[tauri::command]
pub async fn save_draft(state: State<'_, AppState>, conversation_id: String, draft: String) -> Result<(), AppError> {
    Ok(state
        .store
        .run(move |db| conversations::save_draft(db, &conversation_id, &draft))
        .await?)
}

#[tauri::command]
pub async fn search_chats(state: State<'_, AppState>, query: String) -> Result<Vec<SearchHit>, AppError> {
    Ok(state.store.run(move |db| search::search(db, &query, 50)).await?)
}
