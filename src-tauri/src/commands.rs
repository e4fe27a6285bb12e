//! Commands: thin adapters from the window's intents to `glama-core`. None of them returns
//! the API key; connection status carries only its masked tail.

use glama_core::chat::conversation::{ConversationSummary, MessageStatus, MessageView};
use glama_core::chat::{AnswerEvent, Ask};
use glama_core::connect::{Notice, Status};
use glama_core::gateway::types::ModelInfo;
use glama_core::gateway::GatewayError;
use glama_core::settings::Settings;
use serde::Deserialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::error::AppError;
use crate::state::AppState;
use crate::{browser, callbacks};

#[tauri::command]
pub fn connection_status(state: State<'_, AppState>) -> Status {
    state.connector.status()
}

/// Notices raised before the page listened (once; later ones arrive as events).
#[tauri::command]
pub fn take_notices(state: State<'_, AppState>) -> Vec<Notice> {
    state.notices.take()
}

/// Starts a sign-in and opens Glama's authorize page in the browser.
#[tauri::command]
pub async fn connect(app: AppHandle, state: State<'_, AppState>) -> Result<Status, AppError> {
    let scheme = callbacks::scheme(&app);
    let choice = state.settings.get().transport;
    let _ = state.scheme_settled.subscribe().wait_for(|settled| *settled).await;
    let asking = app.clone();
    // Asking the desktop runs a program (xdg-mime): not on an async worker.
    let use_scheme =
        tauri::async_runtime::spawn_blocking(move || choice.uses_scheme(|| callbacks::scheme_is_ours(&asking)))
            .await
            .unwrap_or(false);
    let url = state.connector.connect(use_scheme.then_some(scheme.as_str())).await?;
    if !browser::open(&url).await {
        state.connector.browser_failed();
    }
    Ok(state.connector.status())
}

#[tauri::command]
pub async fn cancel_connect(state: State<'_, AppState>) -> Result<Status, AppError> {
    Ok(state.connector.cancel().await)
}

#[tauri::command]
pub async fn disconnect(state: State<'_, AppState>) -> Result<Status, AppError> {
    Ok(state.connector.disconnect().await?)
}

#[tauri::command]
pub fn keep_key_for_session(state: State<'_, AppState>) -> Result<Status, AppError> {
    Ok(state.connector.keep_for_session()?)
}

#[tauri::command]
pub async fn list_models(state: State<'_, AppState>) -> Result<Vec<ModelInfo>, AppError> {
    let key = state.connector.key().ok_or(glama_core::chat::ChatError::NotConnected)?;
    let models = state.connector.gateway().models(&key).await;
    if let Err(GatewayError::Unauthorized) = models {
        state.connector.key_rejected(&key);
    }
    Ok(models?)
}

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Settings {
    state.settings.get()
}

#[tauri::command]
pub fn set_settings(state: State<'_, AppState>, settings: Settings) -> Result<Settings, AppError> {
    Ok(state.settings.update(|s| *s = settings)?)
}

#[tauri::command]
pub fn new_chat(state: State<'_, AppState>) -> ConversationSummary {
    let model = state.settings.get().model.unwrap_or_default();
    state.chats.new_conversation(&model)
}

#[tauri::command]
pub fn list_chats(state: State<'_, AppState>) -> Vec<ConversationSummary> {
    state.chats.list()
}

#[tauri::command]
pub fn chat_messages(state: State<'_, AppState>, conversation_id: u64) -> Result<Vec<MessageView>, AppError> {
    Ok(state.chats.messages(conversation_id)?)
}

/// What the window asks for: a new message, the last answer again, or an edit.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum AskRequest {
    Send { text: String },
    Regenerate,
    Edit { message_id: u64, text: String },
}

/// Streams one answer over `on_event` and resolves when it has ended.
#[tauri::command]
pub async fn ask(
    state: State<'_, AppState>,
    conversation_id: u64,
    model: String,
    request: AskRequest,
    on_event: Channel<AnswerEvent>,
) -> Result<MessageStatus, AppError> {
    let ask = match request {
        AskRequest::Send { text } => Ask::Send { text },
        AskRequest::Regenerate => Ask::Regenerate,
        AskRequest::Edit { message_id, text } => Ask::Edit { message_id, text },
    };
    let connector = state.connector.clone();
    let key = connector.key();
    let used = key.clone();
    let mut emit = |event: AnswerEvent| {
        if let (
            AnswerEvent::Finished {
                cause: Some(GatewayError::Unauthorized),
                ..
            },
            Some(used),
        ) = (&event, &used)
        {
            connector.key_rejected(used);
        }
        let _ = on_event.send(event);
    };
    Ok(state
        .chats
        .ask(state.connector.gateway(), key, conversation_id, &model, ask, &mut emit)
        .await?)
}

#[tauri::command]
pub fn stop_answer(state: State<'_, AppState>, conversation_id: u64) -> bool {
    state.chats.stop(conversation_id)
}

/// Opens a link from an answer in the system browser: http(s) only.
#[tauri::command]
pub async fn open_link(url: String) -> Result<(), AppError> {
    let parsed = url::Url::parse(&url).map_err(|_| AppError::UnsafeLink)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(AppError::UnsafeLink);
    }
    if browser::open(parsed.as_str()).await {
        Ok(())
    } else {
        Err(AppError::Browser(parsed.to_string()))
    }
}
