//! Assistants: listed, saved from a chat (new, or into one), renamed, deleted, marked default.
//! Starting a chat from one is `chats::new_chat`.

use glama_core::store::assistants::Assistant;
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;

#[tauri::command]
pub async fn list_assistants(state: State<'_, AppState>) -> Result<Vec<Assistant>, AppError> {
    Ok(state.store.assistants().await?)
}

/// Saves the chat's settings as a new assistant named `name`.
#[tauri::command]
pub async fn save_assistant(
    state: State<'_, AppState>,
    conversation_id: String,
    name: String,
) -> Result<Assistant, AppError> {
    Ok(state.store.save_assistant(conversation_id, name).await?)
}

/// Saves the chat's settings into assistant `id`.
#[tauri::command]
pub async fn update_assistant(
    state: State<'_, AppState>,
    id: String,
    conversation_id: String,
) -> Result<Assistant, AppError> {
    Ok(state.store.update_assistant(id, conversation_id).await?)
}

#[tauri::command]
pub async fn rename_assistant(state: State<'_, AppState>, id: String, name: String) -> Result<Assistant, AppError> {
    Ok(state.store.rename_assistant(id, name).await?)
}

#[tauri::command]
pub async fn delete_assistant(state: State<'_, AppState>, id: String) -> Result<(), AppError> {
    Ok(state.store.delete_assistant(id).await?)
}

/// Marks the assistant New chat starts from (`None`: a plain chat).
#[tauri::command]
pub async fn set_default_assistant(state: State<'_, AppState>, id: Option<String>) -> Result<(), AppError> {
    Ok(state.store.set_default_assistant(id).await?)
}
